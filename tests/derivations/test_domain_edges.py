"""Edges of the documented domains that random (hypothesis ``dev``) fuzzing found.

Each case was a wrong answer, a NaN, a stray exception or an unnamed argument
before its fix; each is checked against an independent value (40-digit mpmath,
the same flow without the negligible coordinate, or the fixed point itself).
"""

from __future__ import annotations

import mpmath as mp
import numpy as np
import pytest

from exactflow.derivations import deep_linear_modes as dm
from exactflow.derivations import diagonal_linear as dg
from exactflow.derivations import multi_neuron_linear as mn
from exactflow.derivations import single_neuron as sn
from exactflow.derivations import two_layer_linear_balanced as tl


def test_multi_neuron_mode_at_rest_is_not_refused_at_the_time_edge():
    """A mode at rest at zero (α₀ = γ₀ = s = 0) stays there at every time: it
    no longer counts against t·√(η_aη_w)·m² ≤ 1e305 (t = 1e300 here)."""
    beta = np.diag([0.0, -1e-150])
    A, W = mn.trajectory(np.array(1e300), np.zeros((1, 2)), np.zeros((1, 2)), beta,
                         eta_a=1e6, eta_w=1e5)
    assert np.all(A == 0.0) and np.all(W == 0.0)


def test_multi_neuron_domain_uses_the_mode_size_itself():
    """t·√(η_aη_w)·m² ≤ 1e305 with m = max(kγ₀, α₀/k, √|s|) = 1 (not the power
    of two above it): t = 9.99e298 at rates 1e6 is inside."""
    beta = np.diag([-1.0, 0.0, 0.0])
    W0 = np.array([[-1e-150, 0.0, 0.0]])
    A, W = mn.trajectory(np.array(9.99e298), np.zeros((1, 3)), W0, beta,
                         eta_a=1e6, eta_w=1e6)
    # escaped from the saddle long ago: at the fixed point αγ = s = −1
    np.testing.assert_allclose(A[0, 0] * W[0, 0], -1.0, rtol=1e-12)
    assert np.all(A[:, 1:] == 0) and np.all(W[:, 1:] == 0)
    with pytest.raises(ValueError, match="t is beyond the domain"):
        mn.trajectory(np.array(2e299), np.zeros((1, 3)), W0, beta, eta_a=1e6,
                      eta_w=1e6)


@pytest.mark.parametrize("beta0,delta,eta_a,eta_w", [
    ([0.0, 1e-150], -1e150, 1e-6, 1e6),  # a0² ≈ 1e-456 underflows, a0 does not
    ([3e-150, 4e-150], -1e150, 1e6, 1e-6),
    ([1e150, 0.0], -1e150, 1e-6, 1e-6),
])
def test_initial_does_not_underflow(beta0, delta, eta_a, eta_w):
    a0, w0 = sn.initial(np.array(beta0), delta, eta_a, eta_w)
    assert a0 > 0
    with mp.workdps(40):
        a, w = mp.mpf(float(a0)), [mp.mpf(float(x)) for x in w0]
        for wi, bi in zip(w, beta0):
            assert abs(a * wi - bi) <= 4e-16 * max(abs(b) for b in beta0)
        pa, pw = eta_w * a**2, eta_a * sum(x**2 for x in w)
        assert abs(pa - pw - delta) <= 1e-14 * (pa + pw)


def test_ntk_of_a_tiny_a_next_to_a_large_w():
    """η_w a² with a = 1.7e-147 (a² in range) beside w = 8.4e63: a and w are
    scaled apart (one common scale took a² below the smallest double)."""
    a, w = np.array(1.7e-147), np.array([0.0, 8.4e63])
    K = sn.ntk(a, w, 1e-6, 1e-6)
    with mp.workdps(40):
        want = mp.mpf("1e-6") * mp.mpf(1.7e-147) ** 2
        assert abs(mp.mpf(float(K[0, 0])) - want) <= 1e-15 * want
        want11 = mp.mpf("1e-6") * (mp.mpf(1.7e-147) ** 2 + mp.mpf(8.4e63) ** 2)
        assert abs(mp.mpf(float(K[1, 1])) - want11) <= 1e-15 * want11


