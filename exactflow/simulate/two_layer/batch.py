"""Batched full-batch GD of two-layer (leaky) ReLU networks with the paper's
metrics at checkpoints: :func:`gd` and its result :class:`TrainResult`."""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from .metrics import Probe
from .steps import METHODS, FusedSteps, GemmSteps, choose

__all__ = ["TrainResult", "gd", "prepare"]

DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class TrainResult:
    """Metrics at the checkpoints and the parameters of every network.

    Attributes
    ----------
    checkpoints : ndarray, shape (T,)
        GD steps (:func:`gd`) or times (:func:`~.flow.flow`) of the metrics.
    metrics : dict of str to ndarray, each of shape ``batch + (T,)``
        ``kernel_distance``, ``hamming``, ``param_distance``, ``train_mse`` and,
        with a test set, ``test_mse`` (:mod:`.metrics`), in float64.
    W, a : ndarray, shapes ``batch + (h, d)`` and ``batch + (h,)``
        The parameters after the last step, in the training dtype.
    path : tuple of ndarray or None
        With ``keep_path=True``: (W, a) at every checkpoint, shapes
        ``batch + (T, h, d)`` and ``batch + (T, h)``.
    method : str
        ``"gemm"``, ``"fused"`` or ``"dopri5"``.
    """

    checkpoints: np.ndarray
    metrics: dict
    W: np.ndarray
    a: np.ndarray
    path: tuple | None
    method: str


def _array(name, value, dtype, ndim) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {arr.dtype}")
    if arr.ndim not in ndim:
        raise ValueError(f"{name} must have {' or '.join(map(str, ndim))} "
                         f"dimensions, got shape {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=dtype)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _gamma(gamma) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(f"gamma must be a real number, got {type(gamma).__name__}")
    g = float(gamma)
    if not 0.0 <= g < 1.0:
        raise ValueError(f"gamma must be in [0, 1) (the leaky slope), got {gamma!r}")
    return g


def prepare(X, y, W0, a0, eta_a, eta_w, gamma, X_test, y_test, dtype):
    """Checked, grouped, C-contiguous copies: (X, y, W, a, eta_a, eta_w, gamma,
    X_test, y_test, grouped) with X (G, n, d), W (G, B, h, d), rates (G, B)."""
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    X = _array("X", X, dtype, (2, 3))
    grouped = X.ndim == 3
    X = X if grouped else X[None]
    G, n, d = X.shape
    y = _array("y", y, dtype, (2,) if grouped else (1,))
    y = y if grouped else y[None]
    if y.shape != (G, n):
        raise ValueError(f"y must have shape {(G, n)[int(not grouped):]} to match X "
                         f"of shape {X.shape[int(not grouped):]}")
    W = _array("W0", W0, dtype, (4,) if grouped else (3,)).copy()
    W = W if grouped else W[None]
    if W.shape[0] != G or W.shape[-1] != d:
        raise ValueError(f"W0 must have shape {'(G, ' if grouped else '('}B, h, {d})"
                         f" with G = {G} groups, got {W.shape[int(not grouped):]}")
    B, h = W.shape[1:3]
    a = _array("a0", a0, dtype, (3,) if grouped else (2,)).copy()
    a = a if grouped else a[None]
    if a.shape != (G, B, h):
        raise ValueError(f"a0 must have shape {(G, B, h)[int(not grouped):]} to "
                         f"match W0, got {a.shape[int(not grouped):]}")
    rates = []
    for name, value in (("eta_a", eta_a), ("eta_w", eta_w)):
        r = _array(name, value, np.float64, (0, 1, 2))
        if np.any(r <= 0):
            raise ValueError(f"{name} must be positive learning rates")
        try:
            r = np.broadcast_to(r, (G, B) if grouped else (B,)).reshape(G, B)
        except ValueError:
            raise ValueError(f"{name} of shape {r.shape} does not broadcast to the "
                             f"batch shape {(G, B) if grouped else (B,)}") from None
        rates.append(np.ascontiguousarray(r, dtype=dtype))
    if (X_test is None) != (y_test is None):
        raise ValueError("give both X_test and y_test, or neither")
    if X_test is not None:
        Xt = _array("X_test", X_test, np.float64, (3,) if grouped else (2,))
        Xt = Xt if grouped else Xt[None]
        if Xt.shape[0] != G or Xt.shape[2] != d:
            raise ValueError(f"X_test must have {d} columns and {G} group(s), got "
                             f"shape {Xt.shape[int(not grouped):]}")
        yt = _array("y_test", y_test, np.float64, (2,) if grouped else (1,))
        if yt.size != G * Xt.shape[1]:
            raise ValueError(f"y_test must have {Xt.shape[1]} entries per group")
        X_test, y_test = Xt, yt.reshape(G, -1)
    return (X, y, W, a, rates[0], rates[1], _gamma(gamma), X_test, y_test, grouped)


def checkpoint_steps(checkpoints, steps: int) -> np.ndarray:
    """Sorted, unique integer checkpoints in [0, steps] (default: 0 and steps)."""
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) \
            or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if checkpoints is None:
        return np.unique([0, int(steps)])
    c = np.asarray(checkpoints)
    if c.ndim != 1 or c.size == 0 or c.dtype.kind not in "iu":
        raise ValueError(f"checkpoints must be a non-empty 1-D sequence of integer "
                         f"steps, got {checkpoints!r}")
    if c.min() < 0 or c.max() > steps:
        raise ValueError(f"checkpoints must lie in [0, steps = {steps}], got "
                         f"[{c.min()}, {c.max()}]")
    return np.unique(c.astype(np.int64))


