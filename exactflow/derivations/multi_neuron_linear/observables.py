r"""Loss and NTK along the exact aligned trajectory (whitened data, Σxx = I).

With Σxy = β* the loss is L = ½(E‖y‖² − 2 tr βᵀβ* + ‖β‖²_F), β = WᵀA, so the
excess loss is L − min L = ½‖β − β*‖²_F.  The function-space kernel is the
preconditioner M = η_w AᵀA ⊗ I_d + η_a I_c ⊗ WᵀW of vec β̇ = −M vec R, or on
inputs X the NTK η_w AᵀA ⊗ XXᵀ + η_a I_c ⊗ XWᵀWXᵀ (docs §1–§2).

>>> import numpy as np
>>> A0, W0 = np.array([[0.1]]), np.array([[0.1]])
>>> L = trajectory_loss(np.array([0.0, 60.0]), A0, W0, [[1.0]])
>>> L.round(6).tolist()  # ½(1 − 0.01)² at t = 0, then learned
[0.49005, 0.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._sums import half_square_sum
from .numeric import ntk, preconditioner, trajectory

__all__ = ["trajectory_loss", "trajectory_ntk"]


def _paths(t, A0, W0, beta_star, eta_a, eta_w):
    """(A, W) of shape ``(B,) + t.shape + (h, ·)`` (or without B)."""
    A0, W0 = _finite("A0", A0, ndim=(2, 3)), _finite("W0", W0, ndim=(2, 3))
    if A0.ndim != W0.ndim:
        raise ValueError(f"A0 and W0 must both be one start (2-D) or a batch (3-D), "
                         f"got shapes {A0.shape} and {W0.shape}")
    if A0.shape[:-1] != W0.shape[:-1]:
        raise ValueError(f"A0 and W0 must have the same number of rows h (neurons) "
                         f"and starts, got shapes {A0.shape} and {W0.shape}")
    if A0.ndim == 2:
        return trajectory(t, A0, W0, beta_star, eta_a=eta_a, eta_w=eta_w)
    parts = [trajectory(t, a, w, beta_star, eta_a=eta_a, eta_w=eta_w)
             for a, w in zip(A0, W0)]
    return np.stack([p[0] for p in parts]), np.stack([p[1] for p in parts])


def trajectory_loss(t, A0, W0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""The excess loss ½‖W(t)ᵀA(t) − β*‖²_F along the exact aligned flow.

    Parameters
    ----------
    t, A0, W0, beta_star, eta_a, eta_w
        As in :func:`~.numeric.trajectory`, with an optional batch of aligned
        starts first: ``A0`` of shape (B, h, c), ``W0`` of shape (B, h, d).

    Returns
    -------
    ndarray of shape ``t.shape`` (or ``(B,) + t.shape``)
        (The loss itself adds ½(E‖y‖² − ‖β*‖²_F), a constant of the data.)

    Notes
    -----
    Domain: that of :func:`~.numeric.trajectory`.  Accuracy: that of the
    trajectory's state, from which the loss is formed with a scaled sum of
    squares: finite
    wherever its value is below the largest float64 (≈ 1.8e308), +inf beyond
    (at the largest scales of the domain), never NaN; the rounding of the
    residual adds an absolute error of a few ulp of ‖residual‖·(‖prediction‖ +
    ‖target‖) (checked against 40-digit mpmath by ``tests/fuzz``).
    """
    A, W = _paths(t, A0, W0, beta_star, eta_a, eta_w)
    with np.errstate(over="ignore", invalid="ignore"):
        beta = np.swapaxes(W, -1, -2) @ A
    return half_square_sum(beta - np.asarray(beta_star, float), axis=(-2, -1))


def trajectory_ntk(t, A0, W0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0,
                   X=None):
    r"""The function-space kernel along the exact aligned flow.

    Without ``X``: M(t) = η_w AᵀA ⊗ I_d + η_a I_c ⊗ WᵀW, shape ``… + (cd, cd)``
    (vec stacks the columns of β: index ``i*d + j`` for β_ji).  With ``X`` of
    shape (n, d): the NTK of the stacked outputs, shape ``… + (nc, nc)``, output
    index ``i*n + s`` (as :func:`~.numeric.ntk`).  Other arguments as
    :func:`trajectory_loss`; ``…`` is ``t.shape`` or ``(B,) + t.shape``.

    Domain: that of :func:`~.numeric.trajectory` where the kernel is
    representable (its entries, quadratic in the weights, below 1e308, e.g.
    weights and √|β*| up to 1e70 with inputs up to 1e30; beyond it
    :func:`~.numeric.preconditioner` / :func:`~.numeric.ntk` give ±inf or
    raise as they document).  Accuracy: each entry within 1e-12 of the
    kernel's Frobenius norm against the kernel of the 40-digit state (the
    trajectory's 1e-12 carried through two factors).
    """
    A, W = _paths(t, A0, W0, beta_star, eta_a, eta_w)
    if X is None:
        return preconditioner(A, W, eta_a=eta_a, eta_w=eta_w)
    return ntk(A, W, X, eta_a=eta_a, eta_w=eta_w)
