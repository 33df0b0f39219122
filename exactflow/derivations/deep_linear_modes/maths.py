"""The mathematics of the deep linear modes: the chain, its flow, the balanced
mode, its closed forms, learning times and kernels.

See the package docstring (:mod:`exactflow.derivations.deep_linear_modes`) for
the derivation; this module holds its SymPy expressions.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.cfunctions import log1p
from sympy.integrals.rationaltools import ratint

from ...symbolic.proof.verify import Solution
from ...symbolic.spec.flow import flow_of
from ...symbolic.spec.functions import intexp
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup, moment_loss

__all__ = ["NAME", "kernels", "symbols", "model", "flow", "product",
           "conserved_differences", "time_constant", "mode_rhs", "sigmoid",
           "textbook_sigmoid", "mode_solution", "solution", "learning_time_depth2",
           "integrand", "antiderivative", "roots_antiderivative",
           "hyper_antiderivative", "learning_time_expr", "exact_kernel",
           "learning_time_kernel"]

NAME = "deep_linear_modes"
REFERENCES = (
    "Saxe, McClelland, Ganguli (2014), arXiv:1312.6120",
    "Kunin et al. (2024), arXiv:2406.06158, §4 and App. B",
)

t = sp.Symbol("t", nonnegative=True)
tau = sp.Symbol("tau", positive=True)
s = sp.Symbol("s", positive=True)  # mode strength (a singular value of Σ^{31})
u = sp.Symbol("u", real=True)
u0 = sp.Symbol("u0", real=True)
uf = sp.Symbol("uf", real=True)
y = sp.Symbol("y", positive=True)  # (u/s)^{1/N}
z = sp.Symbol("z", positive=True)  # u/s
x = sp.Symbol("x", real=True)
sigma_yy = sp.Symbol("sigma_yy", nonnegative=True)
sigma_xx = sp.Symbol("sigma_xx", positive=True)
sigma_xy = sp.Symbol("sigma_xy", real=True)


@functools.cache
def symbols(depth: int) -> dict[str, tuple[sp.Symbol, ...]]:
    """Weights ``w1…wN``, their rates ``eta1…etaN`` and initial values."""
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 1:
        raise ValueError(f"depth must be a positive integer, got {depth!r}")
    n = range(1, depth + 1)
    return {
        "w": tuple(sp.Symbol(f"w{i}", real=True) for i in n),
        "eta": tuple(sp.Symbol(f"eta{i}", positive=True) for i in n),
        "w_init": tuple(sp.Symbol(f"w{i}_init", real=True) for i in n),
    }


def product(depth: int) -> sp.Expr:
    """The end-to-end map u = w_N⋯w_1 of the chain."""
    return sp.Mul(*symbols(depth)["w"])


@functools.cache
def model(depth: int = 2, whitened: bool = True) -> Model:
    """The scalar chain of ``depth`` weights, f(x) = w_N⋯w_1 x.

    ``whitened=True``: E[x²] = 1, E[xy] = s (one decoupled mode); otherwise the
    general scalar moments ``sigma_xx``, ``sigma_xy``.
    """
    sy = symbols(depth)
    if whitened:
        sxx, sxy, data = sp.Integer(1), s, (s,)
    else:
        sxx, sxy, data = sigma_xx, sigma_xy, (sigma_xx, sigma_xy)
    return Model(
        name=NAME,
        params=tuple(
            ParamGroup(w.name, (w,), eta) for w, eta in zip(sy["w"], sy["eta"])
        ),
        consts=sy["eta"] + (sigma_yy,) + data,
        loss=moment_loss(
            sp.Matrix([product(depth)]), sp.Matrix([[sxx]]), sp.Matrix([sxy]), sigma_yy
        ),
        inputs=(x,),
        forward=product(depth) * x,
        assumptions="one decoupled mode: whitened inputs, E[x²] = 1, E[xy] = s"
        if whitened
        else "general scalar moments E[x²] = sigma_xx, E[xy] = sigma_xy",
        references=REFERENCES,
    )


flow = flow_of(model)


def conserved_differences(depth: int) -> tuple[sp.Expr, ...]:
    """D_l = w_{l+1}²/η_{l+1} − w_l²/η_l, l = 1, …, N − 1 (docs §2)."""
    sy = symbols(depth)
    w, eta = sy["w"], sy["eta"]
    return tuple(
        w[i + 1] ** 2 / eta[i + 1] - w[i] ** 2 / eta[i] for i in range(depth - 1)
    )


def time_constant(depth: int) -> sp.Expr:
    """τ = (η_1⋯η_N)^{−1/N}, the time constant of the balanced mode."""
    return sp.Mul(*symbols(depth)["eta"]) ** sp.Rational(-1, depth)


def mode_rhs(depth, value=u, strength=s, time_const=tau) -> sp.Expr:
    """u̇ = N |u|^{2−2/N}(s − u)/τ, the balanced mode ODE (``depth`` may be real)."""
    p = 2 - 2 / sp.sympify(depth)
    return depth * sp.Abs(value) ** p * (strength - value) / time_const


def textbook_sigmoid(time=t, init=u0, strength=s, time_const=tau) -> sp.Expr:
    """u(t) = s e^{2st/τ}/(e^{2st/τ} − 1 + s/u₀), the docs (u₀ ≠ 0)."""
    e = sp.exp(2 * strength * time / time_const)
    return strength * e / (e - 1 + strength / init)


def sigmoid(time=t, init=u0, strength=s, time_const=tau) -> sp.Expr:
    """u(t) = s u₀/(u₀ + (s − u₀) e^{−2st/τ}), the overflow-safe orientation."""
    return (
        strength
        * init
        / (init + (strength - init) * sp.exp(-2 * strength * time / time_const))
    )


def mode_solution(branch: str = "nonneg", time=t, init=u0, strength=s,
                  time_const=tau) -> sp.Expr:
    """Depth-2 balanced mode, entire in s: ``"nonneg"`` (u₀ ≥ 0) or ``"neg"``.

    With I = ∫₀^{t/τ} e^{−2sσ} dσ (positive, no cancellation):
    u = u₀/(e^{−2st/τ} + 2u₀ I) for u₀ ≥ 0 (ODE τu̇ = 2u(s − u)) and
    u = u₀ e^{−2st/τ}/(1 − 2u₀ I) for u₀ < 0 (ODE τu̇ = −2u(s − u)); both
    denominators are sums of non-negative terms, so no overflow at any t.
    """
    e = sp.exp(-2 * strength * time / time_const)
    integral = intexp(-2 * strength, time / time_const)
    if branch == "nonneg":
        return init / (e + 2 * init * integral)
    if branch == "neg":
        return init * e / (1 - 2 * init * integral)
    raise ValueError(f"branch must be 'nonneg' or 'neg', got {branch!r}")


@functools.cache
def solution() -> Solution:
    """Balanced depth-2 chain, general rates: w_l(t) = w_l(0)√(u(t)/u₀).

    Balanced initialisation w2(0) = √(η₂/η₁) w1(0) (so D₁ = 0 and u₀ ≥ 0);
    valid for every real w1(0), every s, any η₁, η₂ > 0.
    """
    w1, w2 = symbols(2)["w"]
    eta1, eta2 = symbols(2)["eta"]
    w1i = symbols(2)["w_init"][0]
    ratio = sp.sqrt(eta2 / eta1)
    g = sp.sqrt(eta1 * eta2)  # 1/τ
    init = ratio * w1i**2
    scale = 1 / sp.sqrt(sp.exp(-2 * g * s * t) + 2 * g * init * intexp(-2 * g * s, t))
    return Solution(
        t,
        {w1: w1i * scale, w2: ratio * w1i * scale},
        {w1: w1i, w2: ratio * w1i},
        domain="balanced depth-2 chain, w2(0) = √(η₂/η₁)·w1(0); every w1(0), s, η",
    )


def learning_time_depth2(init=u0, final=uf, strength=s, time_const=tau) -> sp.Expr:
    """t(u₀ → u_f) = (τ/2s) ln(u_f(s − u₀)/(u₀(s − u_f))), the docs."""
    return (
        time_const
        / (2 * strength)
        * sp.log(final * (strength - init) / (init * (strength - final)))
    )


def integrand(depth) -> sp.Expr:
    """1/(y^{N−1}(1 − y^N)): dt = τ s^{2/N−2} · this · dy with y = (u/s)^{1/N}."""
    return 1 / (y ** (depth - 1) * (1 - y**depth))


@functools.cache
def antiderivative(depth: int) -> sp.Expr:
    """Φ_N(y) from SymPy's ``ratint`` (real form), for 0 < y < 1.

    ``ratint`` writes log(y − 1); it is replaced by log(1 − y) (they differ by a
    constant), so Φ_N is real on (0, 1).  Fast for N = 1, 2, 3, 4, 6, 8.
    """
    f = ratint(integrand(depth), y, real=True)
    half = sp.Rational(1, 2)
    return f.replace(
        lambda e: isinstance(e, sp.log) and bool(e.args[0].subs(y, half) < 0),
        lambda e: sp.log(-e.args[0]),
    )


def roots_antiderivative(depth: int, sign: int = 1) -> sp.Expr:
    r"""Φ for every integer N ≥ 2 from the N roots of y^N = sign (real form).

    ``sign = 1``: Φ' = 1/(y^{N−1}(1 − y^N)) (u between 0 and s, or above s);
    ``sign = −1``: Φ' = 1/(y^{N−1}(1 + y^N)) (negative u, y = (|u|/s)^{1/N}).
    With θ_k the angles of the roots (2πk/N, or (2k+1)π/N),
    ∫₀^y η/(1 − sign·η^N) dη = −(1/N) Σ_k [cos 2θ_k · ½ ln(1 − 2y cos θ_k + y²)
    − sin 2θ_k · atan2(y sin θ_k, 1 − y cos θ_k)]; the NumPy learning time
    evaluates exactly this sum.  The k = 0 term of sign = 1 is ln|1 − y|.
    """
    if depth < 2 or sign not in (1, -1):
        raise ValueError("roots_antiderivative needs depth >= 2 and sign = ±1")
    n = sp.Integer(depth)
    head = sp.log(y) if depth == 2 else y ** (2 - n) / (2 - n)
    total = sp.Integer(0)
    for k in range(depth):
        th = 2 * sp.pi * k / n if sign == 1 else (2 * k + 1) * sp.pi / n
        if sign == 1 and k == 0:
            total += sp.log(1 - y)
            continue
        quad = 1 - 2 * y * sp.cos(th) + y**2
        total += sp.cos(2 * th) * sp.log(quad) / 2 - sp.sin(2 * th) * sp.atan(
            y * sp.sin(th) / (1 - y * sp.cos(th))
        )
    return head - sign * total / n


def hyper_antiderivative(depth, zed=z) -> sp.Expr:
    r"""F(z) = z^a/a · ₂F₁(1, a; a+1; z), a = 2/N − 1: F' = z^{−p}/(1 − z).

    p = 2 − 2/N; valid for 0 < z < 1 and real N > 0, N ≠ 2; then
    t = (τ s^{−p}/N)[F(z_f) − F(z₀)].  (The incomplete beta B(z; a, 0).)
    """
    a = 2 / sp.sympify(depth) - 1
    return zed**a / a * sp.hyper((1, a), (a + 1,), zed)


def learning_time_expr(depth: int) -> sp.Expr:
    """t(u₀ → u_f) for integer depth from :func:`antiderivative` (0 < u < s)."""
    phi = antiderivative(depth)
    n = sp.Integer(depth)
    scale = tau * s ** (2 / n - 2)
    return scale * (
        phi.subs(y, (uf / s) ** (1 / n)) - phi.subs(y, (u0 / s) ** (1 / n))
    )


# kernel inputs (scalars broadcast over arrays by the generated kernel)
kt = sp.Symbol("t", real=True)
ku0, kuf = sp.symbols("u0 uf", real=True)
ks = sp.Symbol("s", nonnegative=True)


def exact_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    """The depth-2 balanced mode u(t; u₀, s, τ) for every real u₀ and s ≥ 0.

    :func:`mode_solution` with numerator and denominator divided by u₀:
    u = 1/(e^{−2st/τ}/u₀ + 2I) and u = e^{−2st/τ}/(1/u₀ − 2I), so no product
    u₀·I is formed (it overflows for large u₀ and t although u does not).
    u₀ = 0 (a fixed point) is its own branch.
    """
    e = sp.exp(-2 * ks * kt / tau)
    integral = intexp(-2 * ks, kt / tau)
    return (
        (
            "u",
            sp.Piecewise(
                (sp.Integer(0), sp.Eq(ku0, 0)),
                (1 / (e / ku0 + 2 * integral), ku0 > 0),
                (e / (1 / ku0 - 2 * integral), True),
            ),
        ),
    )


def learning_time_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    """Depth-2 learning time t(u₀ → u_f), written with two log1p calls.

    t = sgn(u₀)(τ/2s)[ln(u_f/u₀) + log1p((u_f − u₀)/(s − u_f))]: the two
    logarithms of the docs without cancellation (u_f − u₀ is exact when u_f is
    near u₀, s − u_f when u_f is near s).  With r = u_f/u₀ > 0, ln r is
    log1p((u_f − u₀)/u₀) while r ≥ 1/2 and −log1p((u₀ − u_f)/u_f) = −ln(1/r)
    below: both arguments are ≥ −1/2, where log1p is well conditioned, and
    each is a difference rounded once over a number of its size (log1p of
    (u_f − u₀)/u₀ near −1, e.g. u_f ≪ u₀ < 0, would lose every digit).  One
    log1p of the selected argument and one of (u_f − u₀)/(s − u_f): two calls
    per point, the fewest over the whole domain — the single quotient
    q = u_f(s − u₀)/(u₀(s − u_f)) of ln q overflows where t does not
    (u₀ = 5e-300, s − u_f = 4e-15: q ≈ 1.5e314, ln q ≈ 723).
    Domain: u₀, u_f on one trajectory, both in (0, s), both above s, or both
    negative (sgn = −1 there, since τu̇ = −2u(s − u) for u < 0).
    """
    d = kuf - ku0
    near = d / ku0 >= -sp.Rational(1, 2)  # r = u_f/u₀ ≥ 1/2
    ratio = (sp.Piecewise((1, near), (-1, True))
             * log1p(sp.Piecewise((d / ku0, near), (-d / kuf, True))))
    body = tau / (2 * ks) * (ratio + log1p(d / (ks - kuf)))
    return (("t", sp.Piecewise((body, ku0 > 0), (-body, True))),)


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``exact`` (:func:`exact_kernel`) and
    ``learning_time`` (:func:`learning_time_kernel`)."""
    return (
        KernelExprs(
            "exact",
            (kt, ku0, ks, tau),
            exact_kernel(),
            "balanced depth-2 mode u(t; u0, s, tau), every real u0, s >= 0",
        ),
        KernelExprs(
            "learning_time",
            (ku0, kuf, ks, tau),
            learning_time_kernel(),
            "depth-2 learning time t(u0 -> uf); u0, uf on one trajectory, u0 != 0",
        ),
    )
