"""The infinite-width claims: generic facts as data, then the entry's theorems."""

from __future__ import annotations

import random

import mpmath as mp
import numpy as np
import sympy as sp

from ...symbolic.proof.verify import Claim, combine
from ...symbolic.proof.zero import is_identically_zero
from .._standard import Check, Conserved, Identity, Invariance, standard_claims
from . import adam, finite, lazy, numeric
from . import maths as iw

__all__ = ["claims", "slope"]


def slope(widths, errors) -> float:
    """The least-squares slope of log error against log width."""
    return float(np.polyfit(np.log(widths), np.log(errors), 1)[0])


def _rescaling():
    m = iw.model()
    c = sp.Symbol("c", positive=True)
    a, w = m.group("a").symbols, m.group("w").symbols
    return [(m, {**{s: s / c for s in a}, **{s: c * s for s in w}})]


# ------------------------------------------------- expectations (polar integrals)

_t = sp.Symbol("t", real=True)
_phi = sp.Symbol("phi", positive=True)


def _polar(gamma):
    """E φ(u)φ(v), E φ'(u)φ'(v) for unit variances at angle φ ∈ (0, π).

    (u, v) = (⟨z, e₀⟩, ⟨z, e_φ⟩), z ~ N(0, I₂); in polar coordinates
    z = r(cos t, sin t) the homogeneous integrands factor: E φφ = (E r²/2π)
    ∫ φ(cos t)φ(cos(t − φ)) dt with E r² = 2, E φ'φ' = (1/2π) ∫ φ'φ' dt, and
    the circle splits into four arcs of constant signs.
    """
    arcs = ((_phi - sp.pi / 2, sp.pi / 2, 1, 1),
            (sp.pi / 2, _phi + sp.pi / 2, gamma, 1),
            (_phi + sp.pi / 2, 3 * sp.pi / 2, gamma, gamma),
            (3 * sp.pi / 2, _phi + 3 * sp.pi / 2, 1, gamma))
    e_pp = sum(fu * fv * sp.integrate(sp.cos(_t) * sp.cos(_t - _phi), (_t, lo, hi))
               for lo, hi, fu, fv in arcs) / sp.pi
    e_dd = sum(fu * fv * (hi - lo) for lo, hi, fu, fv in arcs) / (2 * sp.pi)
    return e_pp, e_dd


def _arccos_forms():
    """The polar integrals equal the arc-cosine forms (symbolic, every γ, φ)."""
    g = sp.Symbol("gamma", nonnegative=True)
    e_pp, e_dd = _polar(g)
    form = g * sp.cos(_phi) + (1 - g) ** 2 * (sp.sin(_phi) + (sp.pi - _phi)
                                              * sp.cos(_phi)) / (2 * sp.pi)
    dform = g + (1 - g) ** 2 * (sp.pi - _phi) / (2 * sp.pi)
    return [sp.simplify(e_pp - form), sp.simplify(e_dd - dform)]


def _pair_sampler(rng: random.Random):
    """k11, k22 > 0, |k12| < √(k11k22), W > 0, b ≥ 0, θ, γ ∈ [0, 1]."""
    a, b = rng.uniform(0.05, 3), rng.uniform(0.05, 3)
    rho = rng.uniform(-0.999, 0.999)
    return {iw.k11: a, iw.k22: b, iw.k12: rho * (a * b) ** 0.5,
            iw.w_std: rng.uniform(0.3, 2), iw.b_std: rng.uniform(0, 1),
            iw.theta: rng.uniform(-2, 2), iw.slope: rng.uniform(0, 1),
            _phi: rng.uniform(0.01, 3.13)}


