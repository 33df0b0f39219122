"""The stated domains and accuracies of ``infinite_width`` and
``spectral_scaling``, checked at the corners of the domains against independent
references: 50-digit quadrature of each layer's Gaussian expectation, 50-digit
linear algebra, and the exact rational scales."""

from __future__ import annotations

from fractions import Fraction

import mpmath as mp
import numpy as np
import pytest

from exactflow.derivations import infinite_width as iw
from exactflow.derivations import spectral_scaling as ss

from . import infinite_width_reference as ref

SMALL, LARGE = 1e-3, 10.0  # the stated input entries: {0} ∪ ±[1e-3, 10]


def _inputs(scale):
    """One row and three more at one corner scale: antiparallel and orthogonal
    to it, and zero (d = 3; the pairs of a row with itself come with them)."""
    x1 = scale * np.array([[1.0, -0.5, 0.25]])
    x2 = scale * np.array([[-0.5, 0.25, -0.125], [0.75, 1.0, -1.0], [0.0, 0.0, 0.0]])
    return x1, x2


CORNERS = [  # (activation, slope, w_std, b_std, scale, depth)
    ("relu", None, 0.1, 0.0, SMALL, 5), ("relu", None, 10.0, 10.0, LARGE, 4),
    ("relu", None, 10.0, 0.0, SMALL, 3), ("relu", None, 0.1, 0.01, LARGE, 3),
    ("leaky_relu", 0.0, 10.0, 0.01, LARGE, 3), ("leaky_relu", 1.0, 0.1, 10.0, SMALL, 3),
    ("erf", None, 10.0, 0.0, LARGE, 2), ("erf", None, 0.1, 0.01, SMALL, 2),
    ("linear", None, 10.0, 10.0, LARGE, 5), ("linear", None, 0.1, 0.0, SMALL, 5),
]


@pytest.mark.parametrize("activation, slope, w_std, b_std, scale, depth", CORNERS)
def test_kernels_at_the_corners_match_50_digit_quadrature(activation, slope, w_std,
                                                          b_std, scale, depth):
    x1, x2 = _inputs(scale)
    want = ref.kernels(x1, x2, depth, activation, w_std, b_std, slope or 0)[depth]
    got = iw.kernel_pair(x1, x2, depth, activation, w_std, b_std, slope)
    for g, w in zip(got, want):
        w = np.array([[float(v) for v in row] for row in w])
        size = np.sqrt(np.abs(w[0, 0]) * np.abs(np.diag(
            iw.kernel_pair(x2, x2, depth, activation, w_std, b_std, slope)[0])))
        # 1e-12 of each entry, and a few ulp of √(K(x,x)K(x′,x′)) where the
        # entry is an exact zero (orthogonal inputs of the linear network,
        # antiparallel ReLU inputs): the rounding of x·x′ itself
        err = np.abs(g - w) - 1e-12 * np.abs(w) - 1e-15 * size
        assert np.all(err <= 0), (g, w)


# ------------------------------------------------------------------- predict


def _mp_predict(t, k_xx, k_tx, r):
    """f_t − f₀ on the test inputs at 50 digits: Θ_xX Θ_XX⁻¹(I − e^{−tΘ_XX}) r."""
    with mp.workdps(50):
        kxx, ktx = mp.matrix(k_xx.tolist()), mp.matrix(k_tx.tolist())
        rr = mp.matrix(r.tolist())
        if t == np.inf:
            return ktx * mp.lu_solve(kxx, rr)
        # in Θ_XX's eigenbasis, (1 − e^{−tλ})/λ = −expm1(−tλ)/λ: no cancellation
        # at tiny t (1 − e^{−tΘ} of a 1e-300 time would need 300 digits)
        lam, vec = mp.eigsy(kxx)
        g = mp.diag([-mp.expm1(-mp.mpf(t) * v) / v for v in lam])
        return ktx * (vec * (g * (vec.T * rr)))


