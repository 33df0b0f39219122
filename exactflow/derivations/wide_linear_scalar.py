r"""Width-d linear network on scalar data, f(x) = κ Σᵢ uᵢwᵢ x, layer rates η_u, η_w.

Model (MATH.md §4.2): x ∈ ℝ, u, w ∈ ℝᵈ, output scale κ > 0, p = u·w, loss
L = ½E[(y − κpx)²] = ½(E[y²] − 2κβp + ακ²p²) with α = E[x²] > 0, β = E[xy];
gradient flow u̇ = η_u κ w r, ẇ = η_w κ u r with the residual r = β − ακp.

**Parametrisation.** Xu & Ziyin (2024) solve this network exactly, but their exact
parametrisation (how width enters κ, the initialisation and the rates), their phase
boundaries and their formal definitions of the three mechanisms are *not found*
(MATH.md §4.1, §11.5).  Everything here is defined for the parametrisation just
stated; the regime rule and the mechanism observables are this module's own
definitions, not the paper's.

**Conserved.** Q = uuᵀ/η_u − wwᵀ/η_w (every entry), hence T = c·tr Q =
‖u‖²/ρ − ρ‖w‖², and the Gram determinant G = ‖u‖²‖w‖² − p² (c = √(η_uη_w),
ρ = √(η_u/η_w)).

**Solution.** With τ(t) = ∫₀ᵗ κ r, du/dτ = η_u w and dw/dτ = η_w u, so with
A± = (u₀ ± ρw₀)/2,

    u = A₊e^{cτ} + A₋e^{−cτ},   w = (A₊e^{cτ} − A₋e^{−cτ})/ρ,
    p = P₊e^{2cτ} + P₋e^{−2cτ},  P₊ = ‖A₊‖²/ρ ≥ 0,  P₋ = −‖A₋‖²/ρ ≤ 0.

y = 2cτ obeys ẏ = b − Ae^{y} + Be^{−y} (A = 2cακ²P₊, B = −2cακ²P₋, b = 2cκβ), the
Riccati equation of z = e^{y}.  Linearised, z = N/M with (N, M) = e^{tH}(1, 1),
H = [[b/2, B], [A, −b/2]]; with the growing e^{Dt/2} divided out (D = √(b² + 4AB),
E = e^{−Dt}, h = (1 − E)/D, σ± = (D ± b)/2 + {B, A}, all ≥ 0):

    y(t) = log(E + σ₊h) − log(E + σ₋h) = log1p(g₀h/(E + σ₋h)),   g₀ = b + B − A,

finite for every t (no overflow), with τ(∞) = log(σ₊/σ₋)/(2c), infinite only when
σ₊ or σ₋ vanishes (P₊ = 0 and β ≥ 0, or P₋ = 0 and β ≤ 0: the orbit escapes to the
saddle at the origin).  The NTK is the scalar K = κ²(η_u‖w‖² + η_w‖u‖²) =
2cκ²(P₊e^{y} − P₋e^{−y}) = 2cκ²√(p² − 4P₊P₋), which multiplies xx'.

The generated ``exact`` kernel takes the scalar invariants (t, P₊, P₋, κ, α, β, η_u,
η_w), not (p₀, ‖u₀‖², ‖w₀‖²): P₊ = (‖u₀‖²/ρ + 2p₀ + ρ‖w₀‖²)/4 cancels when
u₀ ≈ −ρw₀, whereas ‖u₀ + ρw₀‖²/(4ρ) is exact there (P₊ = 0 is a case of its own).
The mechanisms (alignment, disalignment, rescaling) and the kernel/feature rule
are defined in :mod:`._wide_linear_scalar_numeric` (:func:`regime`,
:func:`classify`, :func:`observables`).

References
----------
Xu, Ziyin (2024), "Three Mechanisms of Feature Learning in a Linear Network",
arXiv:2401.07085 (ICLR 2025); the closed form is MATH.md §4.2 (derived).

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.wide_linear_scalar import trajectory
>>> u, w = trajectory(np.array([0.0, 50.0]), np.array([0.3, 0.0]),
...                   np.array([0.0, 0.4]), alpha=1.0, beta=2.0)
>>> print(f"{u[1] @ w[1]:.10f}")  # p(∞) = β/(ακ)
2.0000000000
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.cfunctions import log1p

from ..symbolic.spec.flow import GradientFlow, gradient_flow
from ..symbolic.spec.functions import intexp, logz
from ..symbolic.spec.model import Model, ParamGroup, moment_loss
from ..symbolic.proof.verify import Solution

__all__ = [
    "model",
    "flow",
    "symbols",
    "conserved_matrix",
    "gram_determinant",
    "tau_solution",
    "riccati_coefficients",
    "textbook_y",
    "stable_y",
    "solution",
    "exact_kernel",
    "trajectory",
    "invariants",
    "observables",
    "ntk",
    "classify",
    "regime",
    "Regime",
    "derivation",
]

REFERENCES = (
    "Xu & Ziyin (2024), arXiv:2401.07085 (parametrisation not found; MATH.md §4.2)",
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
        name="wide_linear_scalar",
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


@functools.cache
def flow(d: int = 2) -> GradientFlow:
    """θ̇ = −η ⊙ ∇L for :func:`model`."""
    return gradient_flow(model(d))


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
    """u(τ), w(τ) in the reparametrised time τ (MATH.md §4.2), cosh/sinh form."""
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
    return sp.Piecewise(
        (forms["escape_up"], up),
        (forms["escape_down"], down),
        (log1p(g0 * h / Ms), g0 >= 0),
        (-log1p(-g0 * h / Ns), True),
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


# numerical API and the derivation bundle live in their own modules
from ._wide_linear_scalar_claims import derivation  # noqa: E402
from ._wide_linear_scalar_numeric import (  # noqa: E402
    Regime,
    classify,
    invariants,
    ntk,
    observables,
    regime,
    trajectory,
)
