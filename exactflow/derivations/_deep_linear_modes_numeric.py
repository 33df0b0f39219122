"""Vector-level deep-linear-mode functions on plain arrays (MATH.md §5).

Depth 1 and 2 are closed forms (depth 2 through the generated ``exact`` and
``learning_time`` kernels).  For depth N ≥ 3 the learning time is the
elementary roots-of-unity antiderivative of
:func:`~exactflow.derivations.deep_linear_modes.roots_antiderivative`, evaluated
in NumPy, and the trajectory inverts it by a bracketed, safeguarded Newton
iteration in a variable ξ that grows without bound along the flow (the logit of
u/s below s; ln(z/(z−1)) above s; −ln(|u|/s) for u < 0), to a few ulp of ξ:
the relative error of u is then ≤ 1e-12, or within the problem's own
conditioning (the change of the exact answer when u₀ moves by a few ulp, which
dominates on long plateaus from tiny u₀).  Non-integer depth (learning time
only) uses the Gauss hypergeometric form with mpmath.
"""

from __future__ import annotations

import mpmath
import numpy as np

from ._checks import finite_array as _finite
from ._checks import positive_scalar as _positive_scalar

__all__ = [
    "trajectory",
    "learning_time",
    "balanced_weights",
    "two_layer_trajectory",
]

_EPS = np.finfo(np.float64).eps


def _depth(depth, allow_real: bool = False):
    if isinstance(depth, bool):
        raise TypeError("depth must be a number of weight layers, got a bool")
    if isinstance(depth, (int, np.integer)):
        if depth < 1:
            raise ValueError(f"depth must be a positive integer, got {depth}")
        return int(depth)
    if allow_real and isinstance(depth, (float, np.floating)):
        if not np.isfinite(depth) or depth <= 1:
            raise ValueError(
                f"a non-integer depth must be a finite real > 1, got {depth}"
            )
        return int(depth) if float(depth).is_integer() else float(depth)
    kind = "an integer or a real > 1" if allow_real else "a positive integer"
    raise TypeError(f"depth must be {kind}, got {depth!r}")


def _kernel(name: str):
    from . import deep_linear_modes

    return deep_linear_modes.derivation().kernel("numpy", kernel=name)


def _broadcast(**arrays) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"arguments do not broadcast together: {shapes}") from None


# --- the elementary antiderivative for integer depth N ≥ 2 --------------------


def _phi(n: int, sign: int, lz: np.ndarray, log_gap: np.ndarray | None):
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


class _Regime:
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
        return _phi(self.n, self.sign, lz, self.log_gap(xi, lz))

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


def _invert(regime: _Regime, u0, t):
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


def _classify(u0, s):
    return {
        "rise": (u0 > 0) & (u0 < s),
        "fall": u0 > s,
        "neg": u0 < 0,
        "fixed": (u0 == 0) | (u0 == s),
    }


def trajectory(t, u0, s, depth: int = 2, tau: float = 1.0) -> np.ndarray:
    r"""Exact u(t) of a balanced decoupled mode, τu̇ = N|u|^{2−2/N}(s − u).

    Parameters
    ----------
    t : array_like
        Times, ``t ≥ 0``.
    u0 : array_like
        Initial mode strength(s) u₀ = w_N(0)⋯w_1(0); any real value.
    s : array_like
        Target mode strength(s) (singular values), ``s > 0``.
    depth : int
        Number of weight layers N ≥ 1.
    tau : float
        Time constant τ > 0 (τ = 1/η for equal rates η; for layer rates η_l on
        the balanced set, τ = (η_1⋯η_N)^{−1/N}).

    Returns
    -------
    ndarray
        u(t), of the broadcast shape of ``t``, ``u0`` and ``s`` (e.g. pass
        ``t[None, :]`` and ``u0[:, None]`` for modes × times).

    Notes
    -----
    N = 1: u = s − (s − u₀)e^{−t/τ}.  N = 2: the closed form
    u = u₀/(e^{−2st/τ} + 2u₀∫₀^{t/τ}e^{−2sσ}dσ) (u₀ ≥ 0), of the generated
    ``exact`` kernel, exact and overflow-free for every t.  N ≥ 3: the exact
    learning time (elementary, MATH.md §5) inverted numerically, to ≤ 1e-12
    relative or within the conditioning of the problem (module docstring).
    u₀ = 0 and u₀ = s are fixed points; for N ≥ 2 a negative u₀ decays to 0.
    """
    n = _depth(depth)
    tau = _positive_scalar("tau", tau)
    t, u0, s = _broadcast(t=_finite("t", t), u0=_finite("u0", u0), s=_finite("s", s))
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the flow runs forward)")
    if np.any(s <= 0):
        raise ValueError("s must be positive (a mode strength)")
    if n == 1:
        return s - (s - u0) * np.exp(-t / tau)
    if n == 2:
        (out,) = _kernel("exact")(t, u0, s, tau)
        return out
    out = np.array(u0, dtype=np.float64, copy=True)
    for kind, mask in _classify(u0, s).items():
        if kind == "fixed" or not np.any(mask):
            continue
        regime = _Regime(kind, n, s[mask], tau)
        u = regime.u_of(_invert(regime, u0[mask], t[mask]))
        # u(t) is monotone from u₀ towards the attractor: keep rounding inside
        attractor = np.zeros_like(u) if kind == "neg" else s[mask]
        lo, hi = np.minimum(u0[mask], attractor), np.maximum(u0[mask], attractor)
        out[mask] = np.clip(u, lo, hi)
    return np.where(t == 0, u0, out)  # u(0) = u₀ exactly, not via ξ


