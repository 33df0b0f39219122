r"""The batched Dormand–Prince 5(4) loop with per-trajectory step control.

Each pass of the loop attempts one step on every trajectory of the working set,
each with its own step size ``h``.  The local error estimate
:math:`h\sum_iE_ik_i` of the embedded fourth-order solution is measured in the
RMS norm scaled by ``atol + rtol·max(|y|, |y₁|)``; a trajectory whose norm is
at most 1 advances, the others retry with a smaller step.  The new step is
:math:`h\cdot\min(f_{\max},\max(f_{\min},0.9\,\mathrm{err}^{-1/5}))` with
:math:`f_{\min}=0.2`, :math:`f_{\max}=10` (and no growth right after a
rejection), the standard controller of Hairer, Nørsett & Wanner (§II.4).
A trajectory that reaches ``t1`` leaves the working set: its final state and
counters are written out and the working arrays are compacted, so the cost of a
pass is proportional to the number of unfinished trajectories.
"""

from __future__ import annotations

import numpy as np

from .tableau import DENSE, DOPRI5

__all__ = ["IntegrationError", "integrate"]

SAFETY, FAC_MIN, FAC_MAX = 0.9, 0.2, 10.0


class IntegrationError(RuntimeError):
    """An integration that cannot finish (step budget exhausted, step size
    underflow or a solution that left the floating-point range)."""


def _rms(x: np.ndarray) -> np.ndarray:
    """RMS over the component axis (axis 0) of an ``(n, m)`` array."""
    return np.sqrt(np.mean(x * x, axis=0))


#: The tableau as float64 rows: A[i] combines stages 0..i-1 into the argument
#: of stage i (A[6] is the fifth-order solution), E the error weights, D the
#: dense-output weights.
A = [np.array([float(x) for x in row]) for row in DOPRI5.a]
E = np.array([float(x) for x in DOPRI5.e])
D = np.array([float(x) for x in DENSE])


def _combine(coefficients: np.ndarray, K: np.ndarray) -> np.ndarray:
    """Σ_j c_j K[j] over the leading axis as one matrix-vector product."""
    s = len(coefficients)
    flat = K[:s].reshape(s, -1)
    return (coefficients.astype(K.dtype) @ flat).reshape(K.shape[1:])


def _initial_step(f, y, k1, cw, t_span, rtol, atol, order):
    """Hairer's starting step, per trajectory (one extra evaluation)."""
    scale = np.maximum(atol + rtol * np.abs(y), np.finfo(y.dtype).tiny)
    d0, d1 = _rms(y / scale), _rms(k1 / scale)
    h0 = np.where((d0 < 1e-5) | (d1 < 1e-5), 1e-6,
                  0.01 * d0 / np.maximum(d1, 1e-300)).astype(np.float64)
    h0 = np.minimum(h0, t_span)
    f1 = np.empty_like(k1)
    f(y + h0.astype(y.dtype) * k1, cw, f1)
    d2 = _rms((f1 - k1) / scale) / h0
    top = np.maximum(d1, d2).astype(np.float64)
    h1 = np.where(top <= 1e-15, np.maximum(1e-6, h0 * 1e-3),
                  (0.01 / np.maximum(top, 1e-300)) ** (1.0 / (order + 1)))
    return np.minimum(np.minimum(100 * h0, h1), t_span)


def _dense(y, ynew, K, h):
    """Coefficients (Δ, b, r₄, r₅) of the continuous extension on columns."""
    delta = ynew - y
    b = h * K[0] - delta
    r4 = delta - h * K[6] - b
    r5 = h * _combine(D, K)
    return delta, b, r4, r5


