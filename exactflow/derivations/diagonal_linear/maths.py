"""The mathematics of the diagonal network: model, flow, conserved laws, the
exact map, the potential Q_α, the whitened closed form and the kernels.

See the package docstring (:mod:`exactflow.derivations.diagonal_linear`) for
the derivation; this module holds its SymPy expressions.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.cfunctions import expm1, hypot, log1p

from ...symbolic.proof.verify import Solution
from ...symbolic.spec.flow import flow_of
from ...symbolic.spec.functions import intexp, logz
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import (
    Model,
    ParamGroup,
    data_symbols,
    moment_loss,
    symmetric_matrix,
)

__all__ = ["NAME", "kernels", "symbols", "model", "flow", "conserved", "sigma_xx",
           "beta_of", "exact_map", "q", "potential", "potential_gradient", "kunin_q",
           "riccati_pair", "solution", "exact_kernel", "potential_kernel",
           "whitened_kernel"]

NAME = "diagonal_linear"
REFERENCES = ("Woodworth et al. (2020), arXiv:2002.09277",)
eta_u, eta_v, eta = sp.symbols("eta_u eta_v eta", positive=True)
alpha = sp.Symbol("alpha", positive=True)
t = sp.Symbol("t", nonnegative=True)
z = sp.Symbol("z", real=True)


@functools.cache
def symbols(d: int) -> dict[str, tuple[sp.Symbol, ...]]:
    """Component symbols at dimension ``d``: ``u``, ``v``, their initial values,
    the integrated residual ``r`` (R), ``beta_star``, ``x`` and the Σ's."""
    return {
        **data_symbols(d),
        "u": sp.symbols(f"u0:{d}", real=True),
        "v": sp.symbols(f"v0:{d}", real=True),
        "u_init": sp.symbols(f"u_init0:{d}", real=True),
        "v_init": sp.symbols(f"v_init0:{d}", real=True),
        "r": sp.symbols(f"r0:{d}", real=True),
    }


def sigma_xx(d: int) -> sp.Matrix:
    """The symmetric moment matrix Σxx built from its upper-triangle symbols."""
    return symmetric_matrix(symbols(d)["sigma_xx"], d)


def beta_of(u, v) -> sp.Matrix:
    """β = u⊙u − v⊙v."""
    return sp.Matrix([ui**2 - vi**2 for ui, vi in zip(u, v)])


@functools.cache
def model(d: int = 2, whitened: bool = False) -> Model:
    """The diagonal linear network at dimension ``d``.

    With ``whitened=True`` the data moments are Σxx = I and Σxy = β*.
    """
    sy = symbols(d)
    beta = beta_of(sy["u"], sy["v"])
    syy = sp.Symbol("sigma_yy", nonnegative=True)
    if whitened:
        sxx, sxy, data = sp.eye(d), sp.Matrix(sy["beta_star"]), sy["beta_star"]
    else:
        sxx, sxy = sigma_xx(d), sp.Matrix(sy["sigma_xy"])
        data = sy["sigma_xx"] + sy["sigma_xy"]
    return Model(
        name=NAME,
        params=(
            ParamGroup("u", sy["u"], eta_u, (d,)),
            ParamGroup("v", sy["v"], eta_v, (d,)),
        ),
        consts=(eta_u, eta_v, syy) + tuple(data),
        loss=moment_loss(beta, sxx, sxy, syy),
        inputs=sy["x"],
        forward=(beta.T * sp.Matrix(sy["x"]))[0, 0],
        assumptions="whitened inputs: Σxx = I, Σxy = β*"
        if whitened
        else "general data moments Σxx (symmetric), Σxy; samples: Σxx = XᵀX, Σxy = Xᵀy",
        references=REFERENCES,
    )


flow = flow_of(model)


def conserved(d: int = 2) -> dict[str, sp.Expr]:
    """Per-coordinate laws c_i = |u_i|^{η_v} |v_i|^{η_u} (u_i v_i at equal rates)."""
    sy = symbols(d)
    return {
        f"c{i}": sp.Abs(ui) ** eta_v * sp.Abs(vi) ** eta_u
        for i, (ui, vi) in enumerate(zip(sy["u"], sy["v"]))
    }


