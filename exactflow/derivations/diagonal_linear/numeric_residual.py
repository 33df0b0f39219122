"""The integrated residual R(t) of the diagonal network, with NumPy only (the docs).

R = Xᵀ∫₀ᵗρ lies in row(X) = span of the r orthonormal rows of A (X = U·diag(S)·A),
R = Aᵀm, and ṁ = S²(A b(Aᵀm) − c), m(0) = 0, c = S⁻¹Uᵀy, with
b(R) = u₀²e^{−4η_uR} − v₀²e^{4η_vR} (see :mod:`.numeric`).

* **Rank 1** (one sample, or any rank-one X): a scalar flow ṁ = f(m) with f
  strictly decreasing, so t(m) = ∫₀^m dm'/f(m') is a one-dimensional quadrature.
  Towards a root m* (the flow interpolates) the variable is σ = −ln(1 − m/m*),
  in which dt/dσ = (m* − m)/f(m) = 1/|Q(m)| with Q the divided difference of f
  between m and m*, written as a sum of positive terms (φ₁ = expm1(x)/x): no
  cancellation, bounded, smooth, and constant as σ → ∞.  Without a root (the
  target is out of reach) the variable is |m| itself, on geometric panels.
  Adaptive Gauss–Legendre (16 against 8 points per panel) bounds the relative
  error of every panel's time, hence of t, by ``rtol``; m(t) is then found by
  Newton inside its panel.  The state returned is the exact state at a time t'
  with |t' − t| ≤ rtol·t: a backward error bound.
* **Rank ≥ 2**: no one-dimensional reduction exists (ν̇ = −∇J(ν) is the
  gradient flow of the convex dual, see :mod:`.numeric_bias`), and m is
  integrated by extrapolated linearly implicit Euler (harmonic sequence,
  Aitken–Neville, orders up to 8; stable for the stiff, converging flow), with
  the local error measured on β: ``atol + rtol·|β|`` per coordinate, through
  |b'(R)| (so the accuracy does not degrade like α² for large α).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["integrated_residual"]

_G16 = np.polynomial.legendre.leggauss(16)
_G8 = np.polynomial.legendre.leggauss(8)
_SIGMA_END = 40.0  # m*(1 − e^{−σ}) rounds to m* beyond σ ≈ 37


def _log_sq(x: np.ndarray) -> np.ndarray:
    out = np.full(np.shape(x), -np.inf)
    np.log(np.abs(x), out=out, where=x != 0)
    return 2 * out


def _phi1(x):
    """expm1(x)/x, 1 at x = 0 (overflow to +inf for x ≳ 709 is harmless here)."""
    small = x == 0
    safe = np.where(small, 1.0, x)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(small, 1.0, np.expm1(safe) / safe)


def _exp_phi1(base, x, total):
    """e^base·φ₁(x), also where e^base underflows and φ₁(x) overflows (a root
    far away: base ≪ 0, x ≫ 0): there it is e^{total − ln x}, ``total`` =
    base + x computed without the cancellation of the two."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        plain = np.exp(base) * _phi1(x)
        far = np.exp(total - np.log(np.where(x > 1, x, 1.0)))
    return np.where(x > 700, far, plain)