def _check_reachable(n, u0, uf, s):
    if n == 1:
        ok = ((u0 < s) & (u0 <= uf) & (uf < s)) | ((u0 > s) & (s < uf) & (uf <= u0))
        ok |= (u0 == s) & (uf == s)
    else:
        kinds = _classify(u0, s)
        ok = (kinds["rise"] & (u0 <= uf) & (uf < s)) | (
            kinds["fall"] & (s < uf) & (uf <= u0)
        )
        ok |= kinds["neg"] & (u0 <= uf) & (uf < 0)
        ok |= kinds["fixed"] & (uf == u0)
    if not np.all(ok):
        i = np.flatnonzero(~ok.ravel())[0]
        raise ValueError(
            "uf must lie on the forward trajectory from u0, between u0 (inclusive) "
            f"and the attractor (exclusive); got u0={u0.ravel()[i]}, "
            f"uf={uf.ravel()[i]}, s={s.ravel()[i]}, depth={n}"
        )


def learning_time(u0, uf, s, depth=2, tau: float = 1.0) -> np.ndarray:
    r"""Exact time for a balanced mode to go from u₀ to u_f (MATH.md §5).

    t = (τ/N) ∫_{u₀}^{u_f} du/(|u|^{2−2/N}(s − u)).

    Parameters
    ----------
    u0, uf : array_like
        Start and end; ``uf`` must lie on the forward trajectory from ``u0``
        (between ``u0`` and the attractor: s, or 0 for u₀ < 0 when N ≥ 2).
    s : array_like
        Mode strength(s), ``s > 0``.
    depth : int or float
        Number of weight layers N ≥ 1 (integer, any regime), or a real N > 1
        (then only u₀ > 0; the Gauss-hypergeometric form, evaluated with mpmath).
    tau : float
        Time constant τ > 0.

    Returns
    -------
    ndarray of the broadcast shape.

    Notes
    -----
    N = 1: τ ln((s − u₀)/(s − u_f)); N = 2: the generated ``learning_time``
    kernel, sgn(u₀)(τ/2s) ln(u_f(s − u₀)/(u₀(s − u_f))); integer N ≥ 3: the
    elementary roots-of-unity antiderivative in NumPy.
    """
    n = _depth(depth, allow_real=True)
    tau = _positive_scalar("tau", tau)
    u0, uf, s = _broadcast(
        u0=_finite("u0", u0), uf=_finite("uf", uf), s=_finite("s", s)
    )
    if np.any(s <= 0):
        raise ValueError("s must be positive (a mode strength)")
    if isinstance(n, float):
        if np.any(u0 <= 0):
            raise ValueError("u0 must be positive for a non-integer depth")
        _check_reachable(2, u0, uf, s)
        return _learning_time_real(u0, uf, s, n, tau)
    _check_reachable(n, u0, uf, s)
    if n == 1:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = tau * np.log1p((uf - u0) / (s - uf))
        return np.where(uf == u0, 0.0, out)
    out = np.zeros(u0.shape)
    moving = uf != u0
    if n == 2:
        if np.any(moving):
            (out[moving],) = _kernel("learning_time")(
                u0[moving], uf[moving], s[moving], tau
            )
        return out
    for kind, mask in _classify(u0, s).items():
        mask = mask & moving
        if kind == "fixed" or not np.any(mask):
            continue
        a, b, sm = u0[mask], uf[mask], s[mask]
        regime = _Regime(kind, n, sm, tau)
        closed = regime.time(regime.xi_of(b), regime.xi_of(a))
        # a short step (≤ 1/4 of the distance to the singular points 0 and s):
        # the difference of Φ would cancel, Gauss–Legendre on the analytic
        # integrand is exact to rounding there (Bernstein ellipse ρ ≥ 17)
        gap = np.minimum(np.minimum(np.abs(a), np.abs(b)),
                         np.minimum(np.abs(sm - a), np.abs(sm - b)))
        short = np.abs(b - a) <= gap / 4
        if np.any(short):
            closed[short] = _gauss(n, a[short], b[short], sm[short], tau)
        out[mask] = closed
    return out


