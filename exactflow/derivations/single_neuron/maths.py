"""The mathematics of the single neuron: model, flow, δ, closed forms, kernels.

See the package docstring (:mod:`exactflow.derivations.single_neuron`) for the
derivation; this module holds its SymPy expressions.
"""

from __future__ import annotations

import functools

import sympy as sp

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

__all__ = ["NAME", "kernels", "model", "flow", "delta", "preconditioner", "solution",
           "symbols", "exact_kernel", "scaled_kernel", "textbook_kernel", "limit"]

NAME = "single_neuron"
REFERENCES = ("Kunin et al. (2024), arXiv:2406.06158",)
eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
t = sp.Symbol("t", nonnegative=True)
a = sp.Symbol("a", real=True)
a_init = sp.Symbol("a_init", real=True)


@functools.cache
def symbols(d: int) -> dict[str, tuple[sp.Symbol, ...]]:
    """Component symbols at dimension ``d``: ``w``, ``w_init``, ``beta_star``, Σ's."""
    return {
        **data_symbols(d),
        "w": sp.symbols(f"w0:{d}", real=True),
        "w_init": sp.symbols(f"w_init0:{d}", real=True),
    }


def _sigma_xx(d: int) -> sp.Matrix:
    return symmetric_matrix(symbols(d)["sigma_xx"], d)


@functools.cache
def model(d: int = 2, whitened: bool = False) -> Model:
    """The single-neuron model at input dimension ``d``.

    With ``whitened=True`` the data moments are Σxx = I and Σxy = β*.
    """
    sy = symbols(d)
    w = sp.Matrix(sy["w"])
    syy = sp.Symbol("sigma_yy", nonnegative=True)
    if whitened:
        sxx, sxy = sp.eye(d), sp.Matrix(sy["beta_star"])
        data = sy["beta_star"]
    else:
        sxx, sxy = _sigma_xx(d), sp.Matrix(sy["sigma_xy"])
        data = sy["sigma_xx"] + sy["sigma_xy"]
    return Model(
        name=NAME,
        params=(ParamGroup("a", (a,), eta_a), ParamGroup("w", sy["w"], eta_w, (d,))),
        consts=(eta_a, eta_w, syy) + tuple(data),
        loss=moment_loss(a * w, sxx, sxy, syy),
        inputs=sy["x"],
        forward=a * (w.T * sp.Matrix(sy["x"]))[0, 0],
        assumptions="whitened inputs: Σxx = I, Σxy = β*"
        if whitened
        else "general data moments Σxx (symmetric), Σxy",
        references=REFERENCES,
    )


flow = flow_of(model)


def delta(d: int = 2) -> sp.Expr:
    """The conserved δ = η_w a² − η_a‖w‖²."""
    return eta_w * a**2 - eta_a * sum(wi**2 for wi in symbols(d)["w"])


def preconditioner(beta: sp.Matrix, delta_: sp.Expr) -> sp.Matrix:
    r"""M(β, δ) = (κ+δ)/2 I + (κ−δ)/2 ββᵀ/‖β‖² (Eq. 4; needs β ≠ 0)."""
    beta = sp.Matrix(beta)
    nb2 = (beta.T * beta)[0, 0]
    kappa = sp.sqrt(delta_**2 + 4 * eta_a * eta_w * nb2)
    d = beta.shape[0]
    return (kappa + delta_) / 2 * sp.eye(d) + (kappa - delta_) / 2 * beta * beta.T / nb2


@functools.cache
def solution(d: int = 2) -> Solution:
    """The unified closed form for whitened inputs (docs §5), needs β* ≠ 0."""
    sy = symbols(d)
    b = sp.Matrix(sy["beta_star"])
    k = (eta_w / eta_a) ** sp.Rational(1, 4)
    q0 = k * a_init
    w0 = sp.Matrix(sy["w_init"]) / k
    s2 = (b.T * b)[0, 0]
    s = sp.sqrt(s2)
    u0 = (w0.T * b)[0, 0] / s
    dl = q0**2 - (w0.T * w0)[0, 0]  # δ̃
    tau = sp.sqrt(eta_a * eta_w) * t
    D = sp.sqrt(dl**2 + 4 * s2)
    C, S = sp.cosh(D * tau / 2), sp.sinh(D * tau / 2)
    u = C * u0 + 2 * S / D * (-dl / 2 * u0 + s * q0)
    q = C * q0 + 2 * S / D * (s * u0 + dl / 2 * q0)
    r0sq = (w0.T * w0)[0, 0] - u0**2
    lam = (
        1
        + sp.sinh(D * tau) / D * (u0**2 + q0**2)
        + 2
        * (sp.cosh(D * tau) - 1)
        / D**2
        * (-dl / 2 * u0**2 + 2 * s * u0 * q0 + dl / 2 * q0**2)
        + r0sq * intexp(-dl, tau)
    )
    root = sp.sqrt(lam)
    decay = sp.exp(-dl * tau / 2)
    state = {a: q / (k * root)}
    for wi, w0i, bi in zip(sy["w"], w0, b):
        state[wi] = k * (u * bi / s + decay * (w0i - u0 * bi / s)) / root
    initial = {a: a_init, **dict(zip(sy["w"], sy["w_init"]))}
    return Solution(
        t, state, initial, domain="whitened inputs, β* ≠ 0; every δ, a₀, η_a, η_w > 0"
    )


