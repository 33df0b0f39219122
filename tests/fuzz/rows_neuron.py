"""Rows of ``single_neuron``: valid calls over the documented domains."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .kinds import POSITIVE, REAL, TIME, Arg, forms, magnitude, rate, real, reals, times

SCALE = (-150, 150)  # |a0|, ‖w0‖, ‖β*‖ ∈ {0} ∪ [1e-150, 1e150]


def _cube(_v):
    return np.ones((2, 2, 2))


def _extra_axis(v):
    v = np.asarray(v, dtype=float)
    return np.stack([v, v], axis=-1)


def _longer(v):
    v = np.asarray(v, dtype=float)
    return np.ones(v.shape[:-1] + (v.shape[-1] + 1,)) if v.ndim else np.ones(3)


def _unit(v):
    """v/‖v‖ without underflow of the squares (v ≠ 0, possibly subnormal)."""
    v = v / np.max(np.abs(v))
    return v / np.linalg.norm(v)


@st.composite
def start(draw, d: int, batch: int | None):
    """(a0, w0, beta_star, eta_a, eta_w): generic, balanced, aligned, saddle."""
    eta_a, eta_w = draw(forms(draw(rate()))), draw(rate())
    ra, rw = float(eta_a), float(eta_w)
    beta = draw(st.one_of(reals(d, *SCALE), st.just(np.zeros(d))))
    n = 1 if batch is None else batch
    a0 = np.array([draw(real(*SCALE)) for _ in range(n)])
    w0 = np.array([draw(reals(d, *SCALE)) for _ in range(n)])
    kind = draw(st.sampled_from(["generic", "balanced", "aligned", "saddle"]))
    if kind == "balanced":  # η_w a0² = η_a‖w0‖² exactly (up to one rounding)
        norm = np.linalg.norm(w0, axis=1)
        a0 = np.sign(a0 + 0.5) * norm * np.sqrt(ra / rw)
    elif kind == "aligned" and np.any(beta):
        w0 = a0[:, None] * 0 + draw(real(*SCALE)) * _unit(beta)
    elif kind == "saddle" and np.any(beta):  # the stable manifold: w0 ∝ −β*
        w0 = -np.abs(a0)[:, None] * _unit(beta) * np.sqrt(rw / ra)
    if kind in ("balanced", "saddle"):  # back into the domain, by a power of 2
        a0, w0 = _in_domain(a0, w0)
    if batch is None:
        a0, w0 = a0[0], w0[0]
    return a0, w0, beta, eta_a, eta_w


def _in_domain(a0, w0):
    """Each start (a0, w0) times a power of two (which keeps its balance or
    direction exactly) so that |a0| and ‖w0‖ lie in the documented {0} ∪
    [1e-150, 1e150]: √(η_a/η_w) ≤ 1e6 stretches one past the other."""
    a0, w0 = a0.copy(), w0.copy()
    for i in range(len(a0)):
        sizes = [x for x in (abs(a0[i]), float(_norm(w0[i]))) if x > 0]
        if not sizes:
            continue
        shift = 0
        if max(sizes) > 1e150:
            shift = -int(np.ceil(np.log2(max(sizes) / 1e150)))
        elif min(sizes) < 1e-150:
            shift = int(np.ceil(np.log2(1e-150 / min(sizes))))
        a0[i], w0[i] = np.ldexp(a0[i], shift), np.ldexp(w0[i], shift)
    return a0, w0


def _norm(v, axis=None):
    """‖v‖ without overflow of the squares (entries up to the float maximum)."""
    v = np.asarray(v, dtype=float)
    m = np.max(np.abs(v), axis=axis, keepdims=True) if v.size else np.zeros(1)
    safe = np.where(m > 0, m, 1.0)
    out = np.squeeze(safe, axis=axis) * np.linalg.norm(v / safe, axis=axis)
    return np.where(np.squeeze(m, axis=axis) > 0, out, 0.0)


def time_bound(a0, w0, beta, eta_a, eta_w) -> float:
    """log10 of the largest t of the domain: 1e305 of the flow's time units."""
    eta_a, eta_w = float(eta_a), float(eta_w)
    k = (eta_w / eta_a) ** 0.25
    size = max(np.max(np.abs(a0)) * k, np.max(_norm(np.atleast_2d(w0),
                                                    axis=-1)) / k,
               np.sqrt(float(_norm(beta))))
    log_m = np.ceil(np.log2(size)) * np.log10(2.0) if size > 0 else 0.0
    return 305 - 0.5 * np.log10(eta_a) - 0.5 * np.log10(eta_w) - 2 * log_m


def refused(a0, w0, beta, eta_a, eta_w) -> bool:
    """The documented exclusion: a start balanced to within 1e-153 of its scale
    m² with ‖β*‖ < 1e-153·m² (with a margin of 10 for rounding).  A start
    balanced up to rounding (|δ̃| < 1e-13 here) counts as excluded too: its δ̃ is
    0 or an ulp depending on how the function rounds, so it may fall on either
    side."""
    eta_a, eta_w = float(eta_a), float(eta_w)
    k = (eta_w / eta_a) ** 0.25
    s = float(_norm(beta))
    a0 = np.atleast_1d(np.asarray(a0, dtype=float))
    w = _norm(np.atleast_2d(w0), axis=-1)
    size = np.maximum(np.maximum(k * np.abs(a0), w / k), np.sqrt(s))
    m = np.where(size > 0, size, 1.0)
    with np.errstate(under="ignore"):
        dl = (k * a0 / m) ** 2 - (w / (k * m)) ** 2  # at unit scale, ≤ 1
        low = (np.abs(dl) < 1e-13) & (2 * (s / m) / m < 1e-152)
    return bool(np.any(low & ((dl != 0) | (s != 0))))


