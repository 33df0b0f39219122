"""infinite_width: kernels against 50-digit quadrature, predict against DOP853,
finite networks converging to the limits, the Adam limit, lazy limits."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp
from scipy.linalg import expm

from exactflow.derivations import infinite_width as iw
from exactflow.derivations.infinite_width import adam, claims, finite, lazy

from . import infinite_width_reference as ref

TOL = 1e-12


def _degenerate_inputs(seed=1):
    """x1: random rows; x2: equal, parallel, antiparallel (exact and rounded),
    zero and nearly parallel rows."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((3, 3))
    x2 = np.vstack([x[0], 2.0 * x[0], -x[1], -1.7 * x[1], np.zeros(3),
                    2.3 * x[2] + 1e-9])
    return x, x2


CASES = [("relu", None, 1.3, 0.0), ("relu", None, 1.0, 0.4),
         ("leaky_relu", 0.2, 1.1, 0.4), ("linear", None, 0.9, 0.5)]


def _check_against(reference, got_k, got_t, x1, x2, w, b):
    ref_k = np.array([[float(v) for v in row] for row in reference[0]])
    ref_t = np.array([[float(v) for v in row] for row in reference[1]])
    for got, want in ((got_k, ref_k), (got_t, ref_t)):
        assert np.all(np.isfinite(got))
        # relative 1e-12; where the true value is exactly 0 (exactly antiparallel
        # ReLU inputs) the 50-digit Cholesky leaves ~1e-30 of the scale
        scale = np.sqrt(np.abs(np.diag(want)).max()) if want.shape[0] == \
            want.shape[1] else np.abs(want).max()
        assert np.all(np.abs(got - want) <= TOL * np.abs(want) + 1e-25 * scale), \
            np.max(np.abs(got - want) / np.abs(want))


@pytest.mark.parametrize("activation, slope, w_std, b_std", CASES)
def test_piecewise_linear_kernels_match_50_digit_quadrature(activation, slope,
                                                            w_std, b_std):
    x1, x2 = _degenerate_inputs()
    reference = ref.kernels(x1, x2, 4, activation, w_std, b_std, slope or 0)
    for depth in range(1, 5):
        k, t = iw.kernel_pair(x1, x2, depth, activation, w_std, b_std, slope)
        _check_against(reference[depth], k, t, x1, x2, w_std, b_std)


def test_erf_kernels_match_50_digit_quadrature():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((1, 3))
    x2 = np.vstack([x[0], -2.0 * x[0], np.zeros(3), rng.standard_normal(3)])
    reference = ref.kernels(x, x2, 4, "erf", 1.2, 0.3)
    for depth in range(1, 5):
        k, t = iw.kernel_pair(x, x2, depth, "erf", 1.2, 0.3)
        _check_against(reference[depth], k, t, x, x2, 1.2, 0.3)


def test_zero_input_without_bias_is_zero():
    x = np.array([[0.0, 0.0], [1.0, 2.0]])
    for act, slope in (("relu", None), ("leaky_relu", 0.3), ("erf", None),
                       ("linear", None)):
        k, t = iw.kernel_pair(x, x, 3, act, 1.5, 0.0, slope)
        assert np.all(k[0] == 0) and np.all(t[0] == 0) and np.all(k[:, 0] == 0)
        assert k[1, 1] > 0 and t[1, 1] > 0


@settings(max_examples=30)
@example(0, "relu", 1, 1.0, 4.622434714603869e-178, 0.0)  # b² underflows
@example(0, "relu", 1, 1.0, 0.0, 1e-195)  # a row whose |x|² underflows
@given(st.integers(0, 2**32 - 1), st.sampled_from(["relu", "leaky_relu", "erf",
                                                      "linear"]),
       st.integers(1, 4), st.floats(0.2, 3.0), st.floats(0.0, 2.0),
       st.floats(-50.0, 50.0))
