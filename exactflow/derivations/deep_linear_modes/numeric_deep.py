"""Depth N ≥ 3 (and real depth) of the balanced mode in NumPy (the docs).

The elementary roots-of-unity antiderivative Φ of
:func:`~exactflow.derivations.deep_linear_modes.roots_antiderivative`, the three
regimes of the flow in their variable ξ, the bracketed Newton inversion of the
learning time, Gauss–Legendre for short steps, and the Gauss-hypergeometric
learning time of a non-integer depth (mpmath).  Used by :mod:`.numeric`.
"""

from __future__ import annotations

import mpmath
import numpy as np

__all__ = ["Regime", "classify", "gauss", "invert", "learning_time_real", "phi"]

_EPS = np.finfo(np.float64).eps


def phi(n: int, sign: int, lz: np.ndarray, log_gap: np.ndarray | None):
    """Φ at y = exp(lz/n): Φ' = 1/(y^{n−1}(1 − sign·y^n)); log_gap = ln|1 − y|."""
    y = np.exp(lz / n)
    head = lz / n if n == 2 else np.exp((2 - n) * lz / n) / (2 - n)
    total = np.array(log_gap, copy=True) if sign == 1 else np.zeros_like(y)
    for k in range(n):
        if sign == 1 and k == 0:
            continue
        th = 2 * np.pi * k / n if sign == 1 else (2 * k + 1) * np.pi / n
        half = np.sin(th / 2)
        quad = (1 - y) ** 2 + 4 * y * half * half  # 1 − 2y cos θ + y², ≥ sin²θ
        total += np.cos(2 * th) * 0.5 * np.log(quad) - np.sin(2 * th) * np.arctan2(
            y * np.sin(th), 1 - y * np.cos(th)
        )
    return head - sign * total / n


_SERIES = 0.5  # below this w = s/|u| the series of G, H converge like 2^{−j}
_TERMS = 56


def _series(p: float, w, alternating: bool):
    """Σ_{j≥0} (±w)^j/(p+j) for 0 ≤ w ≤ 1/2 (Horner, 56 terms: 2^{−56} ≪ eps)."""
    x = -w if alternating else w
    acc = np.zeros_like(w)
    for j in range(_TERMS - 1, -1, -1):
        acc = acc * x + 1.0 / (p + j)
    return acc


