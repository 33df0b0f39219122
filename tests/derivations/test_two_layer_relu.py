"""The two-layer (leaky) ReLU entry against independent references.

References: the per-network NumPy reference of ``tests/simulate``
(``two_layer_reference``: forward map, explicit Jacobian NTK), central finite
differences of the loss, and SciPy's DOP853 on the raw flow written out here
from the loss, integrated from switch to switch of the activation patterns.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from exactflow.derivations import two_layer_relu as tl
from exactflow.derivations.two_layer_relu import claims as tl_claims
from tests.simulate import two_layer_reference as ref

GAMMAS = [0.0, 0.2]


def _problem(seed, d=3, h=4, n=6, scale=1.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    W = scale * rng.normal(size=(h, d))
    a = scale * rng.normal(size=h)
    return X, y, W, a


def _loss(X, y, W, a, gamma):
    """L = (1/2n) Σ (f − y)², the project's convention."""
    return 0.5 * ref.mse(X, y, W, a, gamma)


# ------------------------------------------------------- identities on arrays


@pytest.mark.parametrize("gamma", GAMMAS)
@pytest.mark.parametrize("seed", range(4))
def test_forward_and_ntk_equal_the_naive_definitions(gamma, seed):
    X, y, W, a = _problem(seed)
    ea, ew = 0.7, 1.9
    np.testing.assert_allclose(tl.forward(X, a, W, gamma), ref.forward(X, W, a, gamma),
                               rtol=1e-13, atol=1e-13)
    K = tl.ntk(X, a, W, gamma, ea, ew)
    np.testing.assert_allclose(K, ref.ntk(X, W, a, gamma, ea, ew), rtol=1e-12,
                               atol=1e-12)
    # the function-space form Σ_k c_ki x_iᵀ M_k x_j c_kj
    c = tl.activation_slopes(X, W, gamma)
    M = tl.preconditioner(a, W, ea, ew)
    K2 = np.einsum("ki,id,kde,je,kj->ij", c, X, M, X, c)
    np.testing.assert_allclose(K, K2, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("gamma", GAMMAS)
def test_flow_rhs_and_drive_are_the_gradient(gamma):
    X, y, W, a = _problem(7)
    ea, ew = 0.5, 2.0
    da, dW = tl.flow_rhs(X, y, a, W, gamma, ea, ew)
    theta = np.concatenate([a, W.ravel()])

    def loss(t):
        return _loss(X, y, t[a.size:].reshape(W.shape), t[:a.size], gamma)

    h = 1e-6
    grad = np.array([(loss(theta + h * e) - loss(theta - h * e)) / (2 * h)
                     for e in np.eye(theta.size)])
    np.testing.assert_allclose(da, -ea * grad[:a.size], rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(dW, -ew * grad[a.size:].reshape(W.shape), rtol=1e-7,
                               atol=1e-9)
    xi = tl.drive(X, y, a, W, gamma)  # ∇_{w_k} L = a_k ξ_k
    np.testing.assert_allclose(a[:, None] * xi, grad[a.size:].reshape(W.shape),
                               rtol=1e-7, atol=1e-9)


def test_spherical_coordinates_and_imbalance():
    X, y, W, a = _problem(3)
    mu, bh = tl.spherical(a, W)
    beta = a[:, None] * W
    np.testing.assert_allclose(np.abs(mu), np.linalg.norm(beta, axis=1), rtol=1e-14)
    np.testing.assert_allclose(mu[:, None] * bh, beta, rtol=1e-14)
    assert np.all(np.sign(mu) == np.sign(a))
    np.testing.assert_allclose(tl.imbalance(a, W, 0.5, 3.0),
                               3.0 * a**2 - 0.5 * np.sum(W**2, 1), rtol=1e-14)
    M = tl.preconditioner(a, W, 0.5, 3.0)
    d = tl.imbalance(a, W, 0.5, 3.0)
    kappa = np.sqrt(d**2 + 4 * 1.5 * mu**2)
    eq4 = ((kappa + d) / 2)[:, None, None] * np.eye(3) + ((kappa - d) / 2)[
        :, None, None] * bh[:, :, None] * bh[:, None, :]
    np.testing.assert_allclose(M, eq4, rtol=1e-12, atol=1e-12)


# ------------------------------------------------ DOP853 from switch to switch


def _raw_rhs(X, y, h, d, gamma, ea, ew, pattern):
    """θ̇ = −η⊙∇L written from the loss on a frozen activation pattern (h, n),
    θ = (a, W row-major): a smooth field."""
    n = X.shape[0]
    c = np.where(pattern.T, 1.0, gamma)  # (n, h)

    def f(_, th):
        a, W = th[:h], th[h:].reshape(h, d)
        Z = X @ W.T
        r = (c * Z) @ a - y
        da = -ea / n * ((c * Z).T @ r)
        dW = -ew / n * ((c * r[:, None] * a[None, :]).T @ X)
        return np.concatenate([da, dW.ravel()])

    return f


def _piecewise(field, th0, t_eval, X, h, d):
    """DOP853 on one pattern's smooth field at a time, stopped where some w_kᵀx_i
    changes sign and continued on the new pattern; the states at the times of
    ``t_eval`` reached before the solution starts to slide along a switching
    surface (both fields point into it), and the number of switches."""
    n = X.shape[0]

    def events(pattern):
        out = []
        for k in range(h):
            for i in range(n):
                ev = (lambda k, i: lambda t, th: X[i] @ th[h + k * d:h + (k + 1) * d]
                      )(k, i)
                ev.terminal, ev.direction = True, -1 if pattern[k, i] else 1
                out.append(ev)
        return out

    t, th, out, switches = 0.0, th0, [], 0
    pattern = (th0[h:].reshape(h, d) @ X.T) > 0
    for target in t_eval:
        while t < target:
            sol = solve_ivp(field(pattern), (t, target), th, method="DOP853",
                            rtol=1e-12, atol=1e-14, events=events(pattern))
            t, th = sol.t[-1], sol.y[:, -1]
            if sol.status != 1:
                break
            j = next(j for j, e in enumerate(sol.t_events) if e.size)
            k, i = divmod(j, n)
            new = pattern.copy()
            new[k, i] = not new[k, i]
            speed = X[i] @ field(new)(t, th)[h + k * d:h + (k + 1) * d]
            if (speed > 0) != new[k, i]:  # sliding: no pattern flow describes it
                return np.array(out), switches
            pattern, switches = new, switches + 1
        out.append(th)
    return np.array(out), switches


def _spherical_flow(X, y, delta, gamma, ea, ew, h, d):
    """(μ, β̂) flow closed by f(x) = Σ_k μ_k σ(β̂_kᵀx), c from β̂ (numeric.py)."""
    def f(_, s):
        mu, bh = s[:h], s[h:].reshape(h, d)
        # ξ from (μ, β̂): f and c only need β = μβ̂ and the sign pattern of β̂ᵀx
        xi = tl.drive(X, y, mu, bh, gamma)
        dmu, dbh = tl.spherical_rhs(mu, bh, delta, xi, ea, ew)
        return np.concatenate([dmu, dbh.ravel()])

    return f


@pytest.mark.parametrize("gamma, ea, ew, seed", [
    (0.0, 1.0, 1.0, 0), (0.0, 0.5, 2.0, 0), (0.15, 1.5, 0.4, 2), (0.15, 1.0, 1.0, 4),
])
def test_dop853_keeps_delta_and_matches_the_spherical_flow(gamma, ea, ew, seed):
    d, h, n = 3, 4, 6
    X, y, W, a = _problem(seed, d, h, n)
    # δ_k of both signs and zero: a_k² = η_a‖w_k‖²(1 + r_k)/η_w
    r = np.array([0.8, -0.6, 0.0, -0.9])
    a = np.sign(a) * np.sqrt(ea * np.sum(W**2, 1) * (1 + r) / ew)
    delta0 = tl.imbalance(a, W, ea, ew)
    np.testing.assert_allclose(delta0, ea * np.sum(W**2, 1) * r, atol=1e-12)
    def field(pattern):
        return _raw_rhs(X, y, h, d, gamma, ea, ew, pattern)

    times = np.array([0.25, 0.5, 1.0, 1.5, 2.0])
    path, switches = _piecewise(field, np.concatenate([a, W.ravel()]), times, X, h, d)
    times = times[:len(path)]
    assert switches >= 2 and len(times) >= 4  # patterns changed, and were compared
    mu0, bh0 = tl.spherical(a, W)
    sph = solve_ivp(_spherical_flow(X, y, delta0, gamma, ea, ew, h, d), (0, times[-1]),
                    np.concatenate([mu0, bh0.ravel()]), method="DOP853", rtol=1e-12,
                    atol=1e-14, t_eval=times)
    assert sph.success
    for j, th in enumerate(path):
        at, Wt = th[:h], th[h:].reshape(h, d)
        np.testing.assert_allclose(tl.imbalance(at, Wt, ea, ew), delta0, rtol=1e-9,
                                   atol=1e-10)
        mu, bh = tl.spherical(at, Wt)
        np.testing.assert_allclose(mu, sph.y[:h, j], rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(bh, sph.y[h:, j].reshape(h, d), rtol=1e-6,
                                   atol=1e-8)
    assert np.abs(path[-1] - path[0]).max() > 0.05  # the parameters moved


def test_spherical_rhs_is_accurate_far_downstream():
    # (κ + δ)/(2μ) for δ ≪ 0 without cancellation: against 50 digits
    mu, delta = np.array([1e-3, -2e-3]), np.array([-1e6, -3e4])
    bh = np.array([[1.0, 0.0], [0.0, 1.0]])
    xi = np.array([[0.3, 0.7], [0.2, -0.4]])
    _, dbh = tl.spherical_rhs(mu, bh, delta, xi, 0.7, 1.3)
    for k in range(2):
        m, dl = sp.Float(mu[k], 50), sp.Float(delta[k], 50)
        coeff = (sp.sqrt(dl**2 + 4 * sp.Float("0.7", 50) * sp.Float("1.3", 50) * m**2)
                 + dl) / (2 * m)
        proj = xi[k] - (bh[k] @ xi[k]) * bh[k]
        np.testing.assert_allclose(dbh[k], -float(coeff) * proj, rtol=1e-12)


# ------------------------------------------------------------------ claims


def test_pattern_identities_fail_for_a_wrong_preconditioner(monkeypatch):
    # the function-space claim is not vacuous: swap the rates in M_k and it fails
    def wrong(k, d, h):
        sy = tl.symbols(d, h, 1)
        w = sy["W"][k, :].T
        return tl.eta_a * sy["a"][k] ** 2 * sp.eye(d) + tl.eta_w * w * w.T

    assert tl_claims._function_space(((2, 1, 2),))[0]
    monkeypatch.setattr(tl_claims.m, "preconditioner", wrong)
    passed, *_ = tl_claims._function_space(((2, 1, 2),))
    assert not passed


def test_the_bridge_sees_every_pattern():
    passed, method, residual, detail = tl_claims.BRIDGE.check()
    assert passed and method == "exact-rational" and residual == 0
    assert detail.startswith("48 points")  # 16 patterns × 3 slopes


@pytest.mark.slow
def test_every_claim_verifies():
    report = tl.derivation().verify()
    failed = [r for r in report.results if not r.passed]
    assert not failed, report.table()
    methods = {r.name: r.method for r in report.results}
    assert sum(m == "symbolic" for m in methods.values()) >= 6


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("call, match", [
    (lambda X, y, W, a: tl.forward(X, a, W, gamma=1.0), "gamma"),
    (lambda X, y, W, a: tl.forward(X, a, W, gamma=-0.1), "gamma"),
    (lambda X, y, W, a: tl.forward(X[:, :2], a, W), "X must have d = 3"),
    (lambda X, y, W, a: tl.forward(X, a[:3], W), "same width"),
    (lambda X, y, W, a: tl.drive(X, y[:3], a, W), "y must have n"),
    (lambda X, y, W, a: tl.ntk(X, a, W, eta_a=0.0), "eta_a"),
    (lambda X, y, W, a: tl.spherical(a, W * 0), "zero row"),
    (lambda X, y, W, a: tl.kernel_distance(np.zeros((2, 2)), np.eye(2)), "non-zero"),
    (lambda X, y, W, a: tl.forward(X * np.nan, a, W), "finite"),
    (lambda X, y, W, a: tl.spherical_rhs(a * 0, W, a, W), "mu must be non-zero"),
])
def test_bad_input_names_the_argument(call, match):
    X, y, W, a = _problem(0)
    with pytest.raises((ValueError, TypeError), match=match):
        call(X, y, W, a)
