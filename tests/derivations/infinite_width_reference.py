"""Independent 50-digit references for the infinite-width kernels.

Each layer's Gaussian expectation E[φ(u)φ(v)], E[φ'(u)φ'(v)] with
(u, v) ~ N(0, Σ) is computed by quadrature at 50 digits from its definition,
not from the closed forms under test:

* φ(z) = max(z, γz) is positively homogeneous, so in polar coordinates
  (z₁, z₂) = r(cos t, sin t) of the whitened pair (u, v) = L z (L the Cholesky
  factor of Σ) E[φ(u)φ(v)] = (1/π) ∫₀^{2π} φ(u(t))φ(v(t)) dt (E r² = 2) and
  E[φ'φ'] = (1/2π) ∫₀^{2π} φ'(u(t))φ'(v(t)) dt, integrated piece by piece
  between the kinks u(t) = 0, v(t) = 0;
* erf: the inner expectation over z₂ in closed form, E erf(m + βZ) =
  erf(m/√(1 + 2β²)) and E exp(−(m + βZ)²) = exp(−m²/(1+2β²))/√(1 + 2β²), the
  outer one over z₁ by quadrature.
"""

from __future__ import annotations

import mpmath as mp

DPS = 50


def _cholesky(a, c, b):
    """(√a, c/√a, √(b − c²/a)) with the degenerate a = 0 handled."""
    if a == 0:
        return mp.mpf(0), mp.mpf(0), mp.sqrt(b)
    ra = mp.sqrt(a)
    rest = b - c * c / a
    return ra, c / ra, mp.sqrt(max(rest, mp.mpf(0)))


def _kinks(l11, l21, l22):
    pts = [mp.mpf(0), 2 * mp.pi]
    for (p, q) in ((l11, mp.mpf(0)), (l21, l22)):  # p cos t + q sin t = 0
        if p == 0 and q == 0:
            continue
        t0 = mp.atan2(-p, q)
        for k in range(-2, 3):
            t = t0 + k * mp.pi
            if 0 < t < 2 * mp.pi:
                pts.append(t)
    return sorted(set(pts))


def expectations(activation: str, a, c, b, gamma=0):
    """(E φ(u)φ(v), E φ'(u)φ'(v)) for Σ = [[a, c], [c, b]] at 50 digits."""
    with mp.workdps(DPS + 10):
        a, b, c = mp.mpf(a), mp.mpf(b), mp.mpf(c)
        l11, l21, l22 = _cholesky(a, c, b)
        if activation == "erf":
            return _erf(l11, l21, l22)
        g = mp.mpf({"relu": 0, "linear": 1}.get(activation, gamma))

        def phi(z):
            return z if z > 0 else g * z

        def dphi(z):
            return mp.mpf(1) if z > 0 else g

        pts = _kinks(l11, l21, l22)

        def u(t):
            return l11 * mp.cos(t)

        def v(t):
            return l21 * mp.cos(t) + l22 * mp.sin(t)

        e_pp = mp.quad(lambda t: phi(u(t)) * phi(v(t)), pts,
                       method="gauss-legendre") / mp.pi
        if a == 0 or b == 0:  # φ' at a constant 0: any value (Θ is 0 there)
            return e_pp, mp.mpf(0)
        e_dd = mp.fsum(dphi(u((p + q) / 2)) * dphi(v((p + q) / 2)) * (q - p)
                       for p, q in zip(pts, pts[1:])) / (2 * mp.pi)
        return e_pp, e_dd


def _erf(l11, l21, l22):
    den = mp.sqrt(1 + 2 * l22**2)

    def weight(z):
        return mp.exp(-z * z / 2) / mp.sqrt(2 * mp.pi)

    e_pp = mp.quad(lambda z: weight(z) * mp.erf(l11 * z) * mp.erf(l21 * z / den),
                   [-mp.inf, 0, mp.inf])
    e_dd = mp.quad(lambda z: weight(z) * mp.exp(-(l11 * z) ** 2)
                   * mp.exp(-(l21 * z) ** 2 / den**2) / den, [-mp.inf, 0, mp.inf])
    return e_pp, 4 / mp.pi * e_dd


def kernels(x1, x2, depth: int, activation: str, w_std, b_std, gamma=0):
    """[(K, Θ) at depth 0, …, depth] as nested lists of mpf (rows of x1, x2)."""
    with mp.workdps(DPS + 10):
        W2, B2 = mp.mpf(w_std) ** 2, mp.mpf(b_std) ** 2
        X1 = [[mp.mpf(float(v)) for v in row] for row in x1]
        X2 = [[mp.mpf(float(v)) for v in row] for row in x2]
        d = len(X1[0])

        def dot(p, q):
            return mp.fsum(pi * qi for pi, qi in zip(p, q))

        k1 = [W2 * dot(p, p) / d + B2 for p in X1]
        k2 = [W2 * dot(q, q) / d + B2 for q in X2]
        k = [[W2 * dot(p, q) / d + B2 for q in X2] for p in X1]
        th = [row[:] for row in k]
        t1, t2 = k1[:], k2[:]
        out = [(k, th)]
        for _ in range(depth):
            new_k, new_th = [], []
            for i in range(len(X1)):
                rk, rt = [], []
                for j in range(len(X2)):
                    e, ed = expectations(activation, k1[i], k[i][j], k2[j], gamma)
                    kk = W2 * e + B2
                    rk.append(kk)
                    rt.append(kk + W2 * ed * th[i][j])
                new_k.append(rk)
                new_th.append(rt)
            n1 = [expectations(activation, v, v, v, gamma) for v in k1]
            n2 = [expectations(activation, v, v, v, gamma) for v in k2]
            t1 = [W2 * e + B2 + W2 * ed * t for (e, ed), t in zip(n1, t1)]
            t2 = [W2 * e + B2 + W2 * ed * t for (e, ed), t in zip(n2, t2)]
            k1 = [W2 * e + B2 for e, _ in n1]
            k2 = [W2 * e + B2 for e, _ in n2]
            k, th = new_k, new_th
            out.append((k, th))
        return out
