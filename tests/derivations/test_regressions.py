"""Regression cases: inputs on which the catalog once failed, each checked against
an independent reference (30–40-digit mpmath, DOP853 on the raw flow, an exact
solution) — never against the library's own output.
"""

from __future__ import annotations

import subprocess
import sys

import mpmath
import numpy as np
import pytest

from exactflow.derivations import deep_linear_modes as dm
from exactflow.derivations import diagonal_linear as dg
from exactflow.derivations import single_neuron as sn

from .deep_linear_modes_reference import time_mp, trajectory_mp


# ----------------------------------------------------------- deep_linear_modes
def test_depth6_inversion_converges():
    # the Newton iteration used to alternate between two times one ulp apart
    u0, s, tau = 0.020094819858106, 0.9483887228453001, 0.4626731939193846
    t = 1.8808114007005803
    u = float(dm.trajectory(t, u0, s, 6, eta=1 / tau))
    ref = float(trajectory_mp(t, u0, s, 6, 1 / (1 / tau), guess=0.88))
    assert abs(u - ref) <= 1e-12 * abs(ref)


@pytest.mark.parametrize("u0, uf", [(1e10, 2.5328e9), (1e6, 1.5), (1e16, 1e15)])
def test_learning_time_far_above_target(u0, uf):
    # Φ(y) − Φ(y0) used to cancel: the error grew like (u0/s)^{2−2/N}·eps
    got = float(dm.learning_time(u0, uf, 1.0, depth=5))
    ref = float(time_mp(u0, uf, 1.0, 5))
    assert ref > 0 and abs(got - ref) <= 1e-12 * ref


@pytest.mark.parametrize("t, u0", [(1e-16, 1e10), (1e-3, 1e6), (1.0, 1e16)])
def test_trajectory_far_above_target(t, u0):
    # trajectory(1e-16, 1e10, 1, depth=5) was 3.574e9 (exact 2.533e9); u0 = 1e16
    # raised at every t
    u = float(dm.trajectory(t, u0, 1.0, 5))
    ref = float(trajectory_mp(t, u0, 1.0, 5, guess=u))
    assert abs(u - ref) <= 1e-12 * abs(ref)


def test_depth2_learning_time_to_a_tiny_negative_target():
    # (−1 → −1e−17) used to give inf through ln(uf/u0) = log1p(−1)
    got = float(dm.learning_time(-1.0, -1e-17, 1.0, depth=2))
    assert abs(got - float(time_mp(-1.0, -1e-17, 1.0, 2))) <= 1e-12 * got


def test_absurd_depth_is_refused_quickly():
    with pytest.raises(ValueError, match="depth"):
        dm.trajectory(1.0, 0.5, 1.0, depth=10**30)


# ------------------------------------------------------------- diagonal_linear
def raw_flow_mp(t, X, y, u0, v0, eta_u=1.0, eta_v=1.0, dps=30):
    """β(t) of the raw (u, v) flow of the loss ½·mean (Xβ − y)²:
    u̇ = −2η_u u⊙g, v̇ = 2η_v v⊙g, g = Xᵀ(Xβ − y)/n, β = u² − v², by mpmath's
    Taylor integrator at ``dps`` digits."""
    d, n = len(u0), len(y)
    with mpmath.workdps(dps):
        Xm = [[mpmath.mpf(float(x)) for x in row] for row in X]

        def f(_, z):
            b = [z[i] ** 2 - z[d + i] ** 2 for i in range(d)]
            r = [sum(Xm[k][i] * b[i] for i in range(d)) - y[k] for k in range(n)]
            g = [sum(Xm[k][i] * r[k] for k in range(n)) / n for i in range(d)]
            return [-2 * eta_u * z[i] * g[i] for i in range(d)] + [
                2 * eta_v * z[d + i] * g[i] for i in range(d)]

        z = mpmath.odefun(f, 0, [mpmath.mpf(float(x)) for x in [*u0, *v0]])(
            mpmath.mpf(t))
        return np.array([float(z[i] ** 2 - z[d + i] ** 2) for i in range(d)])


@pytest.mark.parametrize("alpha", [100.0, 1000.0])
@pytest.mark.parametrize("X, y", [([[1.0, 0.5]], [1.0]),
                                  ([[1.0, 0.5, 0.2], [0.3, -1.0, 0.4]], [1.0, -0.5])])