@st.composite
def trajectory_call(draw, nonzero: bool = False):
    d = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 3]))
    a0, w0, beta, eta_a, eta_w = draw(start(d, batch))
    if nonzero:  # the kernel distance needs (a0, w0) ≠ (0, 0)
        a0 = np.where((a0 == 0) & np.all(w0 == 0, axis=-1), 1.0, a0)
    if refused(a0, w0, beta, eta_a, eta_w):  # outside the documented domain
        beta = np.zeros_like(beta)
    bound = time_bound(a0, w0, beta, eta_a, eta_w)  # log10 of the largest t
    t = draw(times())
    if bound < 300:
        t = np.where(t > 10.0**bound, 10.0 ** (bound - 1e-9), t)
    return {"t": t, "a0": draw(forms(a0)), "w0": w0,
            "beta_star": beta, "eta_a": eta_a, "eta_w": eta_w}


def _trajectory_shapes(kw, out):
    a, w = out
    t = np.asarray(kw["t"])
    w0 = np.asarray(kw["w0"])
    lead = (len(w0),) if w0.ndim == 2 else (
        np.shape(kw["a0"])[:1] if np.ndim(kw["a0"]) == 1 else ())
    assert a.shape == lead + t.shape and w.shape == a.shape + w0.shape[-1:]


@st.composite
def between_call(draw):
    d = draw(st.integers(1, 3))
    shape = draw(st.sampled_from([(), (3,), (2, 2)]))
    n = int(np.prod(shape))

    def pair():
        a = np.array([draw(real(*SCALE)) for _ in range(n)]).reshape(shape)
        w = np.array([draw(reals(d, *SCALE)) for _ in range(n)]).reshape(shape + (d,))
        nonzero = (a != 0) | np.any(w != 0, axis=-1)
        return np.where(nonzero, a, 1.0), w  # the kernel of (0, 0) is 0

    a0, w0 = pair()
    a1, w1 = pair()
    return {"a0": a0, "w0": w0, "a1": a1, "w1": w1, "eta_a": draw(rate()),
            "eta_w": draw(rate())}


@st.composite
def ntk_call(draw):
    d = draw(st.integers(1, 3))
    shape = draw(st.sampled_from([(), (3,)]))
    n = int(np.prod(shape))
    a = np.array([draw(real(-75, 75)) for _ in range(n)]).reshape(shape)
    w = np.array([draw(reals(d, -75, 75)) for _ in range(n)]).reshape(shape + (d,))
    X = draw(st.one_of(st.none(), st.integers(1, 3).flatmap(
        lambda m: st.lists(reals(d, -30, 30), min_size=m, max_size=m).map(
            np.array))))
    return {"a": a, "w": w, "eta_a": draw(rate()), "eta_w": draw(rate()), "X": X}


@st.composite
def bias_call(draw):
    d = draw(st.integers(2, 4))
    n = draw(st.integers(1, d - 1))
    X = np.array([draw(reals(d, -3, 3, zero=False)) for _ in range(n)])
    beta_true = draw(reals(d, -3, 3))
    beta0 = draw(reals(d, -3, 3, zero=False))
    return {"X": X, "y": X @ beta_true, "beta0": beta0,
            "delta": draw(real(-3, 3)), "eta_a": draw(rate(-3, 3)),
            "eta_w": draw(rate(-3, 3)), "tol": 1e-13,
            "max_iter": draw(st.sampled_from([200, 50]))}


VECTOR = Arg("array", shapes=(_cube, _longer))
ROWS = {
    "single_neuron.trajectory": (
        {"t": TIME, "a0": Arg("array", shapes=(_cube,)), "w0": VECTOR,
         "beta_star": VECTOR, "eta_a": POSITIVE, "eta_w": POSITIVE},
        trajectory_call(), _trajectory_shapes),
    "single_neuron.kernel_distance": (
        {"t": TIME, "a0": Arg("array", shapes=(_cube,)), "w0": VECTOR,
         "beta_star": VECTOR, "eta_a": POSITIVE, "eta_w": POSITIVE},
        trajectory_call(nonzero=True)),
    "single_neuron.kernel_distance_between": (
        {"a0": Arg("array", shapes=(_cube,)), "w0": Arg("array", shapes=(
            _extra_axis, _longer)),
         "a1": Arg("array", shapes=(_cube,)), "w1": Arg("array", shapes=(
             _extra_axis, _longer)),
         "eta_a": POSITIVE, "eta_w": POSITIVE},
        between_call()),
    "single_neuron.ntk": (
        {"a": Arg("array", shapes=(_cube,)), "w": Arg("array", shapes=(
            _cube, _extra_axis)), "eta_a": POSITIVE,
         "eta_w": POSITIVE, "X": Arg("array", shapes=(_cube, _longer),
                                     optional=True)},
        ntk_call()),
    "single_neuron.implicit_bias": (
        {"X": Arg("array", shapes=(_cube, _longer)), "y": Arg("array", shapes=(
            _cube, _longer)), "beta0": VECTOR, "delta": REAL, "eta_a": POSITIVE,
         "eta_w": POSITIVE, "tol": Arg("tol"), "max_iter": Arg("int")},
        bias_call()),
}
_ = magnitude  # re-exported strategies used by other row modules