class _Scalar:
    """ṁ = f(m) = σ²(a·b(am) − c) for a rank-one X (a unit row, σ its singular
    value)."""

    def __init__(self, a, sig, c, u0, v0, eta_u, eta_v):
        self.a, self.s2, self.c = a, sig * sig, c
        self.lu, self.lv = _log_sq(u0), _log_sq(v0)  # 2 ln|u₀|, 2 ln|v₀|
        self.eta_u, self.eta_v = eta_u, eta_v

    def _parts(self, m):
        """u² and v² at R = a·m (shape m.shape + (d,)), in logarithms."""
        with np.errstate(over="ignore", invalid="ignore"):
            x = np.multiply.outer(m, self.a)  # inf·0 where a_i = 0: u², v² fixed
            x = np.where(self.a == 0, 0.0, x)
            u2 = np.exp(self.lu - 4 * self.eta_u * x)
            v2 = np.exp(self.lv + 4 * self.eta_v * x)
        # a zero start stays zero (ln 0 = −inf against an infinite x is NaN)
        return (np.where(np.isfinite(self.lu), u2, 0.0),
                np.where(np.isfinite(self.lv), v2, 0.0))

    def f(self, m):
        """f(m), with b_i = u_i² − v_i² = −u_i²·expm1(−2δ_i) or v_i²·expm1(2δ_i),
        δ_i = ln|u_i/v_i| (no cancellation of u² against v² for u₀ ≈ v₀ ≫ 1)."""
        m = np.asarray(m, dtype=float)
        u2, v2 = self._parts(m)
        with np.errstate(over="ignore", invalid="ignore"):
            x = np.where(self.a == 0, 0.0, np.multiply.outer(m, self.a))
            dl = (self.lu - self.lv) / 2 - 2 * (self.eta_u + self.eta_v) * x
            b = np.where(dl >= 0, -u2 * np.expm1(-2 * dl), v2 * np.expm1(2 * dl))
            b = np.where(np.isfinite(self.lv), np.where(np.isfinite(self.lu), b,
                                                         -v2), u2)
            return self.s2 * (b @ self.a - self.c)

    def slope(self, m):
        """|f'(m)| = σ² Σ a_i² 4(η_u u_i² + η_v v_i²)."""
        u2, v2 = self._parts(np.asarray(m, dtype=float))
        with np.errstate(over="ignore", invalid="ignore"):
            return self.s2 * ((4 * self.eta_u * u2 + 4 * self.eta_v * v2)
                              @ (self.a * self.a))

    def unbounded(self, direction: float) -> bool:
        """Whether f keeps the sign of f(0) as m → direction·∞ (no root)."""
        a, u0, v0 = self.a * direction, np.isfinite(self.lu), np.isfinite(self.lv)
        growing = np.any(((a > 0) & v0) | ((a < 0) & u0))
        if growing:
            return False
        limit = -self.s2 * self.c  # a·b(am) → 0 along the decaying coordinates
        return limit * direction >= 0

    def root(self, direction: float) -> float:
        """The root of f beyond 0 in ``direction`` (it exists): bracket, then
        safeguarded Newton to the last ulp; None when it lies beyond the float
        range (a coordinate with a tiny a_i that grows only at |m| > 1e308)."""
        lo = 0.0
        fp = max(float(self.slope(0.0)), 1e-300)
        step = max(abs(float(self.f(0.0))) / fp, 1e-300)
        hi = direction * step
        for _ in range(4000):
            if not np.isfinite(hi):
                return None  # the root is beyond the float range
            if float(self.f(hi)) * direction <= 0:
                break
            lo, hi = hi, 2 * hi
        # f decreases: f(a) > 0 > f(b) on the bracket [a, b]; Newton while it
        # at least halves the bracket, bisection otherwise (rtsafe)
        a, b = min(lo, hi), max(lo, hi)
        m, step_old = 0.5 * (a + b), b - a
        for _ in range(2000):
            fm = float(self.f(m))
            if fm == 0:
                return m
            if fm > 0:
                a = m
            else:
                b = m
            slope = float(self.slope(m))  # 0 where every u², v² underflows
            step = fm / slope if slope > 0 else math.inf
            new = m + step
            if not (np.isfinite(new) and a < new < b) or 2 * abs(step) > abs(
                    step_old):
                step, new = 0.5 * (b - a), 0.5 * (a + b)
            if b - a <= 4 * np.finfo(float).eps * max(abs(a), abs(b)) or new == m:
                return new
            m, step_old = new, step
        return m

    def rate(self, m, root):
        """|Q(m)| = |f(m) − f(m*)|/|m − m*| as a sum of positive terms."""
        x = np.multiply.outer(m - root, self.a)
        at, here = root * self.a, np.multiply.outer(m, self.a)  # at + x = here
        with np.errstate(over="ignore", invalid="ignore"):
            pu = 4 * self.eta_u * _exp_phi1(self.lu - 4 * self.eta_u * at,
                                            -4 * self.eta_u * x,
                                            self.lu - 4 * self.eta_u * here)
            pv = 4 * self.eta_v * _exp_phi1(self.lv + 4 * self.eta_v * at,
                                            4 * self.eta_v * x,
                                            self.lv + 4 * self.eta_v * here)
            return self.s2 * (np.where(np.isfinite(self.lu), pu, 0.0)
                              + np.where(np.isfinite(self.lv), pv, 0.0)) @ (
                                  self.a * self.a)


