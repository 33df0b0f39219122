r"""Loss and NTK along the exact trajectory of the wide scalar linear network.

The population loss is L = ½E[(y − κpx)²] = ½(E[y²] − 2κσ_xy p + σ_xx κ²p²) with
p = u·w; its minimum over p is ½(E[y²] − σ_xy²/σ_xx), so the excess loss is
L − min L = (σ_xx κp − σ_xy)²/(2σ_xx), which needs no E[y²].  The NTK is the
scalar K = κ²(η_u‖w‖² + η_w‖u‖²) multiplying xx' (docs §2).

>>> import numpy as np
>>> t = np.array([0.0, 50.0])
>>> L = trajectory_loss(t, [0.3, 0.0], [0.0, 0.4], 1.0, 2.0)
>>> L.round(12).tolist()  # ½(β − ακp₀)²/α = 2 at t = 0 (p₀ = 0), then learned
[2.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._checks import positive_scalar as _positive
from .._checks import real_scalar as _real
from .._sums import half_square_sum
from .numeric import trajectory

__all__ = ["trajectory_loss", "trajectory_ntk"]


def _paths(t, u0, w0, sigma_xx, sigma_xy, kappa, eta_u, eta_w):
    """(u, w) of shape ``(B,) + t.shape + (d,)`` (or without B), one start at a
    time (so the axis order of :func:`trajectory` for batches does not matter)."""
    u0, w0 = _finite("u0", u0, ndim=(1, 2)), _finite("w0", w0, ndim=(1, 2))
    if u0.shape != w0.shape:
        raise ValueError(f"u0 and w0 must have equal shapes (d,) or (B, d), got "
                         f"{u0.shape} and {w0.shape}")
    if u0.ndim == 1:
        return trajectory(t, u0, w0, sigma_xx, sigma_xy, kappa,
                          eta_u=eta_u, eta_w=eta_w)
    parts = [trajectory(t, a, b, sigma_xx, sigma_xy, kappa, eta_u=eta_u, eta_w=eta_w)
             for a, b in zip(u0, w0)]
    return np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts])


def trajectory_loss(t, u0, w0, sigma_xx: float, sigma_xy: float, kappa: float = 1.0,
                    eta_u: float = 1.0, eta_w: float = 1.0, sigma_yy=None):
    r"""The loss along the exact flow: excess (σ_xxκp − σ_xy)²/(2σ_xx), or with
    ``sigma_yy`` = E[y²] the loss ½(E[y²] − 2κσ_xy p + σ_xxκ²p²) itself.

    Parameters
    ----------
    t : array_like
        Times ``t ≥ 0``, any shape.
    u0, w0 : array of shape (d,) or (B, d)
        Initial layers (one start, or a batch of B starts).
    sigma_xx : float
        σ_xx = E[x²] > 0.
    sigma_xy : float
        σ_xy = E[xy].
    kappa : float
        Output scale κ > 0.
    eta_u, eta_w : float
        Positive layer-wise learning rates.
    sigma_yy : float, optional
        E[y²] ≥ σ_xy²/σ_xx; when given, the loss itself rather than the excess.

    Returns
    -------
    ndarray of shape ``t.shape`` (or ``(B,) + t.shape``)

    Notes
    -----
    Domain and accuracy: those of :func:`~.numeric.trajectory`; the loss is
    finite wherever its value is below the largest float64, +inf beyond, never
    NaN; rounding adds a few ulp of |residual|·(σ_xxκS + |σ_xy|)/σ_xx, S =
    Σ|u_i w_i| the size of the terms of p (of the sizes of the terms with
    ``sigma_yy``), and σ_xxκ² times the square of a few ulp of S where the
    terms cancel (p → 0), checked against 40-digit mpmath by ``tests/fuzz``.
    """
    sxx = _positive("sigma_xx", sigma_xx, "positive (σ_xx = E[x²])")
    sxy = _real("sigma_xy", sigma_xy)
    k = _positive("kappa", kappa, "a positive output scale")
    if sigma_yy is not None:
        syy = _real("sigma_yy", sigma_yy)
        if syy < sxy * sxy / sxx * (1 - 1e-12):
            raise ValueError("sigma_yy must be at least sigma_xy**2/sigma_xx "
                             "(E[y²] ≥ E[xy]²/E[x²], Cauchy–Schwarz)")
    u, w = _paths(t, u0, w0, sxx, sxy, k, eta_u, eta_w)
    p = np.sum(u * w, axis=-1)
    if sigma_yy is None:
        with np.errstate(over="ignore"):
            residual = sxx * k * p - sxy
        return half_square_sum(residual[..., None], axis=-1) / sxx
    with np.errstate(over="ignore"):
        return 0.5 * (syy - 2 * k * sxy * p + sxx * k * k * p * p)


def trajectory_ntk(t, u0, w0, sigma_xx: float, sigma_xy: float, kappa: float = 1.0,
                   eta_u: float = 1.0, eta_w: float = 1.0, X=None):
    r"""The NTK along the exact flow: K(t) = κ²(η_u‖w‖² + η_w‖u‖²), or the
    empirical kernel K(t) x xᵀ on scalar inputs ``X`` of shape (n,).

    Arguments as :func:`trajectory_loss`; the result has shape ``t.shape`` (or
    ``(B,) + t.shape``), with ``(n, n)`` appended when ``X`` is given.

    Domain and accuracy: those of :func:`~.numeric.trajectory`; entries finite
    wherever their values are below the largest float64, +inf beyond, never
    NaN.
    """
    k = _positive("kappa", kappa, "a positive output scale")
    eu, ew = _rate("eta_u", eta_u), _rate("eta_w", eta_w)
    u, w = _paths(t, u0, w0, sigma_xx, sigma_xy, k, eu, ew)
    K = k * k * (eu * np.sum(w * w, -1) + ew * np.sum(u * u, -1))
    if X is None:
        return K
    X = _finite("X", X, ndim=(1,))
    return K[..., None, None] * np.multiply.outer(X, X)
