r"""The mathematics of the infinite-width kernels: layer maps, stable forms, model.

See the package docstring (:mod:`exactflow.derivations.infinite_width`) for the
derivation; this module holds its SymPy expressions.

A pair of inputs is carried through the network as five scalars per pair: the two
variances ``k11``, ``k22``, the covariance ``k12``, the *sine scale*
``s = √(k11 k22 − k12²) = √(k11 k22)·sin φ`` (computed without cancellation, so
that the angle φ = atan2(s, k12) is accurate to an ulp also for (anti)parallel
inputs) and the NTK entry ``theta``.  Each generated kernel maps these through
one hidden layer, activation then ``Dense(W_std, b_std)``.
"""

from __future__ import annotations

import functools

import sympy as sp
from sympy.codegen.cfunctions import hypot

from ...symbolic.spec.flow import GradientFlow, gradient_flow
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup

__all__ = ["NAME", "REFERENCES", "ACTIVATIONS", "kernels", "layer_map", "input_map",
           "model", "flow", "balances", "one_minus_sinc", "sin_minus_xcos",
           "expectation_forms"]

NAME = "infinite_width"
REFERENCES = (
    "Sernau (2024), arXiv:2406.18800",
    "Yang & Littwin (2023), arXiv:2308.01814",
    "Cho & Saul (2009), 'Kernel methods for deep learning' (arc-cosine kernels)",
    "Williams (1997), 'Computing with infinite networks' (arcsine kernel)",
    "Jacot, Gabriel & Hongler (2018), arXiv:1806.07572",
    "Lee et al. (2019), arXiv:1902.06720",
    "Novak et al. (2020), arXiv:1912.02803 (neural-tangents)",
)
#: the activations of the catalog entry (the layer kernels are named after them)
ACTIVATIONS = ("relu", "leaky_relu", "erf", "linear")

# per-pair kernel inputs
k11, k22 = sp.symbols("k11 k22", nonnegative=True)
k12 = sp.Symbol("k12", real=True)
s = sp.Symbol("s", nonnegative=True)
theta = sp.Symbol("theta", real=True)
w_std = sp.Symbol("w_std", positive=True)
b_std = sp.Symbol("b_std", nonnegative=True)
slope = sp.Symbol("slope", nonnegative=True)
# input-layer kernel inputs: |x|², |x'|², x·x', |x ∧ x'|, |x − x'|², d_in
xx1, xx2 = sp.symbols("xx1 xx2", nonnegative=True)
x12 = sp.Symbol("x12", real=True)
wedge, dist2 = sp.symbols("wedge dist2", nonnegative=True)
d_in = sp.Symbol("d_in", positive=True)

#: 1/π as a 70-digit number: the generated kernels multiply by it (the Numba
#: printer cannot print the unevaluated π⁻¹ that CSE leaves of a division by π)
INV_PI = sp.Float(sp.N(1 / sp.pi, 70), 70)

#: below this angle the cancellation-free series are used (see the functions)
SERIES_BELOW = sp.Rational(1, 2)
_TERMS = 8  # the first omitted term is < 1e-19 relative at the switch


def _series(x: sp.Expr, coefficient) -> sp.Expr:
    """Σ_{k=1}^{8} (−1)^{k+1} c(k) x^{2k+1}/(2k+1)! in Horner form (in x²)."""
    x2 = x * x
    acc = sp.Integer(0)
    for k in range(_TERMS, 0, -1):
        acc = sp.Rational((-1) ** (k + 1) * coefficient(k),
                          sp.factorial(2 * k + 1)) + x2 * acc
    return x2 * x * acc


def one_minus_sinc(x: sp.Expr, scale: sp.Expr = 1, sine: sp.Expr | None = None,
                   series: bool | None = None) -> sp.Expr:
    r"""scale·(x − sin x), without cancellation for small x (x ∈ [0, π]).

    Below :data:`SERIES_BELOW` the Taylor series Σ_{k≥1} (−1)^{k+1}
    x^{2k+1}/(2k+1)! (eight terms: the first omitted one is below 1e-19 of the
    value); above it the direct difference scale·x − ``sine``, where ``sine``
    is scale·sin x given without a division (it loses at most 5 bits there).
    ``series=True``/``False`` returns one branch alone.
    """
    poly = scale * _series(x, lambda k: 1)
    direct = scale * x - (scale * sp.sin(x) if sine is None else sine)
    if series is not None:
        return poly if series else direct
    return sp.Piecewise((poly, x < SERIES_BELOW), (direct, True))


