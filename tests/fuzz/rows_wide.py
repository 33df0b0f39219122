"""Rows of ``wide_linear_scalar``: valid calls over the documented domains."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from .kinds import POSITIVE, REAL, TIME, Arg, forms, magnitude, real, reals, times

SCALE = (-100, 70)  # ‖u0‖, ‖w0‖ ∈ {0} ∪ [1e-100, 1e70] (the documented domain)
RATES = (-3, 3)  # σ_xx, κ, η_u, η_w ∈ [1e-3, 1e3]


def _cube(_v):
    return np.ones((2, 2, 2))


def _longer(v):
    v = np.asarray(v, dtype=float)
    return np.ones(v.shape[:-1] + (v.shape[-1] + 1,)) if v.ndim else np.ones(3)


def _layer(draw, d, batch):
    n = 1 if batch is None else batch
    out = np.array([draw(st.one_of(st.just(np.zeros(d)), reals(d, *SCALE)))
                    for _ in range(n)])
    # the norm, not each entry, must lie in the domain
    norm = np.linalg.norm(out, axis=-1, keepdims=True)
    out = np.where(norm > 1e70, out * (1e70 / np.where(norm > 0, norm, 1)), out)
    out = np.where((norm > 0) & (norm < 1e-100), 0.0, out)
    return out if batch is not None else out[0]


@st.composite
def setting(draw):
    return {"sigma_xx": draw(forms(draw(magnitude(*RATES)))),
            "sigma_xy": draw(real(-3, 3)), "kappa": draw(magnitude(*RATES)),
            "eta_u": draw(magnitude(*RATES)), "eta_w": draw(magnitude(*RATES))}


@st.composite
def trajectory_call(draw):
    d = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 1, 3]))
    u0, w0 = _layer(draw, d, batch), _layer(draw, d, batch)
    if draw(st.booleans()):  # exact balance ρ‖w0‖ = ‖u0‖ and exact alignment
        u0 = w0 * np.sqrt(1.0)
    kw = draw(setting())
    a, k, eu, ew = (float(kw[n]) for n in ("sigma_xx", "kappa", "eta_u", "eta_w"))
    size = float(np.max(np.sum(u0**2, axis=-1) + np.sum(w0**2, axis=-1))) \
        + abs(kw["sigma_xy"]) / (k * a)
    scale = k * k * a * (eu + ew) * max(size, 1e-300)
    bound = 299.0 - np.log10(scale)
    t = draw(times())
    t = np.where(t > 10.0 ** min(bound, 300), 10.0 ** (min(bound, 300) - 1e-9), t)
    return {"t": t, "u0": draw(forms(u0)), "w0": w0, **kw}


@st.composite
def invariants_call(draw):
    d = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 3]))
    return {"u0": _layer(draw, d, batch), "w0": draw(forms(_layer(draw, d, batch))),
            "eta_u": draw(magnitude(*RATES)), "eta_w": draw(magnitude(*RATES))}


@st.composite
def ntk_call(draw):
    kw = draw(invariants_call())
    return {"u": kw["u0"], "w": kw["w0"], "kappa": draw(magnitude(*RATES)),
            "eta_u": kw["eta_u"], "eta_w": kw["eta_w"]}


@st.composite
def classify_call(draw):
    d = draw(st.integers(1, 3))
    u0, w0 = _layer(draw, d, None), _layer(draw, d, None)
    if not (np.any(u0) or np.any(w0)):  # the origin is refused (a fixed point)
        u0 = np.ones(d)
    return {"u0": u0, "w0": w0,
            **draw(setting()), "tol": draw(magnitude(-3, 1))}


@st.composite
def regime_call(draw):
    return {"width": draw(st.one_of(st.integers(1, 10), st.just(10**6))),
            "eta_ratio": draw(magnitude(*RATES)), "kappa": draw(magnitude(*RATES)),
            "init_scale": draw(magnitude(-6, 6)),
            "sigma_xx": draw(magnitude(*RATES)), "sigma_xy": draw(real(-3, 3)),
            "tol": draw(magnitude(-3, 1))}


def _shapes(kw, out):
    u, w = out
    t, w0 = np.asarray(kw["t"]), np.asarray(kw["w0"])
    assert u.shape == w0.shape[:-1] + t.shape + w0.shape[-1:] == w.shape


LAYER = Arg("array", shapes=(_cube, _longer))
TRAJECTORY = {"t": TIME, "u0": LAYER, "w0": LAYER, "sigma_xx": POSITIVE,
              "sigma_xy": REAL, "kappa": POSITIVE, "eta_u": POSITIVE,
              "eta_w": POSITIVE}
TOL = Arg("scalar", "pos")

ROWS = {
    "wide_linear_scalar.trajectory": (TRAJECTORY, trajectory_call(), _shapes),
    "wide_linear_scalar.observables": (TRAJECTORY, trajectory_call(), None,
                                       ("tau_inf",)),  # ±inf: escapes to 0
    "wide_linear_scalar.invariants": (
        {"u0": LAYER, "w0": LAYER, "eta_u": POSITIVE, "eta_w": POSITIVE},
        invariants_call()),
    "wide_linear_scalar.ntk": (
        {"u": LAYER, "w": LAYER, "kappa": POSITIVE, "eta_u": POSITIVE,
         "eta_w": POSITIVE}, ntk_call()),
    "wide_linear_scalar.classify": (
        {"u0": Arg("array", shapes=(_cube, _longer)), "w0": LAYER,
         "sigma_xx": POSITIVE, "sigma_xy": REAL, "kappa": POSITIVE,
         "eta_u": POSITIVE, "eta_w": POSITIVE, "tol": TOL}, classify_call()),
    "wide_linear_scalar.regime": (
        {"width": Arg("int", lo=1), "eta_ratio": POSITIVE, "kappa": POSITIVE,
         "init_scale": POSITIVE, "sigma_xx": POSITIVE, "sigma_xy": REAL,
         "tol": TOL}, regime_call()),
}