def limit(a0, w0_dot_b, s, delta_):
    """(a∞, sign) of the whitened flow: η_w a∞² = (D+δ)/2, sign(a∞) = sign(P).

    ``P = η_a w₀ᵀβ* + a₀ (δ + D)/2`` with ``D = √(δ² + 4η_aη_w s²)`` (docs §3,
    general rates); ``P = 0`` is the saddle's stable manifold (a∞ = 0).
    """
    D = sp.sqrt(delta_**2 + 4 * eta_a * eta_w * s**2)
    P = eta_a * w0_dot_b + a0 * (delta_ + D) / 2
    return sp.sign(P) * sp.sqrt((D + delta_) / (2 * eta_w)), P


# kernel inputs: per-point scalars, broadcast over arrays by the generated kernel
kt, ka0, kp0 = sp.symbols("t a0 p0", real=True)
kr0, ks = sp.symbols("r0 s", nonnegative=True)


def scaled_kernel(
    branch: str | None = None, asymptotic: bool = False
) -> tuple[tuple[str, sp.Expr], ...]:
    r"""The whitened solution with the growing exponentials factored out.

    Inputs are ``t, a0, p0 = w₀·β̂*, r0 = ‖Π⊥w₀‖, s = ‖β*‖, eta_a, eta_w``; outputs
    are ``a(t)``, ``p(t) = w(t)·β̂*`` and ``g(t)`` with ``Π⊥w(t) = g(t) Π⊥w₀``.
    The growing exponentials e^{Dτ/2} (in u, q) and e^{Dτ} (in Λ) are factored out,
    so every term left is bounded; Λ is a sum of non-negative terms (eigen-split
    of z₀ on A, docs §5).  On the saddle's stable manifold (P = 0) the scaled Λ
    underflows for Dτ ≳ 745; :func:`exact_kernel` is the log-scaled form that
    the kernel uses.  ``branch="pos"``/``"neg"`` returns the branch δ̃ ≥ 0 /
    δ̃ < 0 without Piecewise (used by the proof that this form equals
    :func:`solution`); ``asymptotic=True`` gives the t → ∞ values of the same
    form (e^{−Dτ} → 0, (1 − e^{−Dτ})/D → 1/D, the decaying Λ term → 0).
    """
    k = (eta_w / eta_a) ** sp.Rational(1, 4)
    q0, u0, rho0 = k * ka0, kp0 / k, kr0 / k
    dl = q0**2 - u0**2 - rho0**2  # δ̃ = δ/√(η_aη_w)
    tau = sp.sqrt(eta_a * eta_w) * kt
    D = sp.sqrt(dl**2 + 4 * ks**2)
    ad = sp.Abs(dl) if branch is None else (dl if branch == "pos" else -dl)
    m = (D + ad) / 2  # the larger of λ₊ = (D+δ̃)/2 and |λ₋| = (D−δ̃)/2
    n = ks**2 / m  # the smaller one, λ₊|λ₋| = s²
    big = sp.sqrt(m / D)  # cos θ or sin θ of the eigenbasis of A
    small = ks / (D * big)
    if branch is None:
        pos = dl >= 0
        lam_p = sp.Piecewise((m, pos), (n, True))
        cos = sp.Piecewise((sp.sqrt(2) / 2, sp.Eq(D, 0)), (big, pos), (small, True))
        sin = sp.Piecewise((sp.sqrt(2) / 2, sp.Eq(D, 0)), (small, pos), (big, True))
        rho = sp.Piecewise((D, pos), (2 * lam_p, True))
    elif branch == "pos":
        lam_p, cos, sin, rho = m, big, small, D
    else:
        lam_p, cos, sin, rho = n, small, big, 2 * n
    e = sp.exp(-D * tau) if not asymptotic else sp.Integer(0)
    h = intexp(-D, tau) if not asymptotic else 1 / D  # (1 − e^{−Dτ})/D
    P = sin * u0 + cos * q0  # coordinates of z₀ on the eigenvectors (±D/2)
    Q = cos * u0 - sin * q0
    # ẑ = P v₊ + Q e v₋ written as (1 − e) P v₊ + e z₀: exact at τ = 0 and, for
    # large τ, proportional to the same rounded P as Λ̂ (no error near P ≈ 0)
    grow = D * h if not asymptotic else sp.Integer(1)  # 1 − e^{−Dτ}
    u_hat = sin * P * grow + e * u0
    q_hat = cos * P * grow + e * q0
    decaying = rho0**2 * sp.exp(-rho * tau) * intexp(-ad, tau)
    lam_hat = e + P**2 * h + Q**2 * e * h + (decaying if not asymptotic else 0)
    root = sp.sqrt(lam_hat)
    return (
        ("a", q_hat / (k * root)),
        ("p", k * u_hat / root),
        ("g", sp.exp(-lam_p * tau) / root if not asymptotic else sp.Integer(0)),
    )


