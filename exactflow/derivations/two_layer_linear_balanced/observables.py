r"""Loss and NTK along the exact trajectory of the λ-balanced two-layer network.

f(x) = W₂W₁x = βᵀx with β = (W₂W₁)ᵀ = W₁ᵀW₂ᵀ of shape (d_in, d_out), whitened
inputs, target β* = Σxy of shape (d_in, d_out) and one rate η for both layers
(η = 1/τ).  The excess loss is ½‖β − β*‖²_F; the function-space kernel is
M = η(W₂W₂ᵀ ⊗ I_{d_in} + I_{d_out} ⊗ W₁ᵀW₁) (vec β̇ = −M vec(β − β*)), built from
the two NTK blocks of the closed form (docs: 𝒫 = QQᵀ).

>>> import numpy as np
>>> W1, W2 = np.array([[0.1]]), np.array([[0.1]])
>>> trajectory_loss(np.array([0.0, 60.0]), W1, W2, [[1.0]]).round(6).tolist()
[0.49005, 0.0]
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._sums import half_square_sum
from .numeric import trajectory

__all__ = ["trajectory_loss", "trajectory_ntk"]


def _closed_form(t, W1_0, W2_0, beta_star, eta):
    """(β, W₁ᵀW₁, W₂W₂ᵀ)(t), β of shape t.shape + (d_in, d_out), at rate η."""
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    eta = _rate("eta", eta)
    target = _finite("beta_star", beta_star, ndim=(2,))
    W1_0 = _finite("W1_0", W1_0, ndim=(2,))
    W2_0 = _finite("W2_0", W2_0, ndim=(2,))
    if target.shape != (W1_0.shape[1], W2_0.shape[0]):
        raise ValueError(f"beta_star must have shape (d_in, d_out) = "
                         f"({W1_0.shape[1]}, {W2_0.shape[0]}) to match W1_0 (h, d_in) "
                         f"= {W1_0.shape} and W2_0 (d_out, h) = {W2_0.shape}, got "
                         f"{target.shape}")
    prod, K1, K2 = trajectory(t, W1_0, W2_0, target, eta=eta)  # prod = W₂W₁
    return np.swapaxes(prod, -1, -2), K1, K2


def _batch(t, W1_0, W2_0, beta_star, eta):
    W1_0 = _finite("W1_0", W1_0, ndim=(2, 3))
    W2_0 = _finite("W2_0", W2_0, ndim=(2, 3))
    if W1_0.ndim != W2_0.ndim:
        raise ValueError(f"W1_0 and W2_0 must both be one start (2-D) or a batch "
                         f"(3-D), got shapes {W1_0.shape} and {W2_0.shape}")
    if W1_0.ndim == 2:
        return _closed_form(t, W1_0, W2_0, beta_star, eta)
    parts = [_closed_form(t, a, b, beta_star, eta) for a, b in zip(W1_0, W2_0)]
    return tuple(np.stack(p) for p in zip(*parts))


def trajectory_loss(t, W1_0, W2_0, beta_star, *, eta: float = 1.0):
    r"""The excess loss ½‖β(t) − β*‖²_F along the exact flow.

    Parameters
    ----------
    t : array_like
        Times ``t ≥ 0``, any shape.
    W1_0 : array of shape (h, d_in) or (B, h, d_in)
    W2_0 : array of shape (d_out, h) or (B, d_out, h)
        λ-balanced starts (see :func:`~.numeric.balanced_init`).
    beta_star : array of shape (d_in, d_out)
        The whitened target Σxy (the transpose of Σyx).
    eta : float
        The common learning rate η = 1/τ (keyword-only).

    Returns
    -------
    ndarray of shape ``t.shape`` (or ``(B,) + t.shape``)
        (The loss itself adds ½(E‖y‖² − ‖β*‖²_F), a constant of the data.)

    Notes
    -----
    Domain and accuracy: :func:`~.numeric.trajectory`'s, plus a few ulp of
    ‖residual‖·(‖prediction‖ + ‖target‖); finite below the largest float64, +inf
    beyond, never NaN (docs/reliability.md).
    """
    beta = _batch(t, W1_0, W2_0, beta_star, eta)[0]
    return half_square_sum(beta - np.asarray(beta_star, float), axis=(-2, -1))


def trajectory_ntk(t, W1_0, W2_0, beta_star, *, eta: float = 1.0, X=None):
    r"""The function-space kernel along the exact flow.

    Without ``X``: M(t) = η(W₂W₂ᵀ ⊗ I_{d_in} + I_{d_out} ⊗ W₁ᵀW₁), shape
    ``… + (d_out·d_in, d_out·d_in)``, index ``i*d_in + j`` for β_ji (output i).
    With ``X`` of shape (n, d_in): the NTK of the stacked outputs,
    η(W₂W₂ᵀ ⊗ XXᵀ + I ⊗ XW₁ᵀW₁Xᵀ), shape ``… + (n·d_out, n·d_out)``, index
    ``i*n + s``.  Other arguments as :func:`trajectory_loss`; ``…`` is
    ``t.shape`` or ``(B,) + t.shape``.

    Domain and accuracy: those of :func:`~.numeric.trajectory`; the kernel's
    entries are quadratic in the weights, so they are finite wherever their
    values are below the largest float64, ±inf beyond, never NaN.
    """
    _, K1, K2 = _batch(t, W1_0, W2_0, beta_star, eta)
    eta = _rate("eta", eta)
    d_out = K2.shape[-1]
    if X is None:
        inner = np.broadcast_to(np.eye(K1.shape[-1]), K1.shape)
    else:
        X = _finite("X", X, ndim=(2,))
        if X.shape[1] != K1.shape[-1]:
            raise ValueError(f"X must have shape (n, {K1.shape[-1]}), got {X.shape}")
        inner = np.broadcast_to(X @ X.T, K1.shape[:-2] + (len(X),) * 2)
        K1 = X @ K1 @ X.T
    eye = np.broadcast_to(np.eye(d_out), K2.shape)
    return eta * (_kron(K2, inner) + _kron(eye, K1))


def _kron(a, b):
    """Batched Kronecker product over the last two axes."""
    out = a[..., :, None, :, None] * b[..., None, :, None, :]
    s = out.shape
    return out.reshape(s[:-4] + (s[-4] * s[-3], s[-2] * s[-1]))
