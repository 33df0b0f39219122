"""Rows of ``deep_linear_modes``: valid calls over the documented domains."""

from __future__ import annotations

import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from .kinds import POSITIVE, TIME, Arg, forms, magnitude, rate, real, times
from .rows_neuron import refused

SCALE = (-150, 150)  # |u0|, s, |uf| ∈ [1e-150, 1e150]
DEPTH = Arg("int", lo=1, hi=1000)
#: an integer depth 1 … 1000 or a real depth in (1, 1000]
REAL_DEPTH = Arg("custom", extra=(
    ("range", 0), ("range", -3), ("range", 0.5), ("range", 1.0), ("range", 1001),
    ("range", 1000.5), ("huge-int", 10**30), ("bool", True), ("text", "3"),
    ("none", None), ("nan", float("nan")), ("inf", float("inf")),
    ("complex", 2 + 0j), ("shape", np.array([2, 3]))))


def _cube(_v):
    return np.ones((2, 2, 2)) * 7.0


def _clash(v):
    """A shape that does not broadcast with the others (they have ≤ 2 axes)."""
    return np.ones((5, 7, 11))


def _depths():
    return st.one_of(st.integers(1, 8), st.sampled_from([12, 50, 1000]))


@st.composite
def trajectory_call(draw):
    shape = draw(st.sampled_from([(), (3,), (2, 3)]))
    n = int(np.prod(shape))
    s = np.array([draw(magnitude(*SCALE)) for _ in range(n)]).reshape(shape)
    kind = draw(st.sampled_from(["rise", "fall", "neg", "fixed", "any"]))
    frac = np.array([draw(st.floats(1e-12, 1.0, exclude_max=True))
                     for _ in range(n)]).reshape(shape)
    big = np.array([draw(magnitude(0, 30)) for _ in range(n)]).reshape(shape)
    u0 = {"rise": frac * s, "fall": s * (1 + big), "neg": -big * s,
          "fixed": np.where(frac > 0.5, s, 0.0),
          "any": np.array([draw(real(*SCALE)) for _ in range(n)]).reshape(shape)
          }[kind]
    depth, eta = draw(_depths()), draw(forms(draw(rate())))
    if depth >= 3:  # the documented −u0/s ≤ 1e50 of a negative start
        u0 = np.maximum(u0, -1e50 * s)
    tau = 1.0 / float(eta)
    t = draw(times()) if shape == () else draw(times()).ravel()[:1]
    if depth > 1:  # at most 1e300 time constants τ/(N s^p) (the domain)
        p = 2 - 2 / depth
        e = np.frexp(np.max(s))[1]
        bound = 300 - np.log10(depth) + np.log10(tau) - p * e * np.log10(2.0)
        t = np.where(t > 10.0**min(bound, 300), 10.0 ** (min(bound, 300) - 1e-9), t)
    return {"t": t, "u0": draw(forms(u0)), "beta_star": s, "depth": depth,
            "eta": eta}


