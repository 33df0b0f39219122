"""The deep-linear-mode claims on learning times: depth 2, every integer depth by
SymPy's ``ratint`` and by roots of unity, real depth by the hypergeometric form,
the limits ε → 0 and the dependence on depth; part of the claims of
:mod:`.claims`, in its order.
"""

from __future__ import annotations

import random

import mpmath
import numpy as np
import sympy as sp

from ...symbolic.proof.verify import Claim, combine
from ...symbolic.proof.zero import is_identically_zero
from .._standard import Check, Identity, standard_claims
from . import maths as dl
from .numeric import learning_time

__all__ = ["FACTS", "claims"]


def _depth2_time():
    """d t/d u_f = τ/(2u_f(s − u_f)) (sign-flipped for u < 0), t(u₀ → u₀) = 0."""
    lt = dl.learning_time_depth2()
    (_, kern), = dl.learning_time_kernel()
    pos, neg = kern.args[0][0], kern.args[1][0]
    k = {dl.ku0: dl.u0, dl.kuf: dl.uf, dl.ks: dl.s}
    pos, neg = pos.xreplace(k), neg.xreplace(k)
    rate = dl.tau / (2 * dl.uf * (dl.s - dl.uf))
    return [
        sp.diff(lt, dl.uf) - rate,
        sp.diff(pos, dl.uf) - rate,
        sp.diff(neg, dl.uf) + rate,
        pos.subs(dl.uf, dl.u0),
        neg.subs(dl.uf, dl.u0),
        sp.expand_log(lt.subs(dl.uf, dl.u0), force=True),
    ]


DEPTH2_TIME = Identity("depth-2 learning time (closed form and the log1p kernel form)",
                       "∂t/∂u_f = τ/(2u_f(s − u_f)), t(u₀ → u₀) = 0", _depth2_time)


_RATINT_DEPTHS = (1, 2, 3, 4)


def _ratint_forms():
    """Φ_N' = 1/(y^{N−1}(1 − y^N)) and d t/d u_f = (τ/N) u_f^{−p}/(s − u_f)."""
    out = []
    up = sp.Symbol("uf", positive=True)
    for n in _RATINT_DEPTHS:
        out.append(sp.diff(dl.antiderivative(n), dl.y) - dl.integrand(n))
        lt = dl.learning_time_expr(n).xreplace({dl.uf: up})
        p = 2 - sp.Rational(2, n)
        out.append(sp.diff(lt, up) - dl.tau / n * up ** (-p) / (dl.s - up))
    return out


RATINT = Identity("learning time by SymPy ratint, N = 1, 2, 3, 4",
                  "Φ_N' = 1/(y^{N−1}(1 − y^N)); ∂t/∂u_f = (τ/N)u_f^{2/N−2}/(s − u_f)",
                  _ratint_forms)


def _roots_residual(n: int, sign: int) -> sp.Expr:
    f = dl.roots_antiderivative(n, sign)
    return sp.diff(f, dl.y) - 1 / (dl.y ** (n - 1) * (1 - sign * dl.y**n))


# cos(2πk/N) is rational or a square root for N = 2, 3, 4 (symbolic proof; 6
# and 8 work too, in a few more seconds); for N = 5, 7 the exact stages take
# seconds to minutes, so those go straight to the 50-digit check (reported as
# such by a separate claim)
_ROOTS_SYMBOLIC = ((2, 1), (2, -1), (3, 1), (3, -1), (4, 1), (4, -1))
_ROOTS_NUMERIC = ((5, 1), (7, -1))


def _roots_check():
    return combine([is_identically_zero(_roots_residual(*c)) for c in _ROOTS_SYMBOLIC])


ROOTS = Check("roots-of-unity antiderivative (the NumPy form), N = 2, 3, 4",
              "Φ' = 1/(y^{N−1}(1 ∓ y^N)), both signs", _roots_check)


def _roots_check_numeric():
    return combine(
        [is_identically_zero(_roots_residual(*c), exact=False) for c in _ROOTS_NUMERIC]
    )


ROOTS_NUMERIC = Check("roots-of-unity antiderivative, N = 5 (sign +), 7 (sign −)",
                      "Φ' = 1/(y^{N−1}(1 ∓ y^N)); cos(2π/7) has no radical form here",
                      _roots_check_numeric, ("numeric",))