def _gauss(h, x0, x1, rule=_G16):
    nodes, weights = rule
    mid, half = (x0 + x1) / 2, (x1 - x0) / 2
    pts = np.multiply.outer(half, nodes) + np.asarray(mid)[..., None]
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return half * (h(pts) @ weights)


def _panels(h, edges, rtol):
    """Adaptive panels on ``edges``: (left ends, right ends, integrals)."""
    todo = [(a, b, 0) for a, b in zip(edges[:-1], edges[1:])]
    done = []
    while todo:
        a, b, depth = todo.pop()
        fine = float(_gauss(h, np.array(a), np.array(b)))
        rough = float(_gauss(h, np.array(a), np.array(b), _G8))
        if abs(fine - rough) <= rtol * abs(fine) or depth > 60 or not np.isfinite(fine):
            done.append((a, b, fine))
        else:
            mid = 0.5 * (a + b)
            todo += [(mid, b, depth + 1), (a, mid, depth + 1)]
    done.sort()
    lo, hi, part = (np.array(v, dtype=float) for v in zip(*done))
    return lo, hi, part


def _invert(h, lo, hi, part, times, rtol):
    """x with ∫_{x0}^x h = t for each t (cumulative panels; x beyond: hi[-1])."""
    cum = np.concatenate([[0.0], np.cumsum(part)])
    j = np.clip(np.searchsorted(cum, times, side="right") - 1, 0, len(part) - 1)
    beyond = times >= cum[-1]
    a, b = lo[j], hi[j]
    need = times - cum[j]
    frac = np.where(part[j] > 0, need / np.where(part[j] > 0, part[j], 1.0), 0.0)
    x = a + np.clip(frac, 0.0, 1.0) * (b - a)
    for _ in range(100):
        g = _gauss(h, a, x) - need
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            new = x - g / h(x)
        new = np.where(np.isfinite(new), np.clip(new, a, b), x)
        moved = np.abs(new - x) > 4 * np.finfo(float).eps * np.abs(x)
        close = np.abs(g) <= rtol * np.maximum(times, 1e-300)
        x = new
        if not np.any(moved & ~close):
            break
    return np.where(beyond, hi[-1], x)


def _rank_one(times, A, S, c, u0, v0, eta_u, eta_v, rtol):
    flow = _Scalar(A[0], S[0], c[0], u0, v0, eta_u, eta_v)
    f0 = float(flow.f(0.0))
    if f0 == 0 or not np.isfinite(f0):
        return np.zeros((len(times), len(u0)))
    direction = 1.0 if f0 > 0 else -1.0
    if float(flow.slope(0.0)) == 0:  # no coordinate along a can move: f ≡ f(0)
        return np.multiply.outer(f0 * times, A[0])
    root = None if flow.unbounded(direction) else flow.root(direction)
    if root is not None:

        def h(sig):
            return 1.0 / flow.rate(root * -np.expm1(-sig), root)

        edges = np.arange(0.0, _SIGMA_END + 1.0)
        # a root far beyond the scale |f(0)|/f'(0) on which m first moves (an
        # entry of X far smaller than the others): that motion is at σ ≪ 1,
        # where unit panels cannot see it; geometric edges from that scale
        start = abs(f0) / float(flow.slope(0.0)) / abs(root)
        if start < 1e-6:
            small = start * 2.0 ** np.arange(0, int(np.log2(1 / start)) + 1)
            edges = np.concatenate([[0.0], small[small < 1], edges[1:]])
        lo, hi, part = _panels(h, edges, rtol)
        sig = _invert(h, lo, hi, part, times, rtol)
        m = root * -np.expm1(-sig)
    else:  # m → direction·∞ (or a root beyond the float range): |m| on
        # geometric panels until t is reached

        def h(x):
            with np.errstate(divide="ignore"):
                return 1.0 / np.abs(flow.f(direction * x))

        unit = max(abs(f0) / max(float(flow.slope(0.0)), 1e-300), 1e-300)
        edges, total, x = [0.0], 0.0, unit
        while total <= times[-1] and x < 1e300:
            edges.append(x)
            total += float(_gauss(h, np.array(edges[-2]), np.array(x)))
            x *= 2
        lo, hi, part = _panels(h, np.array(edges), rtol)
        m = direction * _invert(h, lo, hi, part, times, rtol)
    return np.multiply.outer(m, A[0])