def exact_map(d: int = 2) -> dict[sp.Symbol, sp.Expr]:
    """u = u₀e^{−2η_uR}, v = v₀e^{2η_vR} in the integrated-residual symbols ``r``."""
    sy = symbols(d)
    out = {}
    for ui, vi, u0, v0, r in zip(sy["u"], sy["v"], sy["u_init"], sy["v_init"], sy["r"]):
        out[ui] = u0 * sp.exp(-2 * eta_u * r)
        out[vi] = v0 * sp.exp(2 * eta_v * r)
    return out


def q(x: sp.Expr = z) -> sp.Expr:
    """Woodworth's q(z) = 2 − √(4 + z²) + z arcsinh(z/2) (textbook form)."""
    return 2 - sp.sqrt(4 + x**2) + x * sp.asinh(x / 2)


def potential(beta, alpha_: sp.Expr = alpha) -> sp.Expr:
    """Q_α(β) = α² Σ q(β_i/α²)."""
    return sp.Add(*(alpha_**2 * q(b / alpha_**2) for b in beta))


def potential_gradient(beta, alpha_: sp.Expr = alpha) -> sp.Matrix:
    """∇Q_α(β)_i = arcsinh(β_i/(2α²))."""
    return sp.Matrix([sp.asinh(b / (2 * alpha_**2)) for b in beta])


def kunin_q(x: sp.Expr, abs_delta: sp.Expr) -> sp.Expr:
    """Kunin et al.'s q_δ(x) = ¼(2x arcsinh(2x/|δ|) − √(4x² + δ²) + |δ|)
    (docs/math/multi_neuron_linear.md §6)."""
    return (
        2 * x * sp.asinh(2 * x / abs_delta)
        - sp.sqrt(4 * x**2 + abs_delta**2)
        + abs_delta
    ) / 4


# ---------------------------------------------------------------- whitened solution
def riccati_pair(tau, u0, v0, s, stable: bool = False):
    """The scaled Möbius pair (ŷ₁, ŷ₂) with e^{4R} = ŷ₁/ŷ₂ (whitened, rate-1 time τ).

    w = e^{4R} solves ẇ = 4(u₀² − s w − v₀² w²), w(0) = 1; linearised, (y₁, y₂)
    = e^{τK}(1, 1)ᵀ with K = [[−2s, 4u₀²], [4v₀², 2s]], K² = 4D²I,
    D = √(s² + 4u₀²v₀²).  Scaled by e^{−2Dτ}:
    ŷ₁ = e^{−4Dτ} + 2(D − s + 2u₀²) I,  ŷ₂ = e^{−4Dτ} + 2(D + s + 2v₀²) I,
    I = ∫₀^τ e^{−4Dσ}dσ = (1 − e^{−4Dτ})/(4D): sums of non-negative terms,
    bounded, entire in D.  ``stable=True`` writes D ∓ s as 4u₀²v₀²/(D ± s) on the
    side where the difference would cancel.
    """
    p, m = u0**2, v0**2
    D = sp.sqrt(s**2 + 4 * p * m)
    if stable:
        d_minus = sp.Piecewise((4 * p * m / (D + s), s > 0), (D - s, True))
        d_plus = sp.Piecewise((D + s, s >= 0), (4 * p * m / (D - s), True))
    else:
        d_minus, d_plus = D - s, D + s
    e, i = sp.exp(-4 * D * tau), intexp(-4 * D, tau)
    return e + 2 * (d_minus + 2 * p) * i, e + 2 * (d_plus + 2 * m) * i


@functools.cache
def solution(d: int = 2) -> Solution:
    """Closed form for whitened inputs (Σxx = I, Σxy = β*) at equal rates η_u = η_v.

    Per coordinate, w = e^{4R} solves a Riccati equation with constant coefficients
    (τ = η t): u = u₀√(ŷ₂/ŷ₁), v = v₀√(ŷ₁/ŷ₂) with ŷ from :func:`riccati_pair`.  The
    state expressions use ``eta_u`` as the common rate; the residual is checked on
    the flow with η_v = η_u.
    """
    sy = symbols(d)
    state, initial = {}, {}
    for ui, vi, u0, v0, s in zip(
        sy["u"], sy["v"], sy["u_init"], sy["v_init"], sy["beta_star"]
    ):
        y1, y2 = riccati_pair(eta_u * t, u0, v0, s)
        state[ui] = u0 * sp.sqrt(y2 / y1)
        state[vi] = v0 * sp.sqrt(y1 / y2)
        initial[ui], initial[vi] = u0, v0
    return Solution(
        t,
        state,
        initial,
        domain="whitened inputs Σxx = I, Σxy = β*, equal rates η_u = η_v; "
        "every initialisation (including u₀ᵢ = 0 or v₀ᵢ = 0) and every β*",
    )