def _blend(sigma: sp.Expr, pos: sp.Expr, neg: sp.Expr) -> sp.Expr:
    """``pos`` where σ = 1, ``neg`` where σ = −1, their mean where σ = 0.

    ((1+σ)·pos + (1−σ)·neg)/2 with σ = sign(δ̃) ∈ {−1, 0, 1}: the factors are
    0, 1 or 2 and the halving is exact, so for σ = ±1 the value is exactly the
    selected one (both are finite).  No Piecewise: conditions on expressions
    built from it stay plain relations (SymPy rewrites a relation on a
    Piecewise into an if-then-else of every combination).
    """
    return ((1 + sigma) * pos + (1 - sigma) * neg) / 2


#: a floor, relative to D, for the half-sums m± = (D ± δ̃)/2 of the branch not
#: taken: it keeps that branch finite (0·∞ would spoil the blend), and never
#: touches the branch taken (there m± ≥ D/2)
_FLOOR = sp.Float("1e-30")


def _parts(branch):
    k = (eta_w / eta_a) ** sp.Rational(1, 4)
    q0, u0, rho0 = k * ka0, kp0 / k, kr0 / k
    # one product (not a sum SymPy halves): D ± δ̃ and sign(δ̃) use one rounded δ̃
    dl = (eta_w * ka0**2 - eta_a * (kp0**2 + kr0**2)) / sp.sqrt(eta_a * eta_w)
    tau = sp.sqrt(eta_a * eta_w) * kt
    D = sp.sqrt(dl**2 + 4 * ks**2)
    # |δ̃| as sign(δ̃)·δ̃: the same number, and a derivative of 0 at δ̃ = 0 (not
    # the +1 of one side), which keeps derivatives of the blends below exact
    ad = sp.sign(dl) * dl if branch is None else (dl if branch == "pos" else -dl)
    m = (D + ad) / 2
    if branch is None:
        # D = 0 only when δ̃ = s = 0; 1 there (and exactly D elsewhere: not
        # D + 1 − 1, which rounds to 0 for D < 2⁻⁵³) keeps the eigenbasis
        # divisions finite without touching any other point
        one_at_zero = 1 - sp.sign(D)
        Dp = sp.Max(D, one_at_zero)
        m_pos = sp.Max((D + dl) / 2, _FLOOR * Dp)  # = m for δ̃ ≥ 0
        m_neg = sp.Max((D - dl) / 2, _FLOOR * Dp)  # = m for δ̃ < 0
        r_pos, r_neg = sp.sqrt(m_pos * Dp), sp.sqrt(m_neg * Dp)
        sigma = sp.sign(dl)
        # cos θ = √(m₊/D) = s/√(m₋D), sin θ = s/√(m₊D) = √(m₋/D): each branch
        # is the same analytic function, free of cancellation on its side (so
        # derivatives are right at δ̃ = 0 too); at D = 0 any orthonormal basis
        # will do: (√2/2, √2/2)
        cos = _blend(sigma, r_pos / Dp, ks / r_neg) + one_at_zero * sp.sqrt(2) / 2
        sin = _blend(sigma, ks / r_pos, r_neg / Dp) + one_at_zero * sp.sqrt(2) / 2
        up = sp.Max(-dl, 0)
    else:
        big = sp.sqrt(m / D)
        small = ks / sp.sqrt(m * D)
        m_pos = m_neg = m
        if branch == "pos":
            cos, sin, up = big, small, sp.Integer(0)
        else:
            cos, sin, up = small, big, -dl
    return k, q0, u0, rho0, dl, tau, D, ad, cos, sin, up, m_pos, m_neg