def _textbook_forms_are_the_expectations():
    """expectation_forms(act) = the polar integrals at cos φ = k12/√(k11k22)."""
    out = []
    R = sp.sqrt(iw.k11 * iw.k22)
    for act in ("relu", "leaky_relu", "linear"):
        gamma = {"relu": 0, "linear": 1}.get(act, iw.slope)
        e_pp, e_dd = _polar(gamma)
        at = {_phi: sp.acos(iw.k12 / R)}
        f_pp, f_dd = iw.expectation_forms(act)
        out += [f_pp - R * e_pp.xreplace(at), f_dd - e_dd.xreplace(at)]
    return combine([is_identically_zero(e, exact=False, sampler=_pair_sampler)
                    for e in out])


def _erf_quadrature():
    """The arcsine forms against a 50-digit quadrature of the expectations.

    E over z₂ in closed form (E erf(m + βZ) = erf(m/√(1+2β²)), E e^{−(m+βZ)²} =
    e^{−m²/(1+2β²)}/√(1+2β²)), over z₁ by tanh-sinh quadrature.
    """
    rng = random.Random(3)
    worst = 0.0
    with mp.workdps(50):
        e_pp, e_dd = iw.expectation_forms("erf")
        for _ in range(3):
            p = _pair_sampler(rng)
            a, b, c = (mp.mpf(p[s]) for s in (iw.k11, iw.k22, iw.k12))
            l11 = mp.sqrt(a)
            l21, l22 = c / l11, mp.sqrt(b - c * c / a)
            den = mp.sqrt(1 + 2 * l22**2)

            def gauss(z):
                return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)

            q_pp = mp.quad(lambda z, l11=l11, l21=l21, den=den: gauss(z)
                           * mp.erf(l11 * z) * mp.erf(l21 * z / den),
                           [-mp.inf, 0, mp.inf])
            q_dd = 4 / mp.pi * mp.quad(
                lambda z, l11=l11, l21=l21, den=den: gauss(z)
                * mp.exp(-(l11 * z) ** 2 - (l21 * z / den) ** 2) / den,
                [-mp.inf, 0, mp.inf])
            at = {iw.k11: a, iw.k22: b, iw.k12: c}
            for form, q in ((e_pp, q_pp), (e_dd, q_dd)):
                value = sp.N(form.xreplace(at), 50)
                worst = max(worst, float(abs(value - sp.Float(q, 50)) / abs(q)))
    return worst < 1e-40, "mpmath-50", worst, "3 random covariances, 6 values"


def _stable_forms():
    """Each layer kernel (direct branches) equals W²E + b², K' + W²E'θ and its
    sine scale squared equals k11'k22' − k12'² (the series branches: below)."""
    out = []
    s_exact = sp.sqrt(iw.k11 * iw.k22 - iw.k12**2)
    for act in iw.ACTIVATIONS:
        outs = dict(iw.layer_map(act, series=False))
        e_pp, e_dd = iw.expectation_forms(act)
        k_next = iw.w_std**2 * e_pp + iw.b_std**2
        diag = {}
        for kk in (iw.k11, iw.k22):
            diag[kk] = iw.w_std**2 * iw.expectation_forms(act)[0].xreplace(
                {iw.k11: kk, iw.k22: kk, iw.k12: kk}) + iw.b_std**2
        got = {k: v.xreplace({iw.s: s_exact}) for k, v in outs.items()}
        out += [got["k12"] - k_next,
                got["theta"] - (k_next + iw.w_std**2 * e_dd * iw.theta),
                got["s"] ** 2 - (diag[iw.k11] * diag[iw.k22] - k_next**2)]
    return combine([is_identically_zero(e, exact=False, sampler=_pair_sampler)
                    for e in out])


def _series_switch():
    """The series of x − sin x and sin x − x cos x against the direct forms at
    50 digits on [0, ½] (where the kernels use them): relative truncation."""
    x = sp.Symbol("x", nonnegative=True)
    worst = 0.0
    for f in (iw.one_minus_sinc, iw.sin_minus_xcos):
        series, direct = f(x, series=True), f(x, series=False)
        for v in np.linspace(1e-3, 0.5, 40):
            d = sp.N(direct.subs(x, sp.Float(v, 60)), 50)
            worst = max(worst, float(abs(sp.N(series.subs(x, sp.Float(v, 60)), 50)
                                         - d) / abs(d)))
    return worst < 1e-16, "numeric: truncation at 50 digits", worst, "80 points"