class Regime:
    """One of the three flows of the balanced mode (N ≥ 3) in its variable ξ.

    ``"rise"`` 0 < u < s, ξ = ln(z/(1 − z)); ``"fall"`` u > s, ξ = ln(z/(z − 1));
    ``"neg"`` u < 0, ξ = −ln(|u|/s); z = |u|/s.  ξ increases along the flow at
    the rate K z^{p−1} (times 1 + z for ``"neg"``), K = N s^p/τ, p = 2 − 2/N.

    The time is t(ξ₀ → ξ) = c[A(ξ) − A(ξ₀)], c = τ s^{−p}, with an antiderivative
    A that is accurate relative to its own size where the difference could
    cancel: for ``"rise"`` A = Φ (the roots-of-unity sum; its y^{2−N} head
    dominates on the plateau); for ``"fall"`` and ``"neg"``, where u → ±∞ makes
    Φ(y) − Φ(y₀) the difference of two nearly equal numbers, A = G(w)/N or
    H(w)/N with w = s/|u|, G(w) = ∫₀^w ω^{p−1}/(1 − ω)dω and H(w) =
    ∫₀^w ω^{p−1}/(1 + ω)dω, which vanish as u → ±∞: their series
    w^p Σ(±w)^j/(p+j) for w ≤ 1/2, and Φ with the matching constant beyond.
    """

    def __init__(self, kind: str, n: int, s, tau: float):
        self.kind, self.n, self.s, self.tau = kind, n, s, tau
        self.p = 2 - 2 / n
        self.a = 1 - 2 / n  # p − 1
        self.sign = -1 if kind == "neg" else 1
        self.K = n * s**self.p / tau
        self.c = tau * s ** (-self.p)
        if kind != "rise":  # Φ at w = 1/2, to join the series and Φ there
            half = np.log(2.0) if kind == "fall" else -np.log(2.0)
            lz = self.logz(np.array(half))
            series = 0.5**self.p * _series(self.p, np.array(0.5), kind == "neg")
            self._join = float(series / n - self.sign * phi(
                n, self.sign, lz, self.log_gap(np.array(half), lz)))

    def logz(self, xi):
        if self.kind == "rise":
            return -np.logaddexp(0.0, -xi)
        if self.kind == "fall":
            return -np.log(-np.expm1(-xi))
        return -xi

    def log_gap(self, xi, lz):
        """ln|1 − y| = ln|1 − z| − ln(1 + y + … + y^{N−1}), ln|1 − z| = ln z − ξ.

        Accurate also where y rounds to 1 (ξ ≳ 37, or z = 1 to double precision).
        """
        if self.kind == "neg":
            return None
        moved = lz != 0
        safe = np.where(moved, lz, 1.0)
        ratio = np.where(moved, np.expm1(safe) / np.expm1(safe / self.n), self.n)
        return lz - xi - np.log(ratio)

    def w_of(self, xi):
        """w = s/|u| (``"fall"``: 1 − e^{−ξ}; ``"neg"``: e^{ξ})."""
        return -np.expm1(-xi) if self.kind == "fall" else np.exp(xi)

    def antiderivative(self, xi):
        """A(ξ) of the class docstring (t = c[A(ξ) − A(ξ₀)])."""
        xi = np.asarray(xi, dtype=float)
        lz = self.logz(xi)
        if self.kind == "rise":
            return phi(self.n, 1, lz, self.log_gap(xi, lz))
        w = self.w_of(np.minimum(xi, 0.0) if self.kind == "neg" else xi)
        small = w <= _SERIES
        ws = np.where(small, w, 0.0)
        series = ws**self.p * _series(self.p, ws, self.kind == "neg") / self.n
        far = np.where(small, np.log(2.0) * (1 if self.kind == "fall" else -1), xi)
        lzf = self.logz(far)
        closed = self.sign * phi(self.n, self.sign, lzf, self.log_gap(far, lzf)) \
            + self._join
        return np.where(small, series, closed)

    def time(self, xi, xi0):
        """t(ξ₀ → ξ) = c[A(ξ) − A(ξ₀)]."""
        return self.c * (self.antiderivative(xi) - self.antiderivative(xi0))

    def noise(self, xi, xi0):
        """A bound on the rounding error of :meth:`time`: |A|, and N terms of
        size |ξ| each in the roots-of-unity sum; only |A| where A is the series
        (accurate relative to itself; |ξ| may exceed it by many orders there,
        u₀ ≫ s or u₀ ≪ −s, and a bound of eps·|ξ| stopped Newton far too early:
        −3.92e7 for −5e7 at u₀ = −1e8, s = 1, N = 7)."""
        k = 16 * _EPS * self.c
        return k * (np.abs(self.antiderivative(xi)) + np.abs(self.antiderivative(xi0))
                    ) + (k * self.n) * (self._log_terms(xi) + self._log_terms(xi0))

    def _log_terms(self, xi):
        """|ξ| where A is the roots-of-unity sum (logs of size |ξ|), else 0."""
        xi = np.asarray(xi, dtype=float)
        if self.kind == "rise":
            return np.abs(xi)
        w = self.w_of(np.minimum(xi, 0.0) if self.kind == "neg" else xi)
        return np.where(w <= _SERIES, 0.0, np.abs(xi))

    def rate(self, xi):
        lz = self.logz(xi)
        r = self.K * np.exp((self.p - 1) * lz)
        return r * (1 + np.exp(lz)) if self.kind == "neg" else r

    def xi_of(self, u):
        if self.kind == "rise":
            return np.log(u) - np.log(self.s - u)
        if self.kind == "fall":  # ln(u/(u − s)); −log1p(−s/u) where u ≫ s
            with np.errstate(divide="ignore", invalid="ignore"):
                near = np.log(u) - np.log(u - self.s)
            return np.where(u > 2 * self.s, -np.log1p(-self.s / u), near)
        return np.log(self.s) - np.log(-u)

    def u_of(self, xi):
        if self.kind == "neg":
            return -self.s * np.exp(-xi)
        return self.s * np.exp(self.logz(xi))

    def bracket(self, xi0, t):
        r0 = self.rate(xi0)
        if self.kind == "rise":  # rate increases along the flow, at most K
            return xi0 + r0 * t, xi0 + self.K * t
        if self.kind == "fall":  # rate decreases to K
            return xi0 + self.K * t, xi0 + r0 * t
        # ż = −K z^p (1 + z) with z ≤ z₀: z^{1−p} − z₀^{1−p} ∈ (p−1)K t·[1, 1 + z₀]
        a = self.p - 1
        z0 = np.exp(-xi0)
        scaled = a * self.K * t * np.exp(-a * xi0)
        return xi0 + np.log1p(scaled) / a, xi0 + np.log1p(scaled * (1 + z0)) / a


