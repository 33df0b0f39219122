"""Single-neuron facts, checked against independent references.

References used here share no code with the library's closed forms: scipy's DOP853
integrating a hand-written right-hand side, the 50-digit textbook evaluation of
``single_neuron_reference.py``, and the numbers printed in docs, reference values.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

import exactflow
from exactflow.derivations import single_neuron as sn

from .single_neuron_reference import exact_mp, random_case


def rhs(sxx, sxy, eta_a, eta_w):
    """ȧ = −η_a wᵀ(Σxx a w − Σxy), ẇ = −η_w a (Σxx a w − Σxy)."""

    def f(_t, y):
        a, w = y[0], y[1:]
        g = sxx @ (a * w) - sxy
        return np.concatenate(([-eta_a * (w @ g)], -eta_w * a * g))

    return f


def integrate(a0, w0, sxx, sxy, eta_a, eta_w, t_end, t_eval=None):
    sol = solve_ivp(
        rhs(sxx, sxy, eta_a, eta_w),
        (0.0, t_end),
        np.concatenate(([a0], w0)),
        method="DOP853",
        rtol=1e-12,
        atol=1e-14,
        t_eval=t_eval,
    )
    assert sol.success
    return sol.y


rates = st.floats(0.2, 5.0)
coords = st.floats(-2.0, 2.0)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), rates, rates, st.integers(0, 2**31 - 1))
def test_delta_is_conserved_along_integration(d, eta_a, eta_w, seed):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(d, d))
    sxx = m @ m.T / d + 0.1 * np.eye(d)
    sxy = rng.normal(size=d)
    a0, w0 = rng.normal(), rng.normal(size=d)
    y = integrate(a0, w0, sxx, sxy, eta_a, eta_w, 3.0, np.linspace(0, 3.0, 7))
    delta = eta_w * y[0] ** 2 - eta_a * np.sum(y[1:] ** 2, axis=0)
    scale = eta_w * a0**2 + eta_a * w0 @ w0
    assert np.max(np.abs(delta - delta[0])) <= 1e-9 * max(1.0, scale)


@settings(max_examples=30, deadline=None)
@given(
    coords,
    coords,
    coords,
    coords,
    coords,
    rates,
    rates,
    st.sampled_from(["free", "balanced", "a0=0", "a0<0"]),
)
@example(0.0, 1.0, 0.5, 0.3, 1.0, 1.0, 1.0, "balanced")
@example(0.0, 1.0, 0.5, 0.3, 1.0, 2.0, 0.5, "a0=0")
@example(1.0, -1.0, 0.0, 0.0, 1.0, 1.0, 1.0, "a0<0")
def test_exact_solution_matches_dop853(a0, w00, w01, b0, b1, eta_a, eta_w, kind):
    w0 = np.array([w00, w01, 0.3])
    if kind == "balanced":  # δ = 0 exactly in exact arithmetic up to rounding of a0
        a0 = np.sqrt(eta_a / eta_w) * np.linalg.norm(w0) * (1 if a0 >= 0 else -1)
    elif kind == "a0=0":
        a0 = 0.0
    elif kind == "a0<0":
        a0 = -abs(a0) - 0.1
    beta_star = np.array([b0, b1, -0.4])
    ts = np.linspace(0.0, 4.0, 9)
    y = integrate(a0, w0, np.eye(3), beta_star, eta_a, eta_w, 4.0, ts)
    a, w = sn.trajectory(ts, a0, w0, beta_star, eta_a, eta_w)
    assert np.max(np.abs(a - y[0])) < 1e-9
    assert np.max(np.abs(w - y[1:].T)) < 1e-9


def test_exact_solution_when_a_crosses_zero():
    # downstream (δ < 0) start with a0 > 0 and w0ᵀβ* strongly negative: a changes sign
    a0, w0, beta_star = 0.2, np.array([-2.0, 0.1]), np.array([1.0, 0.0])
    ts = np.linspace(0, 6, 61)
    a, _ = sn.trajectory(ts, a0, w0, beta_star)
    assert a[0] > 0 > a[-1]
    y = integrate(a0, w0, np.eye(2), beta_star, 1.0, 1.0, 6.0, ts)
    assert np.max(np.abs(a - y[0])) < 1e-9


def test_zero_target_and_fully_degenerate_point():
    # β* = 0: the flow shrinks to the saddle; D = 0 when also δ = 0
    ts = np.linspace(0, 3, 4)
    for a0, w0 in ((0.7, np.array([0.3, -0.2])), (1.0, np.array([0.6, 0.8]))):
        a, w = sn.trajectory(ts, a0, w0, np.zeros(2))
        y = integrate(a0, w0, np.eye(2), np.zeros(2), 1.0, 1.0, 3.0, ts)
        assert np.max(np.abs(a - y[0])) < 1e-10
        assert np.max(np.abs(w - y[1:].T)) < 1e-10


# docs, reference values: unit rates, β* = (0, 1), β₀ = (−1, 0), a₀ > 0
REFERENCE = [
    (-2, 1, 0.1721155620, (-1.3946560667, 0.2907889652), 0.2452042025, 0.2041127585),
    (-2, 5, 0.4676174082, (-0.9716992922, 1.1289227281), 0.6965248870, 0.7579110669),
    (0, 1, 0.7901885275, (-0.5120850523, 0.6018029647), 0.6243979090, 0.7615941560),
    (0, 5, 0.9995010219, (-0.0134685584, 0.9994102715), 0.9990022928, 0.9999092043),
    (2, 1, 1.5345639076, (-0.0659351502, 0.5920632926), 0.9141756506, 0.9938560048),
]


@pytest.mark.parametrize("delta,t,a_ref,w_ref,mu_ref,phi_ref", REFERENCE)
def test_reference_values(delta, t, a_ref, w_ref, mu_ref, phi_ref):
    a0 = np.sqrt((delta + np.sqrt(delta**2 + 4.0)) / 2)
    beta_star = np.array([0.0, 1.0])
    a, w = sn.trajectory(np.array(float(t)), a0, np.array([-1.0, 0.0]) / a0, beta_star)
    nw = np.linalg.norm(w)
    assert a == pytest.approx(a_ref, abs=1e-9)
    assert w == pytest.approx(np.array(w_ref), abs=1e-9)
    assert a * nw == pytest.approx(mu_ref, abs=1e-9)
    assert w @ beta_star / nw == pytest.approx(phi_ref, abs=1e-9)


def test_shapes_and_batches():
    t = np.linspace(0, 1, 5).reshape(1, 5)
    a, w = sn.trajectory(t, 0.5, np.array([0.1, 0.2, 0.3]), np.array([1.0, 0, 0]))
    assert a.shape == (1, 5) and w.shape == (1, 5, 3)
    a0 = np.array([0.5, -0.2, 0.0, 1.0])
    w0 = np.arange(12.0).reshape(4, 3) / 10
    ab, wb = sn.trajectory(t, a0, w0, np.array([1.0, 0, 0]))
    assert ab.shape == (4, 1, 5) and wb.shape == (4, 1, 5, 3)
    for i in range(4):
        ai, wi = sn.trajectory(t, a0[i], w0[i], np.array([1.0, 0, 0]))
        np.testing.assert_allclose(ab[i], ai, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(wb[i], wi, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"eta_a": 0.0}, "eta_a"),
        ({"eta_w": -1.0}, "eta_w"),
        ({"eta_a": float("nan")}, "eta_a"),
        ({"t": -1.0}, "t"),
        ({"t": np.inf}, "t"),
        ({"w0": np.array([np.nan, 0.0])}, "w0"),
        ({"beta_star": np.zeros(3)}, "beta_star"),
        ({"a0": np.ones(3), "w0": np.ones((2, 2))}, "a0"),
        ({"w0": np.zeros((2, 2, 2))}, "w0"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    args = {
        "t": 1.0,
        "a0": 0.5,
        "w0": np.array([0.1, 0.2]),
        "beta_star": np.array([1.0, 0.0]),
    }
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        sn.trajectory(**args)


def test_rate_reduction_map():
    # (a, w)(t) at rates (η_a, η_w) equals the unit-rate flow of (ã, w̃) at τ
    eta_a, eta_w, t = 0.3, 4.0, np.linspace(0, 2, 5)
    k = (eta_w / eta_a) ** 0.25
    a0, w0, b = -0.4, np.array([0.5, 0.2]), np.array([0.3, 1.2])
    a, w = sn.trajectory(t, a0, w0, b, eta_a, eta_w)
    au, wu = sn.trajectory(np.sqrt(eta_a * eta_w) * t, k * a0, w0 / k, b)
    np.testing.assert_allclose(k * a, au, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(w / k, wu, rtol=1e-12, atol=1e-14)


@settings(max_examples=20, deadline=None)
@given(coords, coords, coords, st.floats(0.2, 2), rates, rates)
def test_basin_rule_against_integration(a0, w00, w01, s, eta_a, eta_w):
    w0, beta_star = np.array([w00, w01]), np.array([s, 0.0])
    delta = eta_w * a0**2 - eta_a * w0 @ w0
    D = np.sqrt(delta**2 + 4 * eta_a * eta_w * s**2)
    P = eta_a * w0 @ beta_star + a0 * (delta + D) / 2
    lam = (D + delta) / 2  # slowest (transverse) rate of approach, docs §5
    # too close to the saddle's stable manifold, or too slow, to integrate to ∞
    assume(abs(P) > 1e-2 and lam > 0.02)
    y = integrate(a0, w0, np.eye(2), beta_star, eta_a, eta_w, 25 / lam + 25 / D)
    assert np.sign(y[0, -1]) == np.sign(P)
    assert eta_w * y[0, -1] ** 2 == pytest.approx((D + delta) / 2, rel=1e-6)


def test_kernel_distance_reference_and_definition():
    # docs, reference values reference value (the authors' notebook gives 0.6037, a bug)
    s = sn.kernel_distance_between(
        1.0, np.array([-1.0, 0.0]), 0.3, np.array([0.4, 1.7])
    )
    assert s == pytest.approx(0.5045654689, abs=1e-10)
    t = np.linspace(0, 3, 4)
    a0, w0, b = 0.3, np.array([0.2, -0.5]), np.array([1.0, 0.4])
    S = sn.kernel_distance(t, a0, w0, b, 0.7, 1.3)
    a, w = sn.trajectory(t, a0, w0, b, 0.7, 1.3)
    K0 = sn.ntk(np.array(a0), w0, 0.7, 1.3)
    for i in range(len(t)):
        Kt = sn.ntk(a[i], w[i], 0.7, 1.3)
        direct = 1 - np.sum(K0 * Kt) / (np.linalg.norm(K0) * np.linalg.norm(Kt))
        assert S[i] == pytest.approx(direct, abs=1e-13)
    assert S[0] == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("delta", [-4.0, -1.0, 0.0, 1.0, 4.0])
@pytest.mark.parametrize("eta_a,eta_w,y", [(1.0, 1.0, 1.1), (0.5, 3.0, 1.375)])
def test_implicit_bias_against_long_integration(delta, eta_a, eta_w, y):
    X, beta0 = np.array([[0.5, 1.0]]), np.array([0.4, 0.05])
    nb = np.linalg.norm(beta0)
    # a0 > 0 with a0 w0 = β0 and η_w a0² − η_a‖w0‖² = δ
    a0 = np.sqrt((delta + np.sqrt(delta**2 + 4 * eta_a * eta_w * nb**2)) / (2 * eta_w))
    w0 = beta0 / a0
    sol = integrate(a0, w0, X.T @ X, X.T @ np.array([y]), eta_a, eta_w, 400.0)
    beta_inf = sol[0, -1] * sol[1:, -1]
    got = sn.implicit_bias(X, np.array([y]), beta0, delta, eta_a, eta_w)
    np.testing.assert_allclose(got, beta_inf, atol=1e-8)


def test_implicit_bias_newton_matches_integration_in_3d():
    # two-dimensional null space: the Newton branch against integration
    X, y = np.array([[0.5, 1.0, -0.3]]), np.array([0.9])
    beta0, delta = np.array([0.3, 0.1, 0.2]), -1.0
    nb = np.linalg.norm(beta0)
    a0 = np.sqrt((delta + np.sqrt(delta**2 + 4 * nb**2)) / 2)
    sol = integrate(a0, beta0 / a0, X.T @ X, X.T @ y, 1.0, 1.0, 600.0)
    got = sn.implicit_bias(X, y, beta0, delta)
    np.testing.assert_allclose(got, sol[0, -1] * sol[1:, -1], atol=1e-7)


def assert_within_conditioning(got, cases, rel, ulp, tiny):
    """Each output within ``rel`` of the 50-digit value, or within ten times the
    change of the exact answer when every input moves by two ``ulp`` (the
    problem's own conditioning, e.g. e^{−λτ} at τ ~ 1e6), or below ``tiny``."""
    pert = np.random.default_rng(7)
    for i, case in enumerate(cases):
        ref = exact_mp(*case)
        for j in range(3):
            err = abs(float(got[j][i]) - float(ref[j]))
            if err <= max(rel * abs(float(ref[j])), tiny):
                continue
            spread = 0.0
            for _ in range(6):
                moved = case * (1 + 2 * ulp * pert.choice([-1, 1], size=7))
                spread = max(spread, abs(float(exact_mp(*moved, dps=30)[j] - ref[j])))
            assert err <= 10 * spread, (case, j, err, spread)


def test_generated_kernel_is_accurate_over_the_extreme_domain():
    """≤ 1e-10 relative to 50-digit mpmath, or within the problem's conditioning.

    Domain: t ∈ [0, 1e4], |δ| ≤ 1e3, ‖β*‖ ∈ [1e-3, 1e2], η ∈ [1e-3, 1e3], with
    δ = 0 exactly, a0 = 0 and a0 < 0 included; no NaN or inf anywhere.
    """
    kernel = exactflow.derivation("single_neuron").kernel("numpy")
    rng = np.random.default_rng(20241125)
    cases = np.array([random_case(rng) for _ in range(400)])
    got = kernel(*cases.T)
    assert all(np.all(np.isfinite(g)) for g in got)
    assert_within_conditioning(got, cases, 1e-10, 2.0**-52, np.finfo(np.float64).tiny)


def test_generated_kernel_equals_lambdify():
    import sympy as sp

    deriv = exactflow.derivation("single_neuron")
    spec = deriv.kernel_exprs("exact")
    ref = sp.lambdify(
        spec.inputs, [e for _, e in spec.outputs], modules="numpy", cse=True
    )
    rng = np.random.default_rng(3)
    cases = np.array([random_case(rng, extreme=False) for _ in range(200)])
    got = deriv.kernel("numpy")(*cases.T)
    with np.errstate(all="ignore"):
        want = ref(*cases.T)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)