# ---------------------------------------------------------------- kernel expressions
# per-coordinate scalar inputs, broadcast by the generated kernels
kr = sp.Symbol("r", real=True)
ku0, kv0 = sp.symbols("u_init v_init", real=True)
kbeta = sp.Symbol("beta", real=True)
ks = sp.Symbol("s", real=True)
kt = sp.Symbol("t", nonnegative=True)
#: |x| = |β|/(2α²) above which arcsinh x = sign(x) log(2|x|) to 1/(4x²) ≤ 2.5e-17
SWITCH = sp.Integer(10) ** 8


def _beta(u, v, log_ratio):
    """u² − v² without cancellation, from δ = log|u/v| (finite when u₀v₀ ≠ 0).

    −sign(δ)·max(u², v²)·expm1(−2|δ|): −u² expm1(−2δ) for δ ≥ 0 (where
    |u| ≥ |v|), v² expm1(2δ) for δ < 0; −v² where u₀ = 0 and u² where v₀ = 0.
    Written without a condition on δ: a condition on it would be a Piecewise
    over δ's own Piecewise (SymPy folds such a condition into the branches of
    the inner one), and a kernel would evaluate δ's logarithms once more per
    branch; here it evaluates one expm1 and δ once.
    """
    diff = -sp.sign(log_ratio) * sp.Max(u**2, v**2) * expm1(-2 * sp.Abs(log_ratio))
    return sp.Piecewise((-(v**2), sp.Eq(ku0, 0)), (u**2, sp.Eq(kv0, 0)), (diff, True))


def exact_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    """(u, v, β) from (R, u₀, v₀, η_u, η_v), one coordinate, overflow-safe.

    β = u² − v² is evaluated through δ = log|u/v| = log|u₀| − log|v₀| −
    2(η_u + η_v)R as −u² expm1(−2δ) (δ ≥ 0) or v² expm1(2δ) (δ < 0) (:func:`_beta`):
    no cancellation, so at u₀ = v₀ = α it is −2α² sinh(4ηR) to a few ulp also for
    R → 0.

    Transcendental calls per point when only R varies: e^{−2η_uR}, e^{2η_vR} and
    one expm1 — 2 exp, 1 expm1, the fewest: u and v are independent
    exponentials (η_u/η_v is not fixed), and u² − v² needs expm1 where u ≈ v
    (exp(2δ) − 1 loses its digits as δ → 0); log|u₀| and log|v₀| are computed
    once.
    """
    # a zero start stays 0 (not 0·e^{±∞} = NaN when η|R| is large)
    u = sp.Piecewise((0, sp.Eq(ku0, 0)), (ku0 * sp.exp(-2 * eta_u * kr), True))
    v = sp.Piecewise((0, sp.Eq(kv0, 0)), (kv0 * sp.exp(2 * eta_v * kr), True))
    shift = -2 * (eta_u + eta_v) * kr
    log_ratio = _log_ratio_plus(shift)
    return (("u", u), ("v", v), ("beta", _beta(u, v, log_ratio)))


def _log_ratio_plus(shift):
    """log|u₀| − log|v₀| + shift, exactly ``shift`` where |u₀| = |v₀|.

    The printed sum may add ``shift`` to log|v₀| first, which would round a small
    shift away (|log α| ~ 230 at α = 1e100); at the structural equality
    |u₀| = |v₀| (the uniform initialisation) the logs are skipped instead.
    """
    logs = logz(sp.Abs(ku0)) - logz(sp.Abs(kv0))
    return sp.Piecewise((shift, sp.Eq(sp.Abs(ku0), sp.Abs(kv0))), (logs + shift, True))


