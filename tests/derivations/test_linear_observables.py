"""Loss and NTK along the trajectories of the linear entries, against references
that share no code with the library: scipy's DOP853 on a hand-written raw flow,
the loss computed by hand from samples (½·mean of the squared residuals), and the
NTK as the rate-weighted Gram of complex-step Jacobians (exact for these
polynomial networks, no finite-difference error).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from exactflow.derivations import deep_linear_modes as dlm
from exactflow.derivations import diagonal_linear as dl
from exactflow.derivations import multi_neuron_linear as mnl
from exactflow.derivations import two_layer_linear_balanced as tlb
from exactflow.derivations import wide_linear_scalar as wls

T = np.array([0.0, 0.3, 1.1, 2.5, 6.0])


def dop853(rhs, theta0, t_eval):
    sol = solve_ivp(lambda _t, y: rhs(y), (0.0, float(t_eval[-1])), theta0,
                    method="DOP853", t_eval=t_eval, rtol=1e-12, atol=1e-13)
    assert sol.success
    return sol.y.T  # (T, P)


def jacobian(f, theta):
    """∂f/∂θ (outputs × parameters) by the complex step, exact to rounding."""
    h = 1e-30
    cols = []
    for p in range(theta.size):
        e = np.zeros(theta.size, complex)
        e[p] = 1j * h
        cols.append(np.imag(f(theta + e)) / h)
    return np.stack(cols, axis=-1)


def ntk_reference(f, theta, rates):
    J = jacobian(f, theta)
    return (J * rates) @ J.T


def whitened_samples(rng, n, d, beta_star):
    """Samples with XᵀX/n = I exactly and XᵀY/n = β*; Y (n, c)."""
    Q, _ = np.linalg.qr(rng.standard_normal((n, d + beta_star.shape[1])))
    X = np.sqrt(n) * Q[:, :d]
    noise = np.sqrt(n) * Q[:, d:] * rng.uniform(0.5, 1.5, beta_star.shape[1])
    return X, X @ beta_star + noise


# ------------------------------------------------------------ wide_linear_scalar
def test_wide_linear_scalar_along_dop853():
    rng = np.random.default_rng(1)
    d, kappa, eu, ew = 3, 0.7, 0.6, 1.8
    x = rng.standard_normal(40)
    y = 1.3 * x + 0.4 * rng.standard_normal(40)
    sxx, sxy, syy = np.mean(x * x), np.mean(x * y), np.mean(y * y)
    u0, w0 = 0.5 * rng.standard_normal(d), 0.5 * rng.standard_normal(d)

    def rhs(th):
        u, w = th[:d], th[d:]
        r = sxy - sxx * kappa * (u @ w)
        return np.concatenate((eu * kappa * w * r, ew * kappa * u * r))

    ref = dop853(rhs, np.concatenate((u0, w0)), T)
    full = wls.trajectory_loss(T, u0, w0, sxx, sxy, kappa, eta_u=eu, eta_w=ew,
                               sigma_yy=syy)
    by_hand = [0.5 * np.mean((y - kappa * (th[:d] @ th[d:]) * x) ** 2) for th in ref]
    np.testing.assert_allclose(full, by_hand, rtol=1e-9)
    excess = wls.trajectory_loss(T, u0, w0, sxx, sxy, kappa, eta_u=eu, eta_w=ew)
    floor = 0.5 * np.mean((y - sxy / sxx * x) ** 2)  # least squares
    np.testing.assert_allclose(excess, np.array(by_hand) - floor, rtol=1e-8,
                               atol=1e-14)
    xs = np.array([0.5, -1.2, 2.0])
    K = wls.trajectory_ntk(T, u0, w0, sxx, sxy, kappa, eta_u=eu, eta_w=ew, X=xs)
    assert K.shape == (5, 3, 3)
    rates = np.repeat([eu, ew], d)
    for k, th in zip(K, ref):
        out = ntk_reference(lambda q: kappa * (q[:d] @ q[d:]) * xs, th, rates)
        np.testing.assert_allclose(k, out, rtol=1e-9)


def test_wide_linear_scalar_batch_first():
    rng = np.random.default_rng(2)
    u0, w0 = rng.standard_normal((4, 2)), rng.standard_normal((4, 2))
    t = np.array([[0.0, 1.0, 3.0]])  # any shape of t
    L = wls.trajectory_loss(t, u0, w0, 1.5, -0.7)
    K = wls.trajectory_ntk(t, u0, w0, 1.5, -0.7)
    assert L.shape == K.shape == (4, 1, 3)
    for b in range(4):
        np.testing.assert_array_equal(L[b], wls.trajectory_loss(t, u0[b], w0[b],
                                                                 1.5, -0.7))
        u, w = u0[b], w0[b]
        assert K[b, 0, 0] == pytest.approx(u @ u + w @ w, rel=1e-14)


# ----------------------------------------------------------- multi_neuron_linear
def aligned_problem(rng, d=3, c=2, h=2):
    U, _ = np.linalg.qr(rng.standard_normal((d, d)))
    V, _ = np.linalg.qr(rng.standard_normal((c, c)))
    s = np.array([2.0, 0.8])[:min(d, c)]
    beta_star = U[:, :len(s)] @ np.diag(s) @ V[:, :len(s)].T
    alpha = np.array([0.3, 0.9])[:h]
    gamma = np.array([0.5, 0.1])[:h]
    return beta_star, gamma[:, None] * V[:, :h].T, alpha[:, None] * U[:, :h].T


def test_multi_neuron_linear_along_dop853():
    rng = np.random.default_rng(3)
    d, c, h, ea, ew = 3, 2, 2, 0.7, 1.6
    beta_star, A0, W0 = aligned_problem(rng, d, c, h)
    X, Y = whitened_samples(rng, 12, d, beta_star)

    def rhs(th):
        A, W = th[:h * c].reshape(h, c), th[h * c:].reshape(h, d)
        R = W.T @ A - beta_star
        return np.concatenate(((-ea * W @ R).ravel(), (-ew * A @ R.T).ravel()))

    ref = dop853(rhs, np.concatenate((A0.ravel(), W0.ravel())), T)
    L = mnl.trajectory_loss(T, A0, W0, beta_star, eta_a=ea, eta_w=ew)
    floor = 0.5 * np.mean(np.sum((Y - X @ beta_star) ** 2, axis=1))
    for loss, th in zip(L, ref):
        beta = th[h * c:].reshape(h, d).T @ th[:h * c].reshape(h, c)
        by_hand = 0.5 * np.mean(np.sum((Y - X @ beta) ** 2, axis=1))
        assert loss == pytest.approx(by_hand - floor, rel=1e-8, abs=1e-13)
    Xe = rng.standard_normal((4, d))
    K = mnl.trajectory_ntk(T, A0, W0, beta_star, eta_a=ea, eta_w=ew, X=Xe)
    M = mnl.trajectory_ntk(T, A0, W0, beta_star, eta_a=ea, eta_w=ew)
    rates = np.repeat([ea, ew], [h * c, h * d])

    def beta_of(q):
        return q[h * c:].reshape(h, d).T @ q[:h * c].reshape(h, c)

    for k, m, th in zip(K, M, ref):  # outputs stacked by output column
        np.testing.assert_allclose(
            k, ntk_reference(lambda q: (Xe @ beta_of(q)).T.ravel(), th, rates),
            rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(
            m, ntk_reference(lambda q: beta_of(q).T.ravel(), th, rates),
            rtol=1e-8, atol=1e-12)
    batch = mnl.trajectory_loss(T, np.stack([A0, 2 * A0]), np.stack([W0, W0]),
                                beta_star, eta_a=ea, eta_w=ew)
    assert batch.shape == (2, len(T))
    np.testing.assert_array_equal(batch[0], L)


# ----------------------------------------------------- two_layer_linear_balanced
def balanced_start(rng, lam, h, d_in, d_out):
    """A generic (not aligned) λ-balanced start: W₂ = Q (W₁W₁ᵀ + λI)^{1/2}."""
    W1 = rng.standard_normal((h, d_in)) * 0.6
    G = W1 @ W1.T + lam * np.eye(h)
    ev, P = np.linalg.eigh(G)
    assert ev.min() > 0
    Q, _ = np.linalg.qr(rng.standard_normal((d_out, h)))
    return W1, Q @ (P * np.sqrt(ev)) @ P.T


@pytest.mark.parametrize("lam", [0.0, 1.5])
def test_two_layer_linear_balanced_along_dop853(lam):
    rng = np.random.default_rng(4)
    h, d_in, d_out, eta = 2, 3, 2, 0.8
    W1_0, W2_0 = balanced_start(rng, lam, h, d_in, d_out)
    np.testing.assert_allclose(W2_0.T @ W2_0 - W1_0 @ W1_0.T, lam * np.eye(h),
                               atol=1e-13)
    beta_star = rng.standard_normal((d_in, d_out))
    X, Y = whitened_samples(rng, 10, d_in, beta_star)

    def rhs(th):
        W1, W2 = th[:h * d_in].reshape(h, d_in), th[h * d_in:].reshape(d_out, h)
        E = beta_star.T - W2 @ W1  # Σyx − W₂W₁
        return eta * np.concatenate(((W2.T @ E).ravel(), (E @ W1.T).ravel()))

    ref = dop853(rhs, np.concatenate((W1_0.ravel(), W2_0.ravel())), T)
    L = tlb.trajectory_loss(T, W1_0, W2_0, beta_star, eta=eta)
    floor = 0.5 * np.mean(np.sum((Y - X @ beta_star) ** 2, axis=1))

    def net(q):
        return q[h * d_in:].reshape(d_out, h) @ q[:h * d_in].reshape(h, d_in)

    for loss, th in zip(L, ref):
        by_hand = 0.5 * np.mean(np.sum((Y - X @ net(th).T) ** 2, axis=1))
        assert loss == pytest.approx(by_hand - floor, rel=1e-8, abs=1e-13)
    Xe = rng.standard_normal((3, d_in))
    K = tlb.trajectory_ntk(T, W1_0, W2_0, beta_star, eta=eta, X=Xe)
    M = tlb.trajectory_ntk(T, W1_0, W2_0, beta_star, eta=eta)
    assert K.shape == (len(T), 3 * d_out, 3 * d_out)
    rates = np.full(h * (d_in + d_out), eta)
    for k, m, th in zip(K, M, ref):
        np.testing.assert_allclose(
            k, ntk_reference(lambda q: (net(q) @ Xe.T).ravel(), th, rates),
            rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(
            m, ntk_reference(lambda q: net(q).ravel(), th, rates),
            rtol=1e-8, atol=1e-12)


def test_two_layer_linear_balanced_batch_and_domain():
    rng = np.random.default_rng(5)
    starts = [balanced_start(rng, 0.5, 1, 2, 2) for _ in range(3)]
    W1, W2 = np.stack([s[0] for s in starts]), np.stack([s[1] for s in starts])
    beta_star = np.array([[1.0, 0.0], [0.5, -1.0]])
    L = tlb.trajectory_loss(T, W1, W2, beta_star)
    assert L.shape == (3, len(T))
    np.testing.assert_array_equal(L[1], tlb.trajectory_loss(T, W1[1], W2[1],
                                                            beta_star))
    with pytest.raises(ValueError, match="beta_star"):
        tlb.trajectory_loss(T, W1[0], W2[0], beta_star[:, :1])
    with pytest.raises(ValueError, match="eta"):
        tlb.trajectory_ntk(T, W1[0], W2[0], beta_star, eta=0.0)


# ------------------------------------------------------------- deep_linear_modes
@pytest.mark.parametrize("depth", [1, 2, 3, 4])
def test_deep_linear_modes_along_dop853(depth):
    s, u0, eta = 1.7, 0.05, 1.3
    w0 = np.full(depth, u0 ** (1.0 / depth))  # balanced chain, equal rates

    def rhs(w):
        u = np.prod(w)
        return eta * (s - u) * np.array([np.prod(np.delete(w, k))
                                         for k in range(depth)])

    ref = dop853(rhs, w0, T)
    u_ref = np.prod(ref, axis=1)
    L = dlm.trajectory_loss(T, u0, s, depth, eta=eta)
    np.testing.assert_allclose(L, 0.5 * (s - u_ref) ** 2, rtol=1e-8, atol=1e-14)
    K = dlm.trajectory_ntk(T, u0, s, depth, eta=eta)
    K_ref = [ntk_reference(lambda q: np.prod(q)[None], w, np.full(depth, eta))[0, 0]
             for w in ref]
    np.testing.assert_allclose(K, K_ref, rtol=1e-8)


def test_deep_linear_modes_batch_first():
    u0, s = np.array([0.01, 0.5, 2.5]), np.array([1.0, 1.0, 2.0])
    t = np.linspace(0.0, 4.0, 7)
    L = dlm.trajectory_loss(t, u0, s, 3, eta=0.5)
    K = dlm.trajectory_ntk(t, u0, s, 3, eta=0.5)
    assert L.shape == K.shape == (3, 7)
    for b in range(3):
        np.testing.assert_array_equal(L[b], dlm.trajectory_loss(t, u0[b], s[b], 3,
                                                                eta=0.5))
    assert L[:, 0] == pytest.approx(0.5 * (s - u0) ** 2)
    assert K[:, 0] == pytest.approx(0.5 * 3 * u0 ** (4 / 3))


# --------------------------------------------------------------- diagonal_linear
def test_diagonal_linear_mean_loss_along_dop853():
    rng = np.random.default_rng(6)
    n, d, eu, ev = 5, 4, 0.7, 1.4
    X, y = rng.standard_normal((n, d)), rng.standard_normal(n)
    u0, v0 = rng.uniform(0.2, 1.0, d), rng.uniform(0.2, 1.0, d)

    def rhs(th):  # the flow of ½·mean((Xβ − y)²)
        u, v = th[:d], th[d:]
        g = X.T @ (X @ (u * u - v * v) - y) / n
        return np.concatenate((-2 * eu * u * g, 2 * ev * v * g))

    ref = dop853(rhs, np.concatenate((u0, v0)), T)
    L = dl.trajectory_loss(T, X, y, u0=u0, v0=v0, eta_u=eu, eta_v=ev)
    by_hand = [0.5 * np.mean((X @ (th[:d] ** 2 - th[d:] ** 2) - y) ** 2) for th in ref]
    np.testing.assert_allclose(L, by_hand, rtol=1e-7)
    K = dl.trajectory_ntk(T, X, y, u0=u0, v0=v0, eta_u=eu, eta_v=ev)
    rates = np.repeat([eu, ev], d)
    for k, th in zip(K, ref):
        ntk_ref = ntk_reference(lambda q: X @ (q[:d] ** 2 - q[d:] ** 2), th, rates)
        np.testing.assert_allclose(k, ntk_ref, rtol=1e-7)


def test_diagonal_linear_batch_first():
    X, y = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0]]), np.array([1.0, -0.5])
    t = np.array([0.0, 2.0])
    L = dl.trajectory_loss(t, X, y, alpha=np.array([0.1, 1.0]))
    K = dl.trajectory_ntk(t, X, y, alpha=np.array([0.1, 1.0]))
    assert L.shape == (2, 2) and K.shape == (2, 2, 2, 2)
    assert L[:, 0] == pytest.approx(0.5 * np.mean(y ** 2))  # β₀ = 0
    # at t = 0, u = v = α𝟙: Θ = 8α² XXᵀ
    np.testing.assert_allclose(K[1, 0], 8 * X @ X.T)
    np.testing.assert_allclose(L[1], dl.trajectory_loss(t, X, y, alpha=1.0))
    with pytest.raises(ValueError, match="y"):
        dl.trajectory_loss(t, X, y[:1], alpha=1.0)
