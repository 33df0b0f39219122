"""Gradient flow of a batch of two-layer (leaky) ReLU networks (:func:`flow`).

The flow θ̇ = −η ⊙ ∇L is integrated by :func:`~exactflow.simulate.dopri5` with
per-network step control.  Each network's state is its (W, a) followed by its
rates and its group index, three components with zero derivative: they travel
with the network when DOPRI5 compacts its working set.  The right-hand side is
discontinuous where an activation pattern switches; the step control shortens
the steps that straddle a switch.
"""

from __future__ import annotations

import numpy as np

from ..integrate import dopri5
from .batch import TrainResult, finish, prepare
from .metrics import Probe

__all__ = ["flow", "gradients"]


def gradients(X, y, W, a, gamma):
    """(∇_W L, ∇_a L) of networks sharing X: X (n, d), y (n,), W (B, h, d),
    a (B, h), L = (1/2n) Σ_i (f(x_i) − y_i)² (σ′(0) = 1)."""
    B, h, d = W.shape
    n = X.shape[0]
    Z = X @ W.reshape(B * h, d).T
    S = np.where(Z >= 0, 1.0, gamma).astype(W.dtype).reshape(n, B, h)
    A = Z.reshape(n, B, h) * S
    r = (np.einsum("nbh,bh->nb", A, a) - y[:, None]) / n
    grad_a = np.einsum("nb,nbh->bh", r, A)
    G = (S * (r[:, :, None] * a[None])).reshape(n, B * h)
    return (G.T @ X).reshape(B, h, d), grad_a


def flow(X, y, W0, a0, *, eta_a, eta_w, times, gamma: float = 0.0, X_test=None,
         y_test=None, dtype: str = "float64", rtol: float | None = None,
         atol: float | None = None, keep_path: bool = False) -> TrainResult:
    """Gradient flow of a batch of two-layer networks, metrics at ``times``.

    Parameters
    ----------
    X, y, W0, a0, eta_a, eta_w, gamma, X_test, y_test, dtype, keep_path
        As in :func:`~exactflow.simulate.two_layer.gd`.
    times : array_like
        Increasing times ≥ 0 of the checkpoints (the flow starts at t = 0).
    rtol, atol : float, optional
        Tolerances of :func:`~exactflow.simulate.dopri5` (its defaults per dtype).

    Returns
    -------
    TrainResult
        With ``checkpoints`` = ``times`` and ``method`` = ``"dopri5"``.
    """
    X, y, W, a, ea, ew, g, Xt, yt, grouped = prepare(
        X, y, W0, a0, eta_a, eta_w, gamma, X_test, y_test, dtype)
    t = np.asarray(times, dtype=np.float64)
    if t.ndim != 1 or t.size == 0 or not np.all(np.isfinite(t)) or t[0] < 0 \
            or np.any(np.diff(t) <= 0):
        raise ValueError(f"times must be a non-empty increasing 1-D sequence of "
                         f"finite times >= 0, got {times!r}")
    G, B, h, d = W.shape
    hd = h * d
    group = np.broadcast_to(np.arange(G, dtype=W.dtype)[:, None], (G, B))
    state0 = np.concatenate([W.reshape(G, B, hd), a, ea[..., None], ew[..., None],
                             group[..., None]], axis=-1).reshape(G * B, -1)

    def rhs(Y):
        out = np.zeros_like(Y)
        idx = Y[:, -1].astype(np.int64)
        for k in np.unique(idx):
            rows = np.flatnonzero(idx == k)
            Wr = Y[rows, :hd].reshape(-1, h, d)
            gW, ga = gradients(X[k], y[k], Wr, Y[rows, hd:hd + h], g)
            out[rows, :hd] = -(Y[rows, hd + h + 1, None, None] * gW).reshape(-1, hd)
            out[rows, hd:hd + h] = -Y[rows, hd + h, None] * ga
        return out

    t_end = float(t[-1])
    if t_end > 0:
        sol = dopri5(rhs, state0, (0.0, t_end), rtol=rtol, atol=atol, t_eval=t)
        states = np.moveaxis(sol.y, 1, 0)  # (T, G·B, ns)
    else:
        states = state0[None]
    probe = Probe(X, y, W, a, g, ea, ew, Xt, yt)
    records, path = [], [] if keep_path else None
    for s in states:
        Ws, As = s[:, :hd].reshape(G, B, h, d), s[:, hd:hd + h].reshape(G, B, h)
        records.append(probe.measure(Ws, As))
        if keep_path:
            path.append((Ws.copy(), As.copy()))
    last = states[-1]
    return finish(t, records, last[:, :hd].reshape(G, B, h, d).copy(),
                  last[:, hd:hd + h].reshape(G, B, h).copy(), path, grouped, "dopri5")