def test_gram_matrices_are_valid_kernels(seed, activation, depth, w_std, b_std, c):
    # symmetric, Cauchy–Schwarz and positive semi-definite on sets that contain
    # zero, parallel and antiparallel rows; no NaN anywhere
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((4, 3)) * rng.uniform(0.01, 10)
    x = np.vstack([x, c * x[0], -x[1], np.zeros(3)])
    slope = 0.1 if activation == "leaky_relu" else None
    tiny = np.einsum("ij,ij->i", x, x) * w_std**2 / 3 < np.finfo(float).tiny
    if b_std * b_std == 0 and np.any(tiny & np.any(x != 0, axis=1)):
        with pytest.raises(ValueError, match="x1 row .* too small for b_std = 0"):
            iw.kernel_pair(x, x, depth, activation, w_std, b_std, slope)
        return
    k, t = iw.kernel_pair(x, x, depth, activation, w_std, b_std, slope)
    for m in (k, t):
        assert np.all(np.isfinite(m))
        np.testing.assert_allclose(m, m.T, rtol=1e-12, atol=1e-300)
        d = np.sqrt(np.maximum(np.diag(m), 0))
        assert np.all(np.abs(m) <= np.outer(d, d) * (1 + 1e-12) + 1e-300)
        assert np.linalg.eigvalsh(m).min() >= -1e-10 * max(np.abs(m).max(), 1e-300)


def test_linear_network_kernels_by_hand():
    rng = np.random.default_rng(2)
    x1, x2 = rng.standard_normal((3, 4)), rng.standard_normal((2, 4))
    w2, b2 = 1.7**2, 0.3**2
    k = w2 * x1 @ x2.T / 4 + b2
    t = k.copy()
    for _ in range(3):
        k = w2 * k + b2
        t = k + w2 * t
    got_k, got_t = iw.kernel_pair(x1, x2, 3, "linear", 1.7, 0.3)
    np.testing.assert_allclose(got_k, k, rtol=TOL)
    np.testing.assert_allclose(got_t, t, rtol=TOL)


def test_arguments_are_checked():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match="depth"):
        iw.ntk(x, x, depth=-1)
    with pytest.raises(ValueError, match="depth"):
        iw.ntk(x, x, depth=True)
    with pytest.raises(ValueError, match="activation"):
        iw.ntk(x, x, activation="tanh")
    with pytest.raises(ValueError, match="slope"):
        iw.ntk(x, x, activation="leaky_relu")
    with pytest.raises(ValueError, match="slope"):
        iw.ntk(x, x, activation="leaky_relu", slope=1.5)
    with pytest.raises(ValueError, match="slope"):
        iw.ntk(x, x, activation="relu", slope=0.1)
    with pytest.raises(ValueError, match="w_std"):
        iw.nngp(x, x, w_std=0.0)
    with pytest.raises(ValueError, match="b_std"):
        iw.nngp(x, x, b_std=-1.0)
    with pytest.raises(ValueError, match="x2"):
        iw.nngp(x, np.ones((2, 2)))
    with pytest.raises(ValueError, match="x1"):
        iw.nngp(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="overflows"):
        iw.nngp(np.full((1, 2), 1e200), depth=1)
    with pytest.raises(ValueError, match="kernel"):
        iw.predict(1.0, x, np.ones(2), x, kernel="gp")
    with pytest.raises(ValueError, match="t must"):
        iw.predict(-1.0, x, np.ones(2), x)
    with pytest.raises(ValueError, match="y_train"):
        iw.predict(1.0, x, np.ones(3), x)


# ------------------------------------------------------------------ predict

@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    x, xs = rng.standard_normal((5, 3)), rng.standard_normal((4, 3))
    x = np.vstack([x, x[0]])  # a repeated input: Θ_XX is singular
    y = np.sin(x[:, 0]) + x[:, 1]
    return x, y, xs


@pytest.mark.parametrize("kernel", ["ntk", "nngp"])
def test_predict_solves_the_function_space_flow(data, kernel):
    x, y, xs = data
    opts = dict(depth=2, activation="erf", w_std=1.3, b_std=0.2)
    k_xx = getattr(iw, kernel)(x, x, **opts)
    k_tx = getattr(iw, kernel)(xs, x, **opts)

    def field(_, f):  # f = (f(X), f(x_test)), ḟ = −Θ(·, X)(f(X) − y)
        r = f[:len(y)] - y
        return np.concatenate([-k_xx @ r, -k_tx @ r])

    times = np.array([0.0, 0.3, 2.0, 7.0])
    sol = solve_ivp(field, (0, 7.0), np.zeros(len(y) + len(xs)), t_eval=times,
                    method="DOP853", rtol=1e-12, atol=1e-13)
    got = iw.predict(times, x, y, xs, kernel=kernel, **opts)
    np.testing.assert_allclose(got, sol.y[len(y):].T, rtol=1e-8, atol=1e-10)
    train = iw.predict(times, x, y, x, kernel=kernel, **opts)
    np.testing.assert_allclose(train, sol.y[:len(y)].T, rtol=1e-8, atol=1e-10)


