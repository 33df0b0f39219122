"""Regression cases found by fuzzing the observables helpers (losses and kernels
along exact trajectories), each against an independent reference: 40-digit
mpmath on the same state, or DOP853 on the raw flow."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from exactflow.derivations import deep_linear_modes as dl
from exactflow.derivations import multi_neuron_linear as mn
from exactflow.derivations import single_neuron as sn
from exactflow.derivations import two_layer_linear_balanced as tl

BIG = np.finfo(float).max


def test_loss_just_below_the_float_range_is_finite():
    # ½r² with r = 1.5e154 is 1.125e308 (representable) while r² overflows: the
    # loss was inf (and an overflow warning, an error under -W error)
    r = 1.5e154
    beta = np.array([[r]])
    got = mn.trajectory_loss(0.0, np.array([[0.0]]), np.array([[0.0]]), beta)
    want = mpmath.mpf(r) ** 2 / 2
    assert np.isfinite(got) and abs(got - float(want)) <= 1e-15 * float(want)
    got = tl.trajectory_loss(0.0, np.zeros((1, 1)), np.zeros((1, 1)), beta)
    assert np.isfinite(got) and abs(got - float(want)) <= 1e-15 * float(want)
    got = dl.trajectory_loss(0.0, 0.0, r)
    assert np.isfinite(got) and abs(got - float(want)) <= 1e-15 * float(want)


def test_loss_beyond_the_float_range_is_inf_not_nan():
    # entries 1e150 of the whitened multi-neuron net at rest at β = 0: the
    # excess loss is ½‖β*‖² = 5e299·… of a 1e160 target (beyond 1.8e308)
    beta = np.array([[1e160, -1e160]])
    got = mn.trajectory_loss(np.array([0.0, 1.0]), np.zeros((1, 2)), np.zeros((1, 1)),
                             beta)
    assert np.all(np.isinf(got)) and np.all(got > 0)
    # the single neuron at the corner of its domain: a0 = ‖w0‖ = 1e150, β* = 0,
    # so a·w = 1e300 at t = 0 and the loss ½(1e300)² is beyond the float range
    got = sn.trajectory_loss(np.array([0.0, 1e-300]), 1e150, [1e150], [0.0])
    assert np.all(np.isinf(got)) and np.all(got > 0)


def test_multi_neuron_mode_at_rest_is_not_refused_at_the_domain_edge():
    # a mode with γ₀ = α₀ = s = 0 stays at 0; its time scale m was taken as 2,
    # not 1, so t = 1e299 at rates 1e6 was refused although t·√(η_aη_w) < 1e305
    A, W = mn.trajectory(np.array(9.999999976974393e298), np.array([[0.0]]),
                         np.array([[0.0]]), np.array([[0.0]]), eta_a=1e6, eta_w=1e6)
    assert A[0, 0] == 0 and W[0, 0] == 0


def test_single_neuron_ntk_keeps_its_accuracy_for_a_tiny_a_and_large_inputs():
    # η_w a²XXᵀ was formed from a² (subnormal for a = 1e-155) and lost half its
    # digits although the kernel entry (≈ 1e-250) is a normal number
    a, w = np.array(3e-155), np.array([0.0, 2e-160])
    X = np.array([[1e30, 0.0], [3e29, -1e29]])
    got = sn.ntk(a, w, 1.0, 1.0, X)
    mpmath.mp.dps = 40
    am, wm = mpmath.mpf(float(a)), [mpmath.mpf(x) for x in w]
    for i in range(2):
        for j in range(2):
            xx = sum(mpmath.mpf(X[i, k]) * mpmath.mpf(X[j, k]) for k in range(2))
            xw_i = sum(mpmath.mpf(X[i, k]) * wm[k] for k in range(2))
            xw_j = sum(mpmath.mpf(X[j, k]) * wm[k] for k in range(2))
            want = am**2 * xx + xw_i * xw_j
            assert abs(got[i, j] - float(want)) <= 4e-16 * abs(float(want))


def test_deep_observables_name_the_arguments_that_do_not_broadcast():
    with pytest.raises(ValueError, match="u0 and beta_star"):
        dl.trajectory_ntk([0.0, 1.0], np.ones(3), np.ones(2), depth=3)
    with pytest.raises(ValueError, match="u0 and beta_star"):
        dl.trajectory_loss([0.0, 1.0], np.ones((5, 7, 11)), np.ones(3), depth=3)


@pytest.mark.parametrize("call", [
    lambda A, W: mn.imbalance(A, W),
    lambda A, W: mn.preconditioner(A, W),
    lambda A, W: mn.ntk(A, W, np.eye(2)),
    lambda A, W: mn.beta_dot(A, W, np.eye(2), np.ones((2, 2))),
    lambda A, W: mn.principal_sqrt_gh(np.diag([1e250, 1e-250]), 1e300),
])
def test_identities_beyond_the_float_range_raise_naming_their_arguments(call):
    # imbalance at entries 1e200: η_w AAᵀ − η_a WWᵀ = inf − inf, a NaN returned
    # with only NumPy's warning; finite input outside the stated scales
    A, W = np.array([[1e200, 2e200]]), np.array([[3e200, -1e200]])
    with pytest.raises(ValueError, match="beyond the float64 range"):
        call(A, W)