def _hyper_against_quad():
    """z^a/a ₂F₁(1, a; a+1; z) differences = ∫ z^{−p}/(1 − z) (mpmath quad, 50 digits).

    Random real depth N ∈ (1, 12) (N ≠ 2) and 0 < z₀ < z_f < 1; above s, the
    1/z form y^p/p ₂F₁(1, p; p+1; y), y = 1/z, against the same integral.
    """
    rng = random.Random(5)
    worst = mpmath.mpf(0)
    with mpmath.workdps(50):
        for _ in range(3):
            n = mpmath.mpf(rng.uniform(1.05, 12))
            if abs(n - 2) < 1e-3:
                continue
            p = 2 - 2 / n
            a = 1 - p
            z0, zf = sorted(mpmath.mpf(rng.uniform(0.01, 0.99)) for _ in range(2))
            F = [zz**a / a * mpmath.hyp2f1(1, a, a + 1, zz) for zz in (z0, zf)]
            ref = mpmath.quad(lambda v: v ** (-p) / (1 - v), [z0, zf])
            worst = max(worst, abs(F[1] - F[0] - ref) / abs(ref))
            hi0, hif = sorted(1 + mpmath.mpf(rng.uniform(0.01, 3)) for _ in range(2))
            G = [(1 / v) ** p / p * mpmath.hyp2f1(1, p, p + 1, 1 / v)
                 for v in (hi0, hif)]
            ref = mpmath.quad(lambda v: v ** (-p) / (1 - v), [hi0, hif])
            worst = max(worst, abs((G[1] - G[0]) - ref) / abs(ref))
        # the symbolic form of hyper_antiderivative is the one evaluated above
        # (N = 7/2: p = 10/7, a = −3/7)
        f = sp.lambdify(dl.z, dl.hyper_antiderivative(sp.Rational(7, 2)), "mpmath")
        p = mpmath.mpf(10) / 7
        lo, hi = mpmath.mpf("0.1"), mpmath.mpf("0.3")
        ref = mpmath.quad(lambda v: v ** (-p) / (1 - v), [lo, hi])
        worst = max(worst, abs(f(hi) - f(lo) - ref) / abs(ref))
    return worst < mpmath.mpf(10) ** -40, "mpmath-50", float(worst), "7 integrals"


HYPERGEOMETRIC = Check(
    "real depth: hypergeometric (incomplete-beta) form = quadrature",
    "z^a/a ₂F₁(1, a; a+1; z), a = 2/N − 1, differences = ∫ z^{−p}/(1 − z)",
    _hyper_against_quad,
    ("numeric",),
)


def _eps_time(n: int, eps):
    """t(ε → s − ε) from the ratint closed form."""
    return dl.learning_time_expr(n).xreplace({dl.u0: eps, dl.uf: dl.s - eps})


def _limit_depth2():
    eps = sp.Symbol("epsilon", positive=True)
    lt = dl.learning_time_depth2(eps, dl.s - eps) - dl.tau / dl.s * sp.log(dl.s / eps)
    value = sp.limit(lt, eps, 0, "+")
    return value == 0, "symbolic", float(abs(value)) if value.is_number else 1.0, (
        "sympy limit"
    )


LIMIT_DEPTH2 = Check("N = 2: t(ε → s − ε) − (τ/s) ln(s/ε) → 0 as ε → 0",
                     "t ≈ (τ/s) ln(s/ε) (Saxe et al. 2014)", _limit_depth2)


def _limit_deeper():
    eps = sp.Symbol("epsilon", positive=True)
    bad = []
    for n in (3, 4):
        scaled = eps ** (1 - sp.Rational(2, n)) * _eps_time(n, eps)
        value = sp.limit(scaled, eps, 0, "+")
        if sp.simplify(value - dl.tau / (dl.s * (n - 2))) != 0:
            bad.append(n)
    return not bad, "symbolic", 0.0 if not bad else 1.0, f"N = 3, 4; failing {bad}"


LIMIT_DEEPER = Check("N ≥ 3: ε^{1−2/N} t(ε → s − ε) → τ/(s(N − 2)) (N = 3, 4)",
                     "power-law plateau: deeper is slower for small enough ε",
                     _limit_deeper)


