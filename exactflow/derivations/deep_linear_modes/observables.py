r"""Loss and NTK of a balanced decoupled mode along its exact trajectory.

A mode with strength u = w_N⋯w_1 and target β* (the singular value s of Σxy)
contributes ½(β* − u)² to the excess loss (whitened inputs; a network's excess
loss is the sum over its modes).  With equal rates η on the balanced set
(w_l² = |u|^{2/N}) the NTK of the chain, Σ_l η (∂u/∂w_l)² = η Σ_l u²/w_l², is
K = ηN|u|^{2−2/N}, the factor of ηu̇ = K(β* − u) (docs §1–§2).

>>> import numpy as np
>>> L = trajectory_loss(np.array([0.0, 40.0]), 0.5, 2.0)
>>> L.round(12).tolist()  # ½(2 − 0.5)², then learned
[1.125, 0.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._sums import half_square_sum
from .numeric import trajectory

__all__ = ["trajectory_loss", "trajectory_ntk"]


def _mode(t, u0, beta_star, depth, eta):
    """u(t) of shape ``batch + t.shape`` (batch = broadcast of u0 and β*)."""
    t = _finite("t", t)
    eta = _rate("eta", eta)
    u0, s = _finite("u0", u0), _finite("beta_star", beta_star)
    try:
        u0, s = np.broadcast_arrays(u0, s)
    except ValueError:
        raise ValueError(f"u0 and beta_star must broadcast to one batch shape, got "
                         f"shapes {u0.shape} and {s.shape}") from None
    if np.any(s <= 0):
        raise ValueError("beta_star must be positive (a mode strength)")
    lead = (...,) + (None,) * t.ndim
    u = trajectory(t[(None,) * u0.ndim], u0[lead], s[lead], depth, eta=eta)
    return np.broadcast_to(u, u0.shape + t.shape), s[lead]


def trajectory_loss(t, u0, beta_star, depth: int = 2, *, eta: float = 1.0):
    r"""The excess loss ½(β* − u(t))² of a balanced mode.

    Parameters
    ----------
    t : array_like
        Times ``t ≥ 0``, any shape.
    u0 : array_like
        Initial mode strength(s), a scalar or a batch (broadcast with
        ``beta_star``).
    beta_star : array_like
        Target mode strength(s) β* > 0.
    depth : int
        Number of weight layers N ≥ 1.
    eta : float
        The common learning rate η = 1/τ (keyword-only).

    Returns
    -------
    ndarray of shape ``batch + t.shape``, batch the broadcast shape of
    ``u0`` and ``beta_star``.

    Notes
    -----
    Domain and accuracy: :func:`~.numeric.trajectory`'s, plus a few ulp of
    ‖residual‖·(‖prediction‖ + ‖target‖); finite below the largest float64, +inf
    beyond, never NaN (docs/reliability.md).
    """
    u, s = _mode(t, u0, beta_star, depth, eta)
    return half_square_sum((s - u)[..., None], axis=-1)


def trajectory_ntk(t, u0, beta_star, depth: int = 2, *, eta: float = 1.0):
    r"""The NTK K(t) = ηN|u(t)|^{2−2/N} of a balanced mode (multiplies xx').

    Arguments and shape as :func:`trajectory_loss`.

    Domain and accuracy: those of :func:`~.numeric.trajectory`; the kernel's
    entries are quadratic in the weights, so they are finite wherever their
    values are below the largest float64, ±inf beyond, never NaN.
    """
    u, _ = _mode(t, u0, beta_star, depth, eta)
    n = float(depth)
    return _rate("eta", eta) * n * np.abs(u) ** (2.0 - 2.0 / n)