@pytest.mark.parametrize("scale, kernel, w_std, b_std, depth", [
    (SMALL, "ntk", 10.0, 0.01, 2), (LARGE, "nngp", 0.1, 10.0, 2),
    (LARGE, "ntk", 10.0, 0.0, 2), (SMALL, "nngp", 0.1, 0.0, 5),
])
@pytest.mark.parametrize("t", [1e-300, 0.3, 40.0, 1e300, np.inf])
def test_predict_at_the_corners_matches_50_digit_linear_algebra(scale, kernel, w_std,
                                                                b_std, depth, t):
    rng = np.random.default_rng(11)
    x = scale * rng.uniform(-1, 1, (3, 2))
    xs = scale * np.array([[0.5, -0.25], [0.0, 0.0]])
    y, f0, f0s = np.array([1.0, -2.0, 0.5]), np.array([0.25, 0.0, -1.0]), \
        np.array([0.0, -0.5])
    opts = dict(depth=depth, activation="relu", w_std=w_std, b_std=b_std)
    k_xx = getattr(iw, kernel)(x, x, **opts)
    k_tx = getattr(iw, kernel)(xs, x, **opts)
    got = iw.predict(np.array([t]), x, y, xs, kernel=kernel, f0_train=f0,
                     f0_test=f0s, **opts)[0]
    want = _mp_predict(t, k_xx, k_tx, y - f0)
    cond = np.linalg.cond(k_xx)
    for g, w, base in zip(got, want, f0s):
        # the stated accuracy: 1e-13·cond(Θ_XX)·‖y − f₀‖∞ (the eigenbasis of Θ_XX
        # has a backward error of a few ulp of ‖Θ_XX‖)
        assert abs((g - base) - float(w)) <= 1e-13 * cond * 2.5, (g - base, w, cond)
        if t <= 1e-300 and base == 0:  # f_t − f₀ ≈ tΘ_xX(y − f₀), even subnormal
            assert abs((g - base) - float(w)) <= 1e-12 * abs(float(w)), (g, w)
    assert iw.predict(0.0, x, y, xs, kernel=kernel, f0_train=f0, f0_test=f0s,
                      **opts).tolist() == f0s.tolist()  # t = 0: f₀ itself


# ---------------------------------------------------------- spectral_scaling


@pytest.mark.parametrize("fan_in, fan_out", [(1, 1), (1, 10**12), (10**12, 1),
                                             (10**12, 10**12), (3, 1024), (1024, 10)])
def test_scales_at_the_corners_are_correctly_rounded(fan_in, fan_out):
    got = ss.scales(np.array([fan_in]), np.array([fan_out]))
    ratio = Fraction(fan_out, fan_in)
    with mp.workdps(40):
        init = mp.mpf(1) / mp.sqrt(fan_in) * min(1, mp.sqrt(mp.mpf(ratio.numerator)
                                                            / ratio.denominator))
        want = {"init_std": init, "lr_sgd": mp.mpf(ratio.numerator) / ratio.denominator,
                "lr_adam": mp.mpf(1) / fan_in, "eps_adam": mp.mpf(1) / fan_out,
                "target_norm": mp.sqrt(mp.mpf(ratio.numerator) / ratio.denominator)}
        for name, value in want.items():  # within 2 ulp of the exact value
            assert abs(got[name][0] - float(value)) <= 2 * np.spacing(float(value)), \
                (name, got[name][0], value)


def _mp_top_singular_value(A):
    with mp.workdps(40):
        return max(mp.svd_r(mp.matrix(A.tolist()), compute_uv=False))


@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1.0, 1e100, 1e150])
@pytest.mark.parametrize("shape", [(1, 1), (2, 3), (4, 1), (3, 3)])
def test_spectral_norm_of_small_matrices_at_the_corners(scale, shape):
    rng = np.random.default_rng(sum(shape))
    A = scale * rng.uniform(-2, 2, shape)
    A[0, 0] = 0.0
    want = _mp_top_singular_value(A)
    got = ss.spectral_norm(A)
    assert abs(got - float(want)) <= 8 * np.finfo(float).eps * float(want)
    B = np.outer(scale * np.array([1.0, -2.0]), [3.0, 0.0, 4.0])  # rank one: 5√5·s
    assert abs(ss.spectral_norm(B) - 5 * np.sqrt(5.0) * scale) <= \
        8 * np.finfo(float).eps * 5 * np.sqrt(5.0) * scale
    assert ss.spectral_norm(np.zeros(shape)) == 0.0


@pytest.mark.parametrize("scale", [1e-150, 1.0, 1e150])
def test_spectral_norm_by_lanczos_meets_its_tolerance(scale):
    rng = np.random.default_rng(3)
    A = rng.standard_normal((130, 131))
    want = np.linalg.svd(A, compute_uv=False)[0]  # LAPACK's SVD, not Lanczos
    for rtol in (1e-3, 1e-10):
        got = ss.spectral_norm(scale * A, rtol=rtol) / scale
        assert abs(got - want) <= rtol * want and got <= want * (1 + 1e-13)