def potential_kernel(stable: bool = True) -> tuple[tuple[str, sp.Expr], ...]:
    """α²q(β/α²) and arcsinh(β/(2α²)) for one coordinate, overflow-safe.

    With x = β/(2α²): α²q(β/α²) = β·(arcsinh x − β/(2α² + hypot(2α², β))), which
    never forms z² or √(4 + z²) (no overflow for |β/α²| up to 1e308) and is
    free of cancellation (the bracket is ≈ x/2 for small x and ≈ log 2|x| − 1
    for large x).  For |x| > 1e8, arcsinh x = sign(β)(log|β| − 2 log α) up to
    1/(4x²) ≤ 2.5e-17, which keeps α² from entering a quotient; valid for
    α ∈ [1e-150, 1e150].  Calls per point: arcsinh and hypot (the fewest: the
    gradient is an arcsinh, the potential needs the root √(4α⁴ + β²)); the
    logarithms of the large-|x| branch only where |x| > 1e8.  ``stable=False``
    gives the same outputs without the branch (arcsinh throughout), for the
    proof that the two agree.
    """
    two_a2 = 2 * alpha**2
    small = sp.asinh(kbeta / two_a2)
    if stable:
        log_2x = logz(sp.Abs(kbeta)) - 2 * sp.log(alpha)  # log 2|x|, never overflows
        # |x| > 1e8 ⇔ |β|/(2·1e8) > 2α²: no logarithm for the test, and no
        # overflow (|β| ≤ 1e300 is scaled down, 2α² ≤ 2e300 here)
        grad = sp.Piecewise(
            (sp.sign(kbeta) * log_2x,
             sp.Abs(kbeta) * sp.Float(1 / (2 * SWITCH)) > two_a2),
            (small, True),
        )
        root = hypot(two_a2, kbeta)
    else:
        grad, root = small, sp.sqrt(two_a2**2 + kbeta**2)
    return (("q", kbeta * (grad - kbeta / (two_a2 + root))), ("grad", grad))


def whitened_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    """(u, v, β) of the whitened closed form for one coordinate (equal rates η).

    Inputs t, u₀, v₀, s = β*_i, η.  With the bounded, positive pair ŷ₁, ŷ₂ of
    :func:`riccati_pair` (growing e^{2Dτ} factored out, no cancellation):
    u = u₀√(ŷ₂/ŷ₁), v = v₀√(ŷ₁/ŷ₂), β through log|u/v| = log|u₀/v₀| +
    log(ŷ₂/ŷ₁).  ŷ₁ → 0 only where u₀ = 0 (then u ≡ 0), ŷ₂ only where v₀ = 0.

    Transcendental calls per point when only t varies: e^{−4Dητ} and the
    expm1 of ∫₀^{ηt} e^{−4Dσ}dσ (which must not lose its digits as t → 0), one
    log1p for log(ŷ₂/ŷ₁) (ŷ₂/ŷ₁ → 1 as t → 0), one expm1 for β (:func:`_beta`)
    and √(ŷ₂/ŷ₁) — 1 exp, 2 expm1, 1 log1p, 1 sqrt, the fewest; the kernel
    takes a second square root for v rather than a division.
    """
    y1, y2 = riccati_pair(eta * kt, ku0, kv0, ks, stable=True)
    u = sp.Piecewise((0, sp.Eq(ku0, 0)), (ku0 * sp.sqrt(y2 / y1), True))
    v = sp.Piecewise((0, sp.Eq(kv0, 0)), (kv0 * sp.sqrt(y1 / y2), True))
    # log(ŷ₂/ŷ₁) = log1p((ŷ₂ − ŷ₁)/ŷ₁), ŷ₂ − ŷ₁ = 4(s + v₀² − u₀²)I: no cancellation
    gap = (
        4
        * (ks + kv0**2 - ku0**2)
        * intexp(-4 * sp.sqrt(ks**2 + 4 * ku0**2 * kv0**2), eta * kt)
    )
    log_ratio = _log_ratio_plus(log1p(gap / y1))
    return (("u", u), ("v", v), ("beta", _beta(u, v, log_ratio)))


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``exact`` (:func:`exact_kernel`), ``potential``
    (:func:`potential_kernel`) and ``whitened`` (:func:`whitened_kernel`)."""
    return (
        KernelExprs(
            "exact",
            (kr, ku0, kv0, eta_u, eta_v),
            exact_kernel(),
            "diagonal network exact map per coordinate: (u, v, β) from R, u₀, v₀",
        ),
        KernelExprs(
            "potential",
            (kbeta, alpha),
            potential_kernel(),
            "per coordinate: α²q(β/α²) and ∂Q_α/∂β = arcsinh(β/(2α²))",
        ),
        KernelExprs(
            "whitened",
            (kt, ku0, kv0, ks, eta),
            whitened_kernel(),
            "whitened closed form per coordinate: (u, v, β)(t), equal rates η",
        ),
    )
