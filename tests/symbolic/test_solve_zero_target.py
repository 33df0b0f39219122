"""The solver's single-neuron kernel where the rotation lift is 0/0 (issue 18,
defect 4): a zero target b = β* = 0 (w stays on the ray of w₀) and the fixed
points a₀ = 0, w₀·b = 0 (a saddle).  Checked against SciPy DOP853 on the raw
flow, at long times against the logistic solution of the b = 0 flow evaluated
by mpmath at 50 digits, and away from b = 0 against the catalog's closed form."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from exactflow import _api
from exactflow.derivations import single_neuron as sn

TIMES = np.array([0.0, 0.25, 1.0, 3.0])
NAMES = ["t", "a_init", "beta_star0", "beta_star1", "eta_a", "eta_w", "w0_init",
         "w1_init"]
RAISE = {"divide": "raise", "invalid": "raise", "over": "raise"}  # underflow is fine


@pytest.fixture(scope="module")
def res():
    res = _api.solve("single_neuron")
    assert res.verified
    assert [str(x) for x in res.kernel_exprs().inputs] == NAMES
    return res


@pytest.fixture(scope="module")
def kernel(res):
    return res.kernel()


def _raw_flow(t, y, eta_a, eta_w, beta):
    """θ̇ = −η⊙∇L for L = ½‖a w − β*‖² (whitened inputs), written out by hand."""
    a, w = y[0], y[1:]
    res = a * w - beta
    return [-eta_a * (w @ res), *(-eta_w * a * res)]


def _dop853(a0, w0, eta_a, eta_w, beta, times=TIMES):
    from scipy.integrate import solve_ivp

    ref = solve_ivp(_raw_flow, (0.0, times[-1]), [a0, *w0], method="DOP853",
                    t_eval=times, rtol=1e-13, atol=1e-15,
                    args=(eta_a, eta_w, np.asarray(beta, dtype=float)))
    assert ref.success
    return ref.y


ZERO_TARGET = [
    (0.7, (0.3, 0.2), 1.0, 1.0),               # the reported case, δ > 0
    (0.2, (0.9, -0.5), 1.3, 0.6),              # δ < 0
    (0.5, (0.0, 0.5), 1.0, 1.0),               # exactly balanced, δ = 0
    (0.6, (0.3, 0.4), 2.0, 0.5),               # balanced, δ = 0 up to rounding
    (-0.4, (0.0, 0.0), 1.0, 2.0),              # w₀ = 0
    (0.0, (0.3, -0.1), 1.0, 1.0),              # a₀ = 0
]


@pytest.mark.parametrize("a0, w0, eta_a, eta_w", ZERO_TARGET)
def test_zero_target_matches_dop853(kernel, a0, w0, eta_a, eta_w):
    ref = _dop853(a0, w0, eta_a, eta_w, (0.0, 0.0))
    with np.errstate(**RAISE):
        got = np.array(kernel(TIMES, a0, 0.0, 0.0, eta_a, eta_w, *w0))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-13)


def _logistic_mp(a0, w0, eta_a, eta_w, t):
    """b = 0: p = a², q = ‖w‖² obey ṗ = −2η_a p q, q̇ = −2η_w p q with
    δ = η_w p − η_a q conserved, so p = p₀/(e^{−2δt} + η_w p₀(1 − e^{−2δt})/δ)
    and q = q₀/(e^{2δt} + η_a q₀(e^{2δt} − 1)/δ) (δ = 0: 1 + 2η p₀ t below), so
    w(t) = w₀·√(q/q₀)."""
    with mpmath.workdps(50):
        a0, eta_a, eta_w, t = map(mpmath.mpf, (a0, eta_a, eta_w, t))
        w0 = [mpmath.mpf(x) for x in w0]
        p0, q0 = a0**2, sum(x**2 for x in w0)
        delta = eta_w * p0 - eta_a * q0
        if delta == 0:
            p = p0 / (1 + 2 * eta_w * p0 * t)
            q_ratio = 1 / (1 + 2 * eta_a * q0 * t)
        else:
            e = mpmath.exp(-2 * delta * t)
            p = p0 / (e + eta_w * p0 * (1 - e) / delta)
            q_ratio = 1 / (1 / e + eta_a * q0 * (1 / e - 1) / delta)
        a = mpmath.sign(a0) * mpmath.sqrt(p)
        scale = mpmath.sqrt(q_ratio)
        return [float(a)] + [float(x * scale) for x in w0]


@pytest.mark.parametrize("a0, w0, eta_a, eta_w", ZERO_TARGET)
def test_zero_target_long_times_against_mpmath(kernel, a0, w0, eta_a, eta_w):
    times = np.array([10.0, 1e3, 1e6])
    with np.errstate(**RAISE):
        got = np.array(kernel(times, a0, 0.0, 0.0, eta_a, eta_w, *w0))
    for k, tk in enumerate(times):
        want = np.array(_logistic_mp(a0, w0, eta_a, eta_w, tk))
        # e^{δt} with δ rounded: relative error ~ eps·|δ|·t (kernel_reference)
        tol = 1e-12 + 1e-14 * tk
        np.testing.assert_allclose(got[:, k], want, rtol=tol, atol=1e-300)


@pytest.mark.parametrize("a0, w0, beta", [
    (0.0, (0.0, 0.0), (0.6, -1.1)),            # the origin: a saddle
    (0.0, (-0.4, 0.3), (0.3, 0.4)),            # a₀ = 0, w₀ ⊥ β*: also fixed
])
def test_fixed_points_return_the_start(kernel, a0, w0, beta):
    times = np.array([0.0, 1.0, 1e3, 1e6])
    assert np.allclose(_dop853(a0, w0, 1.0, 1.0, beta, times[:2])[:, -1],
                       [a0, *w0], atol=1e-15)
    with np.errstate(**RAISE):
        got = np.array(kernel(times, a0, *beta, 1.0, 1.0, *w0))
    np.testing.assert_array_equal(got, np.repeat([[a0], *[[x] for x in w0]], 4, 1))


def test_nonzero_target_unchanged(kernel):
    """Away from the branches the generic closed form is used: equal to the
    catalog's trajectory, also next to a saddle (a₀ = 0, w₀ = 0 plus 1e-8)."""
    beta = np.array([0.6, -1.1])
    for a0, w0, eta_a, eta_w in [(0.7, (0.3, 0.2), 1.3, 0.8),
                                 (1e-8, (0.0, 1e-8), 1.0, 1.0)]:
        got = np.array(kernel(TIMES, a0, *beta, eta_a, eta_w, *w0))
        a, w = sn.trajectory(TIMES, a0, np.array(w0), beta, eta_a, eta_w)
        np.testing.assert_allclose(got[0], a, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(got[1:], np.moveaxis(w, -1, 0), rtol=1e-10,
                                   atol=1e-14)


def test_branches_are_selected_per_point(kernel):
    """One broadcast call mixing b = 0, a fixed point and generic starts gives
    each column what a call with that start alone gives."""
    a0 = np.array([0.7, 0.0, 0.5, 0.0])
    b0 = np.array([0.0, 1.0, 0.0, 0.6])
    b1 = np.array([0.0, 0.0, 0.0, -1.1])
    w0 = np.array([0.3, 0.0, 0.2, 0.0])
    with np.errstate(**RAISE):
        got = np.array(kernel(TIMES[:, None], a0, b0, b1, 1.0, 1.0, w0, 0.2))
    for j in range(4):
        alone = np.array(kernel(TIMES, a0[j], b0[j], b1[j], 1.0, 1.0, w0[j], 0.2))
        np.testing.assert_array_equal(got[:, :, j], alone)
        ref = _dop853(a0[j], (w0[j], 0.2), 1.0, 1.0, (b0[j], b1[j]))
        np.testing.assert_allclose(alone, ref, rtol=1e-10, atol=1e-13)


def test_target_below_the_normal_range_is_refused(kernel, res):
    with pytest.raises(ValueError, match="beta_star0, beta_star1"):
        kernel(TIMES, 0.7, 1e-160, 0.0, 1.0, 1.0, 0.3, 0.2)
    with pytest.raises(ValueError, match="beta_star0, beta_star1"):
        res.kernel(dtype="float32")(TIMES, 0.7, 1e-20, 0.0, 1.0, 1.0, 0.3, 0.2)
    got = res.kernel(dtype="float32")(TIMES, 0.7, 0.0, 0.0, 1.0, 1.0, 0.3, 0.2)
    ref = _dop853(0.7, (0.3, 0.2), 1.0, 1.0, (0.0, 0.0))
    np.testing.assert_allclose(np.array(got), ref, rtol=2e-5, atol=1e-6)


def test_inputs_whose_squares_underflow_are_refused(kernel):
    # a start 1e-200 next to the saddle (a₀ = 1e-200, w₀ = 0, b ≠ 0) gave inf
    # at t = 1e3, where the flow has escaped to a = 1 (the catalog's trajectory)
    for args, name in [((1e-200, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0), "a_init"),
                       ((0.0, 1.0, 0.0, 1.0, 1.0, 1e-160, 0.0), "w0_init"),
                       ((0.7, 1.0, 0.0, 1e-170, 1.0, 0.3, 0.2), "eta_a")]:
        with pytest.raises(ValueError, match=f"{name}: a non-zero value below"):
            kernel(np.array([1e3]), *args)
    times = np.array([1.0, 1e3, 1e4])  # just inside: the escape is right
    got = np.array(kernel(times, 1.5e-154, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0))
    a, _ = sn.trajectory(times, 1.5e-154, np.zeros(2), np.array([1.0, 0.0]))
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got[0], a, rtol=1e-12, atol=1e-300)