def sin_minus_xcos(x: sp.Expr, scale: sp.Expr = 1, sine: sp.Expr | None = None,
                   cosine: sp.Expr | None = None, series: bool | None = None
                   ) -> sp.Expr:
    r"""scale·(sin x − x cos x) (the arc-cosine J at π − x), x ∈ [0, π].

    Series Σ_{k≥1} (−1)^{k+1} 2k x^{2k+1}/(2k+1)! below :data:`SERIES_BELOW`
    (the value is ≈ x³/3 there and the direct form cancels), the direct
    ``sine − x·cosine`` (scale·sin x, scale·cos x) above.
    """
    poly = scale * _series(x, lambda k: 2 * k)
    sine = scale * sp.sin(x) if sine is None else sine
    cosine = scale * sp.cos(x) if cosine is None else cosine
    direct = sine - x * cosine
    if series is not None:
        return poly if series else direct
    return sp.Piecewise((poly, x < SERIES_BELOW), (direct, True))


def _piecewise_linear(gamma, series: bool | None = None):
    """(E φφ, E φ'φ', RΔ, RΣ, κ₀) of φ(z) = max(z, γz), 0 ≤ γ ≤ 1.

    With R = √(k11k22) = hypot(s, k12), φ = atan2(s, k12), ψ = π − φ =
    atan2(s, −k12) (so R sin φ = R sin ψ = s, R cos φ = k12; written as the
    hypot, every term below stays non-negative even for inconsistent inputs):
    E φ(u)φ(v) = γ k12 + (1−γ)² RJ/(2π) with RJ = R(sin ψ − ψ cos ψ),
    E φ'(u)φ'(v) = γ + (1−γ)² ψ/(2π),
    κ₀ = (1+γ²)/2 and, for the sine scale of the next layer, R(κ₀ − κ) and
    R(κ₀ + κ) as sums of non-negative terms.  No term divides by R, so a zero
    input (R = 0) gives finite values.
    """
    R = hypot(s, k12)  # = √(k11 k22), and consistent with φ for any inputs
    phi = sp.atan2(s, k12)
    psi = sp.atan2(s, -k12)
    c = (1 - gamma) ** 2 * INV_PI / 2
    RJ = sin_minus_xcos(psi, R, s, -k12, series)
    e_pp = gamma * k12 + c * RJ
    e_dd = gamma + c * psi
    r_delta = 2 * R * sp.sin(phi / 2) ** 2 * e_dd + c * one_minus_sinc(phi, R, s,
                                                                      series)
    r_sigma = 2 * gamma * R * sp.sin(psi / 2) ** 2 + c * (sp.pi * R + RJ)
    kappa0 = (1 + gamma**2) / 2
    return e_pp, e_dd, r_delta, r_sigma, kappa0


def _next_sine(r_delta, r_sigma, kappa0):
    """√(k11'k22' − k12'²) after Dense(W, b), as a hypot of two real roots."""
    gap = (sp.sqrt(k11) - sp.sqrt(k22)) ** 2
    return hypot(w_std**2 * sp.sqrt(r_delta) * sp.sqrt(r_sigma),
                 b_std * w_std * sp.sqrt(kappa0 * gap + 2 * r_delta))