def test_float32_kernel():
    deriv = exactflow.derivation("single_neuron")
    k32 = deriv.kernel("numpy", dtype="float32")
    rng = np.random.default_rng(5)
    cases = np.array([random_case(rng, extreme=False) for _ in range(200)])
    cases32 = cases.astype(np.float32)
    got = k32(*cases32.T)
    assert all(g.dtype == np.float32 for g in got)
    assert all(np.all(np.isfinite(g)) for g in got)
    assert_within_conditioning(
        got,
        cases32.astype(np.float64),
        2e-5,
        2.0**-23,
        float(np.finfo(np.float32).tiny),
    )


@pytest.mark.slow
def test_every_claim_verifies():
    report = exactflow.derivation("single_neuron").verify()
    failed = [r for r in report.results if not r.passed]
    assert not failed, report.table()


@pytest.mark.parametrize("t", [0.0, 1.0, 1e2, 1e4])
def test_saddle_is_a_fixed_point_at_every_time(t):
    # a0 = 0 and w0 ⟂ β*: the flow stays at (0, w0); Λ grows only through the
    # orthogonal part, and the scaled Λ would underflow for large t
    with np.errstate(divide="raise", invalid="raise", over="raise"):
        a, w = sn.trajectory(
            np.array(t), 0.0, np.array([0.0, 1.5]), np.array([2.0, 0.0]), 0.5, 3.0
        )
    assert a == 0.0
    np.testing.assert_allclose(w, [0.0, 1.5], rtol=1e-10)


