r"""What users compute along single-neuron trajectories: start points, loss, NTK.

:func:`initial` turns the paper's parameters (the function β₀ = a₀w₀ and the
imbalance δ) into a start (a₀, w₀); :func:`trajectory_loss` and
:func:`trajectory_ntk` evaluate the excess loss and the function-space kernel
along the exact whitened trajectory (docs §2, §6).

>>> import numpy as np
>>> a0, w0 = initial([-1.0, 0.0], delta=0.0)
>>> float(a0), w0.tolist()
(1.0, [-1.0, 0.0])
>>> L = trajectory_loss(np.array([0.0, 100.0]), a0, w0, [0.0, 1.0])
>>> L.round(12).tolist()  # ½‖β₀ − β*‖² = 1 at t = 0, then learned
[1.0, 0.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._sums import half_square_sum
from .numeric import ntk, trajectory

__all__ = ["initial", "trajectory_loss", "trajectory_ntk"]


def initial(beta0, delta, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""The start (a₀, w₀) with a₀w₀ = β₀ and η_w a₀² − η_a‖w₀‖² = δ, a₀ ≥ 0.

    Parameters
    ----------
    beta0 : array of shape (d,) or (B, d)
        The initial function β₀ = a₀w₀.
    delta : float or array of shape (B,)
        The imbalance δ (any sign).
    eta_a, eta_w : float
        Positive learning rates.

    Returns
    -------
    a0 : float array of shape () or (B,)
        a₀ = √((δ + √(δ² + 4η_aη_w‖β₀‖²)) / (2η_w)), written without
        cancellation for δ < 0.
    w0 : array like ``beta0``
        w₀ = β₀/a₀.

    Raises
    ------
    ValueError
        When β₀ = 0 and δ < 0 (then a₀ = 0 and the direction of w₀, of norm
        √(−δ/η_a), is not determined by β₀), or for bad input.

    Notes
    -----
    Domain: ‖β₀‖, |δ| in {0} ∪ [1e-150, 1e150], rates in [1e-6, 1e6].
    Accuracy: a₀w₀ = β₀ and η_w a₀² − η_a‖w₀‖² = δ to a few ulp of the terms
    (checked against 40-digit mpmath by ``tests/fuzz``).

    a₀² is the non-negative root of η_w A² − δA − η_a‖β₀‖² = 0 (docs §2).
    For δ < 0, a₀ is computed as √(2η_a)·√‖β₀‖·√(‖β₀‖ / (√(δ² + 4η_aη_w‖β₀‖²) − δ)),
    which neither cancels nor underflows where a₀² would.
    """
    beta0 = _finite("beta0", beta0, ndim=(1, 2))
    delta = _finite("delta", delta, ndim=(0, 1))
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    if beta0.ndim == 2 and delta.ndim == 1 and delta.shape[0] != beta0.shape[0]:
        raise ValueError(f"delta must have shape ({beta0.shape[0]},) to match beta0, "
                         f"got {delta.shape}")
    if beta0.ndim == 1 and delta.ndim == 1:
        raise ValueError("delta must be a scalar for a single beta0 of shape (d,)")
    # norms by hypot-style scaling: no overflow for huge β₀
    scale = np.max(np.abs(beta0), axis=-1)
    safe = np.where(scale > 0, scale, 1.0)
    nb = scale * np.linalg.norm(beta0 / safe[..., None], axis=-1)
    c = 2.0 * np.sqrt(eta_a * eta_w) * nb  # √(4η_aη_w)‖β₀‖
    root = np.hypot(delta, c)
    bad = (nb == 0) & (delta < 0)
    if np.any(bad):
        raise ValueError("beta0 = 0 with delta < 0 leaves the direction of w0 "
                         "undetermined (a0 = 0, |w0| = sqrt(-delta/eta_a)); give a "
                         "non-zero beta0 or delta >= 0")
    # a₀ itself, not a₀²: for δ < 0, a₀² can be below the smallest double while
    # a₀ is not (‖β₀‖ = 1e-150, δ = −1e150: a₀² ≈ 1e-456, a₀ ≈ 1e-228)
    with np.errstate(divide="ignore", invalid="ignore"):
        a0 = np.where(delta >= 0, np.sqrt((delta + root) / (2 * eta_w)),
                      np.sqrt(2 * eta_a) * np.sqrt(nb)
                      * np.sqrt(nb / np.where(bad, 1.0, root - delta)))
    with np.errstate(divide="ignore", invalid="ignore"):
        w0 = np.where(a0[..., None] > 0, beta0 / np.where(a0 > 0, a0, 1.0)[..., None],
                      0.0)
    return a0, w0


def trajectory_loss(t, a0, w0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""The excess loss L(t) − min L = ½‖a(t)w(t) − β*‖² on whitened data.

    Arguments and shapes as :func:`~.numeric.trajectory`; the result has the
    shape of its ``a``.  (The loss itself is this plus ½(E[y²] − ‖β*‖²), a
    constant of the data.)

    Domain and accuracy: :func:`~.numeric.trajectory`'s, plus a few ulp of
    ‖residual‖·(‖prediction‖ + ‖target‖); finite below the largest float64, +inf
    beyond, never NaN (docs/reliability.md).
    """
    a, w = trajectory(t, a0, w0, beta_star, eta_a, eta_w)
    beta_star = np.asarray(beta_star, dtype=float)
    with np.errstate(over="ignore"):  # a·w beyond the float range: the loss is inf
        return half_square_sum(a[..., None] * w - beta_star, axis=-1)


def trajectory_ntk(t, a0, w0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0,
                   X=None):
    r"""The function-space kernel along the trajectory: M(t) = η_w a² I + η_a w wᵀ,
    or the empirical NTK X M Xᵀ on data ``X`` of shape (n, d) (docs §6).

    The result has shape ``a.shape + (d, d)`` (or ``a.shape + (n, n)``).

    Domain: that of :func:`~.numeric.trajectory` where the kernel is
    representable (η_w a², η_a‖w‖² and ‖X‖²‖M‖ below 1e308 along the path, e.g.
    weights and √‖β*‖ up to 1e70 with inputs up to 1e30); beyond it
    :func:`~.numeric.ntk` raises ValueError.  Accuracy: a few ulp per entry
    relative to the size of its terms (the weights and inputs are scaled by
    powers of two before the products are formed).
    """
    a, w = trajectory(t, a0, w0, beta_star, eta_a, eta_w)
    return ntk(a, w, eta_a, eta_w, X)
