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


class Regime:
    """One of the three flows of the balanced mode (N ≥ 3) in its variable ξ.

    ``"rise"`` 0 < u < s, ξ = ln(z/(1 − z)); ``"fall"`` u > s, ξ = ln(z/(z − 1));
    ``"neg"`` u < 0, ξ = −ln(|u|/s); z = |u|/s.  ξ increases along the flow at
    the rate K z^{p−1} (times 1 + z for ``"neg"``), K = N s^p/τ, p = 2 − 2/N.
    """

    def __init__(self, kind: str, n: int, s, tau: float):
        self.kind, self.n, self.s, self.tau = kind, n, s, tau
        self.p = 2 - 2 / n
        self.sign = -1 if kind == "neg" else 1
        self.K = n * s**self.p / tau
        self.c = tau * s ** (-self.p)

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

    def phi(self, xi):
        lz = self.logz(xi)
        return phi(self.n, self.sign, lz, self.log_gap(xi, lz))

    def time(self, xi, xi0):
        """t(ξ₀ → ξ) = ±τ s^{−p}[Φ(y) − Φ(y₀)]."""
        return self.sign * self.c * (self.phi(xi) - self.phi(xi0))

    def rate(self, xi):
        lz = self.logz(xi)
        r = self.K * np.exp((self.p - 1) * lz)
        return r * (1 + np.exp(lz)) if self.kind == "neg" else r

    def xi_of(self, u):
        if self.kind == "rise":
            return np.log(u) - np.log(self.s - u)
        if self.kind == "fall":
            return np.log(u) - np.log(u - self.s)
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
    """ξ(t) with t(ξ₀ → ξ) = t, by Newton kept inside a shrinking bracket."""
    xi0 = regime.xi_of(u0)
    lo, hi = regime.bracket(xi0, t)
    # Newton converges monotonically from the side where the time is concave
    # (rise: from below) or convex (fall, neg: from above)
    xi = lo.copy() if regime.kind == "rise" else hi.copy()
    for _ in range(2000):
        g = regime.time(xi, xi0) - t
        lo = np.where(g < 0, np.maximum(lo, xi), lo)
        hi = np.where(g > 0, np.minimum(hi, xi), hi)
        new = xi - g * regime.rate(xi)
        outside = (new < lo) | (new > hi)
        new = np.where(outside, 0.5 * (lo + hi), new)
        step = np.abs(new - xi)
        xi = new
        if np.all(step <= 4 * _EPS * np.maximum(1.0, np.abs(xi))):
            break
    else:  # pragma: no cover - the iteration converges within a few dozen steps
        raise RuntimeError("deep_linear_modes: trajectory inversion did not converge")
    return xi


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