def _extrapolated(times, A, S, c, u0, v0, eta_u, eta_v, rtol, atol, slope_beta):
    """Rank ≥ 2: extrapolated linearly implicit Euler with error control on β."""
    S2 = S * S
    eye = np.eye(len(S))

    def field(m):
        beta, slope = slope_beta(A.T @ m, u0, v0, eta_u, eta_v)
        return S2 * (A @ beta - c), beta, slope

    def jac(slope):
        return -(S2[:, None] * (A * slope)) @ A.T

    out = np.zeros((len(times), len(u0)))
    m, now = np.zeros(len(S)), 0.0
    f0, beta, slope = field(m)
    H = 0.1 / max(float(np.abs(jac(slope)).sum(axis=1).max()), 1e-300)
    seq = (1, 2, 3, 4, 5, 6, 7)  # column j has order j + 1
    for k, target in enumerate(times):
        while now < target:
            H = min(H, target - now)
            J = jac(slope)
            table, accepted = [], None
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                for j, n in enumerate(seq):
                    h = H / n
                    lhs = eye - h * J
                    y = m.copy()
                    for _ in range(n):
                        y = y + np.linalg.solve(lhs, h * field(y)[0])
                    row = [y]
                    for q in range(1, j + 1):
                        ratio = n / seq[j - q] - 1.0
                        row.append(row[q - 1] + (row[q - 1] - table[j - 1][q - 1])
                                   / ratio)
                    table.append(row)
                    if j == 0:
                        continue
                    diff = row[j] - row[j - 1]
                    b_new, s_new = slope_beta(A.T @ row[j], u0, v0, eta_u, eta_v)
                    scale = atol + rtol * np.maximum(np.abs(b_new), np.abs(beta))
                    err = float(np.max(np.maximum(s_new, slope) * np.abs(A.T @ diff)
                                       / scale))
                    if np.isfinite(err) and err <= 1.0:
                        accepted = (row[j], j, err)  # the highest order wins
                        if err <= 1e-6:
                            break
            if accepted is None:
                H /= 4
                if H <= 1e-300 * max(now, 1.0):
                    raise RuntimeError("diagonal_linear: the step size of the "
                                       "integration of R(t) underflowed")
                continue
            m, now = accepted[0], now + H
            f0, beta, slope = field(m)
            order = accepted[1] + 1
            H *= min(4.0, max(0.25, 0.9 * max(accepted[2], 1e-12) ** (-1.0 / order)))
        out[k] = A.T @ m
    return out


def integrated_residual(times, X, y, u0, v0, eta_u, eta_v, rtol, atol, slope_beta,
                        row_space):
    """R(t) on the sorted unique times ``times`` (1-D), shape (len(times), d)."""
    A, S, c = row_space(X, y)
    if len(S) == 0 or times[-1] == 0:
        return np.zeros((len(times), len(u0)))
    if len(S) == 1:
        return _rank_one(times, A, S, c, u0, v0, eta_u, eta_v, rtol)
    return _extrapolated(times, A, S, c, u0, v0, eta_u, eta_v, rtol, atol,
                         slope_beta)
