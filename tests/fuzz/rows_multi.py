"""Rows of ``multi_neuron_linear``: valid calls over the documented domains."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .kinds import POSITIVE, REAL, TIME, Arg, forms, magnitude, rate, real, times

SCALE = (-100, 100)  # weights, β, β* entries ∈ {0} ∪ ±[1e-100, 1e100]
RATES = (-6, 6)


def _cube(_v):
    # 7 rows: never h (≤ 3), so not a valid batch of A broadcasting against W
    # (a (2, 2, 2) A with h = c = 2 is one, and was reported as accepted)
    return np.ones((2, 7, 2))


def _flat(_v):
    return np.ones(3)


def _wider(v):
    v = np.asarray(v, dtype=float)
    return np.ones(v.shape[:-1] + (v.shape[-1] + 1,))


def _taller(v):
    v = np.atleast_2d(np.asarray(v, dtype=float))
    return np.ones(v.shape[:-2] + (v.shape[-2] + 1, v.shape[-1]))


def _eye7(_v):
    return np.eye(7)  # orthogonal, but never h × h (h ≤ 3)


def _matrix(draw, rows, cols, lo=SCALE[0], hi=SCALE[1]):
    scale = draw(magnitude(lo, hi))
    entries = draw(st.lists(st.one_of(st.just(0.0), st.floats(-2.0, 2.0)),
                            min_size=rows * cols, max_size=rows * cols))
    return scale * np.array(entries, dtype=float).reshape(rows, cols)


@st.composite
def weights_call(draw, data: bool = False, inputs: bool = False):
    h, d, c = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(st.sampled_from([(), (2,)]))
    lo, hi = (-50, 50) if (data or inputs) else SCALE  # products of 3-4 factors
    A = np.array([_matrix(draw, h, c, lo, hi) for _ in range(max(1, len(batch) * 2))])
    W = np.array([_matrix(draw, h, d, lo, hi) for _ in range(len(A))])
    if batch == ():
        A, W = A[0], W[0]
    out = {"A": draw(forms(A)), "W": W, "eta_a": draw(forms(draw(rate(*RATES)))),
           "eta_w": draw(rate(*RATES))}
    if data:
        m = _matrix(draw, d, d, -25, 25)
        out["sigma_xx"], out["sigma_xy"] = m @ m.T, _matrix(draw, d, c, -50, 50)
    if inputs:
        out["X"] = _matrix(draw, draw(st.integers(1, 3)), d, -25, 25)
    return out


@st.composite
def beta_call(draw, data: bool = False):
    d, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    out = {"beta": _matrix(draw, d, c), "delta": draw(forms(draw(real(*SCALE)))),
           "eta_a": draw(rate(*RATES)), "eta_w": draw(rate(*RATES))}
    if data:
        out["beta"] = _matrix(draw, d, c, -50, 50)
        m = _matrix(draw, d, d, -25, 25)
        out["sigma_xx"], out["sigma_xy"] = m @ m.T, _matrix(draw, d, c, -50, 50)
    return out


@st.composite
def neuron_call(draw):
    d, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    w = np.array(draw(st.lists(st.floats(-2, 2), min_size=d, max_size=d)))
    a = np.array(draw(st.lists(st.floats(-2, 2), min_size=c, max_size=c)))
    w[0], a[0] = max(abs(w[0]), 0.125), max(abs(a[0]), 0.125)  # β_k ≠ 0
    beta = draw(magnitude(*SCALE)) * np.outer(w, a)
    return {"beta_k": beta, "delta_k": draw(real(*SCALE)),
            "eta_a": draw(rate(*RATES)), "eta_w": draw(rate(*RATES))}


@st.composite
def isotropic_call(draw):
    d, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    r = draw(st.integers(0, min(d, c)))
    beta = np.zeros((d, c))
    for i in range(r):  # rank r, singular values at one scale
        beta[i, i] = draw(st.floats(0.5, 2.0))
    beta *= draw(magnitude(*SCALE))
    delta = draw(real(*SCALE))
    top = c if delta > 0 else d if delta < 0 else 4
    h = draw(st.one_of(st.none(), st.integers(max(r, 1), max(r, 1, top))))
    hh = min(d, c) if h is None else h
    if hh < r or (delta > 0 and hh > c) or (delta < 0 and hh > d):
        h, hh = None, min(d, c)
    mixing = draw(st.one_of(st.none(), st.permutations(range(hh)).map(
        lambda p: np.eye(len(p))[list(p)])))
    return {"beta": beta, "delta": delta, "h": h, "eta_a": draw(rate(*RATES)),
            "eta_w": draw(rate(*RATES)), "mixing": mixing}


@st.composite
def aligned_start(draw, scale=SCALE):
    """An exactly aligned (A0, W0, β*): modes on signed, permuted unit axes."""
    d, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    r = min(d, c)
    pd, pc = draw(st.permutations(range(d))), draw(st.permutations(range(c)))
    size = draw(magnitude(*scale))
    s = [size * draw(st.one_of(st.just(0.0), st.floats(0.25, 4.0))) for _ in range(r)]
    bs = np.zeros((d, c))
    for i in range(r):
        bs[pd[i], pc[i]] = s[i] * draw(st.sampled_from([-1.0, 1.0]))
    h = draw(st.integers(1, r))
    A0, W0 = np.zeros((h, c)), np.zeros((h, d))
    for k in range(h):
        A0[k, pc[k]] = draw(real(*scale))
        W0[k, pd[k]] = draw(real(*scale))
        if s[k] == 0 and (A0[k, pc[k]] == 0) != (W0[k, pd[k]] == 0):
            A0[k, pc[k]] = W0[k, pd[k]] = 0.0  # one direction, no target: frozen
    return A0, W0, bs


@st.composite
def trajectory_call(draw, inputs: bool = False):
    A0, W0, bs = draw(aligned_start((-150, 150)))
    eta_a, eta_w = draw(rate(*RATES)), draw(rate(*RATES))
    size = max(np.max(np.abs(A0)) * (eta_w / eta_a) ** 0.25,
               np.max(np.abs(W0)) * (eta_a / eta_w) ** 0.25,
               np.sqrt(np.max(np.abs(bs))))
    log_m = np.ceil(np.log2(size)) * np.log10(2.0) if size > 0 else 0.0
    bound = min(300.0, 305 - 0.5 * np.log10(eta_a * eta_w) - 2 * log_m)
    t = draw(times())
    t = np.where(t > 10.0**bound, 10.0 ** (bound - 1e-9), t)
    out = {"t": t, "A0": draw(forms(A0)), "W0": W0, "beta_star": bs,
           "eta_a": eta_a, "eta_w": eta_w}
    if inputs:
        out["X"] = draw(st.one_of(st.none(), st.just(np.eye(W0.shape[1])[:1])))
    return out


@st.composite
def modes_call(draw):
    A0, W0, bs = draw(aligned_start())
    return {"A0": A0, "W0": W0, "beta_star": bs,
            "rtol": draw(st.sampled_from([1e-9, 1e-12, 1e-3]))}


A = Arg("array", shapes=(_flat, _taller, _cube))
W = Arg("array", shapes=(_flat, _taller))
MATRIX = Arg("array", shapes=(_flat, _cube, _wider))  # its shape is tied to others
ANY_MATRIX = Arg("array", shapes=(_flat, _cube))  # every (d, c) is valid
RATES_ARGS = {"eta_a": POSITIVE, "eta_w": POSITIVE}
BETA = {"beta": ANY_MATRIX, "delta": REAL, **RATES_ARGS}
DATA = {"sigma_xx": MATRIX, "sigma_xy": MATRIX}
START = {"A0": A, "W0": W, "beta_star": MATRIX}

ROWS = {
    "multi_neuron_linear.imbalance": ({"A": A, "W": W, **RATES_ARGS},
                                      weights_call()),
    "multi_neuron_linear.beta_dot": ({"A": A, "W": W, **DATA, **RATES_ARGS},
                                     weights_call(data=True)),
    "multi_neuron_linear.preconditioner": ({"A": A, "W": W, **RATES_ARGS},
                                           weights_call()),
    "multi_neuron_linear.ntk": ({"A": A, "W": W, "X": MATRIX, **RATES_ARGS},
                                weights_call(inputs=True)),
    "multi_neuron_linear.neuron_preconditioner": (
        {"beta_k": ANY_MATRIX, "delta_k": REAL, **RATES_ARGS}, neuron_call()),
    "multi_neuron_linear.isotropic_init": (
        {**BETA, "h": Arg("int", lo=1, optional=True),
         "mixing": Arg("array", optional=True, shapes=(_flat, _cube, _eye7))},
        isotropic_call()),
    "multi_neuron_linear.rank_aware_gh": (BETA, beta_call()),
    "multi_neuron_linear.principal_sqrt_gh": (BETA, beta_call()),
    "multi_neuron_linear.singular_value_rates": ({**BETA, "beta": MATRIX, **DATA},
                                                 beta_call(data=True)),
    "multi_neuron_linear.aligned_modes": (
        {**START, "rtol": Arg("tol")}, modes_call()),
    "multi_neuron_linear.trajectory": ({"t": TIME, **START, **RATES_ARGS},
                                       trajectory_call()),
}
