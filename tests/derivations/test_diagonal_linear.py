"""Diagonal-network facts (the docs), checked against independent references.

References (``diagonal_linear_reference.py``) share no code with the library:
scipy's DOP853 / LSODA on the raw (u, v) flow written by hand, scipy.optimize on
the primal problem min Q_α s.t. Xβ = y, linprog (min ℓ₁) and lstsq (min ℓ₂), and
mpmath evaluations of the textbook formulas.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from exactflow.derivations import diagonal_linear as dl

from .diagonal_linear_reference import (
    exact_map_mp,
    integrate,
    min_l1,
    min_l2,
    q_term_mp,
    sparse_problem,
    whitened_mp,
)

rates = st.floats(0.2, 3.0)
seeds = st.integers(0, 2**31 - 1)


def random_init(rng, d, kind):
    if kind == "uniform":
        a = rng.uniform(0.1, 1.0)
        return np.full(d, a), np.full(d, a)
    u0, v0 = rng.normal(size=d) * 0.7, rng.normal(size=d) * 0.7
    if kind == "zeros":  # some u₀ᵢ = 0, some v₀ᵢ = 0
        u0[0] = 0.0
        v0[-1] = 0.0
    return u0, v0


# ------------------------------------------------------------------ conservation
@settings(max_examples=20, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 4),
    rates,
    rates,
    seeds,
    st.sampled_from(["uniform", "signed", "zeros"]),
)
@example(3, 2, 1.0, 1.0, 5, "signed")
def test_per_coordinate_laws_along_dop853(d, n, eta_u, eta_v, seed, kind):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)) / np.sqrt(d), rng.normal(size=n)
    u0, v0 = random_init(rng, d, kind)
    ts = np.linspace(0, 3.0, 7)
    sol = integrate(X, y, u0, v0, ts, eta_u, eta_v)
    u, v = sol[:, :d], sol[:, d:]
    # signs never change; η_v log|u_i| + η_u log|v_i| = log c_i is constant
    assert np.all(np.sign(u) == np.sign(u0)) and np.all(np.sign(v) == np.sign(v0))
    live = (u0 != 0) & (v0 != 0)
    log_c = eta_v * np.log(np.abs(u[:, live])) + eta_u * np.log(np.abs(v[:, live]))
    np.testing.assert_allclose(
        log_c, np.broadcast_to(log_c[0], log_c.shape), rtol=0, atol=1e-9
    )
    # u_i v_i: conserved at equal rates; 0 wherever u₀ᵢ v₀ᵢ = 0, at any rates
    np.testing.assert_array_equal((u * v)[:, ~live], 0.0)
    if eta_u == eta_v:
        np.testing.assert_allclose(
            u * v, np.broadcast_to(u0 * v0, u.shape), rtol=0, atol=1e-10
        )


# ------------------------------------------------------------------ the reduction
def test_uniform_init_beta_is_sinh_of_integrated_residual():
    # the docs: w± = α exp(∓2Xᵀ∫ρ), β = −2α² sinh(4Xᵀ∫ρ), integrated raw
    X, y, _ = sparse_problem(3)
    for alpha in (0.05, 0.7):
        ts = np.linspace(0, 20, 11)
        d = X.shape[1]
        sol = integrate(
            X, y, np.full(d, alpha), np.full(d, alpha), ts, with_integral=True
        )
        u, v, m = sol[:, :d], sol[:, d : 2 * d], sol[:, 2 * d :]
        R = m @ X  # Xᵀ∫ρ, one row per time
        np.testing.assert_allclose(u, alpha * np.exp(-2 * R), rtol=1e-9)
        np.testing.assert_allclose(v, alpha * np.exp(2 * R), rtol=1e-9)
        beta = u * u - v * v
        np.testing.assert_allclose(
            beta, -2 * alpha**2 * np.sinh(4 * R), rtol=1e-8, atol=1e-12
        )
        # the mirror identity: ∇Q_α(β(t)) = −4R(t) lies in row(X)
        g = dl.grad_Q(beta, alpha)
        np.testing.assert_allclose(g, -4 * R, rtol=1e-8, atol=1e-10)
        P = np.linalg.pinv(X) @ X
        np.testing.assert_allclose(g @ P, g, atol=1e-8)


@settings(max_examples=15, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(1, 4),
    rates,
    rates,
    seeds,
    st.sampled_from(["uniform", "signed", "zeros"]),
)
@example(3, 2, 1.0, 1.0, 0, "zeros")
def test_trajectory_matches_raw_integration(d, n, eta_u, eta_v, seed, kind):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(n, d)) / np.sqrt(d), rng.normal(size=n)
    u0, v0 = random_init(rng, d, kind)
    ts = np.array([[0.0, 0.3], [1.0, 4.0]])  # any shape
    u, v, beta = dl.trajectory(ts, X, y, u0=u0, v0=v0, eta_u=eta_u, eta_v=eta_v)
    assert u.shape == v.shape == beta.shape == (2, 2, d)
    # the library's loss is ½·mean: the raw sum-loss flow of X/√n, y/√n
    ref = integrate(X / np.sqrt(n), y / np.sqrt(n), u0, v0, np.sort(ts.ravel()),
                    eta_u, eta_v)
    ref = ref[np.argsort(np.argsort(ts.ravel()))].reshape(2, 2, 2 * d)
    np.testing.assert_allclose(u, ref[..., :d], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(v, ref[..., d:], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(
        beta, ref[..., :d] ** 2 - ref[..., d:] ** 2, rtol=1e-8, atol=1e-10
    )


def test_trajectory_batches_and_rank_deficient_data():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(2, 4))
    X = np.vstack([X, X[0] + X[1]])  # rank 2 < n = 3
    y = X @ np.array([1.0, 0.0, -0.5, 0.0])
    t = np.array([0.5, 2.0])
    u, v, b = dl.trajectory(t, X, y, alpha=np.array([0.1, 1.0]))
    assert u.shape == (2, 2, 4)
    for i, a in enumerate((0.1, 1.0)):
        ref = integrate(X / np.sqrt(3), y / np.sqrt(3), np.full(4, a), np.full(4, a), t)
        np.testing.assert_allclose(u[i], ref[:, :4], rtol=1e-8, atol=1e-11)
        np.testing.assert_allclose(
            b[i], ref[:, :4] ** 2 - ref[:, 4:] ** 2, rtol=1e-8, atol=1e-11
        )
    u, v, b = dl.trajectory(np.zeros(3), X, y, alpha=0.3)  # t = 0 only
    np.testing.assert_array_equal(u, np.full((3, 4), 0.3))
    np.testing.assert_array_equal(b, np.zeros((3, 4)))


def test_long_times_stay_finite_and_converge():
    X, y, _ = sparse_problem(5)
    t = np.array([1e3, 1e5, 1e8])
    for alpha in (0.05, 3.0):
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            u, v, beta = dl.trajectory(t, X, y, alpha=alpha)
        assert np.all(np.isfinite(beta))
        limit = dl.implicit_bias(X, y, alpha)
        np.testing.assert_allclose(beta, np.broadcast_to(limit, beta.shape), atol=1e-9)


# ------------------------------------------------------------------ implicit bias
ALPHAS = (0.05, 0.5, 3.0)


def primal_argmin(X, y, alpha):
    """min Q_α(β) on Xβ = y by scipy's trust-exact on the null-space coordinates."""
    beta_mn = min_l2(X, y)
    null = np.linalg.svd(X)[2][np.linalg.matrix_rank(X) :].T
    a2 = alpha * alpha

    def beta(z):
        return beta_mn + null @ z

    def f(z):
        zz = beta(z) / a2
        return a2 * np.sum(2 - np.sqrt(4 + zz**2) + zz * np.arcsinh(zz / 2))

    def grad(z):
        return null.T @ np.arcsinh(beta(z) / (2 * a2))

    def hess(z):
        w = 1 / np.sqrt(beta(z) ** 2 + 4 * a2 * a2)
        return null.T @ (w[:, None] * null)

    res = minimize(
        f,
        np.zeros(null.shape[1]),
        jac=grad,
        hess=hess,
        method="trust-exact",
        options={"gtol": 1e-13},
    )
    return beta(res.x)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("alpha", ALPHAS)
