"""Vector-level single-neuron functions on plain arrays (docs §5–§7).

These wrap the generated ``exact`` kernel: the whitened solution reduces to three
scalars per point (a, the component of w along β*, and the decay factor of the
component orthogonal to β*), which the kernel evaluates with broadcasting; the
vectors are assembled here.
"""

from __future__ import annotations

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .maths import NAME, kernels

__all__ = [
    "trajectory",
    "kernel_distance",
    "kernel_distance_between",
    "ntk",
    "implicit_bias",
]


def _kernel():
    return generated_kernel(NAME, kernels)


def trajectory(t, a0, w0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""Exact (a(t), w(t)) of the single neuron on whitened data (Σxx = I, Σxy = β*).

    Parameters
    ----------
    t : array_like
        Times, ``t ≥ 0``, any shape.
    a0 : float or array of shape (B,)
        Initial second-layer weight(s); any sign, including 0.
    w0 : array of shape (d,) or (B, d)
        Initial first-layer weights.
    beta_star : array of shape (d,)
        The target β* = Σxy (may be 0).
    eta_a, eta_w : float
        Positive layer-wise learning rates.

    Returns
    -------
    a : ndarray of shape ``t.shape`` (or ``(B,) + t.shape``)
    w : ndarray of shape ``t.shape + (d,)`` (or ``(B,) + t.shape + (d,)``)

    Notes
    -----
    One formula for every δ = η_w a₀² − η_a‖w₀‖² (docs §5); overflow-safe for
    large t.
    """
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    w0 = _finite("w0", w0, ndim=(1, 2))
    d = w0.shape[-1]
    beta_star = _finite("beta_star", beta_star, ndim=(1,))
    if beta_star.shape != (d,):
        raise ValueError(
            f"beta_star must have shape ({d},) to match w0, got {beta_star.shape}"
        )
    batched = w0.ndim == 2
    a0 = _finite("a0", a0, ndim=(1,) if batched else (0, 1))
    if a0.ndim == 1 and not batched:
        batched, w0 = True, np.broadcast_to(w0, (a0.shape[0], d))
    if batched and a0.ndim == 0:
        a0 = np.full(w0.shape[0], float(a0))
    if batched and a0.shape != (w0.shape[0],):
        raise ValueError(
            f"a0 must have shape ({w0.shape[0]},) to match w0, got {a0.shape}"
        )
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    s = float(np.linalg.norm(beta_star))
    e1 = beta_star / s if s > 0 else np.zeros(d)
    p0 = w0 @ e1
    perp0 = w0 - p0[..., None] * e1 if batched else w0 - p0 * e1
    r0 = np.linalg.norm(perp0, axis=-1)
    expand = (slice(None),) + (None,) * t.ndim if batched else ()
    a, p, g = _kernel()(t, a0[expand], p0[expand], r0[expand], s, eta_a, eta_w)
    w = p[..., None] * e1 + g[..., None] * _lift(perp0, t.ndim, batched)
    return a, w


def _lift(perp0: np.ndarray, t_ndim: int, batched: bool) -> np.ndarray:
    if batched:
        return perp0.reshape((perp0.shape[0],) + (1,) * t_ndim + perp0.shape[1:])
    return perp0


def ntk(a, w, eta_a: float = 1.0, eta_w: float = 1.0, X=None) -> np.ndarray:
    r"""The function-space preconditioner M = η_w a² I + η_a w wᵀ, or K = X M Xᵀ.

    ``a`` has shape ``S``, ``w`` shape ``S + (d,)``; the result has shape
    ``S + (d, d)`` (or ``S + (n, n)`` with data ``X`` of shape (n, d)).
    """
    a = _finite("a", a)
    w = _finite("w", w)
    if w.shape[:-1] != a.shape:
        raise ValueError(
            f"w must have shape a.shape + (d,) = {a.shape} + (d,), got {w.shape}"
        )
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    d = w.shape[-1]
    m = (
        eta_w * (a**2)[..., None, None] * np.eye(d)
        + eta_a * w[..., :, None] * w[..., None, :]
    )
    if X is None:
        return m
    X = _finite("X", X, ndim=(2,))
    if X.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}), got {X.shape}")
    return X @ m @ X.T


def kernel_distance_between(a0, w0, a1, w1, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""S = 1 − ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F) for whitened data (docs §6)."""
    a0, a1 = _finite("a0", a0), _finite("a1", a1)
    w0, w1 = _finite("w0", w0), _finite("w1", w1)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    d = w0.shape[-1]
    n0, n1 = np.sum(w0 * w0, -1), np.sum(w1 * w1, -1)
    dot = np.sum(w0 * w1, -1)
    inner = (
        d * eta_w**2 * a0**2 * a1**2
        + eta_a * eta_w * (a0**2 * n1 + a1**2 * n0)
        + eta_a**2 * dot**2
    )
    norm0 = np.sqrt(
        d * eta_w**2 * a0**4 + 2 * eta_a * eta_w * a0**2 * n0 + eta_a**2 * n0**2
    )
    norm1 = np.sqrt(
        d * eta_w**2 * a1**4 + 2 * eta_a * eta_w * a1**2 * n1 + eta_a**2 * n1**2
    )
    if np.any(norm0 == 0) or np.any(norm1 == 0):
        raise ValueError("the kernel distance needs non-zero kernels (a, w not both 0)")
    return 1.0 - inner / (norm0 * norm1)


def kernel_distance(t, a0, w0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""S(0, t) along the exact whitened trajectory (shape as ``trajectory``'s a)."""
    a, w = trajectory(t, a0, w0, beta_star, eta_a, eta_w)
    a0 = np.asarray(a0, dtype=float)
    w0 = np.asarray(w0, dtype=float)
    if a.ndim > np.ndim(t):  # batched
        extra = (None,) * np.ndim(t)
        a0b = np.broadcast_to(a0, a.shape[:1])[(slice(None),) + extra]
        w0b = np.broadcast_to(w0, a.shape[:1] + w0.shape[-1:])
        w0b = w0b.reshape(w0b.shape[:1] + (1,) * np.ndim(t) + w0b.shape[1:])
    else:
        a0b, w0b = a0, w0
    return kernel_distance_between(a0b, w0b, a, w, eta_a, eta_w)


def implicit_bias(
    X,
    y,
    beta0,
    delta: float,
    eta_a: float = 1.0,
    eta_w: float = 1.0,
    *,
    tol: float = 1e-13,
    max_iter: int = 200,
):
    r"""β(∞) of Theorem 3.1 (Kunin et al. 2024) for low-rank data.

    Minimises Ψ_δ̃(β) − ψ_δ̃ β̂₀ᵀβ subject to Xβ = y, with δ̃ = δ/√(η_aη_w).  With a
    one-dimensional null space of X this is the closed form of docs §7;
    otherwise the convex problem is solved by damped Newton on the null space.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,)
    beta0 : array of shape (d,), non-zero
        The initial β₀ = a₀w₀.
    delta : float
        The conserved δ = η_w a₀² − η_a‖w₀‖².
    """
    X = _finite("X", X, ndim=(2,))
    n, d = X.shape
    y = _finite("y", y, ndim=(1,))
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},), got {y.shape}")
    beta0 = _finite("beta0", beta0, ndim=(1,))
    if beta0.shape != (d,):
        raise ValueError(f"beta0 must have shape ({d},), got {beta0.shape}")
    nb0 = float(np.linalg.norm(beta0))
    if nb0 == 0:
        raise ValueError("beta0 must be non-zero (Theorem 3.1 assumes β(t) ≠ 0)")
    dl = float(_finite("delta", delta, ndim=(0,))) / np.sqrt(
        _rate("eta_a", eta_a) * _rate("eta_w", eta_w)
    )
    u, sv, vt = np.linalg.svd(X)
    rank = int(np.sum(sv > sv.max() * max(n, d) * np.finfo(float).eps))
    beta_mn = vt[:rank].T @ ((u[:, :rank].T @ y) / sv[:rank])
    if not np.allclose(X @ beta_mn, y, rtol=1e-10, atol=1e-12):
        raise ValueError("y is not in the range of X: no interpolating β exists")
    null = vt[rank:].T
    # ∇Ψ(β₀) = √(√(δ²+4‖β₀‖²) − δ) β̂₀, written without cancellation
    g0 = _radial_slope(nb0, dl) * beta0 / nb0
    if null.shape[1] == 0:
        return beta_mn
    if null.shape[1] == 1:
        nvec = null[:, 0]
        k = float(g0 @ nvec) / np.sqrt(2.0)
        kap = (k * k + dl) / 2
        c2 = float(beta_mn @ beta_mn)
        root = np.hypot(kap, np.sqrt(c2))
        grow = kap + root if kap >= 0 else c2 / (root - kap)
        return beta_mn + k * np.sqrt(grow) * nvec
    return _newton(beta_mn, null, g0, dl, tol, max_iter)


def _radial_slope(r, dl):
    """√(√(δ²+4r²) − δ), accurate for δ ≫ r."""
    root = np.sqrt(dl * dl + 4 * r * r)
    return np.sqrt(root - dl) if dl <= 0 else np.sqrt(4 * r * r / (root + dl))


def _newton(beta_mn, null, g0, dl, tol, max_iter):
    def psi(b):
        r2 = float(b @ b)
        root = np.sqrt(dl * dl + 4 * r2)
        return (root - 2 * dl) * np.sqrt(root + dl) / 3

    def objective(z):
        b = beta_mn + null @ z
        return psi(b) - g0 @ b

    z = np.zeros(null.shape[1])
    for _ in range(max_iter):
        b = beta_mn + null @ z
        r = float(np.linalg.norm(b))
        bh = b / r
        phi = _radial_slope(r, dl)
        dphi = 2 * r / (np.sqrt(dl * dl + 4 * r * r) * phi)
        grad = null.T @ (phi * bh - g0)
        hess = (
            null.T
            @ (dphi * np.outer(bh, bh) + phi / r * (np.eye(len(b)) - np.outer(bh, bh)))
            @ null
        )
        step = np.linalg.solve(hess, grad)
        f0, lam = objective(z), 1.0
        while objective(z - lam * step) > f0 and lam > 1e-12:
            lam /= 2
        z = z - lam * step
        if np.linalg.norm(lam * step) <= tol * max(1.0, np.linalg.norm(z)):
            break
    return beta_mn + null @ z
