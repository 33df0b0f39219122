r"""Batched integration of a gradient flow: fixed-step RK4 and adaptive DOPRI5(4).

Both integrators take the flow as a :class:`~exactflow.simulate.FlowKernels`
(the generated ``rhs`` kernel, constants passed as ``constants={...}``) or as a
plain callable ``fun(y) -> ẏ`` on arrays of shape ``(m, n)`` (autonomous, no
constants), and an initial state of shape ``batch + (n,)``; every trajectory of
the batch is integrated over the same ``t_span``.

Internally the state is held component-major, ``(n, m)``, so that each
parameter is one contiguous row for the generated kernel; results come back as
``batch + (T, n)``.

:func:`dopri5` gives every trajectory its own step size: steps are accepted or
rejected per trajectory, and finished trajectories leave the working set (which
is compacted), so one hard trajectory does not slow the easy ones.  Requested
output times ``t_eval`` are served by the fourth-order continuous extension of
the method (dense output), not by shortening steps; only the last step of each
trajectory is shortened, to land exactly on ``t_span[1]``.  :func:`rk4` splits
each interval between consecutive output times into equal steps, so it hits the
requested times exactly.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .dopri import IntegrationError, integrate
from .kernels import FlowKernels
from .tableau import RK4

__all__ = ["FlowSolution", "IntegrationError", "rk4", "dopri5"]


@dataclass(frozen=True)
class FlowSolution:
    """Result of :func:`rk4` or :func:`dopri5`.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times (``t_eval``, or ``t_span`` when it is not given).
    y : ndarray, shape ``batch + (T, n)``
        The state at each output time.
    final : ndarray, shape ``batch + (n,)``
        The state at ``t_span[1]``.
    steps, rejected : ndarray of int, shape ``batch``
        Accepted and rejected steps of each trajectory.
    nfev : int
        Right-hand-side evaluations, counted per trajectory and summed.
    method : str
    """

    t: np.ndarray
    y: np.ndarray
    final: np.ndarray
    steps: np.ndarray
    rejected: np.ndarray
    nfev: int
    method: str


@dataclass
class _Problem:
    f: object          # f(y (n, m), consts {name: 0-d or (m,)}, out (n, m)) -> None
    y0: np.ndarray     # (n, B), C-contiguous, dtype
    consts: dict       # name -> 0-d array or (B,) array
    batch: tuple
    dtype: np.dtype
    t0: float
    t1: float
    t_eval: np.ndarray  # (T,) float64


def _float(name: str, value, *, positive: bool = False,
           nonnegative: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not math.isfinite(x):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and not x > 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    if nonnegative and x < 0:
        raise ValueError(f"{name} must be non-negative, got {value!r}")
    return x


def _times(t_span, t_eval) -> tuple[float, float, np.ndarray]:
    try:
        t0, t1 = t_span
    except (TypeError, ValueError):
        raise ValueError(f"t_span must be a pair (t0, t1), got {t_span!r}") from None
    t0, t1 = _float("t_span[0]", t0), _float("t_span[1]", t1)
    if not t1 > t0:
        raise ValueError(f"t_span must have t0 < t1, got ({t0}, {t1})")
    if t_eval is None:
        return t0, t1, np.array([t0, t1])
    te = np.asarray(t_eval)
    if te.dtype.kind not in "iuf" or te.ndim != 1 or te.size == 0:
        raise ValueError(f"t_eval must be a non-empty 1-D array of times, got "
                         f"shape {te.shape} and dtype {te.dtype}")
    te = te.astype(np.float64)
    if not np.all(np.isfinite(te)) or np.any(np.diff(te) <= 0):
        raise ValueError("t_eval must be finite and strictly increasing")
    if te[0] < t0 or te[-1] > t1:
        raise ValueError(f"t_eval must lie within t_span [{t0}, {t1}], got "
                         f"[{te[0]}, {te[-1]}]")
    return t0, t1, te


def _problem(flow, state0, t_span, t_eval, constants) -> _Problem:
    t0, t1, te = _times(t_span, t_eval)
    if constants is None:
        constants = {}
    if not isinstance(constants, dict):
        raise TypeError(f"constants must be a dict, got {type(constants).__name__}")
    if isinstance(flow, FlowKernels):
        state = flow.layout.check(state0, "state0")
        consts = flow.check_constants(constants)
        batch = flow.batch_shape(state, consts)
        rhs = flow.column_kernel("rhs")
        dtype = flow.dtype

        def f(y, cw, out):
            for row, value in zip(out, rhs(y, cw)):
                row[...] = value
    elif callable(flow):
        if constants:
            raise ValueError("constants are only accepted with a FlowKernels flow; "
                             "bind them into the callable instead")
        state = np.asarray(state0)
        if state.dtype.kind not in "biuf":
            raise TypeError(f"state0 must be real numbers, got dtype {state.dtype}")
        dtype = np.dtype(np.float32 if state.dtype == np.float32 else np.float64)
        state = state.astype(dtype, copy=False)
        if state.ndim < 1 or state.shape[-1] < 1:
            raise ValueError(f"state0 must have shape batch + (n,), got {state.shape}")
        consts, batch = {}, state.shape[:-1]

        def f(y, cw, out):
            value = np.asarray(flow(y.T))
            if value.shape != y.T.shape:
                raise ValueError(f"flow returned shape {value.shape}, expected "
                                 f"{y.T.shape}")
            out[...] = value.T
    else:
        raise TypeError(f"flow must be a FlowKernels or a callable, got "
                        f"{type(flow).__name__}")
    if not np.all(np.isfinite(state)):
        raise ValueError("state0 must be finite (no NaN or inf)")
    n = state.shape[-1]
    size = math.prod(batch)
    y0 = np.ascontiguousarray(
        np.moveaxis(np.broadcast_to(state, batch + (n,)), -1, 0)).reshape(n, size)
    flat = {k: (c if c.ndim == 0 else np.ascontiguousarray(
        np.broadcast_to(c, batch)).reshape(size)) for k, c in consts.items()}
    return _Problem(f, y0, flat, batch, dtype, t0, t1, te)


def _solution(prob: _Problem, out, final, steps, rejected, nfev, method):
    n = prob.y0.shape[0]
    T = out.shape[0]
    y = np.moveaxis(out, 2, 0).reshape(prob.batch + (T, n))
    return FlowSolution(prob.t_eval.copy(), y, final.T.reshape(prob.batch + (n,)),
                        steps.reshape(prob.batch), rejected.reshape(prob.batch),
                        int(nfev), method)


def rk4(flow, state0, t_span, *, steps: int | None = None, h: float | None = None,
        t_eval=None, constants: dict | None = None) -> FlowSolution:
    """Classical fourth-order Runge–Kutta with a fixed step, over the batch.

    Parameters
    ----------
    flow : FlowKernels or callable
        The right-hand side (see the module docstring).
    state0 : array_like, shape ``batch + (n,)``
        Initial states (constants broadcast against ``batch``).
    t_span : (float, float)
        Start and end time, ``t0 < t1``.
    steps : int, optional
        Number of equal steps over ``t_span`` (exactly one of ``steps``, ``h``).
    h : float, optional
        Largest step size.
    t_eval : array_like, optional
        Output times in ``t_span``; each interval between consecutive output
        times is split into ``ceil(length / h)`` equal steps, so the requested
        times are hit exactly.  Default: ``t_span``.
    constants : dict, optional
        Values of :attr:`FlowKernels.constants`, scalars or arrays broadcasting
        against ``batch``.

    Returns
    -------
    FlowSolution
        The states at the output times, with the number of steps taken.

    Raises
    ------
    ValueError
        On bad arguments (each error names the argument).
    IntegrationError
        When the solution leaves the floating-point range: the fixed step is
        too large for the flow (take more ``steps`` or a smaller ``h``).
    """
    prob = _problem(flow, state0, t_span, t_eval, constants)
    if (steps is None) == (h is None):
        raise ValueError("give exactly one of steps and h")
    if steps is not None:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) \
                or steps < 1:
            raise ValueError(f"steps must be a positive integer, got {steps!r}")
        h = (prob.t1 - prob.t0) / int(steps)
    else:
        h = _float("h", h, positive=True)
    a = [[float(x) for x in row] for row in RK4.a]
    b = [float(x) for x in RK4.b]
    f, cw = prob.f, prob.consts
    y = prob.y0.copy()
    n, size = y.shape
    out = np.empty((len(prob.t_eval), n, size), prob.dtype)
    k = np.empty((4, n, size), prob.dtype)
    marks = np.union1d(prob.t_eval, [prob.t0, prob.t1])
    taken = 0
    if prob.t_eval[0] == prob.t0:
        out[0] = y
    with np.errstate(over="ignore", invalid="ignore"):
        for lo, hi in zip(marks[:-1], marks[1:]):
            count = max(1, math.ceil((hi - lo) / h * (1 - 1e-12)))
            hh = float(hi - lo) / count  # a Python float keeps float32 states
            for _ in range(count):
                for i, row in enumerate(a):
                    arg = y + hh * sum(c * kj for c, kj in zip(row, k) if c) if i else y
                    f(arg, cw, k[i])
                y = y + hh * sum(c * kj for c, kj in zip(b, k))
            taken += count
            if not np.all(np.isfinite(y)):
                bad = np.flatnonzero(~np.all(np.isfinite(y), axis=0))
                raise IntegrationError(
                    f"rk4: {bad.size} trajectory(ies) left the floating-point range "
                    f"by t = {hi} (first: flat index {bad[0]}); reduce the step h")
            j = np.searchsorted(prob.t_eval, hi)
            if j < len(prob.t_eval) and prob.t_eval[j] == hi:
                out[j] = y
    steps_arr = np.full(size, taken, dtype=np.int64)
    return _solution(prob, out, y, steps_arr, np.zeros(size, np.int64),
                     4 * taken * size, "rk4")


#: Default (rtol, atol) per dtype.
DEFAULT_TOLERANCES = {"float64": (1e-6, 1e-9), "float32": (1e-4, 1e-6)}


def dopri5(flow, state0, t_span, *, rtol: float | None = None,
           atol: float | None = None,
           t_eval=None, constants: dict | None = None, h0=None,
           max_steps: int = 100_000) -> FlowSolution:
    """Adaptive Dormand–Prince 5(4) with per-trajectory step control.

    Parameters
    ----------
    flow, state0, t_span, constants
        As in :func:`rk4`.
    rtol, atol : float
        Relative and absolute tolerance of the local error, per component:
        a step is accepted when the RMS over components of
        ``err / (atol + rtol * max(|y|, |y_new|))`` is at most 1.  ``rtol``
        must be at least 100 machine epsilons of the dtype.  Defaults:
        ``(1e-6, 1e-9)`` in float64, ``(1e-4, 1e-6)`` in float32.
    t_eval : array_like, optional
        Output times in ``t_span``, served by the fourth-order dense-output
        interpolant (exact at step ends and at ``t_span[1]``).
    h0 : float or array_like, optional
        Initial step size(s), broadcasting against ``batch``; by default
        chosen per trajectory (Hairer, Nørsett & Wanner, §II.4).
    max_steps : int
        Step attempts (accepted + rejected) allowed per trajectory.

    Returns
    -------
    FlowSolution

    Raises
    ------
    ValueError
        On bad arguments (each error names the argument).
    IntegrationError
        When a trajectory exceeds ``max_steps`` or its step size underflows
        (a blow-up or a non-finite right-hand side).
    """
    prob = _problem(flow, state0, t_span, t_eval, constants)
    eps = float(np.finfo(prob.dtype).eps)
    default_rtol, default_atol = DEFAULT_TOLERANCES[prob.dtype.name]
    rtol = _float("rtol", default_rtol if rtol is None else rtol, positive=True)
    atol = default_atol if atol is None else atol
    if rtol < 100 * eps:
        raise ValueError(f"rtol must be at least 100 * eps = {100 * eps:.3g} for "
                         f"{prob.dtype.name}, got {rtol!r}")
    atol = _float("atol", atol, nonnegative=True)
    if isinstance(max_steps, bool) or not isinstance(max_steps, (int, np.integer)) \
            or max_steps < 1:
        raise ValueError(f"max_steps must be a positive integer, got {max_steps!r}")
    size = prob.y0.shape[1]
    if h0 is not None:
        arr = np.asarray(h0)
        if arr.dtype.kind not in "iuf":
            raise TypeError(f"h0 must be real numbers, got dtype {arr.dtype}")
        try:
            arr = np.broadcast_to(arr.astype(np.float64), prob.batch).reshape(size)
        except ValueError:
            raise ValueError(f"h0 of shape {np.shape(h0)} does not broadcast to the "
                             f"batch shape {prob.batch}") from None
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise ValueError("h0 must be positive and finite")
        h0 = arr
    out, final, steps, rejected, nfev = integrate(prob, rtol, atol, h0, int(max_steps))
    return _solution(prob, out, final, steps, rejected, nfev, "dopri5")
