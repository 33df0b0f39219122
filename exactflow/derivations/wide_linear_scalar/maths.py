"""The mathematics of the wide scalar-data network: model, flow, invariants,
closed forms, the Riccati time change and the ``exact`` kernel.

See the package docstring (:mod:`exactflow.derivations.wide_linear_scalar`) for
the derivation; this module holds its SymPy expressions.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.cfunctions import log1p

from ...symbolic.proof.verify import Solution
from ...symbolic.spec.flow import flow_of
from ...symbolic.spec.functions import intexp, logz
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup, moment_loss

__all__ = ["NAME", "kernels", "model", "flow", "symbols", "conserved_matrix",
           "gram_determinant", "tau_solution", "initial_amplitudes",
           "riccati_coefficients", "textbook_y", "stable_parts", "stable_y",
           "stable_ydot", "solution", "exact_kernel"]

NAME = "wide_linear_scalar"
REFERENCES = (
    "Xu & Ziyin (2024), arXiv:2401.07085 (the paper's parametrisation is not "
    "known to us; docs §2)",
)
eta_u, eta_w, kappa, alpha = sp.symbols("eta_u eta_w kappa alpha", positive=True)
beta = sp.Symbol("beta", real=True)
t = sp.Symbol("t", nonnegative=True)
tau = sp.Symbol("tau", real=True)
x = sp.Symbol("x", real=True)
sigma_yy = sp.Symbol("sigma_yy", nonnegative=True)
c = sp.sqrt(eta_u * eta_w)  # = sqrt(eta_u)*sqrt(eta_w) for positive symbols
rho = sp.sqrt(eta_u) / sp.sqrt(eta_w)
# kernel inputs besides t, the rates and the data: the two initial amplitudes
P_plus = sp.Symbol("P_plus", nonnegative=True)
P_minus = sp.Symbol("P_minus", nonpositive=True)


@functools.cache
def symbols(d: int) -> dict[str, tuple[sp.Symbol, ...]]:
    """Component symbols at width ``d``: ``u``, ``w``, ``u_init``, ``w_init``."""
    if not isinstance(d, int) or isinstance(d, bool) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    return {
        "u": sp.symbols(f"u0:{d}", real=True),
        "w": sp.symbols(f"w0:{d}", real=True),
        "u_init": sp.symbols(f"u_init0:{d}", real=True),
        "w_init": sp.symbols(f"w_init0:{d}", real=True),
    }


def _dot(a, b) -> sp.Expr:
    return sp.Add(*(ai * bi for ai, bi in zip(a, b)))


@functools.cache
def model(d: int = 2) -> Model:
    """The width-``d`` network f(x) = κ (u·w) x on scalar data (α = E x², β = E xy)."""
    sy = symbols(d)
    p = _dot(sy["u"], sy["w"])
    return Model(
        name=NAME,
        params=(
            ParamGroup("u", sy["u"], eta_u, (d,)),
            ParamGroup("w", sy["w"], eta_w, (d,)),
        ),
        consts=(eta_u, eta_w, kappa, alpha, beta, sigma_yy),
        loss=moment_loss(
            sp.Matrix([kappa * p]), sp.Matrix([[alpha]]), sp.Matrix([beta]), sigma_yy
        ),
        inputs=(x,),
        forward=kappa * p * x,
        assumptions="scalar input x; α = E[x²] > 0, β = E[xy]; κ > 0",
        references=REFERENCES,
    )


flow = flow_of(model)


def conserved_matrix(d: int = 2) -> sp.Matrix:
    """Q = uuᵀ/η_u − wwᵀ/η_w (conserved entry by entry)."""
    sy = symbols(d)
    u, w = sp.Matrix(sy["u"]), sp.Matrix(sy["w"])
    return u * u.T / eta_u - w * w.T / eta_w


def gram_determinant(d: int = 2) -> sp.Expr:
    """G = ‖u‖²‖w‖² − (u·w)² (conserved)."""
    sy = symbols(d)
    return _dot(sy["u"], sy["u"]) * _dot(sy["w"], sy["w"]) - _dot(sy["u"], sy["w"]) ** 2


def tau_solution(d: int = 2) -> dict[sp.Symbol, sp.Expr]:
    """u(τ), w(τ) in the reparametrised time τ (docs §2), cosh/sinh form."""
    sy = symbols(d)
    C, S = sp.cosh(c * tau), sp.sinh(c * tau)
    out = {}
    for ui, wi, ui0, wi0 in zip(sy["u"], sy["w"], sy["u_init"], sy["w_init"]):
        out[ui] = ui0 * C + rho * wi0 * S
        out[wi] = wi0 * C + ui0 * S / rho
    return out


def initial_amplitudes(d: int = 2) -> tuple[sp.Expr, sp.Expr]:
    """(P₊, P₋) = (‖u₀ + ρw₀‖², −‖u₀ − ρw₀‖²)/(4ρ) in the initial-value symbols."""
    sy = symbols(d)
    plus = [a + rho * b for a, b in zip(sy["u_init"], sy["w_init"])]
    minus = [a - rho * b for a, b in zip(sy["u_init"], sy["w_init"])]
    return _dot(plus, plus) / (4 * rho), -_dot(minus, minus) / (4 * rho)


def riccati_coefficients(Pp=P_plus, Pm=P_minus):
    """(A, B, b, D) of ẏ = b − Ae^{y} + Be^{−y}, D = √(b² + 4AB)."""
    A = 2 * c * alpha * kappa**2 * Pp
    B = -2 * c * alpha * kappa**2 * Pm
    b = 2 * c * kappa * beta
    return A, B, b, sp.sqrt(b**2 + 4 * A * B)


def textbook_y(A, B, b, D, time=t) -> sp.Expr:
    """y = log(N/M), (N, M) = e^{tH}(1, 1): the linearised Riccati solution."""
    C, S = sp.cosh(D * time / 2), sp.sinh(D * time / 2) / (D / 2)
    N = C + S * (b / 2 + B)
    M = C + S * (A - b / 2)
    return sp.log(N / M)


def _one_if(cond):
    return sp.Piecewise((1, cond), (0, True))


def stable_parts(A, B, b, D, branch=None, time=t):
    """σ₊, σ₋, g₀, E, h of the overflow-safe form (``branch``: sign of b, or None)."""
    if branch is None:
        # m = (D + |b|)/2 ≥ n = AB/m; the denominator is never 0 (D = 0 ⇒ AB = 0)
        m = (D + sp.Abs(b)) / 2
        n = 2 * A * B / (D + sp.Abs(b) + _one_if(sp.Eq(D, 0)))
        dp = sp.Piecewise((m, b >= 0), (n, True))
        dm = sp.Piecewise((n, b >= 0), (m, True))
    elif branch == "pos":  # b ≥ 0
        dp, dm = (D + b) / 2, 2 * A * B / (D + b)
    else:  # b < 0
        dp, dm = 2 * A * B / (D - b), (D - b) / 2
    return dp + B, dm + A, b + B - A, sp.exp(-D * time), intexp(-D, time)


def _escapes(A, B, b):
    """The conditions σ₋ = 0 (A = 0, b ≥ 0) and σ₊ = 0 (B = 0, b ≤ 0), on the inputs."""
    return sp.And(sp.Eq(A, 0), b >= 0), sp.And(sp.Eq(B, 0), b <= 0)


def stable_y(A, B, b, D, branch=None, case=None, time=t) -> sp.Expr:
    r"""y = 2cτ in the overflow-safe form (a Piecewise over the degenerate cases).

    ``case`` selects one branch without Piecewise (for the proofs): ``"up"`` (g₀ ≥
    0), ``"down"`` (g₀ < 0), ``"escape_up"`` (σ₋ = 0: A = 0, b ≥ 0), and
    ``"escape_down"`` (σ₊ = 0: B = 0, b ≤ 0).  Every term is bounded for every t.
    """
    sp_, sm, g0, E, h = stable_parts(A, B, b, D, branch, time)
    Nt, Mt = E + sp_ * h, E + sm * h
    forms = {
        "escape_up": D * time + log1p(B * h),
        "escape_down": -D * time - log1p(A * h),
        "up": log1p(g0 * h / Mt),
        "down": -log1p(-g0 * h / Nt),
    }
    if case is not None:
        return forms[case]
    up, down = _escapes(A, B, b)
    Ns, Ms = Nt + _one_if(down), Mt + _one_if(up)
    # "up" and "down" as one call: σ·log1p(σg₀h/(M̃ or Ñ)) with σ = sign g₀,
    # the denominator picked by exact 0/1 weights (σ = 0: y = 0 either way)
    sigma = sp.sign(g0)
    den = ((1 + sigma) * Ms + (1 - sigma) * Ns) / 2
    return sp.Piecewise(
        (forms["escape_up"], up),
        (forms["escape_down"], down),
        (sigma * log1p(sigma * g0 * h / den), True),
    )


def stable_ydot(A, B, b, D, branch=None, case=None, time=t) -> sp.Expr:
    """ẏ = g₀E/(ÑM̃) (all factors ≥ 0), with the degenerate cases E cancelled."""
    sp_, sm, g0, E, h = stable_parts(A, B, b, D, branch, time)
    Nt, Mt = E + sp_ * h, E + sm * h
    forms = {"escape_up": g0 / Nt, "escape_down": g0 / Mt, "up": g0 * E / (Nt * Mt)}
    forms["down"] = forms["up"]
    if case is not None:
        return forms[case]
    up, down = _escapes(A, B, b)
    Ns, Ms = Nt + _one_if(down), Mt + _one_if(up)
    return sp.Piecewise(
        (g0 / Ns, up), (g0 / Ms, down), (g0 * E / (Ns * Ms), True)
    )


def exact_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    r"""The ``exact`` kernel's outputs in the inputs t, P₊, P₋, κ, α, β, η_u, η_w.

    ``tau`` (τ(t)), ``g_plus = √P₊ e^{cτ}``, ``g_minus = √(−P₋) e^{−cτ}`` (so that
    u = √ρ(g₊Â₊ + g₋Â₋), w = (g₊Â₊ − g₋Â₋)/√ρ with Â± = A±/‖A±‖), ``p`` = u·w,
    ``r`` = β − ακp, ``ntk`` = 2cκ²(g₊² + g₋²), and ``tau_inf`` = τ(∞) (±∞ when the
    orbit escapes to the origin, 0 when nothing moves).

    p is taken as g₊² − g₋² or as (β − r)/(ακ), whichever has the smaller rounding
    bound, so it is accurate both early and near the fixed point p = β/(ακ).
    """
    A, B, b, D = riccati_coefficients()
    y = stable_y(A, B, b, D)
    ydot = stable_ydot(A, B, b, D)
    sp_, sm, _, _, _ = stable_parts(A, B, b, D)
    g_plus = sp.exp((logz(P_plus) + y) / 2)
    g_minus = sp.exp((logz(-P_minus) - y) / 2)
    r = ydot / (2 * c * kappa)
    grow = g_plus**2 + g_minus**2
    # a select written as arithmetic: a Piecewise whose condition holds a Piecewise
    # is folded by SymPy into per-branch exponentials that may overflow
    p1, p2 = g_plus**2 - g_minus**2, (beta - r) / (alpha * kappa)
    first = (1 + sp.sign((sp.Abs(beta) + sp.Abs(r)) / (alpha * kappa) - grow)) / 2
    p = first * p1 + (1 - first) * p2  # exact: first ∈ {0, ½, 1}
    both_zero = sp.And(sp.Eq(P_plus, 0), sp.Eq(P_minus, 0), sp.Eq(beta, 0))
    tau_inf = sp.Piecewise((0, both_zero), ((logz(sp_) - logz(sm)) / (2 * c), True))
    return (
        ("tau", y / (2 * c)),
        ("g_plus", g_plus),
        ("g_minus", g_minus),
        ("p", p),
        ("r", r),
        ("ntk", 2 * c * kappa**2 * grow),
        ("tau_inf", tau_inf),
    )


@functools.cache
def solution(d: int = 2) -> Solution:
    """The closed form in t: u(τ(t)), w(τ(t)) with e^{2cτ} = N/M (textbook form)."""
    sy = symbols(d)
    Pp, Pm = initial_amplitudes(d)
    A, B, b, D = riccati_coefficients(Pp, Pm)
    C, S = sp.cosh(D * t / 2), sp.sinh(D * t / 2) / (D / 2)
    root = sp.sqrt((C + S * (b / 2 + B)) / (C + S * (A - b / 2)))  # e^{cτ}
    state = {}
    for ui, wi, ui0, wi0 in zip(sy["u"], sy["w"], sy["u_init"], sy["w_init"]):
        ap, am = (ui0 + rho * wi0) / 2, (ui0 - rho * wi0) / 2
        state[ui] = ap * root + am / root
        state[wi] = (ap * root - am / root) / rho
    initial = dict(zip(sy["u"] + sy["w"], sy["u_init"] + sy["w_init"]))
    return Solution(
        t,
        state,
        initial,
        domain="every u₀, w₀, β; α, κ, η_u, η_w > 0 (D > 0 here; D → 0 by continuity)",
    )


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``exact`` (:func:`exact_kernel`)."""
    return (
        KernelExprs(
            "exact",
            (t, P_plus, P_minus, kappa, alpha, beta, eta_u, eta_w),
            exact_kernel(),
            "wide scalar-data network: tau(t), g_plus = sqrt(P+) e^{c tau}, "
            "g_minus = sqrt(-P-) e^{-c tau}, p = u.w, r = beta - alpha kappa p, "
            "ntk, tau_inf; P+ = |u0 + rho w0|^2/(4 rho) >= 0, "
            "P- = -|u0 - rho w0|^2/(4 rho) <= 0",
        ),
    )