def test_branches_are_verified_and_reported(res):
    from exactflow.present.transcript import transcript

    kinds = {b.kernel for b in res.branches}
    assert kinds == {"exact_zero_b", "exact_fixed"}
    for b in res.branches:
        assert b.checks and all(c.passed for c in b.checks)
        assert all(c in res.checks for c in b.checks)
    zero_b = next(b for b in res.branches if b.kernel == "exact_zero_b")
    assert {c.method for c in zero_b.checks} == {"symbolic"}
    text = transcript(res, "text")
    assert "no data direction" in text and "fixed point" in text
    assert "model flow residual ≡ 0 (b = 0" in text
    latex = transcript(res, "latex")
    assert "fixed point" in latex


def test_jax_kernel_selects_under_jit_and_grad(res, kernel):
    """The selection is made with the arrays' own module: under ``jax.jit`` every
    branch is evaluated and chosen by ``where``; values equal the NumPy kernel and
    the derivative at b = 0 equals a central difference."""
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    fj = res.kernel("jax")
    f = jax.jit(lambda t, a0, b0: fj(t, a0, b0, 0.0, 1.0, 1.0, 0.3, 0.2)[0])
    for b0 in (0.0, 0.5):
        want = kernel(TIMES, 0.7, b0, 0.0, 1.0, 1.0, 0.3, 0.2)[0]
        np.testing.assert_allclose(np.asarray(f(TIMES, 0.7, b0)), want, rtol=1e-12)
    grad = float(jax.grad(lambda a0: f(1.0, a0, 0.0))(0.7))
    h = 1e-5
    fd = (kernel(1.0, 0.7 + h, 0.0, 0.0, 1.0, 1.0, 0.3, 0.2)[0]
          - kernel(1.0, 0.7 - h, 0.0, 0.0, 1.0, 1.0, 0.3, 0.2)[0]) / (2 * h)
    assert np.isfinite(grad) and abs(grad - float(fd)) < 1e-8