def integrate(prob, rtol: float, atol: float, h0, max_steps: int):
    """Run the loop: ``(out (T, n, B), final (n, B), steps, rejected, nfev)``."""
    f, dtype = prob.f, prob.dtype
    t0, t1, te = prob.t0, prob.t1, prob.t_eval
    y = prob.y0.copy()
    n, size = y.shape
    T = len(te)
    out = np.empty((T, n, size), dtype)
    final = np.empty((n, size), dtype)
    steps = np.zeros(size, np.int64)
    rejected = np.zeros(size, np.int64)
    cw = dict(prob.consts)
    ids = np.arange(size)
    K = np.empty((7, n, size), dtype)  # the stages; K[0] is f(y) (FSAL)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f(y, cw, K[0])
        nfev = size
        if h0 is None:
            h = _initial_step(f, y, K[0], cw, t1 - t0, rtol, atol, DOPRI5.error_order)
            nfev += size
        else:
            h = np.minimum(h0, t1 - t0)
        start = int(np.searchsorted(te, t0, side="right"))  # t_eval == t0
        out[:start] = y
        nxt = np.full(size, start, np.intp)
        t = np.full(size, t0)
        after_reject = np.zeros(size, bool)
        attempts = 0
        while ids.size:
            m = ids.size
            room = t1 - t
            end = h >= room
            h_eff = np.where(end, room, h)
            hd = h_eff.astype(dtype)
            for i in range(1, 7):
                arg = _combine(A[i], K)
                arg *= hd
                arg += y
                f(arg, cw, K[i])
            ynew = arg  # the argument of the last stage is the 5th-order solution
            nfev += 6 * m
            err = _combine(E, K)
            err *= hd
            scale = np.maximum(np.abs(y), np.abs(ynew))
            scale *= rtol
            scale += atol
            if atol == 0:  # an exactly-zero component with zero error is fine
                np.maximum(scale, np.finfo(dtype).tiny, out=scale)  # NaN stays NaN
            err /= scale
            norm = _rms(err).astype(np.float64)
            accept = norm <= 1.0  # False for NaN
            fac = SAFETY * np.maximum(norm, 1e-10) ** (-1.0 / (DOPRI5.error_order + 1))
            fac = np.where(np.isnan(fac), FAC_MIN, fac)
            top = np.where(accept & ~after_reject, FAC_MAX, 1.0)
            h = h_eff * np.clip(fac, FAC_MIN, top)
            after_reject = ~accept
            steps[ids[accept]] += 1
            rejected[ids[~accept]] += 1
            tnew = np.where(end, t1, t + h_eff)
            _outputs(out, te, nxt, ids, accept, t, tnew, h_eff, y, ynew, K, hd)
            t = np.where(accept, tnew, t)
            np.copyto(y, ynew, where=accept)
            np.copyto(K[0], K[6], where=accept)
            attempts += 1
            done = accept & end
            if done.any():
                final[:, ids[done]] = y[:, done]
                keep = ~done
                ids, t, h, nxt = ids[keep], t[keep], h[keep], nxt[keep]
                after_reject = after_reject[keep]
                y = y[:, keep]
                K = _compact(K, keep)
                cw = {name: (c if c.ndim == 0 else c[keep]) for name, c in cw.items()}
            if ids.size:
                _guard(ids, attempts, max_steps, t, h)
    return out, final, steps, rejected, nfev


def _compact(K: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """A new stage array for the kept columns, carrying K[0] (FSAL)."""
    new = np.empty(K.shape[:2] + (int(keep.sum()),), K.dtype)
    new[0] = K[0][:, keep]
    return new


def _outputs(out, te, nxt, ids, accept, t, tnew, h_eff, y, ynew, K, hd):
    """Dense output at every requested time in (t, tnew] of the accepted steps."""
    T = len(te)
    if not T:
        return
    cand = np.flatnonzero(accept & (nxt < T))
    cand = cand[te[nxt[cand]] <= tnew[cand]]
    if not cand.size:
        return
    y0c, y1c = y[:, cand], ynew[:, cand]
    delta, b, r4, r5 = _dense(y0c, y1c, K[:, :, cand], hd[cand])
    sel = np.arange(cand.size)  # positions within cand
    while sel.size:
        col = cand[sel]
        j = nxt[col]
        at = te[j]
        theta = ((at - t[col]) / h_eff[col]).astype(y.dtype)
        th1 = 1 - theta
        val = y0c[:, sel] + theta * (delta[:, sel] + th1 * (
            b[:, sel] + theta * (r4[:, sel] + th1 * r5[:, sel])))
        exact = at == tnew[col]
        val[:, exact] = y1c[:, sel[exact]]
        out[j, :, ids[col]] = val.T
        nxt[col] += 1
        more = nxt[col] < T
        more[more] = te[nxt[col[more]]] <= tnew[col[more]]
        sel = sel[more]


def _guard(ids, attempts, max_steps, t, h):
    """Every working trajectory has made ``attempts`` step attempts (one per pass)."""
    if attempts >= max_steps:
        raise IntegrationError(
            f"dopri5: {ids.size} trajectory(ies) used max_steps = {max_steps} step "
            f"attempts before reaching the end (first: flat index {ids[0]}, at "
            f"t = {t[0]:.6g}, step {h[0]:.3g}); raise max_steps, loosen "
            "rtol/atol or shorten t_span")
    tiny = ~(h > 4 * np.spacing(np.abs(t)) + 1e-300)  # also NaN
    if tiny.any():
        i = np.flatnonzero(tiny)
        raise IntegrationError(
            f"dopri5: step size underflow in {i.size} trajectory(ies) (first: flat "
            f"index {ids[i[0]]}, at t = {t[i[0]]:.6g}); the solution may blow up "
            "or the right-hand side is not finite there")