@st.composite
def learning_time_call(draw):
    s = draw(magnitude(*SCALE))
    depth = draw(st.one_of(_depths(), st.floats(1.01, 12.0).filter(
        lambda x: not float(x).is_integer())))
    kinds = ["rise", "fall"] + (["neg", "fixed"] if isinstance(depth, int) else [])
    kind = draw(st.sampled_from(kinds))
    b = draw(st.floats(0.0, 1.0, exclude_max=True))
    if kind == "rise":  # u0 ≤ uf < s
        lo = draw(st.floats(1e-12, 1.0, exclude_max=True))
        u0, uf = s * lo, s * (lo + (1 - lo) * b)
        uf = min(max(uf, u0), np.nextafter(s, 0))
    elif kind == "fall":  # s < uf ≤ u0
        big = draw(magnitude(0, 30))
        u0 = s * (1 + big)
        uf = max(s * (1 + big * (1 - b)), np.nextafter(s, np.inf))
        uf = min(uf, u0)
    elif kind == "neg":  # u0 ≤ uf < 0
        u0 = -s * draw(magnitude(-12, 30))
        uf = u0 * (1 - b) if u0 * (1 - b) < 0 else u0
    else:
        u0 = uf = s
    # the time is about τ·s^{−(2−2/N)}·(s/|u|)^{1−2/N} from the far end: past
    # the float range the refusal is documented, so such draws are not valid
    n, eta = float(depth), draw(forms(draw(rate())))
    log_time = (np.log10(1.0 / float(eta)) - (2 - 2 / n) * np.log10(s)
                + (1 - 2 / n) * max(0.0, np.log10(s / abs(u0)) if u0 else 0.0))
    assume(log_time < 290)
    # arrays of two (equal) entries: a shape of (5, 7, 11) broadcasts with
    # scalars, so only against arrays is it the clash the invalid row draws
    pair = np.full(2, 1.0)
    return {"u0": u0 * pair, "uf": uf * pair, "beta_star": s * pair, "depth": depth,
            "eta": eta}


@st.composite
def balanced_call(draw):
    n = draw(st.integers(1, 6))
    shape = draw(st.sampled_from([(), (3,)]))
    u = np.array([draw(real(-100, 100)) for _ in range(int(np.prod(shape)))])
    return {"u": u.reshape(shape), "rates": np.array([draw(rate(-20, 20))
                                                      for _ in range(n)])}


@st.composite
def two_layer_call(draw):
    batch = draw(st.sampled_from([None, 3]))
    n = 1 if batch is None else batch
    w1 = np.array([draw(real(-150, 150)) for _ in range(n)])
    w2 = np.array([draw(real(-150, 150)) for _ in range(n)])
    if batch is None:
        w1, w2 = w1[0], w2[0]
    eta1, eta2 = draw(rate()), draw(rate())
    s = draw(st.one_of(st.just(0.0), magnitude(-150, 150)))
    if refused(w2, np.reshape(w1, (-1, 1)), [s], eta2, eta1):  # as single_neuron
        s = 0.0
    size = max(np.max(np.abs(w1)) * (eta2 / eta1) ** 0.25,
               np.max(np.abs(w2)) * (eta1 / eta2) ** 0.25, np.sqrt(s))
    log_m = np.ceil(np.log2(size)) * np.log10(2.0) if size > 0 else 0.0
    bound = 305 - 0.5 * np.log10(eta1 * eta2) - 2 * log_m
    t = draw(times())
    if bound < 300:
        t = np.where(t > 10.0**bound, 10.0 ** (bound - 1e-9), t)
    return {"t": t, "w1_0": draw(forms(w1)), "w2_0": w2, "beta_star": s,
            "eta_w1": eta1, "eta_w2": eta2}


ROWS = {
    "deep_linear_modes.trajectory": (
        {"t": TIME, "u0": Arg("array", shapes=(_clash,)),
         "beta_star": Arg("array", "pos", shapes=(_clash,)), "depth": DEPTH,
         "eta": POSITIVE},
        trajectory_call()),
    "deep_linear_modes.learning_time": (
        {"u0": Arg("array", shapes=(_clash,)), "uf": Arg("array", shapes=(_clash,)),
         "beta_star": Arg("array", "pos", shapes=(_clash,)), "depth": REAL_DEPTH,
         "eta": POSITIVE},
        learning_time_call()),
    "deep_linear_modes.balanced_weights": (
        {"u": Arg("array"), "rates": Arg("array", "pos", shapes=(_cube,))},
        balanced_call()),
    "deep_linear_modes.two_layer_trajectory": (
        {"t": TIME, "w1_0": Arg("array", shapes=(_cube,)),
         "w2_0": Arg("array", shapes=(_cube,)), "beta_star": Arg("scalar"),
         "eta_w1": POSITIVE, "eta_w2": POSITIVE},
        two_layer_call()),
}
