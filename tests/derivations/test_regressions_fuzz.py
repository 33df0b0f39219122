"""Regression cases found by fuzzing the remaining catalog entries, each checked
against an independent reference (mpmath at 40 digits, a hand-applied rule)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from exactflow.derivations import wide_linear_scalar as wl


@pytest.mark.parametrize("scale", [1e-100, 1e-80, 1.0])
def test_wide_classify_tiny_start_is_not_the_origin(scale):
    # G = ‖u‖²‖w‖² − p² and H = −4P₊P₋ underflowed to 0 for norms ~1e-100, so a
    # start next to (not at) the origin was refused as "both zero"
    u0, w0 = np.array([0.0, 0.0]), np.array([scale, 0.0])
    r = wl.classify(u0, w0, 1.0, 1.0)
    mpmath.mp.dps = 40
    s = mpmath.mpf(scale)
    p_plus, p_minus = s**2 / 4, -(s**2) / 4  # ρ = 1: ‖u0 ± w0‖²/4
    h = mpmath.sqrt(-4 * p_plus * p_minus)  # p0 = 0, p∞ = β/(ακ) = 1
    change = mpmath.sqrt(1 + h**2) / h - 1  # K∞/K0 − 1 (p crosses no zero)
    assert r.kind == "feature" and r.mechanism == "rescaling"  # G = 0: no angle
    assert abs(r.ntk_change - float(change)) <= 1e-13 * float(change)
    assert r.angular_share == 0.0 and np.isfinite(r.cos_change)


def test_wide_classify_refuses_only_the_origin():
    with pytest.raises(ValueError, match="u0 and w0"):
        wl.classify(np.zeros(2), np.zeros(2), 1.0, 1.0)


# --------------------------------------------------------------- single neuron
def _mode_dop853(t, a0, w0, s, eta_a=1.0, eta_w=1.0, atol=1e-300):
    """DOP853 (rtol 1e-12) on the raw flow ȧ = −η_a w(aw − s), ẇ = −η_w a(aw − s)."""
    from scipy.integrate import solve_ivp

    def f(_, y):
        r = y[0] * y[1] - s
        return [-eta_a * y[1] * r, -eta_w * y[0] * r]

    sol = solve_ivp(f, (0.0, t), [a0, w0], method="DOP853", rtol=1e-12,
                    atol=atol)
    return sol.y[:, -1]


@pytest.mark.parametrize("a0", [1e8, 1e12])
def test_single_neuron_saddle_manifold_far_from_the_target(a0):
    # D = √(δ̃² + 4s²) is ~1e-16 at unit scale here, and the eigenbasis used
    # D + 1 − sign(D), which rounds to 0: NaN from 0/0 (a0 ≥ ~1e8, β* = 1).
    # Reference: on w = −a (balanced, unit rates) b = a² obeys ḃ = −2b(b + s),
    # so b/(b + s) = b0/(b0 + s)·e^{−2st}, evaluated at 40 digits
    from exactflow.derivations import single_neuron as sn

    mpmath.mp.dps = 40
    s, b0 = mpmath.mpf(1), mpmath.mpf(a0) ** 2
    for t in (1e-3, 1.0):
        q = b0 / (b0 + s) * mpmath.exp(-2 * s * mpmath.mpf(t))
        ref = float(mpmath.sqrt(s * q / (1 - q)))
        a, w = sn.trajectory(t, a0, np.array([-a0]), np.array([1.0]))
        assert abs(a - ref) <= 1e-12 * ref and abs(w[0] + ref) <= 1e-12 * ref


# ---------------------------------------------------------- multi-neuron modes
@pytest.mark.parametrize(("w0", "s", "atol"), [(1e-100, 1e-100, 1e-65),
                                              (1e100, 1.0, 1e-215),
                                              (1e-150, 1e-150, 1e-90)])
def test_multi_neuron_trajectory_at_extreme_scales(w0, s, atol):
    # the mode kernel used to see the raw values: overflow (1e100) or a
    # division by zero (1e-100), a NaN either way; now each mode is brought to
    # unit scale first.  Reference: DOP853 on the raw flow of the unit-scale
    # mode (α, γ, s, t) → (α/m, γ/m, s/m², t·m²), mapped back by hand
    pytest.importorskip("scipy")
    from exactflow.derivations import multi_neuron_linear as mn

    A0, W0, bs = np.array([[0.0]]), np.array([[-w0]]), np.array([[-s]])
    m = max(w0, np.sqrt(s))
    for tau in (0.3, 3.0):
        A, W = mn.trajectory(tau / m**2, A0, W0, bs)
        # mode: γ = A, α = −W (u = −1, v = +1), target +s
        g, al = _mode_dop853(tau, 0.0, w0 / m, s / m**2, atol=atol)
        assert abs(A[0, 0] - m * g) <= 1e-10 * abs(m * g)
        assert abs(W[0, 0] + m * al) <= 1e-10 * abs(m * al)


def test_multi_neuron_neuron_preconditioner_at_tiny_scale():
    # ‖β_k‖² underflowed (β_k ~ 1e-251): 0/0 in the projectors
    from exactflow.derivations import multi_neuron_linear as mn

    b = np.array([[4.2e-251]])
    M = mn.neuron_preconditioner(b, 0.0)
    # d = c = 1: M = (κ+δ)/2 + (κ−δ)/2 = κ = √(δ² + 4η_aη_w‖β‖²) = 2‖β‖
    assert M.shape == (1, 1) and abs(M[0, 0] - 8.4e-251) <= 1e-15 * 8.4e-251


@pytest.mark.parametrize("rtol", [float("nan"), -1.0, 3.0, "1e-9", 1e-9 + 1j])
def test_multi_neuron_aligned_modes_checks_rtol(rtol):
    from exactflow.derivations import multi_neuron_linear as mn

    with pytest.raises((ValueError, TypeError), match="rtol"):
        mn.aligned_modes(np.eye(2), np.eye(2), np.eye(2), rtol=rtol)


# ---------------------------------------------------- two_layer_linear_balanced
def test_balanced_mode_far_past_its_time_constant_without_overflow_warning():
    # e^{2sηt} of the branch not taken overflowed (a RuntimeWarning, an error
    # under this suite's filters) although the result is finite: u = s after
    # ηst = 1e30 time constants; a², b² from the conserved balance b² − a² = λ
    # and a²b² = u², at 40 digits
    from exactflow.derivations import two_layer_linear_balanced as tl

    s, lam = 1e30, -1e-30
    u, a2, b2 = tl.mode_trajectory(1e6, s, lam, 0.0, eta=1e-6)
    mpmath.mp.dps = 40
    root = mpmath.sqrt(mpmath.mpf(lam) ** 2 + 4 * mpmath.mpf(s) ** 2)
    assert abs(u - s) <= 1e-15 * s
    assert abs(a2 - float((root - lam) / 2)) <= 1e-15 * s
    assert abs(b2 - float((root + lam) / 2)) <= 1e-15 * s


def test_balanced_trajectory_checks_balance_tol_and_names_the_shapes():
    from exactflow.derivations import two_layer_linear_balanced as tl

    W1, W2 = tl.balanced_init(np.array([[1.0]]), 0.5, 1)
    with pytest.raises(ValueError, match="balance_tol"):
        tl.trajectory(1.0, W1, W2, np.eye(1), balance_tol=3.0)
    with pytest.raises(ValueError, match="W1_0"):  # β* (1, 1) vs W1_0 (1, 2)
        tl.trajectory(1.0, np.ones((1, 2)), W2, np.eye(1))


# ------------------------------------------------------ infinite_width, spectral
@pytest.mark.parametrize("t", [np.array([1j]), "1.0", None, [[1.0, 2.0], [3.0]],
                               -np.inf, np.nan])
def test_predict_refuses_bad_times_naming_t(t):
    # a complex t was cast with a ComplexWarning (the imaginary part dropped)
    from exactflow.derivations import infinite_width as iw

    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises((ValueError, TypeError), match=r"\bt\b"):
        iw.predict(t, x, np.array([1.0, -1.0]), x)


def test_predict_accepts_the_limit_t_inf():
    # t = ∞ is the minimum-norm interpolant: on the training points, y itself
    from exactflow.derivations import infinite_width as iw

    x = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = iw.predict(np.inf, x, np.array([1.0, -1.0]), x)
    assert np.allclose(out, [1.0, -1.0], rtol=1e-12, atol=1e-12)


def test_scales_names_both_fans_when_they_do_not_broadcast():
    from exactflow.derivations import spectral_scaling as ss

    with pytest.raises(ValueError, match="fan_in.*fan_out"):
        ss.scales(np.ones((5, 7, 11)), np.ones(3))


@pytest.mark.parametrize(("lam", "product", "s"), [(1e30, 1.0, 2.0),
                                                  (-1e30, 1.0, 2.0),
                                                  (1e-30, 1e-30, 1e30)])
def test_balanced_trajectory_at_the_domain_corners(lam, product, s):
    # 1×1×1 network: W1 = a, W2 = b with b² − a² = λ, ȧ = b(s − ab), ḃ = a(s − ab);
    # DOP853 (rtol 1e-12) on that raw flow over a few of its time constants
    pytest.importorskip("scipy")
    from scipy.integrate import solve_ivp

    from exactflow.derivations import two_layer_linear_balanced as tl

    W1, W2 = tl.balanced_init(np.array([[product]]), lam, 1)
    rate = max(abs(lam), s)  # the fastest rate of the flow
    for t in (0.5 / rate, 3.0 / rate):
        beta, _, _ = tl.trajectory(t, W1, W2, np.array([[s]]))

        def f(_, y):
            r = s - y[0] * y[1]
            return [y[1] * r, y[0] * r]

        ref = solve_ivp(f, (0.0, t), [W1[0, 0], W2[0, 0]], method="DOP853",
                        rtol=1e-12, atol=1e-300).y[:, -1]
        assert abs(beta[0, 0] - ref[0] * ref[1]) <= 1e-9 * abs(ref[0] * ref[1])


# ------------------------------------------------------------------ two_layer_relu
def test_relu_drive_requires_labels_and_names_mismatched_shapes():
    # y=None was taken as "no labels" and failed later inside NumPy; shape
    # mismatches of spherical_rhs and of the batch axes surfaced as NumPy errors
    from exactflow.derivations import two_layer_relu as tr

    X, a, W = np.eye(2), np.ones(2), np.ones((2, 2))
    with pytest.raises((ValueError, TypeError), match=r"\by\b"):
        tr.drive(X, None, a, W)
    with pytest.raises(ValueError, match="delta"):
        tr.spherical_rhs(np.ones(2), np.eye(2), np.ones(3), np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"\bxi\b"):
        tr.spherical_rhs(np.ones(2), np.eye(2), np.ones(2), np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"\ba\b.*\bW\b"):
        tr.imbalance(np.ones((3, 2)), np.ones((4, 2, 2)))


def test_single_neuron_refuses_a_balanced_start_far_above_its_target():
    # a₀ = ‖w₀‖ = 1e100, β* = 1: at unit scale D = √(δ̃² + 4s²) underflows (it
    # returned a = 0.0707, the true a(100) is 1); refused, naming the arguments
    from exactflow.derivations import single_neuron as sn

    with pytest.raises(ValueError, match="a0, w0, beta_star are outside the domain"):
        sn.trajectory(100.0, 1e100, [1e100], [1.0])
    # 1e60 is inside: the exact answer, a = √β* = 1 after the flow has converged
    a, w = sn.trajectory(100.0, 1e60, [1e60], [1.0])
    assert a == pytest.approx(1.0, rel=1e-12) and w[0] == pytest.approx(1.0, rel=1e-12)