def finish(checkpoints, records, W, a, path, grouped, method) -> TrainResult:
    """Stack the per-checkpoint records into a :class:`TrainResult`."""
    def shape(x):  # drop the group axis when X was not grouped
        return x if grouped else x[0]

    metrics = {k: shape(np.stack([r[k] for r in records], axis=-1))
               for k in records[0]}
    if path is not None:
        path = (shape(np.stack([p[0] for p in path], axis=2)),
                shape(np.stack([p[1] for p in path], axis=2)))
    return TrainResult(np.asarray(checkpoints), metrics, shape(W), shape(a), path,
                       method)


def gd(X, y, W0, a0, *, eta_a, eta_w, steps: int, gamma: float = 0.0,
       checkpoints=None, X_test=None, y_test=None, dtype: str = "float64",
       method: str = "auto", keep_path: bool = False) -> TrainResult:
    r"""Full-batch GD of a batch of two-layer (leaky) ReLU networks.

    f(x) = Σ_k a_k σ(w_kᵀx), σ(z) = max(z, γz), loss
    L = (1/2n) Σ_i (f(x_i) − y_i)², one step θ ← θ − η ⊙ ∇L with the layer
    rates η_a, η_w as step sizes (σ′(0) = 1).

    Parameters
    ----------
    X : array_like, shape (n, d) or (G, n, d)
        Training inputs, shared by all networks, or one set per group.
    y : array_like, shape (n,) or (G, n)
    W0 : array_like, shape (B, h, d) or (G, B, h, d)
        First layers (rows w_k) of B networks (per group).
    a0 : array_like, shape (B, h) or (G, B, h)
    eta_a, eta_w : float or array_like
        Positive rates, broadcasting to the batch shape (B,) or (G, B).
    steps : int
        Number of GD steps.
    gamma : float
        Leaky slope, 0 ≤ γ < 1 (0: ReLU).
    checkpoints : sequence of int, optional
        Steps in [0, steps] at which to measure (default: 0 and ``steps``).
    X_test, y_test : array_like, optional
        A test set (shapes as X, y) for ``test_mse``.
    dtype : {"float64", "float32"}
        Arithmetic of the training; metrics are computed in float64.
    method : {"auto", "gemm", "fused"}
        How steps are taken (:mod:`.steps`); ``"auto"`` picks by size.
    keep_path : bool
        Keep (W, a) at every checkpoint.

    Returns
    -------
    TrainResult

    Raises
    ------
    ValueError, TypeError
        On bad arguments (each names the argument).
    ImportError
        ``method="fused"`` without numba (the ``exactflow[numba]`` extra).
    """
    X, y, W, a, ea, ew, g, Xt, yt, grouped = prepare(
        X, y, W0, a0, eta_a, eta_w, gamma, X_test, y_test, dtype)
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    marks = checkpoint_steps(checkpoints, steps)
    G, B, h, d = W.shape
    chosen = choose(method, d, h, X.shape[1])
    if chosen == "fused":
        stepper = FusedSteps(X, y, W, a, ea, ew, g)
    else:
        from . import fused

        stepper = GemmSteps(X, y, W, a, ea, ew, g, compiled=fused.available())
    probe = Probe(X, y, W, a, g, ea, ew, Xt, yt)
    records, path, done = [], [] if keep_path else None, 0
    for mark in marks:
        with np.errstate(over="ignore", invalid="ignore"):
            stepper.advance(int(mark) - done)
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(a))):
            raise ValueError(f"GD diverged between steps {done} and {mark} (the "
                             "parameters left the floating-point range): eta_a and "
                             "eta_w are too large for these networks and data")
        done = int(mark)
        records.append(probe.measure(W, a))
        if keep_path:
            path.append((W.copy(), a.copy()))
    return finish(marks, records, W, a, path, grouped, chosen)