_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)


def _gauss(n: int, a, b, s, tau: float):
    """(τ/N)∫_a^b du/(|u|^{2−2/N}(s − u)) by 12-point Gauss–Legendre."""
    mid, half = (a + b) / 2, (b - a) / 2
    u = mid[..., None] + half[..., None] * _NODES
    g = tau / (n * np.abs(u) ** (2 - 2 / n) * (s[..., None] - u))
    return half * (g @ _WEIGHTS)


def _learning_time_real(u0, uf, s, n: float, tau: float) -> np.ndarray:
    """Gauss-hypergeometric form (MATH.md §5; :func:`hyper_antiderivative`)."""
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


def balanced_weights(u, rates) -> np.ndarray:
    r"""Balanced chain weights with product u: w_l = √η_l (|u|/√(η_1⋯η_N))^{1/N}.

    All w_l²/η_l are equal (every conserved difference is 0); the first weight
    carries the sign of u.  Returns shape ``u.shape + (N,)``.
    """
    u = _finite("u", u)
    rates = _finite("rates", rates)
    if rates.ndim != 1 or rates.size < 1:
        raise ValueError(f"rates must have shape (N,), got {rates.shape}")
    if np.any(rates <= 0):
        raise ValueError("rates must be positive learning rates")
    n = rates.size
    with np.errstate(divide="ignore"):  # u = 0 gives log 0 = −∞, hence mag = 0
        mag = np.exp((np.log(np.abs(u)) - 0.5 * np.sum(np.log(rates))) / n)
    w = np.sqrt(rates) * mag[..., None]
    w[..., 0] = np.where(u < 0, -w[..., 0], w[..., 0])
    return w


def two_layer_trajectory(t, w1_0, w2_0, s, eta1: float = 1.0, eta2: float = 1.0):
    r"""Exact (w1, w2)(t) of the depth-2 chain for every initialisation.

    The decoupled unbalanced mode is the single neuron of MATH.md §1 with d = 1
    (a = w2, w = w1, η_a = η2, η_w = η1, β* = s); this delegates to
    :func:`exactflow.derivations.single_neuron.trajectory`.  ``w1_0``, ``w2_0``
    are scalars or arrays of shape (B,); results have shape ``t.shape`` or
    ``(B,) + t.shape``.
    """
    from .single_neuron import trajectory as neuron

    eta1, eta2 = _positive_scalar("eta1", eta1), _positive_scalar("eta2", eta2)
    w1_0, w2_0 = _finite("w1_0", w1_0), _finite("w2_0", w2_0)
    if w1_0.ndim > 1 or w2_0.ndim > 1 or (
        w1_0.ndim == 1 and w2_0.ndim == 1 and w1_0.shape != w2_0.shape
    ):
        raise ValueError(
            f"w1_0 and w2_0 must be scalars or of one shape (B,), got "
            f"{w1_0.shape} and {w2_0.shape}"
        )
    s = _finite("s", s)
    if s.ndim != 0:
        raise ValueError(f"s must be a scalar, got shape {s.shape}")
    batch = max(w1_0.ndim, w2_0.ndim)
    if batch:
        size = max(w1_0.size, w2_0.size)
        w1_0 = np.broadcast_to(w1_0, (size,))[:, None]
        w2_0 = np.broadcast_to(w2_0, (size,))
    else:
        w1_0 = w1_0.reshape(1)
    a, w = neuron(t, w2_0, w1_0, s.reshape(1), eta_a=eta2, eta_w=eta1)
    return w[..., 0], a
