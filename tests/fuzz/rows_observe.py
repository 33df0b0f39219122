"""Rows of the observables helpers: start points, losses and kernels along the
exact trajectories of every linear catalog entry.

The valid calls are those of each entry's ``trajectory`` (its whole documented
domain, extremes included).  Losses and kernels are quadratic in the weights,
so at the largest scales their true values exceed the float64 range: the
documented behaviour is a finite value wherever the true value is below the
largest float and ±inf beyond it, never NaN.  The checks hold the results to
that against an independent evaluation in 40-digit mpmath of the formula on
the trajectory's own (finite) state.
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
from hypothesis import assume
from hypothesis import strategies as st

from . import rows_deep, rows_diagonal, rows_multi, rows_neuron, rows_rest, rows_wide
from .kinds import POSITIVE, REAL, TIME, Arg, forms, magnitude, rate, real, reals

BIG = mp.mpf(np.finfo(float).max)
ANYWHERE = ("*",)  # ±inf allowed anywhere in the result (checked below)


def _mp(x):
    return mp.mpf(float(x))


def _agrees(got, want, scale, what):
    """One result entry against its 40-digit value: finite and within 1e-11 of
    ``scale`` (the size of the terms) when representable, ±inf beyond."""
    if abs(want) > BIG * (1 + mp.mpf("1e-12")):
        assert np.isinf(got) and np.sign(got) == mp.sign(want), (what, got, want)
        return
    assert np.isfinite(got), (what, got, want)
    if abs(want) < BIG * (1 - mp.mpf("1e-12")):
        assert abs(_mp(got) - want) <= mp.mpf("1e-11") * scale + mp.mpf(
            "1e-300"), (what, got, want)


def _losses(residuals, got, what):
    """½‖r‖² for each leading index of ``residuals`` (…, k) against ``got``."""
    with mp.workdps(40):
        res = np.asarray(residuals, dtype=float)
        flat_r = res.reshape(-1, res.shape[-1])
        flat_g = np.asarray(got, dtype=float).reshape(-1)
        assert len(flat_r) == len(flat_g), (what, res.shape, np.shape(got))
        for r, g in zip(flat_r, flat_g):
            want = sum(_mp(x) ** 2 for x in r) / 2
            _agrees(g, want, want, what)


# ------------------------------------------------------------------ single neuron


@st.composite
def initial_call(draw):
    d = draw(st.integers(1, 3))
    batch = draw(st.sampled_from([None, 2]))
    n = 1 if batch is None else batch
    beta0 = np.array([draw(st.one_of(reals(d, -150, 150), st.just(np.zeros(d))))
                      for _ in range(n)])
    delta = np.array([draw(real(-150, 150)) for _ in range(n)])
    delta = np.where(np.all(beta0 == 0, axis=-1), np.abs(delta), delta)
    if batch is None:
        beta0, delta = beta0[0], draw(forms(delta[0]))
    return {"beta0": beta0, "delta": delta, "eta_a": draw(forms(draw(rate()))),
            "eta_w": draw(rate())}


def _initial_check(kw, out):
    a0, w0 = out
    beta0 = np.atleast_2d(np.asarray(kw["beta0"], dtype=float))
    delta = np.atleast_1d(np.asarray(kw["delta"], dtype=float))
    ea, ew = float(kw["eta_a"]), float(kw["eta_w"])
    a0, w0 = np.atleast_1d(a0), np.atleast_2d(w0)
    assert np.all(a0 >= 0)
    with mp.workdps(40):
        for a, w, b, dl in zip(a0, w0, beta0, np.broadcast_to(delta, a0.shape)):
            for wi, bi in zip(w, b):  # a0 w0 = β0
                assert abs(_mp(a) * _mp(wi) - _mp(bi)) <= mp.mpf("1e-14") * max(
                    abs(_mp(x)) for x in b) + mp.mpf("1e-300"), (a, w, b)
            # η_w a0² − η_a‖w0‖² = δ
            pa, pw = _mp(ew) * _mp(a) ** 2, _mp(ea) * sum(_mp(x) ** 2 for x in w)
            assert abs(pa - pw - _mp(dl)) <= mp.mpf("1e-13") * (pa + pw) + mp.mpf(
                "1e-300"), (a, w, dl)


def _neuron_loss_check(kw, out):
    from exactflow.derivations import single_neuron as sn

    a, w = sn.trajectory(kw["t"], kw["a0"], kw["w0"], kw["beta_star"], kw["eta_a"],
                         kw["eta_w"])
    beta = np.asarray(kw["beta_star"], dtype=float)
    assert out.shape == a.shape
    _losses_exact(a[..., None], w, beta, out, "single_neuron.trajectory_loss")


def _losses_exact(a, w, beta, got, what):
    """½‖a w − β*‖² in mpmath from the (finite) state itself (a·w not rounded)."""
    with mp.workdps(40):
        a, w = np.broadcast_arrays(np.asarray(a, float), np.asarray(w, float))
        flat_a, flat_w = a.reshape(-1, a.shape[-1]), w.reshape(-1, w.shape[-1])
        flat_g = np.asarray(got, dtype=float).reshape(-1)
        for ar, wr, g in zip(flat_a, flat_w, flat_g):
            res = [(_mp(x) * _mp(y) - _mp(b), abs(_mp(x) * _mp(y)) + abs(_mp(b)))
                   for x, y, b in zip(ar, wr, beta)]
            want = sum(r**2 for r, _ in res) / 2
            # a·w is rounded before β* is subtracted: error ≈ eps·|r|·(|aw| + |β*|)
            _agrees(g, want, want + sum(abs(r) * m for r, m in res), what)


def _neuron_ntk_check(kw, out):
    from exactflow.derivations import single_neuron as sn

    a, w = sn.trajectory(kw["t"], kw["a0"], kw["w0"], kw["beta_star"], kw["eta_a"],
                         kw["eta_w"])
    ea, ew = float(kw["eta_a"]), float(kw["eta_w"])
    X = kw.get("X")
    d = w.shape[-1]
    Xm = np.eye(d) if X is None else np.asarray(X, dtype=float)
    assert out.shape == a.shape + (len(Xm), len(Xm))
    with mp.workdps(40):
        for idx in np.ndindex(a.shape):
            av, wv = _mp(a[idx]), [_mp(x) for x in w[idx]]
            xw = [sum(_mp(x) * y for x, y in zip(row, wv)) for row in Xm]
            for i, j in np.ndindex(len(Xm), len(Xm)):
                xx = sum(_mp(p) * _mp(q) for p, q in zip(Xm[i], Xm[j]))
                t1, t2 = _mp(ew) * av**2 * xx, _mp(ea) * xw[i] * xw[j]
                scale = _mp(ew) * av**2 * sum(_mp(p) ** 2 for p in Xm[i]) ** 0.5 \
                    * sum(_mp(p) ** 2 for p in Xm[j]) ** 0.5 + abs(t2)
                _agrees(out[idx + (i, j)], t1 + t2, scale,
                        "single_neuron.trajectory_ntk")


def _x_flat(_v):
    return np.ones(3)


def _x_cube(_v):
    return np.ones((2, 2, 2))


def _x_wide(_v):
    return np.ones((1, 17))  # every d here is at most 3


X_MATRIX = Arg("array", shapes=(_x_flat, _x_cube, _x_wide), optional=True)


def _within(kw, names: tuple, squares: tuple = (), top: float = 1e70):
    """``kw`` with the weights ``names`` (and the targets ``squares``, which
    scale like their products) scaled down so that max(weights, √targets) ≤
    ``top``: the kernel entries, quadratic in the weights, stay representable
    (``ntk`` refuses beyond the float range).  Balance, alignment and the
    scaling-invariant exclusions are kept; smaller states only relax t."""
    size = max([float(np.max(np.abs(np.asarray(kw[n], float)))) for n in names]
               + [float(np.sqrt(np.max(np.abs(np.asarray(kw[n], float)))))
                  for n in squares])
    if size <= top:
        return kw
    c = 2.0 ** -int(np.ceil(np.log2(size / top)))
    out = dict(kw)
    for n in names:
        out[n] = np.asarray(kw[n], float) * c
    for n in squares:
        out[n] = np.asarray(kw[n], float) * (c * c)
    for n in names + squares:  # still in the documented domain (≥ 1e-150)?
        v = np.abs(out[n])
        assume(not np.any((v > 0) & (v < 1e-150)))
    return out


@st.composite
def neuron_ntk_call(draw):
    kw = _within(draw(rows_neuron.trajectory_call()), ("a0", "w0"), ("beta_star",))
    d = np.shape(kw["w0"])[-1]
    kw["X"] = draw(st.one_of(st.none(), st.integers(1, 3).flatmap(
        lambda m: st.lists(reals(d, -30, 30), min_size=m, max_size=m).map(np.array))))
    return kw


# -------------------------------------------------------------- deep linear modes


@st.composite
def deep_call(draw):
    """As the trajectory's calls, with u0 and β* of one batch shape (3,) or
    (2, 3): the time axes come after it, so a shape that clashes must clash
    with the batch (a scalar batch broadcasts with every shape)."""
    kw = draw(rows_deep.trajectory_call())
    shape = draw(st.sampled_from([(3,), (2, 3)]))
    out = dict(kw)
    for n in ("u0", "beta_star"):
        v = np.asarray(kw[n], float)
        out[n] = np.broadcast_to(v if v.ndim == 0 else v.ravel()[0], shape).copy()
    out["t"] = np.asarray(kw["t"], float).ravel()[:2]
    return out


def _deep_mode(kw):
    """(u, β*) of shape batch + t.shape: the trajectory with the batch first."""
    from exactflow.derivations import deep_linear_modes as dl

    lead = (...,) + (None,) * np.ndim(kw["t"])
    s = np.asarray(kw["beta_star"], float)[lead]
    u = dl.trajectory(np.asarray(kw["t"])[(None,) * np.ndim(kw["u0"])],
                      np.asarray(kw["u0"], float)[lead], s, kw["depth"],
                      eta=kw["eta"])
    return u, np.broadcast_to(s, u.shape)


def _deep_loss_check(kw, out):
    u, s = _deep_mode(kw)
    assert out.shape == u.shape
    with mp.workdps(40):
        for g, uu, ss in zip(out.ravel(), u.ravel(), s.ravel()):
            want = (_mp(ss) - _mp(uu)) ** 2 / 2
            _agrees(g, want, want, "deep_linear_modes.trajectory_loss")


def _deep_ntk_check(kw, out):
    u, _ = _deep_mode(kw)
    assert out.shape == u.shape
    n = kw["depth"]
    with mp.workdps(40):
        for g, uu in zip(out.ravel(), u.ravel()):
            want = _mp(kw["eta"]) * n * abs(_mp(uu)) ** (2 - mp.mpf(2) / n)
            _agrees(g, want, want, "deep_linear_modes.trajectory_ntk")


# ---------------------------------------------------------------- diagonal linear


@st.composite
def diagonal_call(draw):
    kw = draw(rows_diagonal.trajectory_call())
    for key in ("rtol", "atol", "method"):
        kw.pop(key)
    return kw


def _diagonal_loss_check(kw, out):
    from exactflow.derivations import diagonal_linear as dg

    extra = {k: kw[k] for k in ("alpha", "u0", "v0", "eta_u", "eta_v")}
    _, _, beta = dg.trajectory(kw["t"], kw["X"], kw["y"], **extra)
    X, y = np.asarray(kw["X"], float), np.asarray(kw["y"], float)
    assert out.shape == beta.shape[:-1]
    with mp.workdps(40):
        for g, b in zip(out.ravel(), beta.reshape(-1, beta.shape[-1])):
            res = [sum(_mp(x) * _mp(bb) for x, bb in zip(row, b)) - _mp(yy)
                   for row, yy in zip(X, y)]
            size = [sum(abs(_mp(x) * _mp(bb)) for x, bb in zip(row, b)) + abs(_mp(yy))
                    for row, yy in zip(X, y)]
            want = sum(r**2 for r in res) / (2 * len(y))
            # |r|·(ulps of the terms), and the square of those ulps where the
            # terms cancel to r = 0 (an FMA dot product leaves one rounding)
            scale = want + sum(abs(r) * m + m * m * mp.mpf("1e-19")
                               for r, m in zip(res, size)) / len(y)
            _agrees(g, want, scale, "diagonal_linear.trajectory_loss")


def _diagonal_ntk_check(kw, out):
    from exactflow.derivations import diagonal_linear as dg

    extra = {k: kw[k] for k in ("alpha", "u0", "v0", "eta_u", "eta_v")}
    u, v, _ = dg.trajectory(kw["t"], kw["X"], kw["y"], **extra)
    X = np.asarray(kw["X"], float)
    eu, ev = _mp(kw["eta_u"]), _mp(kw["eta_v"])
    assert out.shape == u.shape[:-1] + (len(X), len(X))
    with mp.workdps(40):
        for idx in np.ndindex(u.shape[:-1]):
            m = [4 * (eu * _mp(a) ** 2 + ev * _mp(b) ** 2) for a, b in
                 zip(u[idx], v[idx])]
            for i, j in np.ndindex(len(X), len(X)):
                terms = [_mp(p) * mm * _mp(q) for p, mm, q in zip(X[i], m, X[j])]
                _agrees(out[idx + (i, j)], sum(terms), sum(abs(x) for x in terms),
                        "diagonal_linear.trajectory_ntk")


# ------------------------------------------------------------ multi-neuron linear


def _multi_state(kw):
    from exactflow.derivations import multi_neuron_linear as mn

    return mn.trajectory(kw["t"], kw["A0"], kw["W0"], kw["beta_star"],
                         eta_a=kw["eta_a"], eta_w=kw["eta_w"])


def _multi_loss_check(kw, out):
    A, W = _multi_state(kw)
    bs = np.asarray(kw["beta_star"], float)
    assert out.shape == A.shape[:-2]
    with mp.workdps(40):
        for idx in np.ndindex(A.shape[:-2]):
            Am, Wm = mp.matrix(A[idx].tolist()), mp.matrix(W[idx].tolist())
            B = mp.matrix(bs.tolist())
            R = Wm.T * Am - B
            size = [sum(abs(Wm[k, i] * Am[k, j]) for k in range(Am.rows))
                    + abs(B[i, j]) for i in range(R.rows) for j in range(R.cols)]
            want = sum(x**2 for x in R) / 2
            scale = want + sum(abs(r) * m for r, m in zip(R, size))
            _agrees(out[idx], want, scale, "multi_neuron_linear.trajectory_loss")


# --------------------------------------------------- λ-balanced two-layer network


@st.composite
def balanced_call(draw, inputs: bool = False):
    kw = draw(rows_rest.balanced_trajectory_call())
    kw.pop("balance_tol")
    if inputs:
        kw = _within(kw, ("W1_0", "W2_0"), ("beta_star",))
        d = np.shape(kw["W1_0"])[-1]
        kw["X"] = draw(st.one_of(st.none(), st.integers(1, 3).flatmap(
            lambda m: st.lists(reals(d, -30, 30), min_size=m, max_size=m).map(
                np.array))))
    return kw


@st.composite
def multi_ntk_call(draw):
    kw = _within(draw(rows_multi.trajectory_call(inputs=True)), ("A0", "W0"),
                 ("beta_star",))
    d = np.shape(kw["W0"])[-1]
    kw["X"] = draw(st.one_of(st.none(), st.integers(1, 3).flatmap(
        lambda m: st.lists(reals(d, -30, 30), min_size=m, max_size=m).map(
            np.array))))
    return kw


def _balanced_loss_check(kw, out):
    from exactflow.derivations import two_layer_linear_balanced as tl

    prod, _, _ = tl.trajectory(kw["t"], kw["W1_0"], kw["W2_0"], kw["beta_star"],
                               eta=kw["eta"])
    beta = np.swapaxes(prod, -1, -2) - np.asarray(kw["beta_star"], float)
    assert out.shape == prod.shape[:-2]
    _losses(beta.reshape(beta.shape[:-2] + (-1,)), out,
            "two_layer_linear_balanced.trajectory_loss")


# -------------------------------------------------------------- wide linear scalar


@st.composite
def wide_ntk_call(draw):
    kw = draw(rows_wide.trajectory_call())
    kw["X"] = draw(st.one_of(st.none(), st.integers(1, 3).flatmap(
        lambda m: reals(m, -30, 30))))
    return kw


@st.composite
def wide_loss_call(draw):
    kw = draw(rows_wide.trajectory_call())
    kw["sigma_yy"] = None
    if draw(st.booleans()):  # E[y²] ≥ σ_xy²/σ_xx
        sxx, sxy = float(kw["sigma_xx"]), float(kw["sigma_xy"])
        kw["sigma_yy"] = sxy * sxy / sxx * (1 + draw(st.floats(0, 4)))
    return kw


def _wide_loss_check(kw, out):
    from exactflow.derivations import wide_linear_scalar as wl

    u0 = np.asarray(kw["u0"], float)
    starts = [(u0, np.asarray(kw["w0"], float))] if u0.ndim == 1 else list(
        zip(u0, np.asarray(kw["w0"], float)))
    sxx, sxy, k = (_mp(kw[n]) for n in ("sigma_xx", "sigma_xy", "kappa"))
    got = np.asarray(out, float).reshape(len(starts), -1)
    with mp.workdps(40):
        for (a, b), g in zip(starts, got):
            u, w = wl.trajectory(kw["t"], a, b, kw["sigma_xx"], kw["sigma_xy"],
                                 kw["kappa"], eta_u=kw["eta_u"], eta_w=kw["eta_w"])
            for gg, uu, ww in zip(g, u.reshape(-1, u.shape[-1]),
                                  w.reshape(-1, w.shape[-1])):
                p = sum(_mp(x) * _mp(y) for x, y in zip(uu, ww))
                size = sum(abs(_mp(x) * _mp(y)) for x, y in zip(uu, ww))
                # p = Σ u_i w_i is rounded at the size Σ|u_i w_i| of its terms;
                # where they cancel (p → 0) the square of that rounding remains
                ulp2 = mp.mpf("1e-19") * size * size
                if kw["sigma_yy"] is None:
                    want = (sxx * k * p - sxy) ** 2 / (2 * sxx)
                    scale = want + abs(sxx * k * p - sxy) * (sxx * k * size + abs(
                        sxy)) / sxx + sxx * k * k * ulp2
                else:
                    syy = _mp(kw["sigma_yy"])
                    want = (syy - 2 * k * sxy * p + sxx * k * k * p * p) / 2
                    scale = abs(syy) + abs(2 * k * sxy) * size + sxx * k * k * (
                        abs(p) * size + ulp2)
                _agrees(gg, want, scale, "wide_linear_scalar.trajectory_loss")


def _overflow_only_beyond(*sizes):
    """A check: ±inf only when the product of ``sizes`` (functions of the call
    giving the magnitudes of the factors of one kernel entry) exceeds 1e300."""

    def check(kw, out):
        assert np.ndim(out) >= np.ndim(kw["t"])
        if not np.all(np.isfinite(out)):
            bound = sum(np.log10(max(f(kw), 1e-300)) for f in sizes)
            assert bound > 300, (bound, out)

    return check


def _largest(*names):
    return lambda kw: max(float(np.max(np.abs(np.asarray(kw[n], float))))
                          if kw.get(n) is not None else 1.0 for n in names)


def _rates(*names):
    return lambda kw: max(float(kw[n]) for n in names)


#: a kernel entry is (rate) × (weights or target)² × (inputs)²: the flow keeps
#: the weights within a fixed multiple of max(start, √target)
_MULTI_NTK = _overflow_only_beyond(_rates("eta_a", "eta_w"),
                                   lambda kw: 16 * max(_largest("A0", "W0")(kw) ** 2,
                                                       _largest("beta_star")(kw)),
                                   lambda kw: 9 * _largest("X")(kw) ** 2)
_BALANCED_NTK = _overflow_only_beyond(_rates("eta"), lambda kw: 16 * max(
    _largest("W1_0", "W2_0")(kw) ** 2, _largest("beta_star")(kw)),
    lambda kw: 9 * _largest("X")(kw) ** 2)
_WIDE_NTK = _overflow_only_beyond(_rates("eta_u", "eta_w"), lambda kw: float(
    kw["kappa"]) ** 2 * 16 * max(_largest("u0", "w0")(kw) ** 2 * 9, abs(float(
        kw["sigma_xy"])) / (float(kw["kappa"]) * float(kw["sigma_xx"]))),
    lambda kw: _largest("X")(kw) ** 2)


MATRIX = rows_multi.MATRIX
ROWS = {
    "single_neuron.initial": (
        {"beta0": Arg("array", shapes=(rows_neuron._cube,)), "delta": Arg(
            "array", shapes=(rows_neuron._cube,)), "eta_a": POSITIVE,
         "eta_w": POSITIVE}, initial_call(), _initial_check),
    "single_neuron.trajectory_loss": (
        rows_neuron.ROWS["single_neuron.trajectory"][0],
        rows_neuron.trajectory_call(), _neuron_loss_check, ANYWHERE),
    "single_neuron.trajectory_ntk": (
        {**rows_neuron.ROWS["single_neuron.trajectory"][0],
         "X": X_MATRIX},
        neuron_ntk_call(), _neuron_ntk_check, ANYWHERE),
    "deep_linear_modes.trajectory_loss": (
        rows_deep.ROWS["deep_linear_modes.trajectory"][0], deep_call(),
        _deep_loss_check, ANYWHERE),
    "deep_linear_modes.trajectory_ntk": (
        rows_deep.ROWS["deep_linear_modes.trajectory"][0], deep_call(),
        _deep_ntk_check, ANYWHERE),
    "diagonal_linear.trajectory_loss": (
        {k: v for k, v in rows_diagonal.ROWS["diagonal_linear.trajectory"][0].items()
         if k not in ("rtol", "atol", "method")}, diagonal_call(),
        _diagonal_loss_check, ANYWHERE),
    "diagonal_linear.trajectory_ntk": (
        {k: v for k, v in rows_diagonal.ROWS["diagonal_linear.trajectory"][0].items()
         if k not in ("rtol", "atol", "method")}, diagonal_call(),
        _diagonal_ntk_check, ANYWHERE),
    "multi_neuron_linear.trajectory_loss": (
        rows_multi.ROWS["multi_neuron_linear.trajectory"][0],
        rows_multi.trajectory_call(), _multi_loss_check, ANYWHERE),
    "multi_neuron_linear.trajectory_ntk": (
        {**rows_multi.ROWS["multi_neuron_linear.trajectory"][0],
         "X": X_MATRIX},
        multi_ntk_call(), _MULTI_NTK, ANYWHERE),
    "two_layer_linear_balanced.trajectory_loss": (
        {k: v for k, v in rows_rest.ROWS[
            "two_layer_linear_balanced.trajectory"][0].items() if k != "balance_tol"},
        balanced_call(), _balanced_loss_check, ANYWHERE),
    "two_layer_linear_balanced.trajectory_ntk": (
        {**{k: v for k, v in rows_rest.ROWS[
            "two_layer_linear_balanced.trajectory"][0].items() if k != "balance_tol"},
         "X": X_MATRIX},
        balanced_call(inputs=True), _BALANCED_NTK, ANYWHERE),
    "wide_linear_scalar.trajectory_loss": (
        {**rows_wide.TRAJECTORY, "sigma_yy": Arg("scalar", optional=True)},
        wide_loss_call(), _wide_loss_check, ANYWHERE),
    "wide_linear_scalar.trajectory_ntk": (
        {**rows_wide.TRAJECTORY, "X": Arg("array", shapes=(rows_wide._cube,),
                                          optional=True)},
        wide_ntk_call(), _WIDE_NTK, ANYWHERE),
}
_ = (REAL, TIME, magnitude, MATRIX)