# ------------------------------------------------------------- finite width

WIDTHS = tuple(2**k for k in range(10, 17))


def _rng_points(n=6, d=3, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


def ntk_convergence(widths=WIDTHS, seeds: int = 8, depth: int = 1):
    """Mean ‖Θ̂ − Θ‖_F/‖Θ‖_F of random networks against the closed form."""
    x = _rng_points()
    ref = numeric.ntk(x, x, depth=depth, w_std=1.2, b_std=0.3)
    errs = []
    for n in widths:
        e = [np.linalg.norm(finite.empirical_ntk(x, x, n, depth, w_std=1.2,
                                                 b_std=0.3, seed=s)[1] - ref)
             for s in range(seeds)]
        errs.append(np.mean(e) / np.linalg.norm(ref))
    return np.array(errs)


def training_convergence(optimizer: str, widths=WIDTHS, seeds: int = 8,
                         steps: int = 10, lr: float = 0.05):
    """RMS |f_T − f_T^∞| on test points after T steps, GD (limit: the NTK) or
    Adam (limit: :func:`.adam.adam_limit`, angular quadrature, d = 2)."""
    rng = np.random.default_rng(1)
    x, xs = rng.standard_normal((6, 2)), rng.standard_normal((5, 2))
    y = np.sin(x[:, 0]) + 0.5 * x[:, 1]
    if optimizer == "gd":
        ref = numeric.predict(np.array([steps]), x, y, xs, depth=1,
                              learning_rate=lr)[0]
    else:
        ref = adam.adam_limit(x, y, xs, [steps], lr, optimizer, 0.9, 0.99)[1][-1]
    errs = []
    for n in widths:
        e = [np.sqrt(np.mean((finite.train_two_layer(
            x, y, xs, n, [steps], lr, optimizer, 0.9, 0.99, seed=s)[1][-1]
            - ref) ** 2)) for s in range(seeds)]
        errs.append(np.mean(e))
    return np.array(errs)


def _slope_check(errors_fn, what):
    def check():
        errs = errors_fn()
        k = slope(WIDTHS, errs)
        return (-0.65 <= k <= -0.4, "numeric: random networks, widths 2^10 to 2^16",
                abs(k + 0.5), f"{what}: slope {k:.3f}")
    return check


def _homogeneous():
    """Scaling the targets (so the whole residual history) by c > 0 scales the
    Adam-limit function by c after one step only through f: f_1(c y) = f_1(y)."""
    rng = np.random.default_rng(2)
    x, xs = rng.standard_normal((5, 2)), rng.standard_normal((4, 2))
    y = rng.standard_normal(5)
    one = adam.adam_limit(x, y, xs, [1], 0.1)[1][-1]
    three = adam.adam_limit(x, 3.0 * y, xs, [1], 0.1)[1][-1]
    gd1 = numeric.predict(np.array([1]), x, y, xs, depth=1, learning_rate=0.1)[0]
    gd3 = numeric.predict(np.array([1]), x, 3 * y, xs, depth=1, learning_rate=0.1)[0]
    err = float(np.max(np.abs(one - three)))
    linear = float(np.max(np.abs(gd3 - 3 * gd1)))
    ok = err < 1e-13 * np.max(np.abs(one)) and linear < 1e-12 and \
        np.max(np.abs(three - 3 * one)) > 1e-3
    return ok, "numeric", err, \
        f"Δf(3r) = Δf(r) to {err:.1e}; the NTK step is linear to {linear:.1e}"


def _rotation():
    """Rotating every input by Q changes the Adam limit; the NTK step is invariant."""
    rng = np.random.default_rng(4)
    x, xs = rng.standard_normal((5, 2)), rng.standard_normal((4, 2))
    y = rng.standard_normal(5)
    c, s_ = np.cos(0.7), np.sin(0.7)
    q = np.array([[c, -s_], [s_, c]])
    f = adam.adam_limit(x, y, xs, [5], 0.1)[1][-1]
    fq = adam.adam_limit(x @ q.T, y, xs @ q.T, [5], 0.1)[1][-1]
    g = numeric.predict(np.array([5]), x, y, xs, depth=1, learning_rate=0.1)[0]
    gq = numeric.predict(np.array([5]), x @ q.T, y, xs @ q.T, depth=1,
                         learning_rate=0.1)[0]
    moved, kept = float(np.max(np.abs(f - fq))), float(np.max(np.abs(g - gq)))
    return moved > 1e-3 and kept < 1e-12, "numeric", kept, \
        f"Adam limit moves by {moved:.2e} under a rotation, the NTK by {kept:.1e}"


CONSERVED = Conserved(
    "η_w a_j² − η_a‖w_j‖² conserved per neuron (finite ReLU network)",
    "d/dt ≡ 0 for width 2, d = 2, one sample",
    lambda: [(iw.flow(), list(iw.balances().values()))],
)
SYMMETRY = Invariance(
    "rescaling a_j → a_j/c, w_j → c w_j (c > 0) leaves f and L invariant",
    "ReLU is positively 1-homogeneous",
    _rescaling,
)
ARCCOS = Identity(
    "max(z, γz): polar integrals are the arc-cosine forms (every γ, φ)",
    "E φφ = γcos φ + (1−γ)²(sin φ + (π−φ)cos φ)/(2π), E φ'φ' = γ + (1−γ)²(π−φ)/(2π)",
    _arccos_forms,
)
FORMS = Check(
    "arc-cosine forms in k11, k22, k12 equal the polar expectations",
    "cos φ = k12/√(k11k22), scale √(k11k22) by homogeneity",
    _textbook_forms_are_the_expectations,
)
ERF = Check(
    "erf: arcsine forms equal their Gaussian expectations (50-digit quadrature)",
    "E erf(u)erf(v) = (2/π)asin(2k12/√((1+2k11)(1+2k22))), "
    "E erf'erf' = (4/π)(⋯)^{-1/2}",
    _erf_quadrature,
)
STABLE = Check(
    "layer kernels (atan2 and sine-scale forms) equal the textbook recursion",
    "K' = W²Eφφ + b², Θ' = K' + W²Eφ'φ'Θ, s'² = K'11 K'22 − K'12², four activations",
    _stable_forms,
)
SERIES = Check(
    "series branches of x − sin x and sin x − x cos x: truncation < 1e-16",
    "relative, on [0, ½] at 50 digits",
    _series_switch, ("numeric",),
)


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the entry's own theorems."""
    return (
        *standard_claims(CONSERVED, SYMMETRY, ARCCOS, FORMS, ERF, STABLE, SERIES),
        Claim("empirical NTK → closed form, error slope −½ in the width",
              "depth 1, ReLU, W = 1.2, b = 0.3; mean of 8 networks per width",
              _slope_check(ntk_convergence, "‖Θ̂ − Θ‖/‖Θ‖"), ("numeric",)),
        Claim("GD function after 10 steps → NTK prediction, slope −½",
              "antisymmetric init, η = 0.05, d = 2",
              _slope_check(lambda: training_convergence("gd"), "RMS f_T error"),
              ("numeric",)),
        Claim("Adam function after 10 steps → the Adam limit (derived here), "
              "slope −½", "Adam(0.9, 0.99), step η/√n, η = 0.05, d = 2",
              _slope_check(lambda: training_convergence("adam"), "RMS f_T error"),
              ("numeric",)),
        Claim("Adam limit is 0-homogeneous in the residual (not a kernel)",
              "f_1 for targets 3y equals f_1 for y; the NTK step is linear",
              _homogeneous, ("numeric",)),
        Claim("Adam limit is not rotation-invariant (the NTK is)",
              "inputs rotated by 0.7 rad", _rotation, ("numeric",)),
        *lazy.claims(),
    )