def test_gf_limit_equals_argmin_q(seed, alpha):
    # n = 5, d = 12, 2-sparse target (the setting of the docs's illustration)
    X, y, _ = sparse_problem(seed)
    d = X.shape[1]
    ref = integrate(
        X,
        y,
        np.full(d, alpha),
        np.full(d, alpha),
        np.array([2e3]),
        method="LSODA",
        rtol=1e-12,
        atol=1e-15,
    )[-1]
    beta_gf = ref[:d] ** 2 - ref[d:] ** 2
    assert np.max(np.abs(X @ beta_gf - y)) < 1e-9  # the flow interpolates
    got = dl.implicit_bias(X, y, alpha)
    assert np.max(np.abs(got - beta_gf)) < 1e-6
    assert np.max(np.abs(got - primal_argmin(X, y, alpha))) < 1e-6
    # and the exact reduction reaches the same point
    # (½·mean loss: the time n·t of the sum-loss flow above)
    _, _, beta_traj = dl.trajectory(np.array([2e3 * len(y)]), X, y, alpha=alpha)
    assert np.max(np.abs(beta_traj[0] - beta_gf)) < 1e-6


def test_kernel_and_rich_limits_of_the_bias():
    X, y, _ = sparse_problem(0)
    l2, l1 = min_l2(X, y), min_l1(X, y)
    # α → ∞: the minimum-ℓ₂ interpolant, error O(1/α²)
    errs = [np.linalg.norm(dl.implicit_bias(X, y, a) - l2) for a in (3.0, 30.0, 300.0)]
    assert errs[0] < 2e-2 and errs[1] < errs[0] / 50 and errs[2] < errs[1] / 50
    # α → 0: the minimum-ℓ₁ interpolant (unique here: the sparse target)
    # (polynomially in α: off-support β_i ~ α^{2(1−κ)}, κ < 1 the dual certificate)
    alphas = (0.05, 1e-3, 1e-8, 1e-20, 1e-100)
    errs = [np.linalg.norm(dl.implicit_bias(X, y, a) - l1) for a in alphas]
    assert all(a > b for a, b in zip(errs, errs[1:])) and errs[-1] < 1e-10
    # the qualitative statements of the docs: ‖β‖₂ at α = 3 is the minimum ℓ₂
    # norm to 4 digits, and small α gives the smaller ℓ₁ norm
    b3, b005 = dl.implicit_bias(X, y, 3.0), dl.implicit_bias(X, y, 0.05)
    assert np.linalg.norm(b3) == pytest.approx(np.linalg.norm(l2), rel=1e-4)
    assert np.abs(l1).sum() < np.abs(b005).sum() < np.abs(b3).sum()