def layer_map(activation: str, series: bool | None = None
              ) -> tuple[tuple[str, sp.Expr], ...]:
    r"""One hidden layer (activation, then Dense(W_std, b_std)) on a pair.

    Outputs ``k12`` (NNGP), ``s`` (sine scale) and ``theta`` (NTK) of the next
    layer: k12' = W²E[φ(u)φ(v)] + b², θ' = k12' + W²E[φ'(u)φ'(v)]θ, for
    (u, v) ~ N(0, [[k11, k12], [k12, k22]]).  The next layer's variances are the
    same map applied to the pair (x, x) (``k11 = k22 = k12``, ``s = 0``).

    Calls per point when only ``k11`` varies (the kernel's first input; the
    others computed once): for ReLU, leaky ReLU and linear, k12' and θ' do not
    depend on k11 (R = hypot(s, k12), φ, ψ do not), and s' needs √k11 in the
    gap (√k11 − √k22)², the root √(κ₀·gap + 2RΔ) and the hypot of the two
    terms — sqrt 2, hypot 1, the fewest: each is a different function of k11
    that s' needs, and the hypot keeps the squares of the sine scale in range.
    For erf: √(1 + 2(k11 + k22)) and its hypot with 2s (the root of the
    arcsine kernel's denominator, in k12' through atan2 and in θ'), the atan of
    k11's own next variance with its √(1 + 4k11), and the square root of the
    next sine scale — sqrt 3, hypot 1, atan2 1, atan 1, each feeding a different
    output.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got "
                         f"{activation!r}")
    if activation == "erf":
        # √((1+2k11)(1+2k22) − 4k12²) = √(1 + 2(k11+k22) + 4s²) ≥ 1, as a hypot
        root_q = hypot(2 * s, sp.sqrt(1 + 2 * (k11 + k22)))
        e_pp = 2 * INV_PI * sp.atan2(2 * k12, root_q)  # arcsine kernel
        e_dd = 4 * INV_PI / root_q
        k1n = w_std**2 * 2 * INV_PI * sp.atan2(2 * k11, sp.sqrt(1 + 4 * k11)) \
            + b_std**2
        k2n = w_std**2 * 2 * INV_PI * sp.atan2(2 * k22, sp.sqrt(1 + 4 * k22)) \
            + b_std**2
        k12n = w_std**2 * e_pp + b_std**2
        s_next = sp.sqrt(sp.Max(k1n * k2n - k12n**2, 0))
    else:
        gamma = {"relu": sp.Integer(0), "linear": sp.Integer(1)}.get(activation,
                                                                      slope)
        e_pp, e_dd, r_delta, r_sigma, kappa0 = _piecewise_linear(gamma, series)
        k12n = w_std**2 * e_pp + b_std**2
        s_next = _next_sine(r_delta, r_sigma, kappa0)
    return (("k12", k12n), ("s", s_next), ("theta", k12n + w_std**2 * e_dd * theta))


def input_map() -> tuple[tuple[str, sp.Expr], ...]:
    r"""The first layer Dense(W_std, b_std) on raw inputs (neural-tangents' K⁰).

    K⁰ = W²xᵀx′/d + b², Θ⁰ = K⁰, and the sine scale from the exact identity
    K⁰₁₁K⁰₂₂ − (K⁰₁₂)² = W⁴|x∧x′|²/d² + W²b²|x − x′|²/d.

    Calls per point when only ``xx1`` (the first input) varies: none — only k11
    depends on it, by a product and a sum; the sine scale's hypot and root
    depend on the other inputs alone.
    """
    k1 = w_std**2 * xx1 / d_in + b_std**2
    k2 = w_std**2 * xx2 / d_in + b_std**2
    k12_0 = w_std**2 * x12 / d_in + b_std**2
    s0 = hypot(w_std**2 * wedge / d_in, b_std * w_std * sp.sqrt(dist2 / d_in))
    return (("k11", k1), ("k22", k2), ("k12", k12_0), ("s", s0), ("theta", k12_0))


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``dense_input`` and one layer map per activation."""
    pair = (k11, k22, k12, s, theta, w_std, b_std)
    out = [KernelExprs("dense_input", (xx1, xx2, x12, wedge, dist2, d_in, w_std,
                                       b_std), input_map(),
                       "first layer Dense(W_std, b_std): K0, sine scale, NTK")]
    for act in ACTIVATIONS:
        inputs = pair + ((slope,) if act == "leaky_relu" else ())
        out.append(KernelExprs(act, inputs, layer_map(act),
                               f"one hidden layer ({act}, then Dense(W_std, b_std)) "
                               "on a pair: next k12, sine scale s, NTK theta"))
    return tuple(out)


# ----------------------------------------------------------------- the expectations

def expectation_forms(activation: str):
    """(E φ(u)φ(v), E φ'(u)φ'(v)) in the textbook form, in k11, k22, k12.

    The arc-cosine (Cho & Saul 2009) and arcsine (Williams 1997) kernels as
    usually written, with cos φ = k12/√(k11k22); the claims prove these equal to
    the Gaussian expectations and the kernels' stable forms equal to these.
    """
    R = sp.sqrt(k11 * k22)
    phi = sp.acos(k12 / R)
    if activation == "erf":
        den = sp.sqrt((1 + 2 * k11) * (1 + 2 * k22))
        return (2 / sp.pi * sp.asin(2 * k12 / den),
                4 / sp.pi / sp.sqrt((1 + 2 * k11) * (1 + 2 * k22) - 4 * k12**2))
    gamma = {"relu": sp.Integer(0), "linear": sp.Integer(1)}.get(activation, slope)
    relu = R / (2 * sp.pi) * (sp.sin(phi) + (sp.pi - phi) * sp.cos(phi))
    return (gamma * k12 + (1 - gamma) ** 2 * relu,
            gamma + (1 - gamma) ** 2 * (sp.pi - phi) / (2 * sp.pi))


# ------------------------------------------------------------- the finite network

@functools.cache
def model(width: int = 2, d: int = 2, samples: int = 1) -> Model:
    r"""The finite two-layer ReLU network whose width → ∞ limit the kernels give.

    f(x) = n^{−1/2} Σ_j a_j relu(w_jᵀx/√d) (neural-tangents'
    ``serial(Dense(n), Relu(), Dense(1))`` with W_std = 1, b_std = 0), loss
    ½·mean over ``samples`` data points (x_s, y_s), layer rates η_a, η_w.
    """
    for name, v in (("width", width), ("d", d), ("samples", samples)):
        if isinstance(v, bool) or not isinstance(v, int) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")
    eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
    a = sp.symbols(f"a0:{width}", real=True)
    w = sp.Matrix(width, d, lambda j, k: sp.Symbol(f"w{j}_{k}", real=True))
    x = sp.symbols(f"x0:{d}", real=True)

    def forward(xs):
        pre = w * sp.Matrix(xs) / sp.sqrt(d)
        return sum(a[j] * sp.Max(0, pre[j]) for j in range(width)) / sp.sqrt(width)

    data, loss = [], sp.Integer(0)
    for i in range(samples):
        xs = sp.symbols(f"xs{i}_0:{d}", real=True)
        ys = sp.Symbol(f"ys{i}", real=True)
        data += [*xs, ys]
        loss += (ys - forward(xs)) ** 2
    return Model(
        name=NAME,
        params=(ParamGroup("a", a, eta_a, (width,)),
                ParamGroup("w", tuple(w), eta_w, (width, d))),
        consts=(eta_a, eta_w, *data),
        loss=loss / (2 * samples),
        inputs=x,
        forward=forward(x),
        assumptions=f"two-layer ReLU network in NTK parametrisation, width {width}, "
                    f"d = {d}, half the mean squared error over {samples} sample(s)",
        references=REFERENCES[:1],
    )


@functools.cache
def flow(width: int = 2, d: int = 2, samples: int = 1) -> GradientFlow:
    """θ̇ = −η ⊙ ∇L for :func:`model`."""
    return gradient_flow(model(width, d, samples))


def balances(width: int = 2, d: int = 2) -> dict[str, sp.Expr]:
    """The conserved η_w a_j² − η_a‖w_j‖², one per neuron (ReLU is 1-homogeneous)."""
    m = model(width, d)
    eta_a, eta_w = m.group("a").rate, m.group("w").rate
    a = m.group("a").symbols
    w = m.group("w").symbols
    return {f"balance{j}": eta_w * a[j] ** 2
            - eta_a * sum(w[j * d + k] ** 2 for k in range(d)) for j in range(width)}
