"""Rows of ``two_layer_relu``: valid calls over the documented domains.

Every function evaluates an identity at the given parameters; the fuzzed
domain is entries in {0} ∪ ±[1e-3, 1e3] (non-zero where the docstring needs
it), widths and dimensions 1 … 3, γ ∈ [0, 1) and rates in [1e-3, 1e3].
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .kinds import POSITIVE, Arg, forms, magnitude


def _cube(_v):
    return np.ones((2, 2, 2, 2))


def _flat(_v):
    return np.ones(3)


def _wider(v):
    v = np.atleast_2d(np.asarray(v, dtype=float))
    return np.ones(v.shape[:-1] + (v.shape[-1] + 1,))


def _entries(draw, shape, nonzero=False):
    n = int(np.prod(shape))
    entry = st.tuples(st.sampled_from([-1.0, 1.0]), magnitude(-3, 3)).map(
        lambda p: p[0] * p[1])
    if not nonzero:
        entry = st.one_of(st.just(0.0), entry)
    return np.array([draw(entry) for _ in range(n)]).reshape(shape)


@st.composite
def relu_call(draw, data=True, labels=False, rates=False, nonzero=False):
    n, d, h = (draw(st.integers(1, 3)) for _ in range(3))
    batch = draw(st.sampled_from([(), (2,)]))
    out = {"a": draw(forms(_entries(draw, batch + (h,)))),
           "W": _entries(draw, batch + (h, d), nonzero)}
    if data:
        out["X"], out["gamma"] = _entries(draw, (n, d)), draw(st.floats(0.0, 0.99))
    if labels:
        out["y"] = _entries(draw, (n,))
    if rates:
        out["eta_a"], out["eta_w"] = draw(magnitude(-3, 3)), draw(magnitude(-3, 3))
    return out


@st.composite
def distance_call(draw):
    shape = draw(st.sampled_from([(2, 2), (3, 3), (2, 3, 3)]))
    return {"K0": _entries(draw, shape, True), "K1": _entries(draw, shape, True)}


@st.composite
def spherical_rhs_call(draw):
    h, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    b = _entries(draw, (h, d), True)
    return {"mu": _entries(draw, (h,), True), "delta": _entries(draw, (h,)),
            "beta_hat": b / np.linalg.norm(b, axis=-1, keepdims=True),
            "xi": _entries(draw, (h, d)), "eta_a": draw(magnitude(-3, 3)),
            "eta_w": draw(magnitude(-3, 3))}


A = Arg("array", shapes=(_wider,))  # (a 4-d W or a is a valid batch)
W = Arg("array", shapes=(_flat, _wider))
#: W where no X fixes d: a wider W is a valid W of d + 1 columns
W_ALONE = Arg("array", shapes=(_flat,))
X = Arg("array", shapes=(_flat, _cube, _wider))
GAMMA = Arg("custom", extra=(("range", 1.0), ("range", -0.1), ("nan", np.nan),
                             ("text", "0.1"), ("none", None), ("complex", 0.1j)))
RATES = {"eta_a": POSITIVE, "eta_w": POSITIVE}

ROWS = {
    "two_layer_relu.activation_slopes": ({"X": X, "W": W, "gamma": GAMMA},
                                         relu_call().map(
                                             lambda k: {x: k[x] for x in
                                                        ("X", "W", "gamma")})),
    "two_layer_relu.forward": ({"X": X, "a": A, "W": W, "gamma": GAMMA},
                               relu_call()),
    "two_layer_relu.imbalance": ({"a": A, "W": W_ALONE, **RATES},
                                 relu_call(data=False, rates=True)),
    "two_layer_relu.spherical": ({"a": A, "W": W_ALONE},
                                 relu_call(data=False, nonzero=True)),
    "two_layer_relu.preconditioner": ({"a": A, "W": W_ALONE, **RATES},
                                      relu_call(data=False, rates=True)),
    "two_layer_relu.drive": ({"X": X, "y": Arg("array", shapes=(_cube, _wider)),
                              "a": A, "W": W, "gamma": GAMMA},
                             relu_call(labels=True)),
    "two_layer_relu.ntk": ({"X": X, "a": A, "W": W, "gamma": GAMMA, **RATES},
                           relu_call(rates=True)),
    "two_layer_relu.kernel_distance": ({"K0": Arg("array", shapes=(_flat,)),
                                        "K1": Arg("array", shapes=(_flat,))},
                                       distance_call()),
    "two_layer_relu.flow_rhs": ({"X": X, "y": Arg("array", shapes=(_cube, _wider)),
                                 "a": A, "W": W, "gamma": GAMMA, **RATES},
                                relu_call(labels=True, rates=True)),
    "two_layer_relu.spherical_rhs": (
        {"mu": Arg("array", shapes=(_cube, _wider)), "beta_hat": W, "delta": Arg(
            "array", shapes=(_cube, _wider)), "xi": W, **RATES},
        spherical_rhs_call()),
}
