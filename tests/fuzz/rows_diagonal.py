"""Rows of ``diagonal_linear``: valid calls over the documented domains."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .kinds import POSITIVE, TIME, Arg, forms, magnitude, rate, real, times

SCALE = (-100, 100)  # α, |u0|, |v0| ∈ {0} ∪ [1e-100, 1e100] (the docstring)
RATES = (-3, 3)  # rates in [1e-3, 1e3]


def _cube(_v):
    return np.ones((2, 2, 2)) * 0.5


def _wide(v):
    """One more column than the data has."""
    arr = np.atleast_1d(np.asarray(v, dtype=float))
    return np.concatenate([arr, arr[..., :1]], axis=-1)


OPTIONAL_ARRAY = Arg("array", optional=True, shapes=(_cube, _wide))
OPTIONAL_ALPHA = Arg("array", "pos", optional=True, shapes=(_cube,))


@st.composite
def _data(draw, interpolating: bool = False, rows: int = 3):
    n, d = draw(st.integers(1, rows)), draw(st.integers(1, 4))
    scale = draw(magnitude(-2, 2))
    # entries 0 or ±[1/2, 2]·scale: floats(-2, 2) draws factors like 1e-310
    factor = st.one_of(st.just(0.0), st.tuples(st.sampled_from([-1.0, 1.0]),
                                               st.floats(0.5, 2.0)).map(
        lambda p: p[0] * p[1]))
    X = scale * np.array([[draw(factor) for _ in range(d)] for _ in range(n)])
    if interpolating or draw(st.booleans()):
        y = X @ np.array([draw(st.floats(-3, 3)) for _ in range(d)])
    else:
        y = np.array([draw(real(-2, 2)) for _ in range(n)])
    return X, y


@st.composite
def _init(draw, d: int, zeros: bool = True):
    """{"alpha": …} or {"u0": …, "v0": …} (zeros allowed where documented)."""
    if draw(st.booleans()):
        return {"alpha": draw(forms(draw(magnitude(*SCALE))))}
    u0 = np.array([draw(real(*SCALE, zero=zeros)) for _ in range(d)])
    v0 = np.array([draw(real(*SCALE, zero=zeros)) for _ in range(d)])
    return {"u0": draw(forms(u0)), "v0": v0}


@st.composite
def trajectory_call(draw):
    # one sample (rank ≤ 1, the quadrature); rank ≥ 2 (the extrapolated
    # integrator, 1–4 s a call) is left to tests/derivations/test_diagonal_linear
    X, y = draw(_data(rows=1))
    init = draw(_init(X.shape[1]))
    # η·|R| < 700 along the path: starts and targets far apart in scale need
    # |ln(|β|/α²)| ≲ 4η|R|, so the starts stay within 1e±60 of the data for a
    # rank-one X, 1e±10 for rank ≥ 2 (the documented domains)
    lim = 1e60 if np.linalg.matrix_rank(X) <= 1 else 1e10
    for key in ("alpha", "u0", "v0"):
        if key in init:
            v = np.asarray(init[key], dtype=float)
            if key == "alpha":
                init[key] = float(np.clip(v, 1 / lim, lim))
            else:
                v = np.clip(np.abs(v), 0, lim) * np.sign(v)
                init[key] = np.where(np.abs(v) < 1 / lim, 0.0, v)
    t = draw(times(-300, 6))
    return {"t": t, "X": X, "y": y, **{"alpha": None, "u0": None, "v0": None},
            **init, "eta_u": draw(rate(*RATES)), "eta_v": draw(rate(*RATES)),
            "rtol": 1e-10, "atol": 1e-14, "method": "auto"}


@st.composite
def whitened_call(draw):
    d = draw(st.integers(1, 4))
    beta = np.array([draw(real(-2, 2)) for _ in range(d)])
    init = draw(_init(d))
    for key in ("u0", "v0"):
        if key in init:
            v = np.asarray(init[key], dtype=float)
            init[key] = np.where(np.abs(v) > 1e60, np.sign(v) * 1e60,
                                 np.where(np.abs(v) < 1e-60, 0.0, v))
    if "alpha" in init:
        init["alpha"] = float(np.clip(float(init["alpha"]), 1e-60, 1e60))
    # t up to 1e300 time units 1/(η·max(α², u0², v0², |β*|)) (the docstring)
    size = max([float(np.max(np.abs(np.asarray(init[k], dtype=float)))) ** 2
                for k in ("alpha", "u0", "v0") if k in init] + [2 * 100.0, 1.0])
    eta = draw(rate(*RATES))
    t = draw(times())
    bound = 300 - np.log10(eta * size)
    t = np.where(t > 10.0**bound, 10.0 ** (bound - 1e-9), t)
    return {"t": t, "beta_star": draw(forms(beta)),
            **{"alpha": None, "u0": None, "v0": None}, **init, "eta": eta}


@st.composite
def potential_call(draw):
    d = draw(st.integers(1, 4))
    alpha = draw(magnitude(-50, 50))
    beta = np.array([draw(real(-100, 100)) for _ in range(d)])
    return {"beta": draw(forms(beta)), "alpha": draw(forms(alpha))}


@st.composite
def bias_call(draw):
    X, y = draw(_data(interpolating=True))
    d = X.shape[1]
    if draw(st.booleans()):
        init = {"alpha": draw(magnitude(-3, 3)), "u0": None, "v0": None}
    else:
        init = {"alpha": None,
                "u0": np.array([draw(real(-2, 2, zero=False)) for _ in range(d)]),
                "v0": np.array([draw(real(-2, 2, zero=False)) for _ in range(d)])}
    return {"X": X, "y": y, **init, "eta_u": draw(rate(-2, 2)),
            "eta_v": draw(rate(-2, 2)), "tol": 1e-12, "max_iter": 5000}


ROWS = {
    "diagonal_linear.trajectory": (
        {"t": TIME, "X": Arg("array", shapes=(_cube,)),
         "y": Arg("array", shapes=(_cube, _wide)), "alpha": OPTIONAL_ALPHA,
         "u0": OPTIONAL_ARRAY, "v0": OPTIONAL_ARRAY, "eta_u": POSITIVE,
         "eta_v": POSITIVE, "rtol": Arg("tol"), "atol": None, "method": Arg(
             "custom", extra=(("text", "LSODA"), ("none", None), ("type", 3)))},
        trajectory_call()),
    "diagonal_linear.whitened_trajectory": (
        {"t": TIME, "beta_star": Arg("array", shapes=(_cube,)),
         "alpha": OPTIONAL_ALPHA, "u0": OPTIONAL_ARRAY, "v0": OPTIONAL_ARRAY,
         "eta": POSITIVE},
        whitened_call()),
    "diagonal_linear.Q": (
        {"beta": Arg("array"), "alpha": Arg("array", "pos")},
        potential_call()),
    "diagonal_linear.grad_Q": (
        {"beta": Arg("array"), "alpha": Arg("array", "pos")},
        potential_call()),
    "diagonal_linear.implicit_bias": (
        {"X": Arg("array", shapes=(_cube,)), "y": Arg("array", shapes=(_cube, _wide)),
         "alpha": OPTIONAL_ALPHA, "u0": OPTIONAL_ARRAY, "v0": OPTIONAL_ARRAY,
         "eta_u": POSITIVE, "eta_v": POSITIVE, "tol": Arg("tol"),
         "max_iter": Arg("int")},
        bias_call()),
}