def invert(regime: Regime, u0, t):
    """ξ(t) with t(ξ₀ → ξ) = t, by Newton kept inside a shrinking bracket.

    Stops, per point, when the residual is below the rounding error of the
    time itself (:meth:`Regime.noise`), or the step is below two ulp of ξ, or
    the bracket has shrunk to a few ulp: near the root the computed time is
    noisy at the ulp level, so Newton may alternate between neighbouring
    floats, and waiting for a smaller step would never end.
    """
    xi0 = regime.xi_of(u0)
    with np.errstate(over="ignore"):
        lo, hi = regime.bracket(xi0, t)
    far = np.zeros(xi0.shape, dtype=bool)
    if regime.kind == "neg":  # beyond e^{600}: the y^{2−N} term is all there is
        far, xi_far = _far_negative(regime, xi0, t)
        hi = np.minimum(hi, 700 / regime.a)  # A(ξ) stays finite in the bracket
    # ξ ≤ K·t ≤ 1e300 N in the domain; the bracket's initial rate may be larger
    hi = np.minimum(hi, 1e306)
    lo = np.minimum(lo, hi)
    # Newton converges monotonically from the side where the time is concave
    # (rise: from below) or convex (fall, neg: from above)
    xi = lo.copy() if regime.kind == "rise" else hi.copy()
    done = far.copy()
    for _ in range(400):
        g = regime.time(xi, xi0) - t
        lo = np.where(g < 0, np.maximum(lo, xi), lo)
        hi = np.where(g > 0, np.minimum(hi, xi), hi)
        done |= np.abs(g) <= regime.noise(xi, xi0) + 4 * _EPS * t
        done |= hi - lo <= 4 * _EPS * np.maximum(np.abs(lo), np.abs(hi))
        if np.all(done):
            break
        with np.errstate(over="ignore", invalid="ignore"):
            new = xi - g * regime.rate(xi)  # dt/dξ = 1/rate
        outside = ~((new >= lo) & (new <= hi)) | ~np.isfinite(new)
        geometric = (lo > 0) & (hi > 2 * lo)  # a bracket over decades: in logs
        mid = np.where(geometric, np.sqrt(np.where(geometric, lo, 1.0))
                       * np.sqrt(np.where(geometric, hi, 1.0)), 0.5 * lo + 0.5 * hi)
        new = np.where(outside, mid, new)
        done |= np.abs(new - xi) <= 2 * _EPS * np.abs(xi)
        xi = np.where(done, xi, new)
    else:  # pragma: no cover - the residual test ends it within a few dozen steps
        raise RuntimeError("deep_linear_modes: trajectory inversion did not converge")
    return np.where(far, xi_far, xi) if regime.kind == "neg" else xi


def _far_negative(regime: Regime, xi0, t):
    """``"neg"`` targets with a·ξ > 600, a = 1 − 2/N, in closed form.

    There A(ξ) = e^{aξ}/(N − 2) + J + O(y²) with J the constant of
    :meth:`Regime.antiderivative` (y = e^{−ξ/N}); the O(y²) term is below
    e^{−600} of the first, so aξ = ln(N − 2) + ln(t/c + A(ξ₀) − J), in logs.
    """
    a = regime.a
    with np.errstate(divide="ignore"):
        log_tc = np.log(np.where(t > 0, t, 1.0)) - np.log(regime.c)
    capped = np.minimum(xi0, 650 / a)
    head = np.where(a * xi0 > 650, 0.0, regime.antiderivative(capped) - regime._join)
    # ln(t/c + A₀ − J) with A₀ − J = e^{aξ₀}/(N−2) + O(y₀²) when ξ₀ is far too
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        rest = head * np.exp(-log_tc)
        log_sum = np.where(a * xi0 > 650,
                           np.logaddexp(log_tc, a * xi0 - np.log(regime.n - 2)),
                           log_tc + np.log1p(np.maximum(rest, -0.5)))
    xi = (np.log(regime.n - 2) + log_sum) / a
    return (t > 0) & (a * xi > 600), xi


def classify(u0, s):
    return {
        "rise": (u0 > 0) & (u0 < s),
        "fall": u0 > s,
        "neg": u0 < 0,
        "fixed": (u0 == 0) | (u0 == s),
    }


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)


def gauss(n: int, a, b, s, tau: float):
    """(τ/N)∫_a^b du/(|u|^{2−2/N}(s − u)) by 12-point Gauss–Legendre."""
    mid, half = (a + b) / 2, (b - a) / 2
    u = mid[..., None] + half[..., None] * _NODES
    tau = np.asarray(tau, dtype=float)[..., None] if np.ndim(tau) else tau
    g = tau / (n * np.abs(u) ** (2 - 2 / n) * (s[..., None] - u))
    return half * (g @ _WEIGHTS)


def learning_time_real(u0, uf, s, n: float, tau: float) -> np.ndarray:
    """Gauss-hypergeometric form (the docs; :func:`hyper_antiderivative`)."""
    out = np.zeros(u0.shape)
    with mpmath.workdps(30):
        N = mpmath.mpf(n)
        p = 2 - 2 / N
        a = 1 - p
        for i in np.ndindex(u0.shape):
            if uf[i] == u0[i]:
                continue
            S = mpmath.mpf(s[i])
            z0, zf = mpmath.mpf(u0[i]) / S, mpmath.mpf(uf[i]) / S
            if z0 < 1:  # F(z) = z^a/a ₂F₁(1, a; a+1; z), F' = z^{−p}/(1 − z)
                F = [zz**a / a * mpmath.hyp2f1(1, a, a + 1, zz) for zz in (z0, zf)]
            else:  # y = 1/z: G(y) = y^p/p ₂F₁(1, p; p+1; y), G' = y^{p−1}/(1 − y)
                F = [(1 / zz) ** p / p * mpmath.hyp2f1(1, p, p + 1, 1 / zz)
                     for zz in (z0, zf)]
            out[i] = float(tau * S ** (-p) / N * (F[1] - F[0]))
    return out
