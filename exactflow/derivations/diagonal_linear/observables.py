r"""Loss and NTK along the diagonal network's gradient flow on samples (X, y).

The loss is the mean L = ½·mean((Xβ − y)²) = (1/2n)‖Xβ − y‖², and the time is
that of the gradient flow of this mean loss, as in :func:`~.numeric.trajectory`.
The NTK on the training inputs is the Gram of the gradients of f(x) = βᵀx,
β = u⊙u − v⊙v, weighted by the layer rates: Θ = X diag(4(η_u u² + η_v v²)) Xᵀ
(docs).

>>> import numpy as np
>>> X, y = np.array([[1.0, 1.0]]), np.array([1.0])
>>> trajectory_loss(np.array([0.0, 40.0]), X, y, alpha=0.5).round(12).tolist()
[0.5, 0.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._sums import half_square_sum
from .numeric import trajectory

__all__ = ["trajectory_loss", "trajectory_ntk"]


def _flow(t, X, y, alpha, u0, v0, eta_u, eta_v):
    X = _finite("X", X, ndim=(2,))
    y = _finite("y", y, ndim=(1,))
    if len(y) != len(X):
        raise ValueError(f"y must have shape ({len(X)},) to match X, got {y.shape}")
    u, v, beta = trajectory(t, X, y, alpha, u0=u0, v0=v0, eta_u=eta_u, eta_v=eta_v)
    return X, y, u, v, beta


def trajectory_loss(t, X, y, alpha=None, *, u0=None, v0=None, eta_u: float = 1.0,
                    eta_v: float = 1.0):
    r"""The loss ½·mean((Xβ(t) − y)²) along the flow of that loss.

    Parameters
    ----------
    t : array_like
        Times ``t ≥ 0``, any shape (of the flow of the mean loss).
    X : array of shape (n, d)
    y : array of shape (n,)
        The samples.
    alpha : float or array of shape (B,), optional
        Uniform initialisation u₀ = v₀ = α𝟙.
    u0, v0 : arrays of shape (d,) or (B, d), optional
        General initialisation (instead of ``alpha``).
    eta_u, eta_v : float
        Positive layer-wise learning rates.

    Returns
    -------
    ndarray of shape ``t.shape`` (or ``(B,) + t.shape``)

    Notes
    -----
    β(t) comes from :func:`~.numeric.trajectory` (a reduced quadrature for a
    single sample, an integrator of the residual for rank ≥ 2).

    Domain and accuracy: :func:`~.numeric.trajectory`'s, plus a few ulp of
    ‖residual‖·(‖prediction‖ + ‖target‖), and the square of a few ulp of the
    terms Σ|X_ij β_j| where they cancel (a prediction of 0 from terms of 1e118
    has a rounding error of ~1e101, a loss of ~1e201); finite below the largest
    float64, +inf beyond, never NaN (docs/reliability.md).
    """
    X, y, _, _, beta = _flow(t, X, y, alpha, u0, v0, eta_u, eta_v)
    with np.errstate(over="ignore", invalid="ignore"):
        residual = beta @ X.T - y
    return half_square_sum(residual, axis=-1) / len(y)


def trajectory_ntk(t, X, y, alpha=None, *, u0=None, v0=None, eta_u: float = 1.0,
                   eta_v: float = 1.0):
    r"""The NTK on the training inputs, X diag(4(η_u u² + η_v v²)) Xᵀ, along the
    flow of the mean loss; shape ``t.shape + (n, n)`` (or ``(B,) + t.shape +
    (n, n)``).  Arguments as :func:`trajectory_loss`.

    Domain and accuracy: those of :func:`~.numeric.trajectory`; the kernel's
    entries are quadratic in the weights, so they are finite wherever their
    values are below the largest float64, ±inf beyond, never NaN.
    """
    eu, ev = _rate("eta_u", eta_u), _rate("eta_v", eta_v)
    X, _, u, v, _ = _flow(t, X, y, alpha, u0, v0, eu, ev)
    m = 4.0 * (eu * u * u + ev * v * v)
    return (X * m[..., None, :]) @ X.T
