"""The implicit bias of the single neuron on plain arrays (docs §7, Theorem 3.1)."""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import integer as _integer
from .._checks import learning_rate as _rate
from .._checks import real_scalar as _real
from .._checks import tolerance as _tolerance

__all__ = ["implicit_bias"]


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

    Minimises Ψ_δ̃(β) − ∇Ψ_δ̃(β₀)ᵀβ subject to Xβ = y, with δ̃ = δ/√(η_aη_w).
    Ψ is radial, so with β = β_mn + z (β_mn the minimum-norm interpolant, z in
    null(X)) the minimiser has z parallel to the projection k of ∇Ψ(β₀) onto
    null(X): a one-dimensional problem with the closed form of docs §7, for a
    null space of any dimension (no iteration).

    Parameters
    ----------
    X : array of shape (n, d)
        Data, finite; its rank is decided at the relative tolerance
        max(n, d)·eps of its largest singular value.
    y : array of shape (n,)
        Targets in the range of X (‖Xβ_mn − y‖ ≤ 1e-10‖y‖).
    beta0 : array of shape (d,), non-zero
        The initial β₀ = a₀w₀.
    delta : float
        The conserved δ = η_w a₀² − η_a‖w₀‖².
    eta_a, eta_w : float
        Positive learning rates.
    tol, max_iter : float, int
        Kept for compatibility (checked: 0 < tol < 1, max_iter ≥ 1); the
        minimiser is in closed form, so nothing iterates.

    Returns
    -------
    beta : ndarray of shape (d,)

    Notes
    -----
    Domain: finite X, y, β₀ ≠ 0 and δ with ‖β₀‖, |δ̃|, ‖β_mn‖ and ‖∇Ψ(β₀)‖²
    below 1e150 (every square is formed through ``hypot``); accuracy: the
    relative error of β is a few ulp times the conditioning of the SVD of X
    (checked against a convex solver and a long DOP853 integration of the flow).

    Raises
    ------
    ValueError
        For shapes that do not match, β₀ = 0, y outside the range of X, a
        non-positive rate, tol outside (0, 1) or max_iter < 1 (each message names
        the argument).
    """
    X = _finite("X", X, ndim=(2,))
    n, d = X.shape
    y = _finite("y", y, ndim=(1,))
    if y.shape != (n,):
        raise ValueError(f"y must have shape ({n},) to match X, got {y.shape}")
    beta0 = _finite("beta0", beta0, ndim=(1,))
    if beta0.shape != (d,):
        raise ValueError(f"beta0 must have shape ({d},) to match X, got "
                         f"{beta0.shape}")
    nb0 = float(np.linalg.norm(beta0))
    if nb0 == 0:
        raise ValueError("beta0 must be non-zero (Theorem 3.1 assumes β(t) ≠ 0)")
    delta = _real("delta", delta)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    _tolerance("tol", tol)
    _integer("max_iter", max_iter)
    dl = delta / np.sqrt(eta_a) / np.sqrt(eta_w)
    u, sv, vt = np.linalg.svd(X)
    rank = int(np.sum(sv > sv.max() * max(n, d) * np.finfo(float).eps))
    beta_mn = vt[:rank].T @ ((u[:, :rank].T @ y) / sv[:rank])
    scale = float(np.linalg.norm(y))
    if float(np.linalg.norm(X @ beta_mn - y)) > 1e-10 * scale:
        raise ValueError("y is not in the range of X: no interpolating β exists")
    null = vt[rank:].T
    # ∇Ψ(β₀) = √(√(δ²+4‖β₀‖²) − δ) β̂₀, written without cancellation
    g0 = _radial_slope(nb0, dl) * (beta0 / nb0)
    if null.shape[1] == 0:
        return beta_mn
    k = null @ (null.T @ g0)  # the projection of ∇Ψ(β₀) onto null(X)
    nk = float(np.linalg.norm(k))
    if nk == 0:
        return beta_mn
    half = nk / np.sqrt(2.0)  # the 1-D problem along k̂ (docs §7)
    kap = (half * half + dl) / 2
    c = float(np.linalg.norm(beta_mn))
    root = np.hypot(kap, c)
    grow = kap + root if kap >= 0 else c / (root - kap) * c
    return beta_mn + np.sqrt(grow) * (k / np.sqrt(2.0))


def _radial_slope(r, dl):
    """√(√(δ²+4r²) − δ), accurate for δ ≫ r (no square formed: hypot)."""
    root = np.hypot(dl, 2 * r)
    return np.sqrt(root - dl) if dl <= 0 else 2 * r / np.sqrt(root + dl)


def _newton(beta_mn, null, g0, dl, tol, max_iter):
    """Damped Newton on the null space: an independent check of the closed form
    of :func:`implicit_bias` (claims); starts where β ≠ 0."""
    def psi(b):
        r2 = float(b @ b)
        root = np.sqrt(dl * dl + 4 * r2)
        return (root - 2 * dl) * np.sqrt(root + dl) / 3

    def objective(z):
        b = beta_mn + null @ z
        return psi(b) - g0 @ b

    z = null.T @ g0 if np.any(null.T @ g0) else np.ones(null.shape[1])
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
