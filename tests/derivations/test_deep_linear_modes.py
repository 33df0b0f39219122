"""Deep-linear-mode facts, checked against independent references.

References share no code with the library: scipy's DOP853 on a hand-written
right-hand side of the raw chain ẇ_l = η_l(s − u)∏_{k≠l}w_k, the mpmath
Gauss-hypergeometric learning time and its root
(``deep_linear_modes_reference.py``), mpmath quadrature, the single-neuron closed
form of docs/math/single_neuron.md §5 and the numbers of docs, reference values.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from exactflow.derivations import deep_linear_modes as dl

from .deep_linear_modes_reference import quad_mp, time_mp, trajectory_mp


def chain_rhs(s, rates):
    def f(_t, w):
        u = np.prod(w)
        others = np.array([np.prod(np.delete(w, i)) for i in range(len(w))])
        return rates * (s - u) * others

    return f


def integrate(w0, s, rates, ts):
    sol = solve_ivp(chain_rhs(s, np.asarray(rates)), (0.0, ts[-1]), w0,
                    method="DOP853", rtol=1e-12, atol=1e-14, t_eval=ts)
    assert sol.success
    return sol.y


def kernel(name):
    return dl.derivation().kernel("numpy", kernel=name)


# --- the raw chain against the mode-level solutions --------------------------


@settings(deadline=None)
@given(st.integers(1, 5), st.floats(0.2, 2.0), st.floats(0.05, 1.2),
       st.sampled_from(["balanced", "balanced-neg", "unbalanced"]),
       st.integers(0, 2**31 - 1))
@example(2, 1.0, 0.01, "balanced", 0)
@example(3, 2.0, 0.5, "balanced-neg", 1)
def test_chain_flow_against_dop853(depth, s, mag, kind, seed):
    rng = np.random.default_rng(seed)
    rates = rng.uniform(0.3, 3.0, depth)
    ts = np.linspace(0.0, 4.0, 9)
    if kind == "unbalanced":
        w0 = rng.uniform(0.2, 1.5, depth) * rng.choice([-1, 1], depth)
    else:
        u0 = (mag if kind == "balanced" else -mag) * s
        w0 = dl.balanced_weights(u0, rates)
        np.testing.assert_allclose(np.prod(w0), u0, rtol=1e-14)
    y = integrate(w0, s, rates, ts)
    # every consecutive difference w_{l+1}²/η_{l+1} − w_l²/η_l is conserved
    q = y**2 / rates[:, None]
    diffs = np.diff(q, axis=0)
    assert np.max(np.abs(diffs - diffs[:, :1]), initial=0.0) <= 1e-9 * max(1, q.max())
    u_ref = np.prod(y, axis=0)
    if kind != "unbalanced":
        tau = np.prod(rates) ** (-1.0 / depth)
        u = dl.trajectory(ts, u_ref[0], s, depth, eta=1 / tau)
        np.testing.assert_allclose(u, u_ref, rtol=1e-9, atol=1e-12)
    elif depth == 2:
        w1, w2 = dl.two_layer_trajectory(ts, w0[0], w0[1], s, rates[0], rates[1])
        np.testing.assert_allclose(w1, y[0], rtol=1e-9, atol=1e-11)
        np.testing.assert_allclose(w2, y[1], rtol=1e-9, atol=1e-11)


def test_balanced_depth2_equals_single_neuron_closed_form():
    # the single-neuron closed form at δ = 0 (single_neuron, d = 1) and the Saxe sigmoid
    ts = np.array([0.0, 0.3, 1.0, 4.0, 30.0, 1e3])
    for w, s, e1, e2 in ((0.1, 1.0, 1.0, 1.0), (0.7, 2.0, 0.5, 3.0),
                         (-0.2, 0.5, 2.0, 0.3)):
        w2 = np.sqrt(e2 / e1) * w
        w1t, w2t = dl.two_layer_trajectory(ts, w, w2, s, e1, e2)
        u = dl.trajectory(ts, w * w2, s, 2, eta=np.sqrt(e1 * e2))
        np.testing.assert_allclose(w1t * w2t, u, rtol=1e-12)
    # batched initial weights
    w1b, w2b = dl.two_layer_trajectory(ts, np.array([0.1, -0.4]), 0.3, 1.0)
    assert w1b.shape == w2b.shape == (2, ts.size)
    w1s, _ = dl.two_layer_trajectory(ts, -0.4, 0.3, 1.0)
    np.testing.assert_allclose(w1b[1], w1s, rtol=1e-14)


# --- depth ≥ 3: the inverted learning time against 30-digit references ---------


@settings(deadline=None)
@given(st.integers(3, 8), st.sampled_from(["rise", "fall", "neg", "tiny"]),
       st.floats(0.05, 0.95), st.floats(0.1, 10.0), st.floats(1e-3, 20.0),
       st.floats(0.2, 5.0))
@example(3, "tiny", 0.5, 1.0, 5.0, 1.0)
@example(8, "fall", 0.9, 0.3, 0.01, 2.0)
def test_trajectory_against_mpmath(depth, regime, frac, s, t, tau):
    u0 = {"rise": frac * s, "fall": s / frac, "neg": -frac * s,
          "tiny": 1e-9 * frac * s}[regime]
    u = float(dl.trajectory(t, u0, s, depth, eta=1 / tau))
    assert_matches_mp(u, t, u0, s, depth, tau)


def assert_matches_mp(u, t, u0, s, depth, tau=1.0):
    """u within 1e-12 of the 30-digit root, or rounded to s when the exact
    solution is already within one ulp of s at time t."""
    if u == s:
        edge = s * (1 - 2.0**-52) if u0 < s else s * (1 + 2.0**-52)
        assert float(time_mp(u0, edge, s, depth, tau)) <= t * (1 + 1e-12)
        return
    ref = float(trajectory_mp(t, u0, s, depth, tau, guess=u))
    assert abs(u - ref) <= 1e-12 * abs(ref)


@pytest.mark.parametrize("depth", [3, 4, 6])
def test_trajectory_plateau_and_long_times(depth):
    # tiny u0: long plateau; t up to 1e8: no overflow, no NaN, no warning
    s = 1.5
    ts = np.array([0.0, 1.0, 1e2, 1e3, 1e4, 1e6, 1e8])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        u = dl.trajectory(ts, 1e-8, s, depth)
        down = dl.trajectory(ts, 40.0, s, depth)
        neg = dl.trajectory(ts, -3.0, s, depth)
    assert np.all(np.diff(u) >= 0) and u[0] == 1e-8 and u[-1] == s
    assert np.all(np.diff(down) <= 0) and down[-1] == s
    assert np.all(np.diff(neg) >= 0) and np.all(neg < 0)
    for t_, v in zip(ts[1:5], u[1:5]):
        assert_matches_mp(v, t_, 1e-8, s, depth)
    # the negative branch decays as a power law, |u| ~ (K(p−1)t)^{−1/(p−1)}
    p = 2 - 2 / depth
    K = depth * s**p
    assert -neg[-1] == pytest.approx((K * (p - 1) * 1e8) ** (-1 / (p - 1)), rel=1e-6)


def test_fixed_points_and_shapes():
    ts = np.linspace(0, 5, 6)
    for depth in (1, 2, 3, 5):
        u = dl.trajectory(ts[None, :], np.array([[0.0], [2.0], [0.5]]), 2.0, depth)
        assert u.shape == (3, 6)
        if depth > 1:
            assert np.all(u[0] == 0.0)
        assert np.all(u[1] == 2.0)
        assert np.all(np.diff(u[2]) >= 0) and u[2, 1] > u[2, 0]
    # modes × times with per-mode strengths
    s = np.array([1.0, 3.0])
    u = dl.trajectory(ts[None, :], 0.1 * s[:, None], s[:, None], 4)
    assert u.shape == (2, 6)
    for i in range(2):
        np.testing.assert_allclose(u[i], dl.trajectory(ts, 0.1 * s[i], s[i], 4),
                                   rtol=1e-15)


# --- learning times ------------------------------------------------------------


CASES = [(0.01, 0.9, 1.0), (1e-6, 2 - 1e-6, 2.0), (3.0, 1.5, 1.2),
         (0.3, 0.3000001, 0.5), (0.3, 0.36, 0.5), (0.999, 0.99999999, 1.0),
         (5e-10, 1e-9, 1.0)]
NEG = [(-0.5, -1e-3, 1.0), (-2.0, -1.9, 0.3), (-1e-6, -1e-7, 1.0)]


@pytest.mark.parametrize("depth", [1, 2, 3, 4, 5, 7, 12])
def test_learning_time_against_mpmath(depth):
    cases = CASES + (NEG if depth > 1 else [(-0.5, 0.9, 1.0)])
    for u0, uf, s in cases:
        for tau in (1.0, 0.3):
            got = float(dl.learning_time(u0, uf, s, depth, eta=1 / tau))
            ref = float(time_mp(u0, uf, s, depth, tau))
            assert abs(got - ref) <= 1e-12 * abs(ref), (u0, uf, s, got, ref)


@pytest.mark.parametrize("depth", [1.5, 2.5, 3.7, 9.25])
def test_real_depth_learning_time_against_quadrature(depth):
    for u0, uf, s in [(0.01, 0.9, 1.0), (3.0, 1.5, 1.2), (0.2, 0.21, 1.0)]:
        got = float(dl.learning_time(u0, uf, s, depth))
        assert got == pytest.approx(float(quad_mp(u0, uf, s, depth)), rel=1e-12)
    # continuity in depth: the real form next to the integer (elementary) form
    a = float(dl.learning_time(0.01, 0.9, 1.0, 4))
    b = float(dl.learning_time(0.01, 0.9, 1.0, 4 + 1e-9))
    assert b == pytest.approx(a, rel=1e-7)


@settings(deadline=None)
@given(st.integers(3, 6), st.floats(1e-4, 0.9), st.floats(0.0, 30.0))
@example(depth=3, frac=0.09375, t=1.890857493375413e-246)  # rounding below u₀
def test_learning_time_inverts_trajectory(depth, frac, t):
    u0 = frac
    u = float(dl.trajectory(t, u0, 1.0, depth))
    if u < 1.0:
        # within 1e-12 plus the time the flow needs to move u by 1e-13 of
        # itself (dt/du = 1/(N u^p (1 − u)) is large near the attractor)
        dtdu = 1 / (depth * u ** (2 - 2 / depth) * (1 - u))
        assert abs(float(dl.learning_time(u0, u, 1.0, depth)) - t) <= (
            1e-12 * t + 1e-13 * u * dtdu)


def test_depth_asymptotics():
    # N = 2: t(ε → s − ε) = (τ/s) ln(s/ε) + O(ε);  N ≥ 3: ~ τ ε^{−(1−2/N)}/(s(N−2))
    s, tau = 2.0, 0.7
    for eps in (2.0**-20, 2.0**-30):  # s − ε exact in binary
        t2 = float(dl.learning_time(eps, s - eps, s, 2, eta=1 / tau))
        assert t2 - tau / s * np.log(s / eps) == pytest.approx(0, abs=2 * eps)
    for depth in (3, 4, 6):
        ratios = []
        for eps in (1e-6, 1e-9, 1e-12):
            tn = float(dl.learning_time(eps, s - eps, s, depth, eta=1 / tau))
            ratios.append(tn * eps ** (1 - 2 / depth) * s * (depth - 2) / tau)
        errs = np.abs(np.array(ratios) - 1)
        assert errs[-1] < 1e-2 and errs[2] < errs[1] < errs[0]


def test_math_md_reference_values():
    # docs, reference values: s = 2, u0 = 1e-3, τ = 1
    u = dl.trajectory(np.arange(1.0, 5.0), 1e-3, 2.0)
    np.testing.assert_allclose(
        u, [0.0531731586, 1.1971819822, 1.9757334871, 1.9995501856], atol=1e-10)
    assert float(dl.learning_time(1e-3, 2 - 1e-3, 2.0)) == pytest.approx(
        3.8002011673, abs=1e-10)


# --- generated kernels ---------------------------------------------------------


def sigmoid_mp(t, u0, s, tau):
    """Textbook form with mpmath at 50 digits (u0 ≥ 0) and its u0 < 0 branch."""
    with mpmath.workdps(50):
        t, u0, s, tau = map(mpmath.mpf, (t, u0, s, tau))
        if u0 == 0:
            return mpmath.mpf(0)
        x = 2 * s * t / tau
        if s == 0:
            return u0 / (1 + 2 * abs(u0) * t / tau) * (1 if u0 > 0 else 1)
        if u0 > 0:
            return s * mpmath.exp(x) / (mpmath.exp(x) - 1 + s / u0)
        v = -u0  # τv̇ = −2v(s + v): v = s v0/((s + v0)e^{x} − v0)
        return -s * v / ((s + v) * mpmath.exp(x) - v)


def random_sigmoid_case(rng):
    s = 0.0 if rng.random() < 0.05 else 10.0 ** rng.uniform(-3, 2)
    tau = 10.0 ** rng.uniform(-2, 2)
    t = 0.0 if rng.random() < 0.05 else 10.0 ** rng.uniform(-4, 8)
    kind = rng.random()
    if kind < 0.1:
        u0 = 0.0
    elif kind < 0.6:
        u0 = max(s, 1e-3) * 10.0 ** rng.uniform(-12, 0)
    elif kind < 0.8:
        u0 = max(s, 1e-3) * rng.uniform(1, 100)
    else:
        u0 = -max(s, 1e-3) * 10.0 ** rng.uniform(-6, 2)
    return t, u0, s, tau


def test_exact_kernel_is_accurate_over_the_domain():
    """≤ 1e-10 relative to 50-digit mpmath: t ∈ [0, 1e8], s ∈ {0} ∪ [1e-3, 1e2],
    u0 of every sign (down to 1e-12 s), τ ∈ [1e-2, 1e2]; no NaN/inf/warning."""
    rng = np.random.default_rng(20140101)
    cases = np.array([random_sigmoid_case(rng) for _ in range(500)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        (got,) = kernel("exact")(*cases.T)
    assert np.all(np.isfinite(got))
    tiny = np.finfo(np.float64).tiny
    for g, case in zip(got, cases):
        ref = float(sigmoid_mp(*case))
        assert abs(g - ref) <= max(1e-10 * abs(ref), 1e3 * tiny), (case, g, ref)


def test_learning_time_kernel_is_accurate():
    rng = np.random.default_rng(7)
    rows = []
    for _ in range(300):
        s = 10.0 ** rng.uniform(-2, 2)
        kind = rng.integers(3)
        if kind == 0:
            a, b = np.sort(s * 10.0 ** rng.uniform(-12, -1e-9, 2))
        elif kind == 1:
            b, a = np.sort(s * (1 + 10.0 ** rng.uniform(-9, 2, 2)))
        else:
            a, b = np.sort(-s * 10.0 ** rng.uniform(-6, 2, 2))
        rows.append((a, b, s, 10.0 ** rng.uniform(-2, 2)))
    rows = np.array(rows)
    (got,) = kernel("learning_time")(*rows.T)
    for g, (a, b, s, tau) in zip(got, rows):
        ref = float(time_mp(a, b, s, 2, tau, dps=50))
        assert abs(g - ref) <= 1e-10 * abs(ref) + 1e-300


def test_kernels_equal_lambdify():
    import sympy as sp

    d = dl.derivation()
    rng = np.random.default_rng(3)
    cases = np.array([random_sigmoid_case(rng) for _ in range(200)])
    cases[:, 0] = np.minimum(cases[:, 0], 50.0)
    for name, args in (("exact", cases.T),
                       ("learning_time", (cases[:, 3] * 0 + 0.1, cases[:, 3] * 0 + 0.5,
                                          cases[:, 2] + 1.0, cases[:, 3]))):
        spec = d.kernel_exprs(name)
        ref = sp.lambdify(spec.inputs, [e for _, e in spec.outputs], modules="numpy")
        with np.errstate(all="ignore"):
            want = ref(*args)
        got = d.kernel("numpy", kernel=name)(*args)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)


def test_float32_kernel():
    k32 = dl.derivation().kernel("numpy", kernel="exact", dtype="float32")
    rng = np.random.default_rng(11)
    cases = np.array([random_sigmoid_case(rng) for _ in range(200)], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        (got,) = k32(*cases.T)
    assert got.dtype == np.float32 and np.all(np.isfinite(got))
    for g, case in zip(got, cases.astype(np.float64)):
        ref = float(sigmoid_mp(*case))
        assert abs(float(g) - ref) <= max(2e-5 * abs(ref), 1e-30)


# --- balanced weights and bad input --------------------------------------------


def test_balanced_weights():
    rates = np.array([0.5, 2.0, 1.5])
    u = np.array([-0.3, 0.0, 2.5])
    w = dl.balanced_weights(u, rates)
    assert w.shape == (3, 3)
    np.testing.assert_allclose(np.prod(w, axis=-1), u, rtol=1e-14)
    q = w**2 / rates
    np.testing.assert_allclose(q, q[:, :1] * np.ones(3), rtol=1e-14)


@pytest.mark.parametrize(
    "func,kwargs,exc,match",
    [
        ("trajectory", {"eta": 0.0}, ValueError, "eta"),
        ("trajectory", {"eta": -1.0}, ValueError, "eta"),
        ("trajectory", {"t": -1.0}, ValueError, "t must"),
        ("trajectory", {"t": np.nan}, ValueError, "t must"),
        ("trajectory", {"beta_star": 0.0}, ValueError, "beta_star must"),
        ("trajectory", {"u0": np.inf}, ValueError, "u0"),
        ("trajectory", {"depth": 0}, ValueError, "depth"),
        ("trajectory", {"depth": 2.5}, TypeError, "depth"),
        ("trajectory", {"depth": True}, TypeError, "depth"),
        ("trajectory", {"u0": np.ones(3), "t": np.ones(2)}, ValueError, "broadcast"),
        ("trajectory", {"u0": "a"}, TypeError, "u0"),
        ("learning_time", {"uf": 1.5}, ValueError, "uf"),  # beyond the attractor s
        ("learning_time", {"uf": 0.05}, ValueError, "uf"),  # behind u0
        ("learning_time", {"u0": -0.5, "uf": 0.5}, ValueError, "uf"),
        ("learning_time", {"depth": 0.5}, ValueError, "depth"),
        ("learning_time", {"depth": 2.5, "u0": -0.2, "uf": -0.1}, ValueError, "u0"),
        ("learning_time", {"beta_star": -1.0}, ValueError, "beta_star must"),
        ("learning_time", {"eta": 0.0}, ValueError, "eta"),
        ("balanced_weights", {"rates": np.array([1.0, 0.0])}, ValueError, "rates"),
        ("balanced_weights", {"rates": np.ones((2, 2))}, ValueError, "rates"),
        ("two_layer_trajectory", {"eta_w1": 0.0}, ValueError, "eta_w1"),
        ("two_layer_trajectory", {"w1_0": np.ones(2), "w2_0": np.ones(3)},
         ValueError, "w1_0"),
    ],
)
def test_bad_input_names_the_argument(func, kwargs, exc, match):
    base = {
        "trajectory": {"t": 1.0, "u0": 0.1, "beta_star": 1.0, "depth": 3},
        "learning_time": {"u0": 0.1, "uf": 0.5, "beta_star": 1.0, "depth": 3},
        "balanced_weights": {"u": 0.5, "rates": np.ones(3)},
        "two_layer_trajectory": {"t": 1.0, "w1_0": 0.1, "w2_0": 0.2,
                                 "beta_star": 1.0},
    }[func]
    with pytest.raises(exc, match=match):
        getattr(dl, func)(**{**base, **kwargs})


def test_symbolic_builders_reject_bad_sizes():
    with pytest.raises(ValueError, match="depth"):
        dl.symbols(0)
    with pytest.raises(ValueError, match="branch"):
        dl.mode_solution("up")


@pytest.mark.slow
def test_every_claim_verifies():
    report = dl.derivation().verify()
    failed = [r for r in report.results if not r.passed]
    assert not failed, report.table()


def test_old_argument_names_still_work_with_a_warning():
    new = dl.trajectory(2.0, 0.1, 1.5, 3, eta=0.5)
    with pytest.warns(DeprecationWarning, match="'tau' is deprecated.*eta = 1/tau"):
        old = dl.trajectory(2.0, 0.1, 1.5, depth=3, tau=2.0)
    assert old == new
    with pytest.warns(DeprecationWarning, match="'s' is deprecated"):
        assert dl.learning_time(0.1, 0.5, s=1.0) == dl.learning_time(0.1, 0.5, 1.0)
    with pytest.warns(DeprecationWarning, match="'eta2' is deprecated"):
        old = dl.two_layer_trajectory(1.0, 0.1, 0.2, 1.0, 0.5 * 4, eta2=0.5)
    new = dl.two_layer_trajectory(1.0, 0.1, 0.2, 1.0, eta_w1=2.0, eta_w2=0.5)
    np.testing.assert_array_equal(old, new)
    with pytest.raises(TypeError, match="got both 'tau' and 'eta'"):
        dl.trajectory(1.0, 0.1, 1.0, tau=1.0, eta=1.0)
    with pytest.warns(DeprecationWarning), pytest.raises(ValueError, match="tau"):
        dl.trajectory(1.0, 0.1, 1.0, tau=0.0)