def _log(x):
    """log x, with −∞ where x = 0 (only reached through exp(−∞) = 0)."""
    return logz(x)


#: Below this value of the scaled Λ̂ the direct form may lose accuracy to
#: underflow (e^{−Dτ} subnormal, P²h out of range); the kernel then switches to
#: the log-scaled form.  Above it, a subnormal e^{−λ₊τ} changes g = e^{−λ₊τ}/√Λ̂ by
#: at most 5e-324/√Λ̂ < 2e-308 (1.4e-45/√Λ̂ < 1.2e-38 in float32): below tiny.
TINY_LAMBDA = sp.Float("1e-13")


def exact_kernel(branch: str | None = None, form: str | None = None
                 ) -> tuple[tuple[str, sp.Expr], ...]:
    r"""The overflow-safe scalar form of the whitened solution (the ``exact`` kernel).

    Inputs are ``t, a0, p0 = w₀·β̂*, r0 = ‖Π⊥w₀‖, s = ‖β*‖, eta_a, eta_w``; outputs
    are ``a(t)``, ``p(t) = w(t)·β̂*`` and ``g(t)`` with ``Π⊥w(t) = g(t) Π⊥w₀``.

    The scaled Λ̂ = e^{−Dτ}Λ = E + P²h + Q²Eh + r̃₀²F·τφ₁(−|δ̃|τ) is a sum of
    non-negative terms, with E = e^{−Dτ}, h = (1−E)/D, G = e^{−λ₊τ}
    (λ₊ = (δ̃+D)/2), F = e^{−ρτ} = E (δ̃ ≥ 0) or G² (δ̃ < 0) = max(E, G²), P, Q the
    coordinates of z₀ on the eigenvectors of A.  The *direct* form divides by the
    growing exponential analytically:

        a = (cos·P·D·h + q̃₀E)/(k√Λ̂),  p = k(sin·P·D·h + ũ₀E)/√Λ̂,  g = G/√Λ̂,

    where every term is bounded and Λ̂ has no cancellation.  Only on (or
    exponentially near) the saddle's stable manifold P = 0, where Λ̂ falls below
    the floating-point range for ρτ ≳ 700, is Λ̂ < :data:`TINY_LAMBDA`; there
    the *log* form carries ℓ = log Λ̂ by log-sum-exp over the terms' logarithms
    and every output is a signed exponential of a bounded exponent.  The kernel
    is the direct form, switching to the log form where Λ̂ < TINY_LAMBDA
    (``form=None``); ``form="direct"``/``"log"`` gives one form alone, and
    ``branch="pos"``/``"neg"`` the δ̃ ≥ 0 / δ̃ < 0 branch without Piecewise.

    Transcendental calls per point, when only ``t`` varies (a trajectory, or a
    grid of times against initialisations, where everything else is computed
    once per initialisation): E = exp(−Dτ), G = exp(−λ₊τ), expm1(−Dτ) for h
    and expm1(−|δ̃|τ) for the r̃₀ term, and √Λ̂ — 2 exp, 2 expm1, 1 sqrt.  That
    is the fewest the formula needs: E and G are independent exponentials
    (λ₊/D is not a fixed ratio), h needs expm1 (1 − E loses all digits as
    τ → 0, where E → 1) and so does τφ₁(−|δ̃|τ) (for δ̃τ → 0; δ̃ = 0 is a
    point of the domain), and F = max(E, G²) (no call).  When every input varies,
    the generated header counts 11 sqrt, among them the fourth roots of η_a and
    η_w as nested square roots, √η_a and √η_w again, and the eigenbasis roots of
    both sides of the blend; 6 would do ((η_w/η_a)^{1/4}: 2, √(η_aη_w), D, one
    eigenbasis root, √Λ̂).  The log form (exp 7, log 4 more) is evaluated only
    where it is used (Numba) or in blocks where it is used (NumPy).
    """
    k, q0, u0, rho0, dl, tau, D, ad, cos, sin, up, m_pos, m_neg = _parts(branch)
    m = (D + ad) / 2
    sigma = sp.sign(dl)
    lam_p = {"pos": m, "neg": ks**2 / m}.get(
        branch, _blend(sigma, m_pos, ks**2 / m_neg))  # (δ̃ + D)/2
    rho = {"pos": D, "neg": 2 * lam_p}.get(
        branch, _blend(sigma, D, 2 * ks**2 / m_neg))  # D + min(δ̃, 0)
    P = sin * u0 + cos * q0
    Q = cos * u0 - sin * q0
    h = intexp(-D, tau)
    E, G = sp.exp(-D * tau), sp.exp(-lam_p * tau)  # direct: every term bounded
    # F = e^{−ρτ}, ρ = min(D, 2λ₊): max(E, G²), one comparison (a blend took 3 ops)
    F = {"pos": E, "neg": G**2}.get(branch, sp.Max(E, G**2, evaluate=False))
    lam_hat = E + P**2 * h + Q**2 * E * h + rho0**2 * F * intexp(-ad, tau)
    root = sp.sqrt(lam_hat)
    direct = (  # D·h = 1 − E, from h's expm1
        ("a", (cos * P * D * h + q0 * E) / (k * root)),
        ("p", k * (sin * P * D * h + u0 * E) / root),
        ("g", G / root),
    )
    if form == "direct":
        return direct
    # log: ℓ = log Λ̂ by log-sum-exp, every output an exponential of a bounded
    # exponent (exact also where Λ̂ itself is below the floating-point range)
    lh = _log(h)
    lP = _log(sp.Abs(P))
    terms = (
        -D * tau,
        2 * lP + lh,
        2 * _log(sp.Abs(Q)) + lh - D * tau,
        _log(rho0**2 * intexp(-ad, tau)) - rho * tau,  # ∫ e^{−δ̃σ}, rescaled
    )
    top = sp.Max(*terms)
    ell = top + sp.log(sp.Add(*(sp.exp(x - top) for x in terms)))
    grow = sp.sign(P) * D * h * sp.exp(lP - ell / 2)  # P(1 − e^{−Dτ})/√Λ̂
    decay = sp.exp(-D * tau - ell / 2)  # e^{−Dτ}/√Λ̂
    logged = (
        ("a", (cos * grow + q0 * decay) / k),
        ("p", k * (sin * grow + u0 * decay)),
        ("g", sp.exp(-lam_p * tau - ell / 2)),
    )
    if form == "log":
        return logged
    if form is not None:
        raise ValueError(f"form must be None, 'direct' or 'log', got {form!r}")
    rare = lam_hat < TINY_LAMBDA
    return tuple((name, sp.Piecewise((lg, rare), (dr, True)))
                 for (name, dr), (_, lg) in zip(direct, logged))