@pytest.mark.parametrize("X", [None, np.eye(2), np.array([[0.0, 3.0], [1e-20, 2.0]])])
def test_ntk_of_entries_far_apart(X):
    """w = (−8.4e69, −8.4e-85): w₁² must not go through a subnormal (one
    scale for all of w lost 3e-10 of η_a w₁² = 7e-175)."""
    a, w = np.array(0.0), np.array([-8.43375835e69, -8.43375835e-85])
    K = sn.ntk(a, w, 1e-6, 1e-6, X)
    Xm = np.eye(2) if X is None else X
    with mp.workdps(40):
        v = [sum(mp.mpf(float(x)) * mp.mpf(float(y)) for x, y in zip(row, w))
             for row in Xm]
        for i in range(2):
            for j in range(2):
                want = mp.mpf("1e-6") * v[i] * v[j]
                assert abs(mp.mpf(float(K[i, j])) - want) <= 1e-15 * abs(want), (i, j)


def test_diagonal_root_far_beyond_the_motion():
    """An X entry 1e148 below the others, with u₀ = 1e60 there, puts the
    residual's root at m* = 2.8e152 while the other coordinates move at
    m ~ 1e5: the flow is that of the same data without the entry (which does
    not move), to 1e-10.  Before, β stayed at its start (the motion sat at
    σ ~ 1e-148 of the σ-quadrature, and the secant rate was 0·inf there)."""
    kw = dict(y=np.array([0.01]), u0=np.array([0.0, 0.0, -1e60, 0.0]),
              v0=np.array([0.0, -1e60, 0.0, 0.0]), eta_u=1e-3, eta_v=1e-3)
    t = np.array([1e-300, 1.0, 1e3, 1e6])
    X = np.array([[1e-2, 1e-2, 1e-150, 1e-2]])
    _, _, beta = dg.trajectory(t, X, **kw)
    _, _, ref = dg.trajectory(t, X * [1, 1, 0, 1], **kw)
    np.testing.assert_allclose(beta, ref, rtol=1e-10, atol=0)
    assert beta[1, 1] > -1e7  # it moved: −1e120 → −2.5e6 at t = 1


def test_diagonal_refuses_subnormal_data():
    with pytest.raises(ValueError, match="X is outside the domain"):
        dg.trajectory(np.array(0.0), np.array([[1.1e-310]]), np.array([-100.0]),
                      u0=np.array([0.0]), v0=np.array([0.0]))


def test_deep_negative_start_far_from_the_target_is_refused():
    s = np.array([1e-100])
    with pytest.raises(ValueError, match="u0 is outside the domain"):
        dm.trajectory(np.array([1.0]), -1e60 * s, s, 3, eta=1.0)
    # at the documented edge, −u₀/s = 1e50: finite, between u₀ and 0
    u = dm.trajectory(np.array([0.0, 1e-30, 1.0, 1e100]), -1e50 * s, s, 3, eta=1.0)
    assert np.all(np.isfinite(u)) and np.all((u <= 0) & (u >= -1e50 * s))
    assert np.all(np.diff(u) >= 0)  # decaying towards 0


def test_two_layer_messages_name_the_arguments():
    with pytest.raises(ValueError, match="t, beta_star, lam, u0, eta do not "
                       "broadcast.*beta_star \\(3,\\)"):
        tl.mode_trajectory(np.zeros(4), np.zeros(3), np.zeros(3), np.zeros(3), eta=1.0)
    with pytest.raises(ValueError, match="W1_0"):
        tl.trajectory_loss(0.0, np.ones((1, 2)), np.zeros((1, 1)), np.zeros((1, 1)),
                           eta=1.0)