@pytest.mark.parametrize("beta", [[-8.582103543253414e132], [0.7556760645912358, 0.0],
                                  [-1.0, 0.5]])
def test_origin_is_a_fixed_point_at_every_time(beta):
    """a0 = 0, w0 = 0 stays there for every β*, at times up to the domain's
    edge (the kernel's factor of Π⊥w₀ overflowed there: inf·0 gave NaN)."""
    beta = np.array(beta)
    d = len(beta)
    # t·√(η_aη_w)·m² ≤ 1e305 with m² < 4‖β*‖: a tenth of it, at most 1e300
    log_bound = min(305 + 6 - np.log10(4 * np.linalg.norm(beta)), 301)
    t = np.array([0.0, 1.0, 31.6, 1e10, 1e100, 10.0 ** (log_bound - 1)])
    a, w = sn.trajectory(t, 0.0, np.zeros(d), beta, 1e-6, 1e-6)
    assert np.all(a == 0.0) and np.all(w == 0.0)


def test_near_saddle_start_follows_the_basin_rule():
    # P = η_a w0ᵀβ* + a0 λ₊ slightly negative: the trajectory lingers near the
    # saddle, then a∞ = −√λ₊ (unit rates, a0 = 1, w0 = (w, 0), β* = e₁)
    from scipy.optimize import brentq

    def P(w):
        delta = 1.0 - w * w
        return w + (delta + np.sqrt(delta**2 + 4.0)) / 2

    w_star = brentq(P, -5.0, 0.0, xtol=1e-15)
    for eps, sign in ((-1e-7, -1.0), (1e-7, 1.0)):
        w = w_star + eps
        delta = 1.0 - w * w
        lam = (delta + np.sqrt(delta**2 + 4.0)) / 2
        a, _ = sn.trajectory(
            np.array([1e3]), 1.0, np.array([w, 0.0]), np.array([1.0, 0.0])
        )
        assert a[0] == pytest.approx(sign * np.sqrt(lam), rel=1e-9)
