"""Rows of ``two_layer_linear_balanced``, ``infinite_width`` and
``spectral_scaling``: valid calls over the documented domains."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .kinds import POSITIVE, REAL, TIME, Arg, forms, magnitude, rate, real, times

SCALE = (-30, 30)  # the λ-balanced network: entries, λ and β* in {0} ∪ ±[1e-30, 1e30]


def _cube(_v):
    return np.ones((2, 2, 2))


def _flat(_v):
    return np.ones(3)


def _wider(v):
    if v is None:  # an optional x2: wider than any x1 drawn (d ≤ 3)
        return np.ones((1, 4))
    v = np.atleast_2d(np.asarray(v, dtype=float))
    return np.ones(v.shape[:-1] + (v.shape[-1] + 1,))


def _clash(_v):
    return np.ones((5, 7, 11))


def _matrix(draw, rows, cols, lo, hi):
    size = draw(magnitude(lo, hi))
    entries = draw(st.lists(st.one_of(st.just(0.0), st.floats(-2.0, 2.0)),
                            min_size=rows * cols, max_size=rows * cols))
    return size * np.array(entries, dtype=float).reshape(rows, cols)


# ---------------------------------------------------- two_layer_linear_balanced
@st.composite
def init_call(draw):
    d_in, d_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lam = draw(real(*SCALE))
    top = d_out if lam > 0 else d_in if lam < 0 else 3
    h = draw(st.integers(1, top))
    r = min(h, d_in, d_out)
    product = np.zeros((d_out, d_in))
    size = draw(magnitude(*SCALE))
    for i in range(r):  # rank ≤ h
        product[i, i] = size * draw(st.one_of(st.just(0.0), st.floats(0.25, 4.0)))
    R = draw(st.one_of(st.none(), st.permutations(range(h)).map(
        lambda p: np.eye(len(p))[list(p)])))
    return {"product": product, "lam": lam, "h": h, "R": R}


@st.composite
def balanced_trajectory_call(draw):
    from exactflow.derivations import two_layer_linear_balanced as tl

    kw = draw(init_call())
    W1, W2 = tl.balanced_init(**kw)  # the documented way to build a start
    bs = _matrix(draw, W1.shape[1], W2.shape[0], *SCALE)
    eta = draw(forms(draw(rate())))
    t = draw(times(-300, 8)) / float(eta)  # ηt ≤ 1e8 (documented)
    return {"t": t, "W1_0": W1, "W2_0": draw(st.sampled_from([W2, W2.tolist()])),
            "beta_star": bs,
            "eta": eta, "balance_tol": 1e-9}


@st.composite
def mode_call(draw):
    # arrays of 3 modes (a scalar t or one per mode): a shape of (5, 7, 11)
    # broadcasts with scalars, so only against arrays is it the clash the
    # invalid row draws
    shape, n = (3,), 3

    def arr(strategy):
        return np.array([draw(strategy) for _ in range(n)]).reshape(shape)

    eta = draw(rate())
    return {"t": draw(times(-300, 8)).ravel()[:1] / eta if draw(st.booleans()) else
            np.array([draw(st.floats(0, 1e8)) for _ in range(n)]) / eta,
            "beta_star": arr(st.one_of(st.just(0.0), magnitude(*SCALE))),
            "lam": arr(real(*SCALE)), "u0": draw(forms(arr(real(*SCALE)))),
            "eta": eta}


# --------------------------------------------------------------- infinite_width
ACTIVATIONS = ("relu", "leaky_relu", "erf", "linear")


@st.composite
def network(draw):
    activation = draw(st.sampled_from(ACTIVATIONS))
    return {"depth": draw(st.integers(0, 5)), "activation": activation,
            "w_std": draw(magnitude(-1, 1)), "b_std": draw(st.one_of(
                st.just(0.0), magnitude(-2, 1))),
            "slope": draw(st.floats(0.0, 1.0)) if activation == "leaky_relu" else None}


def _inputs(draw, n, d):
    """Rows of entries in {0} ∪ ±[1e-3, 10] (far from the underflow at 1e-154)."""
    entry = st.one_of(st.just(0.0), st.tuples(st.sampled_from([-1.0, 1.0]),
                                              magnitude(-3, 1)).map(
        lambda p: p[0] * p[1]))
    return np.array([[draw(entry) for _ in range(d)] for _ in range(n)])


@st.composite
def kernel_call(draw):
    d = draw(st.integers(1, 3))
    x1 = _inputs(draw, draw(st.integers(1, 3)), d)
    x2 = draw(st.one_of(st.none(), st.integers(1, 3).map(lambda n: n)))
    x2 = None if x2 is None else _inputs(draw, x2, d)
    return {"x1": draw(forms(x1)), "x2": x2, **draw(network()), "target": None}


@st.composite
def predict_call(draw):
    d, n, m = draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(1, 3))
    x_train, x_test = _inputs(draw, n, d), _inputs(draw, m, d)
    c = draw(st.sampled_from([None, 2]))
    y = np.array([draw(real(-3, 3)) for _ in range(n * (c or 1))])
    y = y.reshape((n,) if c is None else (n, c))
    return {"t": draw(st.one_of(times(-300, 300), st.just(np.inf))),
            "x_train": x_train, "y_train": draw(forms(y)), "x_test": x_test,
            "kernel": draw(st.sampled_from(["ntk", "nngp"])), **draw(network()),
            "learning_rate": None, "f0_train": None, "f0_test": None}


# ------------------------------------------------------------- spectral_scaling
@st.composite
def scales_call(draw):
    shape = draw(st.sampled_from([(3,), (2, 3)]))  # so that (5, 7, 11) clashes
    n = int(np.prod(shape))
    sizes = st.one_of(st.integers(1, 10**6), st.sampled_from([1, 10**12]))
    fan_in = np.array([draw(sizes) for _ in range(n)]).reshape(shape)
    fan_out = np.array([draw(sizes) for _ in range(n)]).reshape(shape)
    return {"fan_in": draw(forms(fan_in)), "fan_out": fan_out}


@st.composite
def norm_call(draw):
    rows, cols = draw(st.sampled_from([(1, 1), (2, 3), (4, 1), (3, 3), (130, 131)]))
    if rows > 128:  # Lanczos: a seeded Gaussian matrix at a drawn scale
        rng = np.random.default_rng(draw(st.integers(0, 2**16)))
        A = draw(magnitude(-150, 150)) * rng.standard_normal((rows, cols))
    else:
        A = _matrix(draw, rows, cols, -150, 150)
    v0 = draw(st.one_of(st.none(), st.just(np.ones(cols))))
    return {"A": draw(forms(A)), "rtol": draw(st.sampled_from([1e-3, 1e-10])),
            "maxiter": draw(st.sampled_from([500, 1000])), "v0": v0,
            "return_vector": draw(st.booleans())}


MATRIX = Arg("array", shapes=(_flat, _cube, _wider))
ANY_MATRIX = Arg("array", shapes=(_flat, _cube))
NETWORK = {"depth": Arg("int", lo=0), "activation": Arg("custom", extra=(
    ("text", "tanh"), ("none", None), ("type", 3))),
    "w_std": POSITIVE, "b_std": Arg("scalar", "nonneg"),
    "slope": Arg("custom", extra=(("range", 1.5), ("range", -0.5),
                                  ("nan", float("nan")), ("text", "0.1")))}
KERNEL = {"x1": ANY_MATRIX, "x2": Arg("array", optional=True,
                                     shapes=(_flat, _cube, _wider)),
          **NETWORK, "target": Arg("custom", extra=(("text", "no-such-target"),
                                                    ("type", 3)))}

ROWS = {
    "two_layer_linear_balanced.trajectory": (
        {"t": TIME, "W1_0": MATRIX, "W2_0": MATRIX, "beta_star": MATRIX,
         "eta": POSITIVE, "balance_tol": Arg("tol")},
        balanced_trajectory_call()),
    "two_layer_linear_balanced.mode_trajectory": (
        {"t": TIME, "beta_star": Arg("array", "nonneg", shapes=(_clash,)),
         "lam": Arg("array", shapes=(_clash,)), "u0": Arg("array", shapes=(_clash,)),
         "eta": POSITIVE}, mode_call()),
    "two_layer_linear_balanced.balanced_init": (
        {"product": ANY_MATRIX, "lam": REAL, "h": Arg("int", lo=1),
         "R": Arg("array", optional=True, shapes=(_flat, _cube))}, init_call()),
    "infinite_width.nngp": (KERNEL, kernel_call()),
    "infinite_width.ntk": (KERNEL, kernel_call()),
    "infinite_width.kernel_pair": (KERNEL, kernel_call()),
    "infinite_width.predict": (
        {"t": Arg("custom", extra=(  # +inf is valid (the limit t → ∞)
            ("nan", np.nan), ("inf", -np.inf), ("sign", -1.0), ("complex", 1j),
            ("text", "1.0"), ("none", None), ("empty", np.zeros(0)),
            ("ragged", [[1.0, 2.0], [3.0]]), ("huge-int", 10**400),
            ("date", np.datetime64("2020-01-01")), ("object", object()))),
         "x_train": ANY_MATRIX, "y_train": Arg("array", shapes=(_cube,)),
         "x_test": MATRIX, "kernel": Arg("custom", extra=(("text", "rbf"),
                                                           ("none", None))),
         **NETWORK, "learning_rate": Arg("scalar", "pos", optional=True),
         "f0_train": Arg("array", optional=True, shapes=(_cube,)),
         "f0_test": Arg("array", optional=True, shapes=(_cube,))},
        predict_call()),
    "spectral_scaling.scales": (
        {"fan_in": Arg("array", "pos", shapes=(_clash,)),
         "fan_out": Arg("array", "pos", shapes=(_clash,))}, scales_call()),
    "spectral_scaling.spectral_norm": (
        {"A": ANY_MATRIX, "rtol": POSITIVE, "maxiter": Arg("int", lo=1),
         "v0": Arg("array", optional=True, shapes=(_cube, lambda _v: np.ones(132))),
         "return_vector": None}, norm_call()),
}