def test_predict_at_infinity_and_gd_steps(data):
    x, y, xs = data
    x, y = x[:-1], y[:-1]  # distinct inputs: Θ_XX invertible
    th = iw.ntk(x, x, depth=1)
    tx = iw.ntk(xs, x, depth=1)
    np.testing.assert_allclose(iw.predict(np.inf, x, y, xs, depth=1),
                               tx @ np.linalg.solve(th, y), rtol=1e-9)
    f_x, f_s, lr = np.zeros(len(y)), np.zeros(len(xs)), 0.3
    for _ in range(25):  # a naive loop of kernel gradient descent
        r = f_x - y
        f_x, f_s = f_x - lr * th @ r, f_s - lr * tx @ r
    got = iw.predict(np.array([25]), x, y, xs, depth=1, learning_rate=lr)[0]
    np.testing.assert_allclose(got, f_s, rtol=1e-10, atol=1e-12)
    xd, yd = data[0], data[1]  # with a repeated input Θ_XX is singular
    thd, txd = iw.ntk(xd, xd, depth=1), iw.ntk(xs, xd, depth=1)
    np.testing.assert_allclose(iw.predict(np.inf, xd, yd, xs, depth=1),
                               txd @ np.linalg.pinv(thd, rcond=1e-13) @ yd,
                               rtol=1e-8)
    t = np.array([[0.5, 1.0], [3.0, 10.0]])  # any shape of t, several outputs
    many = iw.predict(t, x, np.stack([y, 2 * y], 1), xs, depth=1)
    assert many.shape == (2, 2, len(xs), 2)
    np.testing.assert_allclose(many[..., 1], 2 * many[..., 0], rtol=1e-12)
    e = expm(-3.0 * th)
    np.testing.assert_allclose(many[1, 0, :, 0], tx @ np.linalg.solve(
        th, (np.eye(len(y)) - e) @ y), rtol=1e-9)


# ------------------------------------------------------- finite width

def test_empirical_ntk_of_a_deep_network_converges():
    x = np.random.default_rng(0).standard_normal((4, 3))
    exact = iw.ntk(x, x, depth=2, activation="erf", w_std=1.2, b_std=0.3)
    widths = [2**k for k in range(6, 11)]
    errs = [np.mean([np.linalg.norm(finite.empirical_ntk(
        x, x, n, 2, "erf", 1.2, 0.3, seed=s)[1] - exact) for s in range(6)])
        for n in widths]
    assert -0.65 <= claims.slope(widths, errs) <= -0.4


@pytest.mark.parametrize("which", ["ntk", "gd", "adam"])
def test_finite_networks_converge_with_slope_minus_half(which):
    errs = (claims.ntk_convergence() if which == "ntk"
            else claims.training_convergence(which))
    assert -0.65 <= claims.slope(claims.WIDTHS, errs) <= -0.4


def test_sign_gd_limit_exact_quadrature():
    rng = np.random.default_rng(6)
    x, xs = rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    y = rng.standard_normal(4)
    exact = adam.adam_limit(x, y, xs, [3], 0.1, "sign")[1][-1]
    # Adam with β₁ = β₂ = 0 is sign-GD; its fixed cells miss the sign changes
    # of s, so plain Gauss–Legendre is only ~1e-6 accurate there
    fixed = adam.adam_limit(x, y, xs, [3], 0.1, "adam", 0.0, 0.0)[1][-1]
    np.testing.assert_allclose(fixed, exact, atol=1e-5)
    mc = adam.adam_limit(x, y, xs, [3], 0.1, "sign", directions=2**18)[1][-1]
    np.testing.assert_allclose(mc, exact, atol=5e-3)  # Monte Carlo, 2^-9
    wide = np.mean([finite.train_two_layer(x, y, xs, 2**16, [3], 0.1, "sign",
                                           seed=s)[1][-1] for s in range(4)], axis=0)
    np.testing.assert_allclose(wide, exact, atol=0.02)