def test_potential_limits_numerically():
    beta = np.array([0.3, -2.0, 1e-3, 0.0])
    # 4α²Q_α(β) → ‖β‖₂², relative error ~ β²/(48α⁴)
    for a in (1e2, 1e4):
        got = 4 * a * a * dl.Q(beta, a)
        assert got == pytest.approx(beta @ beta, rel=1e-6 * (1e2 / a) ** 4 + 1e-14)
    # Q_α(β)/ln(1/α²) → ‖β‖₁, slowly: error O(1/ln(1/α))
    l1 = np.abs(beta).sum()
    errs = [abs(dl.Q(beta, a) / np.log(1 / a**2) - l1) for a in (1e-5, 1e-50, 1e-150)]
    assert errs[0] > errs[1] > errs[2] and errs[2] < 1e-2 * l1


def test_implicit_bias_general_init_and_rates():
    # β(∞) = b(Xᵀμ) with b(R) = u₀²e^{−4η_uR} − v₀²e^{4η_vR}: against the raw flow
    rng = np.random.default_rng(8)
    X = rng.normal(size=(2, 4))
    y = rng.normal(size=2)
    u0, v0 = rng.uniform(0.3, 1.0, 4), rng.uniform(0.3, 1.0, 4) * [1, -1, 1, -1]
    for eta_u, eta_v in ((1.0, 1.0), (0.5, 2.0)):
        ref = integrate(
            X, y, u0, v0, np.array([400.0]), eta_u, eta_v, method="LSODA", atol=1e-15
        )[-1]
        got = dl.implicit_bias(X, y, u0=u0, v0=v0, eta_u=eta_u, eta_v=eta_v)
        np.testing.assert_allclose(got, ref[:4] ** 2 - ref[4:] ** 2, atol=1e-8)