def test_kernel_dir_writes_the_branch_kernel(res, tmp_path):
    """``solve --kernel-dir`` writes the b = 0 kernel beside the generic one and
    names both in the transcript; the written module agrees with the DOP853
    reference at b = 0."""
    import runpy

    from exactflow.cli.solve import _write_kernel

    assert _write_kernel(res, str(tmp_path), "numpy", "float64") == 0
    (zero_b,) = tmp_path.glob("*_exact_zero_b_numpy_float64.py")
    assert len(list(tmp_path.glob("*_exact_numpy_float64.py"))) == 1
    text = dict(res.recipe)["Kernel"]
    assert zero_b.name in text and "θ(t) ≡ θ₀" in text
    f = runpy.run_path(str(zero_b))["exact_zero_b"]
    got = np.array(f(TIMES, 0.7, 1.0, 1.0, 0.3, 0.2))  # t, a0, η_a, η_w, w0
    np.testing.assert_allclose(got, _dop853(0.7, (0.3, 0.2), 1.0, 1.0, (0.0, 0.0)),
                               rtol=1e-11, atol=1e-13)
    res.recipe.remove(("Kernel", text))  # the module-scoped result stays as solved


def test_balanced_two_layer_zero_target_matches_dop853():
    """The λ-balanced entry's rotation slice (b = the row of Σyx) has its b = 0
    closed form too: W₁ stays on its ray.  Against DOP853 on the raw flow
    Ẇ₁ = η W₂ᵀ(Σ − W₂W₁), Ẇ₂ = η (Σ − W₂W₁)W₁ᵀ with Σ = 0, and at the fixed point
    W₂ = 0, W₁·Σ = 0 the start comes back."""
    from scipy.integrate import solve_ivp

    res = _api.solve("two_layer_linear_balanced")
    assert res.verified and {b.kernel for b in res.branches} == {"exact_zero_b",
                                                                 "exact_fixed"}
    names = [str(x) for x in res.kernel_exprs().inputs]
    assert names == ["t", "W1_0_0_init", "W1_0_1_init", "W2_0_0_init", "eta",
                     "sigma_yx_0_0", "sigma_yx_0_1"]
    f = res.kernel()
    eta, times = 1.3, np.array([0.0, 0.5, 2.0, 8.0])

    def rhs(_t, y):
        R = -y[2] * y[:2]                      # Σ − W₂W₁ with Σ = 0
        return eta * np.array([*(y[2] * R), R @ y[:2]])

    for w1, w2 in [((0.4, -0.3), 0.9), ((0.3, 0.1), 0.05), ((0.0, 0.0), -0.7)]:
        ref = solve_ivp(rhs, (0.0, times[-1]), [*w1, w2], method="DOP853",
                        t_eval=times, rtol=1e-13, atol=1e-15).y
        with np.errstate(**RAISE):
            got = np.array(f(times, *w1, w2, eta, 0.0, 0.0))
        np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-13)
    with np.errstate(**RAISE):
        got = np.array(f(np.array([0.0, 1e3]), 0.4, 0.3, 0.0, eta, 0.6, -0.8))
    np.testing.assert_array_equal(got, [[0.4, 0.4], [0.3, 0.3], [0.0, 0.0]])