def test_diagonal_trajectory_at_large_alpha(alpha, X, y):
    # LSODA with an absolute atol lost accuracy like α² (1.5e−6 at α = 1000)
    X, y = np.array(X), np.array(y)
    _, _, beta = dg.trajectory(3e-9, X, y, alpha=alpha)
    d = X.shape[1]
    ref = raw_flow_mp(3e-9, X, y, np.full(d, alpha), np.full(d, alpha))
    assert np.max(np.abs(beta - ref)) <= 1e-10 * np.max(np.abs(ref))


def test_diagonal_zero_start_stays_finite():
    # u0 = 0 (allowed) gave 0·e^{∞} = NaN at long times; the exact flow keeps u = 0
    # and v = e^{−2R} v0 with Ṙ = β − 1 = −v² − 1, so v(t) → 0 like e^{−2t}
    t = np.array([0.0, 0.5, 400.0])
    u, v, beta = dg.trajectory(t, np.eye(1), np.array([1.0]), u0=np.array([0.0]),
                               v0=np.array([1.0]))
    assert np.all(u == 0) and np.all(np.isfinite(v)) and np.all(np.isfinite(beta))
    # v² = w solves ẇ = −4w(w + 1): w(t) = 1/(2e^{4t} − 1)
    w = 1 / (2 * np.exp(4 * t[:2]) - 1)
    np.testing.assert_allclose(v[:2, 0] ** 2, w, rtol=1e-10)
    assert 0 <= v[2, 0] < 1e-300