def _depth_profile():
    """Fixed per-layer rate: t_N(ε → s − ε) rises with N up to N* and falls after.

    N* is within 1 of L + √(L² − 4L), L = ln(1/ε) (the maximiser of the
    leading term ε^{−(1−2/N)}/(s(N − 2))); t₁ = s·t₂ exactly.
    """
    worst = 0.0
    ok = True
    for s, ratio in ((1.0, 1e-2), (2.0, 1e-3), (0.5, 1e-6)):
        eps = ratio * s
        times = [float(learning_time(eps, s - eps, s, n)) for n in range(1, 41)]
        # equal up to the rounding of s − ε in the input (≈ 1e-12 at ε = 1e-6 s)
        ok &= abs(times[0] - s * times[1]) <= 1e-9 * times[0]
        peak = int(np.argmax(times)) + 1
        diffs = np.diff(times[1:])  # N = 2, 3, …
        ok &= bool(np.all(diffs[: peak - 2] > 0) and np.all(diffs[peak - 2:] < 0))
        L = np.log(1 / eps)
        guess = L + np.sqrt(L * L - 4 * L)
        worst = max(worst, abs(peak - guess))
    return ok and worst <= 1.0, "numeric: closed form", worst, "|N* − guess|"


DEPTH_PROFILE = Check(
    "fixed per-layer rate: t_N(ε → s − ε) peaks at N* ≈ L + √(L² − 4L)",
    "rises for 2 ≤ N ≤ N*, falls after (N ≤ 40), L = ln(1/ε); t₁ = s·t₂",
    _depth_profile,
    ("numeric",),
)


def _scaled_rate_limit():
    """τ = Nτ₀: t_N → τ₀∫du/(u²(s − u)) as N → ∞, with error O(1/N).

    The limit is (τ₀/s)[1/u₀ − 1/u_f + (1/s) ln(u_f(s − u₀)/(u₀(s − u_f)))]
    (its u_f-derivative is checked symbolically); finite for u₀ of order s, but
    ~ τ₀/(s u₀) when u₀ = a^N is the product of N weights a < 1.
    """
    u0_, uf_, s_, t0 = sp.symbols("u0 uf s tau0", positive=True)
    log = sp.log(uf_ * (s_ - u0_) / (u0_ * (s_ - uf_)))
    lim = t0 / s_ * (1 / u0_ - 1 / uf_ + log / s_)
    check = is_identically_zero(sp.diff(lim, uf_) - t0 / (uf_**2 * (s_ - uf_)))
    ok = check.is_zero and lim.subs(uf_, u0_) == 0
    f = sp.lambdify((u0_, uf_, s_, t0), lim)
    worst = 0.0
    for u0v, ufv, sv in ((0.5, 1.5, 2.0), (0.1, 0.9, 1.0), (3.0, 1.2, 1.0)):
        want = f(u0v, ufv, sv, 1.0)
        scaled = []  # N·(relative error): converges when the error is O(1/N)
        for n in (100, 1000):
            got = float(learning_time(u0v, ufv, sv, n, eta=1.0 / n))
            scaled.append(n * abs(got - want) / abs(want))
        ok &= abs(scaled[1] - scaled[0]) <= 0.05 * scaled[1]
        worst = max(worst, scaled[1] / 1000)
    return ok, f"{check.method} + numeric", worst, "relative error at N = 1000"


SCALED_RATE = Check("rate ∝ 1/N: t_N → τ₀∫du/(u²(s − u)) as N → ∞ (depth-independent)",
                    "finite for u₀ ~ s; ~ τ₀/(s u₀) for u₀ = a^N", _scaled_rate_limit,
                    ("symbolic", "numeric"))

#: this module's declarations, in verification order (:mod:`.claims` lists them)
FACTS = (DEPTH2_TIME, RATINT, ROOTS, ROOTS_NUMERIC, HYPERGEOMETRIC, LIMIT_DEPTH2,
         LIMIT_DEEPER, DEPTH_PROFILE, SCALED_RATE)


def claims() -> tuple[Claim, ...]:
    """The learning-time claims, in verification order."""
    return standard_claims(*FACTS)
