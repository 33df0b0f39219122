"""λ-balanced two-layer linear network facts, against independent references.

References share no code with the library's factored closed forms: scipy's DOP853 on
the raw (W₁, W₂) ODE, the textbook 2×2 form at high precision
(``two_layer_linear_balanced_reference``), NumPy SVDs for the limits, and exact
rationals for balancedness.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from exactflow.derivations import two_layer_linear_balanced as tl

from .two_layer_linear_balanced_reference import integrate, mode_mp, random_mode_case

RAISE = {"over": "raise", "divide": "raise", "invalid": "raise"}


def random_orthogonal(rng, n):
    return np.linalg.qr(rng.normal(size=(n, n)))[0]


def make_case(d_in, h, d_out, lam_kind, rank, seed):
    """A random λ-balanced start (feasible λ for the shapes) and a rank-``rank`` Σyx."""
    rng = np.random.default_rng(seed)
    rank = min(rank, d_in, d_out)
    Syx = rng.normal(size=(d_out, rank)) @ rng.normal(size=(rank, d_in))
    lam = {"zero": 0.0, "pos": rng.uniform(0.1, 2.0), "neg": -rng.uniform(0.1, 2.0)}[
        lam_kind
    ]
    if (lam > 0 and h > d_out) or (lam < 0 and h > d_in):
        lam = 0.0
    r0 = min(h, d_in, d_out)
    product = rng.normal(size=(d_out, r0)) @ rng.normal(size=(r0, d_in)) * 0.6
    W1, W2 = tl.balanced_init(product, lam, h, R=random_orthogonal(rng, h))
    return W1, W2, Syx, lam


dims = st.integers(1, 4)


@settings(deadline=None)
@given(
    dims,
    dims,
    dims,
    st.sampled_from(["zero", "pos", "neg"]),
    st.integers(0, 4),
    st.floats(0.3, 3.0),
    st.integers(0, 2**31 - 1),
)
@example(2, 4, 3, "zero", 1, 1.0, 1)  # h > d_in, d_out; rank-deficient Σyx
@example(3, 3, 3, "zero", 1, 0.7, 2)  # λ = 0 with singular F
@example(2, 2, 2, "zero", 0, 1.0, 3)  # Σyx = 0: F = 0
@example(3, 2, 1, "neg", 1, 2.0, 4)
@example(1, 3, 4, "pos", 1, 0.5, 5)
def test_closed_form_matches_dop853(d_in, h, d_out, lam_kind, rank, tau, seed):
    W1, W2, Syx, _ = make_case(d_in, h, d_out, lam_kind, rank, seed)
    ts = np.linspace(0.0, 3.0, 7)
    want = integrate(W1, W2, Syx, tau, ts)
    got = tl.trajectory(ts, W1, W2, Syx.T, eta=1 / tau)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(
            g, w, rtol=0, atol=2e-9 * max(1.0, np.max(np.abs(w)))
        )


@settings(deadline=None)
@given(dims, dims, dims, st.floats(-3.0, 3.0), st.integers(0, 2**31 - 1))
def test_balanced_init_exact_properties(d_in, h, d_out, lam, seed):
    rng = np.random.default_rng(seed)
    if (lam > 0 and h > d_out) or (lam < 0 and h > d_in):
        with pytest.raises(ValueError, match="lam"):
            tl.balanced_init(np.zeros((d_out, d_in)), lam, h)
        return
    r0 = min(h, d_in, d_out)
    product = rng.normal(size=(d_out, r0)) @ rng.normal(size=(r0, d_in))
    W1, W2 = tl.balanced_init(product, lam, h, R=random_orthogonal(rng, h))
    assert W1.shape == (h, d_in) and W2.shape == (d_out, h)
    np.testing.assert_allclose(
        W2 @ W1, product, atol=1e-12 * (1 + np.abs(product).max())
    )
    G = W2.T @ W2 - W1 @ W1.T
    np.testing.assert_allclose(
        G, lam * np.eye(h), atol=1e-12 * (1 + np.abs(W2).max() ** 2)
    )


def test_balancedness_is_conserved_in_exact_arithmetic():
    # one explicit Euler step changes W₂ᵀW₂ − W₁W₁ᵀ by O(dt²) only: the dt term
    # vanishes exactly (rationals), which is dC/dt = 0 at a rational point
    W1 = [[Fraction(1, 2), Fraction(-1, 3)], [Fraction(2, 5), Fraction(1, 7)]]
    W2 = [[Fraction(3, 4), Fraction(1, 6)]]
    S = [[Fraction(5, 3), Fraction(-2, 9)]]
    W1n, W2n, Sn = (np.array(x, dtype=object) for x in (W1, W2, S))
    R = Sn - W2n @ W1n
    dW1, dW2 = W2n.T @ R, R @ W1n.T
    dC = dW2.T @ W2n + W2n.T @ dW2 - dW1 @ W1n.T - W1n @ dW1.T
    assert all(x == 0 for x in dC.ravel())


@pytest.mark.parametrize(
    "lam,h,rank,d_in",
    [
        (0.7, 2, 2, 3),
        (0.7, 3, 1, 3),
        (0.0, 1, 2, 3),
        (-0.4, 2, 2, 3),
        (-0.4, 2, 1, 2),
        (-0.4, 3, 1, 3),
    ],
)
def test_long_time_limit(lam, h, rank, d_in):
    """t/τ up to 1e8: finite, no overflow, and 𝒫(∞) = Σ 2Λᵢ vᵢvᵢᵀ over the top-h
    positive eigenvalues of F (computed here from a NumPy SVD of Σyx); the cases
    fill every degenerate eigenspace they reach, so the limit is unique."""
    d_out = 3
    rng = np.random.default_rng(42)
    U, _ = np.linalg.qr(rng.normal(size=(d_out, d_out)))
    V, _ = np.linalg.qr(rng.normal(size=(d_in, d_in)))
    s = np.array([2.0, 1.2, 0.5])[:rank]
    Syx = U[:, :rank] @ np.diag(s) @ V[:, :rank].T
    r0 = min(h, d_in, d_out)
    product = 0.3 * rng.normal(size=(d_out, r0)) @ rng.normal(size=(r0, d_in))
    W1, W2 = tl.balanced_init(product, lam, h, R=random_orthogonal(rng, h))
    t = np.array([1e3, 1e6, 1e8])
    with np.errstate(**RAISE):
        beta, K1, K2 = tl.trajectory(t, W1, W2, Syx.T, eta=1 / 0.5)
    # positive eigen-directions: modes (rate D/2), output complement (+λ/2)
    dirs = [(np.hypot(lam, 2 * si) / 2, "mode", i) for i, si in enumerate(s)]
    if lam > 0:
        dirs += [(lam / 2, "out", j) for j in range(rank, d_out)]
    if lam < 0:
        dirs += [(-lam / 2, "in", j) for j in range(rank, d_in)]
    dirs = sorted(dirs, key=lambda x: -x[0])[:h]
    b_inf = np.zeros((d_out, d_in))
    k1_inf, k2_inf = np.zeros((d_in, d_in)), np.zeros((d_out, d_out))
    for rate, kind, i in dirs:
        if kind == "mode":
            D = 2 * rate
            b_inf += s[i] * np.outer(U[:, i], V[:, i])
            k1_inf += (D - lam) / 2 * np.outer(V[:, i], V[:, i])
            k2_inf += (D + lam) / 2 * np.outer(U[:, i], U[:, i])
        elif kind == "out":
            k2_inf += lam * np.outer(U[:, i], U[:, i])
        else:
            k1_inf += -lam * np.outer(V[:, i], V[:, i])
    for k in range(3):
        np.testing.assert_allclose(beta[k], b_inf, atol=1e-12)
        np.testing.assert_allclose(K1[k], k1_inf, atol=1e-12)
        np.testing.assert_allclose(K2[k], k2_inf, atol=1e-12)


def test_saddle_stays_put_for_all_times():
    # λ = 0, aligned start with the second mode exactly zero: the stable manifold
    Syx = np.diag([2.0, 1.0])
    W1, W2 = tl.balanced_init(np.diag([0.01, 0.0]), 0.0, 2)
    t = np.array([0.0, 5.0, 1e3, 1e6, 1e8])
    with np.errstate(**RAISE):
        beta, K1, K2 = tl.trajectory(t, W1, W2, Syx.T)
    np.testing.assert_allclose(
        beta[2:], np.broadcast_to(np.diag([2.0, 0.0]), (3, 2, 2)), atol=1e-13
    )
    want = integrate(W1, W2, Syx, 1.0, np.array([0.0, 5.0]))
    np.testing.assert_allclose(beta[1], want[0][1], atol=1e-10)


def test_small_time_steps_and_zero_init():
    # all-zero start: 𝒫 ≡ 0 (a fixed point); tiny t: first-order Taylor
    Syx = np.array([[1.0, 0.5]])
    W1, W2 = np.zeros((2, 2)), np.zeros((1, 2))
    beta, K1, K2 = tl.trajectory(np.array([0.0, 1e-300, 1e8]), W1, W2, Syx.T)
    assert np.all(beta == 0) and np.all(K1 == 0) and np.all(K2 == 0)
    W1, W2 = tl.balanced_init(np.array([[0.3, -0.2]]), 0.5, 1)
    dt = 1e-7
    beta, _, _ = tl.trajectory(np.array([dt]), W1, W2, Syx.T, eta=0.5)
    R = Syx - W2 @ W1
    slope = (W2 @ W2.T @ R + R @ W1.T @ W1) / 2.0
    np.testing.assert_allclose(beta[0], W2 @ W1 + dt * slope, atol=1e-13)


def test_shapes_of_batched_times():
    W1, W2, Syx, _ = make_case(3, 2, 2, "pos", 2, 0)
    t = np.linspace(0, 1, 6).reshape(2, 3)
    beta, K1, K2 = tl.trajectory(t, W1, W2, Syx.T)
    assert beta.shape == (2, 3, 2, 3) and K1.shape == (2, 3, 3, 3)
    assert K2.shape == (2, 3, 2, 2)
    b1, _, _ = tl.trajectory(t[1, 2], W1, W2, Syx.T)
    assert b1.shape == (2, 3)
    np.testing.assert_allclose(b1, beta[1, 2], rtol=1e-14, atol=1e-15)


def test_mode_kernel_matches_full_trajectory_for_aligned_init():
    rng = np.random.default_rng(9)
    U, V = random_orthogonal(rng, 3), random_orthogonal(rng, 2)
    s = np.array([1.7, 0.3])
    Syx = U[:, :2] @ np.diag(s) @ V.T
    u0 = np.array([0.2, -0.05])
    for lam in (-1.3, 0.0, 0.8):
        W1, W2 = tl.balanced_init(U[:, :2] @ np.diag(u0) @ V.T, lam, 2)
        t = np.linspace(0, 6, 13)
        beta, K1, K2 = tl.trajectory(t, W1, W2, Syx.T, eta=1 / 0.7)
        u, a2, b2 = tl.mode_trajectory(t[:, None], s, lam, u0, eta=1 / 0.7)
        np.testing.assert_allclose(
            beta, np.einsum("ik,mk,jk->mij", U[:, :2], u, V), atol=1e-12
        )
        np.testing.assert_allclose(K1, np.einsum("ik,mk,jk->mij", V, a2, V), atol=1e-12)
        np.testing.assert_allclose(
            K2, np.einsum("ik,mk,jk->mij", U[:, :2], b2, U[:, :2]), atol=1e-12
        )


def assert_within_conditioning(
    got, cases, rel, tinies=(np.finfo(float).tiny, 1e-150, 1e-150)
):
    """≤ ``rel`` relative to the reference, or ≤ 10× the change of the exact answer
    under 2-ulp input perturbations (the problem's own conditioning), or below
    ``tinies[j]`` (a², b² are formed from u², which underflows for |u| < 1e-154)."""
    pert = np.random.default_rng(7)
    worst = 0.0
    for i, case in enumerate(cases):
        ref = mode_mp(*case)
        for j in range(3):
            tiny = tinies[j]
            err = abs(float(got[j][i]) - float(ref[j]))
            if err <= max(rel * abs(float(ref[j])), tiny):
                worst = max(worst, err / max(abs(float(ref[j])), tiny))
                continue
            spread = 0.0
            for _ in range(4):
                moved = np.array(case) * (
                    1 + 2 * 2.0**-52 * pert.choice([-1, 1], size=5)
                )
                spread = max(spread, abs(float(mode_mp(*moved, dps=25)[j] - ref[j])))
            assert err <= 10 * spread, (case, j, err, spread, ref[j])
    return worst


def test_generated_kernel_is_accurate_against_mpmath():
    """≤ 1e-10 relative (or within conditioning) over the documented domain:
    s ∈ {0} ∪ [1e-3, 10], |λ| ∈ {0} ∪ [1e-3, 100], |u₀| ∈ {0} ∪ [1e-4, 10] either
    sign, τ ∈ [0.1, 10], D t/τ ≤ 2000 (t = 0 included)."""
    kernel = tl.derivation().kernel("numpy")
    rng = np.random.default_rng(20240922)
    cases = np.array([random_mode_case(rng) for _ in range(250)])
    with np.errstate(**RAISE):
        got = kernel(*cases.T)
    assert all(np.all(np.isfinite(g)) for g in got)
    assert_within_conditioning(got, cases, 1e-10)


@pytest.mark.parametrize("u0", [-0.5, 0.5, -1e-3])
def test_numba_trajectory_both_branches_against_mpmath(u0):
    """One initialisation over many times (the Numba loop nest over t with the
    other inputs scalars): each branch of u, its temporaries evaluated only where
    it is taken, against 40 digits."""
    pytest.importorskip("numba", reason="numba (exactflow[numba]) not installed")
    kernel = tl.derivation().kernel("numba")
    t = np.concatenate([[0.0], np.geomspace(1e-3, 50.0, 40)])
    for lam in (0.0, 0.7, -0.4):
        with np.errstate(**RAISE):
            got = kernel(t, 1.2, lam, u0, 0.8)
        for i in (0, 5, 20, 40):
            ref = mode_mp(t[i], 1.2, lam, u0, 0.8)
            for g, r in zip(got, ref):
                assert abs(g[i] - float(r)) <= 1e-12 * (1 + abs(float(r))), (lam, i)


@pytest.mark.parametrize("lam", [0.0, 0.5, -0.5])
@pytest.mark.parametrize("u0", [0.0, 1e-3, -1e-3, 2.0, -2.0])
def test_kernel_at_extreme_times(lam, u0):
    # t/τ ∈ {1e4, 1e6, 1e8}: no overflow/NaN; u → s unless on the stable manifold
    s = 1.5
    t = np.array([1e4, 1e6, 1e8])
    with np.errstate(**RAISE):
        u, a2, b2 = tl.mode_trajectory(t, s, lam, u0)
    kappa = np.hypot(lam, 2 * s)
    if lam == 0 and u0 <= 0:  # 𝒫₀ = 0 or q₀ on the decaying eigenvector: u → 0
        np.testing.assert_allclose(u, 0.0, atol=1e-300)
        np.testing.assert_allclose(a2, 0.0, atol=1e-300)
    else:
        np.testing.assert_allclose(u, s, rtol=1e-14)
        np.testing.assert_allclose(a2, (kappa - lam) / 2, rtol=1e-13)
        np.testing.assert_allclose(b2, (kappa + lam) / 2, rtol=1e-13)


def test_kernel_is_the_saxe_sigmoid_at_zero_imbalance():
    t = np.linspace(0, 10, 21)
    s, u0 = 2.0, 1e-3
    u, a2, b2 = tl.mode_trajectory(t, s, 0.0, u0, eta=1 / 1.3)
    sig = s * u0 / (u0 + (s - u0) * np.exp(-2 * s * t / 1.3))
    np.testing.assert_allclose(u, sig, rtol=1e-13)
    np.testing.assert_allclose(a2, sig, rtol=1e-13)
    np.testing.assert_allclose(b2, sig, rtol=1e-13)


@pytest.mark.parametrize("lam", [100.0, -100.0, 1000.0, -1000.0])
def test_lazy_limit_ntk_moves_little(lam):
    # relative movement of the NTK blocks over the whole training is O(1/|λ|)
    rng = np.random.default_rng(1)
    Syx = rng.normal(size=(2, 2))
    W1, W2 = tl.balanced_init(0.2 * rng.normal(size=(2, 2)), lam, 2)
    t = np.concatenate([[0.0], np.geomspace(1e-4, 1e2, 40) / abs(lam), [1e6]])
    beta, K1, K2 = tl.trajectory(t, W1, W2, Syx.T)
    np.testing.assert_allclose(beta[-1], Syx, atol=1e-10)
    size = np.hypot(np.linalg.norm(K1[0]), np.linalg.norm(K2[0]))
    move = (
        max(
            np.linalg.norm(K1 - K1[0], axis=(1, 2)).max(),
            np.linalg.norm(K2 - K2[0], axis=(1, 2)).max(),
        )
        / size
    )
    assert move < 10.0 / abs(lam)


def test_rich_regime_ntk_moves_a_lot():
    Syx = np.diag([2.0, 1.0])
    W1, W2 = tl.balanced_init(1e-4 * np.eye(2), 0.0, 2)
    _, K1, _ = tl.trajectory(np.array([0.0, 50.0]), W1, W2, Syx.T)
    assert np.linalg.norm(K1[1] - K1[0]) > 1e3 * np.linalg.norm(K1[0])


def _base():
    W1, W2 = tl.balanced_init(np.array([[0.3, 0.1]]), 0.5, 1)
    return {
        "t": np.array([0.0, 1.0]),
        "W1_0": W1,
        "W2_0": W2,
        "beta_star": np.array([[1.0], [-0.5]]),
    }


@pytest.mark.parametrize(
    "change,match",
    [
        (
            {
                "W1_0": np.array([[1.0, 0.0], [0.0, 1.0]]),
                "W2_0": np.array([[1.0, 0.0]]),
            },
            "imbalance",
        ),
        ({"W2_0": np.ones((1, 2))}, "W2_0"),
        ({"W1_0": np.ones(2)}, "W1_0"),
        ({"beta_star": np.ones((2, 2))}, "beta_star"),
        ({"eta": 0.0}, "eta"),
        ({"eta": -1.0}, "eta"),
        ({"t": np.array([-1.0])}, "t"),
        ({"t": np.array([np.inf])}, "t"),
        ({"W1_0": np.array([[np.nan, 0.0]])}, "W1_0"),
    ],
)
def test_trajectory_bad_input_names_the_argument(change, match):
    args = _base()
    args.update(change)
    with pytest.raises(ValueError, match=match):
        tl.trajectory(**args)


def test_imbalance_message_reports_the_measured_value():
    W1 = np.array([[1.0, 0.0], [0.0, 2.0]])
    W2 = np.array([[1.0, 1.0]])
    with pytest.raises(ValueError, match=r"W1_0, W2_0 .*imbalance .*= \d\.\d+e[+-]\d+"):
        tl.trajectory(1.0, W1, W2, np.zeros((2, 1)))


@pytest.mark.parametrize(
    "args,match",
    [
        ((np.zeros((2, 3)), 1.0, 3), "lam"),  # λ > 0 needs h ≤ d_out
        ((np.zeros((3, 2)), -1.0, 3), "lam"),  # λ < 0 needs h ≤ d_in
        ((np.eye(2), 0.0, 1), "product"),  # rank 2 > h
        ((np.eye(2), 0.0, 0), "h"),
        ((np.eye(2), 0.0, 2.0), "h"),
        ((np.eye(2), float("nan"), 2), "lam"),
    ],
)
def test_balanced_init_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        tl.balanced_init(*args)


def test_balanced_init_rejects_non_orthogonal_gauge():
    with pytest.raises(ValueError, match="R"):
        tl.balanced_init(np.eye(2), 0.0, 2, R=np.ones((2, 2)))


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"beta_star": -1.0}, "beta_star"),
        ({"eta": 0.0}, "eta"),
        ({"t": -1.0}, "t"),
        ({"u0": np.nan}, "u0"),
    ],
)
def test_mode_trajectory_bad_input(kwargs, match):
    args = {"t": 1.0, "beta_star": 1.0, "lam": 0.0, "u0": 0.1, "eta": 1.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        tl.mode_trajectory(**args)


def test_doctests():
    import doctest

    result = doctest.testmod(tl, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.slow
def test_every_claim_verifies():
    report = tl.derivation().verify()
    failed = [r for r in report.results if not r.passed]
    assert not failed, report.table()


def test_old_argument_names_still_work_with_a_warning():
    W1, W2 = tl.balanced_init(np.array([[0.3, -0.2]]), 0.5, 1)
    Syx = np.array([[1.0, 0.5]])
    new = tl.trajectory([0.5, 2.0], W1, W2, Syx.T, eta=0.5)
    with pytest.warns(DeprecationWarning, match="'Syx' is deprecated.*Syx transposed"):
        old = tl.trajectory([0.5, 2.0], W1, W2, Syx=Syx, eta=0.5)
    for a, b in zip(old, new):
        np.testing.assert_array_equal(a, b)
    with pytest.warns(DeprecationWarning, match="'tau' is deprecated"):
        old = tl.mode_trajectory([1.0, 3.0], 2.0, 0.5, 0.1, tau=[2.0, 4.0])
    new = tl.mode_trajectory([1.0, 3.0], 2.0, 0.5, 0.1, eta=[0.5, 0.25])
    for a, b in zip(old, new):
        np.testing.assert_array_equal(a, b)