def test_adam_limit_quadrature_agrees_with_monte_carlo():
    rng = np.random.default_rng(7)
    x, xs = rng.standard_normal((5, 2)), rng.standard_normal((3, 2))
    y = rng.standard_normal(5)
    quad = adam.adam_limit(x, y, xs, [4], 0.05)[1][-1]
    mc = adam.adam_limit(x, y, xs, [4], 0.05, directions=2**18, seed=1)[1][-1]
    assert np.abs(quad - mc).max() < 5e-3 * np.abs(quad).max()
    ones = adam.direction_rule(np.vstack([x, xs]))[1]
    assert abs(ones.sum() - 1) < 1e-14
    assert abs(adam.mean_norm(2) - np.sqrt(np.pi / 2)) < 1e-15


def test_training_arguments_are_checked():
    x = np.ones((2, 2))
    with pytest.raises(ValueError, match="width"):
        finite.train_two_layer(x, np.ones(2), x, 3, [1], 0.1)
    with pytest.raises(ValueError, match="optimizer"):
        finite.train_two_layer(x, np.ones(2), x, 4, [1], 0.1, "sgd")
    with pytest.raises(ValueError, match="optimizer"):
        adam.adam_limit(x, np.ones(2), x, [1], 0.1, "gd")
    with pytest.raises(ValueError, match="beta1"):
        adam.adam_limit(x, np.ones(2), x, [1], 0.1, beta1=1.0)


# ------------------------------------------------------------- lazy limits

@pytest.mark.parametrize("name, sign", [("single_neuron", 1.0),
                                        ("single_neuron", -1.0),
                                        ("wide_linear_scalar", 1.0),
                                        ("two_layer_linear_balanced", 1.0)])
def test_lazy_limits_converge_at_the_stated_rate(name, sign):
    rate = lazy.fitted_rate(name, sign=sign)
    assert abs(rate - lazy.RATES[name]) < 0.15


def test_lazy_gap_of_the_single_neuron_against_dop853():
    # the raw (a, w) flow integrated by DOP853 instead of the closed form
    delta, b0, bs = 40.0, np.array([0.5, -0.2]), np.array([0.3, 1.0])
    a0 = np.sqrt((delta + np.hypot(delta, 2 * np.linalg.norm(b0))) / 2)
    w0 = b0 / a0

    def field(_, y):
        a, w = y[0], y[1:]
        g = a * w - bs
        return np.concatenate([[-w @ g], -a * g])

    t = lazy.TAUS / delta
    sol = solve_ivp(field, (0, t[-1]), np.concatenate([[a0], w0]), t_eval=t,
                    method="DOP853", rtol=1e-12, atol=1e-14)
    m0 = a0**2 * np.eye(2) + np.outer(w0, w0)
    kernel = np.array([bs + expm(-m0 * s) @ (b0 - bs) for s in t])
    gap = np.abs(sol.y[0][:, None] * sol.y[1:].T - kernel).max() / \
        np.linalg.norm(bs - b0)
    assert abs(gap - lazy.single_neuron_gap(delta)) < 1e-10  # DOP853 at 1e-12


def test_the_numba_target_gives_the_same_kernels():
    pytest.importorskip("numba")
    x1, x2 = _degenerate_inputs()
    for act, slope in (("relu", None), ("leaky_relu", 0.3), ("erf", None),
                       ("linear", None)):
        for fn in (iw.nngp, iw.ntk):
            np.testing.assert_allclose(
                fn(x1, x2, 3, act, 1.2, 0.2, slope, target="numba"),
                fn(x1, x2, 3, act, 1.2, 0.2, slope), rtol=1e-13, atol=1e-300)


@settings(max_examples=6)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["relu", "leaky_relu", "linear"]),
       st.floats(0.3, 2.0), st.floats(0.0, 1.0), st.floats(-4.0, 4.0))
def test_random_inputs_match_50_digit_quadrature(seed, activation, w_std, b_std, c):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3)) * rng.uniform(0.1, 5)
    x2 = np.vstack([c * x[0], -x[1], np.zeros(3)])
    slope = 0.3 if activation == "leaky_relu" else None
    reference = ref.kernels(x, x2, 2, activation, w_std, b_std, slope or 0)
    for depth in (1, 2):
        k, t = iw.kernel_pair(x, x2, depth, activation, w_std, b_std, slope)
        _check_against(reference[depth], k, t, x, x2, w_std, b_std)