# ------------------------------------------------------------------ whitened form
@settings(max_examples=20, deadline=None)
@given(st.integers(1, 4), rates, seeds, st.sampled_from(["uniform", "signed", "zeros"]))
def test_whitened_closed_form_matches_dop853(d, eta, seed, kind):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    X = Q  # XᵀX = I
    s = rng.normal(size=d) * 1.5
    if kind == "zeros":
        s[0] = 0.0
    y = X @ s
    u0, v0 = random_init(rng, d, kind)
    ts = np.linspace(0, 3, 7)
    u, v, beta = dl.whitened_trajectory(ts, s, u0=u0, v0=v0, eta=eta)
    ref = integrate(X, y, u0, v0, ts, eta, eta)
    np.testing.assert_allclose(u, ref[:, :d], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(v, ref[:, d:], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(
        beta, ref[:, :d] ** 2 - ref[:, d:] ** 2, rtol=1e-9, atol=1e-12
    )


def test_whitened_kernel_against_mpmath_and_long_times():
    rng = np.random.default_rng(11)
    worst = 0.0
    for k in range(200):
        t = 10 ** rng.uniform(-3, 3)
        u0, v0 = 10 ** rng.uniform(-3, 1, 2) * rng.choice([-1, 1], 2)
        if k % 2:
            v0 = u0  # uniform: β relative to itself, also for t → 0
        s, eta = rng.normal() * 2, 10 ** rng.uniform(-1, 1)
        u, v, b = dl.whitened_trajectory(
            np.array(t), np.array([s]), u0=np.array([u0]), v0=np.array([v0]), eta=eta
        )
        ref = whitened_mp(t, u0, v0, s, eta)
        for got, want in zip((u, v), ref[:2]):
            worst = max(worst, abs(float(got[0]) - float(want)) / abs(float(want)))
        # general init: β = u² − v² is ill-conditioned in u₀, v₀ where it
        # crosses 0, so compare to u² + v²; uniform init: relative to β
        scale = float(abs(ref[2]) if k % 2 else ref[0] ** 2 + ref[1] ** 2)
        worst = max(worst, abs(float(b[0]) - float(ref[2])) / scale)
    assert worst < 1e-10
    # t up to 1e8: finite, at the fixed point (β* reachable: u₀v₀ ≠ 0)
    s = np.array([1.5, -0.7, 0.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        u, v, b = dl.whitened_trajectory(np.array([1e3, 1e8]), s, alpha=1e-3)
    np.testing.assert_allclose(b, np.broadcast_to(s, b.shape), atol=1e-12)
    # u₀ = 0 with s > 0: u stays 0, v → 0 (β cannot become positive)
    u, v, b = dl.whitened_trajectory(
        np.array([0.0, 1e2, 1e8]),
        np.array([1.0]),
        u0=np.array([0.0]),
        v0=np.array([0.5]),
    )
    assert np.all(u == 0) and np.all(np.isfinite(v)) and abs(v[-1, 0]) < 1e-12


def test_whitened_equals_reduction_with_orthonormal_data():
    d = 3
    s = np.array([0.8, -0.4, 0.1])
    t = np.array([0.5, 2.0])
    a = dl.whitened_trajectory(t, s, alpha=0.2, eta=0.7)
    # XᵀX/n = I and Xᵀy/n = s with X = √d·I (the ½·mean loss)
    b = dl.trajectory(t, np.sqrt(d) * np.eye(d), np.sqrt(d) * s, alpha=0.2, eta_u=0.7,
                      eta_v=0.7)
    for x, z in zip(a, b):
        np.testing.assert_allclose(x, z, rtol=1e-9, atol=1e-13)
    # a batch of initialisations: (B,) + t.shape + (d,)
    u0 = np.array([[0.2, 0.3, 0.1], [0.5, -0.4, 0.0]])
    v0 = np.array([[0.2, 0.1, 0.3], [0.1, 0.2, 0.6]])
    ub, vb, bb = dl.whitened_trajectory(t, s, u0=u0, v0=v0)
    assert ub.shape == (2, 2, 3)
    for i in range(2):
        one = dl.whitened_trajectory(t, s, u0=u0[i], v0=v0[i])
        np.testing.assert_array_equal(bb[i], one[2])


# ------------------------------------------------------------------ kernels
def test_potential_kernel_accuracy_over_extreme_domain():
    """≤ 1e-10 relative to the textbook q at 50+ digits: α ∈ [1e-150, 1e150],
    |β/α²| ∈ [1e-250, 1e300], both signs; no overflow for |z| ~ 1e300."""
    rng = np.random.default_rng(2024)
    alphas = 10 ** rng.uniform(-150, 150, 300)
    zs = 10 ** rng.uniform(-250, 300, 300) * rng.choice([-1, 1], 300)
    with np.errstate(over="ignore", under="ignore"):
        beta = zs * alphas**2
    keep = (np.abs(beta) < 1e300) & (np.abs(beta) > 1e-290)
    beta, alphas = beta[keep], alphas[keep]
    extremes = np.array(
        [
            [1e300, 1.0],
            [-1e300, 1.0],
            [1e-300, 1e-150],
            [2.0, 1e-150],
            [1e-12, 1.0],
            [0.5, 1e150],
            [2e8 * 1e-4, 1e-2],
        ]
    )
    beta = np.concatenate([beta, extremes[:, 0]])
    alphas = np.concatenate([alphas, extremes[:, 1]])
    kernel = dl.derivation().kernel("numpy", kernel="potential")
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        q, g = kernel(beta, alphas)
    for i in range(len(beta)):
        q_ref, g_ref = q_term_mp(beta[i], alphas[i])
        if float(q_ref) != 0.0:  # below the double range: q underflows to 0 too
            assert abs(q[i] - float(q_ref)) <= 1e-10 * abs(float(q_ref)), i
        else:
            assert q[i] == 0.0
        assert abs(g[i] - float(g_ref)) <= 1e-10 * abs(float(g_ref)), i
    # q(z) itself for |z| ~ 1e300 (α = 1): finite, = z(log z − 1) + O(log z / z)
    z = np.array([1e300, -1e300])
    qz = kernel(z, np.ones(2))[0]
    assert np.all(np.isfinite(qz))
    np.testing.assert_allclose(qz, np.abs(z) * (np.log(np.abs(z)) - 1), rtol=1e-14)
    assert kernel(np.zeros(1), np.ones(1))[0][0] == 0.0


def test_exact_map_kernel_accuracy():
    """Uniform init: ≤ 1e-10 relative (including R → 0, where β = −2α² sinh 4ηR
    cancels in the naive u² − v²); general init: relative to u² + v²."""
    kernel = dl.derivation().kernel("numpy", kernel="exact")
    rng = np.random.default_rng(7)
    worst = 0.0
    for k in range(300):
        r = 10 ** rng.uniform(-14, 1) * rng.choice([-1, 1])  # |4ηR| ≤ 130
        eta_u, eta_v = 10 ** rng.uniform(-1, 0.5, 2)
        if k % 2:
            u0 = v0 = 10 ** rng.uniform(-100, 100)
            eta_v = eta_u
        else:
            u0, v0 = 10 ** rng.uniform(-3, 3, 2) * rng.choice([-1, 1], 2)
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            u, v, b = kernel(r, u0, v0, eta_u, eta_v)
        ref = exact_map_mp(r, u0, v0, eta_u, eta_v)
        for got, want in zip((u, v), ref[:2]):
            worst = max(worst, abs(float(got) - float(want)) / abs(float(want)))
        scale = float(abs(ref[2])) if k % 2 else float(ref[0] ** 2 + ref[1] ** 2)
        worst = max(worst, abs(float(b) - float(ref[2])) / scale)
    assert worst < 1e-10
    # zero components: β = −v² (u₀ = 0), u² (v₀ = 0), 0 (both)
    u, v, b = kernel(
        0.3, np.array([0.0, 0.5, 0.0]), np.array([0.5, 0.0, 0.0]), 1.0, 1.0
    )
    np.testing.assert_allclose(
        b, [-(0.5**2) * np.exp(1.2), 0.25 * np.exp(-1.2), 0.0], rtol=1e-15
    )


def test_generated_kernels_equal_lambdify():
    import sympy as sp

    deriv = dl.derivation()
    rng = np.random.default_rng(3)
    cases = {
        "exact": [
            rng.normal(size=50),
            rng.normal(size=50),
            rng.normal(size=50),
            rng.uniform(0.2, 3, 50),
            rng.uniform(0.2, 3, 50),
        ],
        "potential": [rng.normal(size=50) * 3, rng.uniform(0.05, 3, 50)],
        "whitened": [
            rng.uniform(0, 5, 50),
            rng.normal(size=50),
            rng.normal(size=50),
            rng.normal(size=50),
            rng.uniform(0.2, 3, 50),
        ],
    }
    for name, args in cases.items():
        spec = deriv.kernel_exprs(name)
        ref = sp.lambdify(
            spec.inputs, [e for _, e in spec.outputs], modules="numpy", cse=True
        )
        got = deriv.kernel("numpy", kernel=name)(*args)
        with np.errstate(all="ignore"):
            want = ref(*args)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)


# ------------------------------------------------------------------ bad input
X2, Y2 = np.array([[1.0, 0.5, -0.2]]), np.array([0.7])


@pytest.mark.parametrize(
    "call,kwargs,match",
    [
        ("trajectory", {"alpha": 0.0}, "alpha"),
        ("trajectory", {"alpha": -1.0}, "alpha"),
        ("trajectory", {"alpha": None}, "alpha"),
        ("trajectory", {"alpha": 1.0, "u0": np.ones(3), "v0": np.ones(3)}, "alpha"),
        ("trajectory", {"alpha": None, "u0": np.ones(3)}, "v0"),
        ("trajectory", {"alpha": None, "u0": np.ones(2), "v0": np.ones(2)}, "u0"),
        ("trajectory", {"alpha": None, "u0": np.ones(3), "v0": np.ones(4)}, "v0"),
        ("trajectory", {"eta_u": 0.0}, "eta_u"),
        ("trajectory", {"eta_v": -2.0}, "eta_v"),
        ("trajectory", {"t": -1.0}, "t"),
        ("trajectory", {"t": np.nan}, "t"),
        ("trajectory", {"X": np.ones(3)}, "X"),
        ("trajectory", {"y": np.ones(2)}, "y"),
        ("implicit_bias", {"alpha": 0.0}, "alpha"),
        ("implicit_bias", {"y": np.ones((1, 1))}, "y"),
        (
            "implicit_bias",
            {"X": np.array([[1.0, 1.0], [1.0, 1.0]]), "y": np.array([1.0, 2.0])},
            "range",
        ),
        ("implicit_bias", {"alpha": np.array([0.1, 0.2])}, "alpha"),
    ],
)
def test_bad_input_names_the_argument(call, kwargs, match):
    args = {"X": X2, "y": Y2, "alpha": 0.5}
    if call == "trajectory":
        args["t"] = 1.0
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(dl, call)(**args)


def test_bad_input_potential_and_whitened():
    with pytest.raises(ValueError, match="alpha"):
        dl.Q(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="beta"):
        dl.Q(1.0, 1.0)
    with pytest.raises(TypeError, match="beta"):
        dl.grad_Q("abc", 1.0)
    with pytest.raises(ValueError, match="eta"):
        dl.whitened_trajectory(1.0, np.ones(2), alpha=1.0, eta=0.0)
    with pytest.raises(ValueError, match="beta_star"):
        dl.whitened_trajectory(1.0, np.ones((2, 2)), alpha=1.0)


def test_implicit_bias_reports_non_interpolating_flow():
    # coordinate 1 cannot move (u₀ = v₀ = 0) and Xβ = y needs it
    X, y = np.array([[0.0, 1.0]]), np.array([1.0])
    with pytest.raises(RuntimeError, match="converge"):
        dl.implicit_bias(X, y, u0=np.array([1.0, 0.0]), v0=np.array([1.0, 0.0]))


# ------------------------------------------------------------------ the bundle
def test_doctests():
    result = doctest.testmod(dl, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


def test_derivation_bundle():
    d = dl.derivation()
    assert d.name == "diagonal_linear" and d.solution is not None
    assert set(d.conserved) == {"c0", "c1"}
    assert "Woodworth" in d.latex() or "arcsinh" in d.latex()
    assert {k.name for k in d.kernels()} == {"exact", "potential", "whitened"}


@pytest.mark.slow
def test_every_claim_verifies():
    report = dl.derivation().verify()
    assert report.passed, report.table()


def test_the_loss_is_half_the_mean_squared_error():
    # the flow of L = ‖Xβ − y‖²/(2n) is the sum-loss flow slowed by n: compare the
    # library at time t with the raw sum-loss flow at time t/n, and the rate of
    # change of L at t = 0 with −‖∇L‖² weighted by the rates, from first principles
    rng = np.random.default_rng(2)
    n, d = 4, 3
    X, y = rng.normal(size=(n, d)), rng.normal(size=n)
    u0, v0 = rng.uniform(0.2, 1.0, d), rng.uniform(0.2, 1.0, d)
    t = np.array([0.7, 2.0])
    u, v, beta = dl.trajectory(t, X, y, u0=u0, v0=v0)
    ref = integrate(X, y, u0, v0, t / n)
    np.testing.assert_allclose(beta, ref[:, :d] ** 2 - ref[:, d:] ** 2, rtol=1e-8,
                               atol=1e-11)