def textbook_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    """The same three outputs from the unified matrix-exponential form (docs §5)."""
    k = (eta_w / eta_a) ** sp.Rational(1, 4)
    q0, u0, rho0 = k * ka0, kp0 / k, kr0 / k
    dl = q0**2 - u0**2 - rho0**2
    tau = sp.sqrt(eta_a * eta_w) * kt
    D = sp.sqrt(dl**2 + 4 * ks**2)
    C, S = sp.cosh(D * tau / 2), sp.sinh(D * tau / 2)
    u = C * u0 + 2 * S / D * (-dl / 2 * u0 + ks * q0)
    q = C * q0 + 2 * S / D * (ks * u0 + dl / 2 * q0)
    lam = (
        1
        + sp.sinh(D * tau) / D * (u0**2 + q0**2)
        + 2
        * (sp.cosh(D * tau) - 1)
        / D**2
        * (-dl / 2 * u0**2 + 2 * ks * u0 * q0 + dl / 2 * q0**2)
        + rho0**2 * intexp(-dl, tau)
    )
    root = sp.sqrt(lam)
    return (
        ("a", q / (k * root)),
        ("p", k * u / root),
        ("g", sp.exp(-dl * tau / 2) / root),
    )


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``exact`` (:func:`exact_kernel`)."""
    return (
        KernelExprs(
            "exact",
            (kt, ka0, kp0, kr0, ks, eta_a, eta_w),
            exact_kernel(),
            "whitened single neuron: a(t), p(t) = w·β̂*, g(t) with Π⊥w(t) = g Π⊥w₀",
        ),
    )