def test_diagonal_trajectory_needs_no_scipy():
    code = ("import sys; sys.modules['scipy'] = None\n"
            "import numpy as np\n"
            "from exactflow.derivations import diagonal_linear as dg\n"
            "X = np.array([[1.0, 0.5], [0.2, -1.0]]); y = np.array([1.0, 0.3])\n"
            "print(dg.trajectory(1.0, X[:1], y[:1], alpha=0.1)[2],"
            " dg.trajectory(1.0, X, y, alpha=0.1)[2])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr


def test_diagonal_implicit_bias_with_unequal_rates():
    # Newton on the dual used to run out of iterations (steps limited by the fast
    # layer's rate); X is invertible, so the answer is X⁻¹y = (10, −10) exactly
    X = [[0.1, -0.1], [-0.1, 0.001]]
    got = dg.implicit_bias(X, [2.0, -1.01], alpha=1e-3, eta_u=0.1, eta_v=10.0)
    np.testing.assert_allclose(got, [10.0, -10.0], rtol=1e-12)


@pytest.mark.parametrize("kw, name", [
    ({"rtol": float("nan")}, "rtol"), ({"rtol": 1 + 1j}, "rtol"),
    ({"atol": -1.0}, "atol"), ({"method": "LSODA"}, "method")])
def test_diagonal_trajectory_refuses_bad_tolerances(kw, name):
    # rtol = nan returned β = −3.2e12; a complex rtol crashed the interpreter
    with pytest.raises((ValueError, TypeError), match=name):
        dg.trajectory(1.0, np.eye(1), np.array([1.0]), alpha=1.0, **kw)


@pytest.mark.parametrize("func", [dg.implicit_bias])
def test_implicit_bias_refuses_max_iter_zero(func):
    with pytest.raises(ValueError, match="max_iter"):
        func([[1.0, 2.0]], [1.0], alpha=0.1, max_iter=0)


# --------------------------------------------------------------- single_neuron
def test_single_neuron_implicit_bias_zero_target_balanced():
    # X = e1ᵀ, y = 0, β0 = e1, δ = 0 was NaN.  With δ = 0 and w0 ∝ e1 the flow
    # never leaves span(e1) (the gradient is along e1 only), and Xβ = 0 there
    # means β = 0
    got = sn.implicit_bias(np.array([[1.0, 0, 0]]), np.array([0.0]),
                           np.array([1.0, 0, 0]), 0.0)
    assert np.all(np.isfinite(got)) and np.max(np.abs(got)) <= 1e-15


def test_single_neuron_refuses_max_iter_zero_and_scalar_w():
    with pytest.raises(ValueError, match="max_iter"):
        sn.implicit_bias(np.array([[1.0, 2, 0]]), np.array([1.0]),
                         np.array([1.0, 0, 0]), 0.0, max_iter=0)
    with pytest.raises((ValueError, TypeError), match="w"):
        sn.ntk(1.0, 1.0)


# --------------------------------------------------------- multi_neuron_linear
def _aligned_start(seed=0):
    rng = np.random.default_rng(seed)
    beta = rng.normal(size=(3, 2))
    U, S, Vt = np.linalg.svd(beta, full_matrices=False)
    W0 = np.array([0.3, 0.2])[:, None] * U.T  # w_k = α_k u_k
    A0 = np.array([0.1, 0.4])[:, None] * Vt  # a_k = γ_k v_k
    return A0, W0, beta


def test_multi_neuron_exactly_aligned_start_does_not_warn():
    import warnings

    from exactflow.derivations import multi_neuron_linear as mn

    A0, W0, beta = _aligned_start()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A, W = mn.trajectory(np.array([0.0, 1.0]), A0, W0, beta)
    np.testing.assert_allclose(A[0], A0, atol=1e-15)


def test_multi_neuron_nearly_aligned_start_warns():
    # a misalignment of 1e−10 used to be projected away silently; near a saddle
    # (A0 = 0 here for neuron 0's output, a tiny W0) the true flow goes elsewhere
    from exactflow.derivations import multi_neuron_linear as mn

    A0, W0, beta = _aligned_start()
    W0 = W0.copy()
    W0[0] += 1e-10 * np.array([1.0, -2.0, 0.5])
    with pytest.warns(RuntimeWarning, match="aligned only to within"):
        mn.trajectory(1.0, A0, W0, beta)
    W0[0] += 1e-6  # beyond rtol 1e−9: refused
    with pytest.raises(ValueError, match="not aligned"):
        mn.trajectory(1.0, A0, W0, beta)


# ---------------------------------------------------------- wide_linear_scalar
def _wide_raw(t, u0, w0, alpha, beta, kappa=1.0, eta_u=1.0, eta_w=1.0):
    """(u, w) of u̇ = −η_uκw(ακu·w − β), ẇ = −η_wκu(ακu·w − β) by DOP853."""
    from scipy.integrate import solve_ivp

    d = len(u0)

    def f(_, z):
        u, w = z[:d], z[d:]
        r = alpha * kappa * (u @ w) - beta
        return np.concatenate([-eta_u * kappa * w * r, -eta_w * kappa * u * r])

    sol = solve_ivp(f, (0, t), np.concatenate([u0, w0]), method="DOP853",
                    rtol=1e-13, atol=1e-22)
    return sol.y[:d, -1], sol.y[d:, -1]


def test_wide_norm_next_to_a_zero_layer():
    # ‖w‖ was √((S − T/2)/ρ): absolute error √eps·scale, 2e−5 relative here
    from exactflow.derivations import wide_linear_scalar as wl

    u0, w0 = np.array([0.8, -0.5, 0.3]), np.zeros(3)
    for t in (1e-3, 1e-2):
        obs = wl.observables(t, u0, w0, 1.3, 0.7, eta_u=0.5, eta_w=2.0)
        u, w = _wide_raw(t, u0, w0, 1.3, 0.7, eta_u=0.5, eta_w=2.0)
        assert abs(float(obs.norm_w) - np.linalg.norm(w)) <= 1e-10 * np.linalg.norm(w)
        assert abs(float(obs.norm_u) - np.linalg.norm(u)) <= 1e-12


def test_wide_extremes_finite_or_refused():
    # NaN at an initial scale of 1e150 although documented finite; now the
    # domain is stated and values outside it raise a ValueError naming them
    from exactflow.derivations import wide_linear_scalar as wl

    u0, w0 = np.array([0.8, -0.5]), np.array([0.1, 0.4])
    obs = wl.observables(1e300, u0, w0, 1.3, 0.7)
    assert np.isfinite(obs.p) and np.isfinite(obs.norm_u) and np.isfinite(obs.cos)
    obs = wl.observables(1.0, 1e70 * u0, 1e70 * w0, 1.3, 0.7)
    assert all(np.isfinite(v) for v in (obs.p, obs.norm_u, obs.norm_w, obs.cos))
    with pytest.raises(ValueError, match="u0, w0"):
        wl.observables(1.0, 1e150 * u0, 1e150 * w0, 1.3, 0.7)
