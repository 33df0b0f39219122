"""The Domain and Accuracy claims of two entries' docstrings, at the domain's corners.

``multi_neuron_linear`` and ``two_layer_relu``: each public numerical function
states its domain and its accuracy; here each claim is checked at the corners
of the stated domain (smallest and largest scales, zeros, exact balance and
alignment, extreme rates, a ReLU pre-activation exactly 0) against an
independent reference: the identity written out by hand and evaluated in
40-digit mpmath on the same float64 inputs, or (for the trajectory) the mode's
linearising lift evaluated in mpmath and, at unit scale, the raw parameter
flow integrated by SciPy's DOP853.

Errors are measured in units of eps = 2⁻⁵² times the size the docstring names
(usually "the terms' size": the same expression with every factor replaced by
its absolute value), so every claim reads "≤ K ulp of …" as in the docstrings.
"""

from __future__ import annotations

import itertools

import mpmath as mp
import numpy as np
import pytest

from exactflow.derivations import multi_neuron_linear as mnl
from exactflow.derivations import two_layer_relu as relu

EPS = np.finfo(float).eps
DPS = 40
# corners: ≈1e-100, 1, ≈1e100 (powers of two, so that scaled inputs are exact)
BIG, HALF = 2.0**332, 2.0**166  # 8.7e99 and 9.4e49
SCALES = (1 / BIG, 1.0, BIG)
SCALES50 = (1 / HALF, 1.0, HALF)
RATES = ((1e-6, 1e6), (1e6, 1e-6), (1.0, 1.0), (1e-6, 1e-6), (1e6, 1e6))


@pytest.fixture(autouse=True)
def _digits():
    with mp.workdps(DPS):
        yield


def M(x):
    """A float array as an object array of exact mpmath numbers."""
    return np.vectorize(lambda v: mp.mpf(float(v)), otypes=[object])(
        np.asarray(x, dtype=float))


def ulps(got, ref, size) -> float:
    """max |got − ref| / (eps · size) over the entries (size may broadcast)."""
    d0 = np.atleast_1d(np.asarray(M(got) - ref, dtype=object))
    diff = np.array([abs(v) for v in d0.ravel()], dtype=object).reshape(d0.shape)
    size = np.broadcast_to(np.asarray(size, dtype=object), diff.shape)
    worst = 0.0
    for dv, sv in zip(diff.ravel(), size.ravel()):
        if dv == 0:
            continue
        if sv == 0:
            return float("inf")
        worst = max(worst, float(dv / (EPS * sv)))
    return worst


def kron(x, y):
    return np.block([[x[i, j] * y for j in range(x.shape[1])]
                     for i in range(x.shape[0])])


# ------------------------------------------------------------ multi_neuron_linear

A_BASE = np.array([[1.5, 0.0, -0.75], [0.25, 2.0, 0.0]])  # h = 2, c = 3 (a zero)
W_BASE = np.array([[0.875, -1.25], [0.0, 0.5]])  # h = 2, d = 2
X_BASE = np.array([[1.0, -0.5], [0.0, 2.0], [0.75, 0.0]])  # n = 3


@pytest.mark.parametrize("sa, sw", list(itertools.product(SCALES, SCALES)))
@pytest.mark.parametrize("ea, ew", RATES)
def test_mnl_imbalance_preconditioner_corners(sa, sw, ea, ew):
    """Domain: entries {0} ∪ [1e-100, 1e100], rates [1e-6, 1e6]; Accuracy: 2 ulp of
    the terms' size per entry (one product of two factors per term)."""
    A, W = sa * A_BASE, sw * W_BASE
    a, w, eta_a, eta_w = M(A), M(W), mp.mpf(ea), mp.mpf(ew)
    ref = eta_w * a @ a.T - eta_a * w @ w.T
    size = eta_w * abs(a) @ abs(a).T + eta_a * abs(w) @ abs(w).T
    assert ulps(mnl.imbalance(A, W, ea, ew), ref, size) <= 2
    d, c = W.shape[1], A.shape[1]
    Id, Ic = M(np.eye(d)), M(np.eye(c))
    ref = eta_w * kron(a.T @ a, Id) + eta_a * kron(Ic, w.T @ w)
    size = eta_w * kron(abs(a).T @ abs(a), Id) + eta_a * kron(Ic, abs(w).T @ abs(w))
    assert ulps(mnl.preconditioner(A, W, ea, ew), ref, size) <= 2


def _exact_zero_imbalance():
    # exact balance: Δ = 0 to the last bit for A = W (h = c = d) at equal rates
    A = BIG * np.array([[1.0, 2.0], [3.0, -4.0]])
    assert not np.any(mnl.imbalance(A, A.copy(), 1e6, 1e6))


def test_mnl_exact_balance_gives_exact_zero():
    _exact_zero_imbalance()


@pytest.mark.parametrize("sa, sw, sx", [(s, t, x) for s in SCALES50 for t in SCALES50
                                        for x in (2.0**-83, 2.0**83)])
@pytest.mark.parametrize("ea, ew", RATES[:3])
def test_mnl_beta_dot_and_ntk_corners(sa, sw, sx, ea, ew):
    """Domain: weights 1e±50 and Σxx = mmᵀ, X with m, X at 1e±25, Σxy 1e±50;
    Accuracy: 8 ulp of the terms' size per entry."""
    A, W, X = sa * A_BASE, sw * W_BASE, sx * X_BASE
    a, w, x, eta_a, eta_w = M(A), M(W), M(X), mp.mpf(ea), mp.mpf(ew)
    m = sx * np.array([[1.0, 0.0], [0.5, -0.75]])
    sxx = m @ m.T
    sxy = sw * sa * np.array([[0.5, -1.0, 0.0], [0.25, 0.0, 2.0]])
    S, Y = M(sxx), M(sxy)
    R = S @ (w.T @ a) - Y
    ref = -(eta_a * (w.T @ w) @ R + eta_w * R @ (a.T @ a))
    Ra = abs(S) @ (abs(w).T @ abs(a)) + abs(Y)
    size = eta_a * (abs(w).T @ abs(w)) @ Ra + eta_w * Ra @ (abs(a).T @ abs(a))
    assert ulps(mnl.beta_dot(A, W, sxx, sxy, ea, ew), ref, size) <= 8
    c = A.shape[1]
    Ic = M(np.eye(c))
    ref = eta_w * kron(a.T @ a, x @ x.T) + eta_a * kron(Ic, x @ w.T @ w @ x.T)
    ax, aw, aa = abs(x), abs(w), abs(a)
    size = eta_w * kron(aa.T @ aa, ax @ ax.T) + eta_a * kron(Ic, ax @ aw.T @ aw @ ax.T)
    assert ulps(mnl.ntk(A, W, X, ea, ew), ref, size) <= 8


def _spectra_mp(sig, delta, eta_a, eta_w):
    # (κ ± δ)/2 with the side that cancels rationalised: (κ + δ)(κ − δ) = 4η_aη_wσ²
    kappa = mp.sqrt(delta**2 + 4 * eta_a * eta_w * sig**2)
    if delta >= 0:
        return (kappa + delta) / 2, 2 * eta_a * eta_w * sig**2 / (kappa + delta)
    return 2 * eta_a * eta_w * sig**2 / (kappa - delta), (kappa - delta) / 2


@pytest.mark.parametrize("sb, sd", list(itertools.product(SCALES, (0.0,) + SCALES)))
@pytest.mark.parametrize("sign", (1.0, -1.0))
@pytest.mark.parametrize("ea, ew", RATES)
def test_mnl_neuron_preconditioner_corners(sb, sd, sign, ea, ew):
    """Domain: rank-one β_k ≠ 0 with entries 1e±100, δ_k ∈ {0} ∪ ±[1e-100, 1e100];
    Accuracy: 4 ulp of κ = ‖M_k‖ per entry, and each term (κ ± δ)/2 to 4 ulp of
    itself (also (κ − δ)/2 ≈ η_aη_w‖β‖²/δ far below κ)."""
    w, a = np.array([1.0, -2.0, 0.0]), np.array([3.0, 0.5])
    B = sb * np.outer(w, a)  # exact
    dl = sign * sd
    b, delta, eta_a, eta_w = M(B), mp.mpf(dl), mp.mpf(ea), mp.mpf(ew)
    n2 = sum(v**2 for v in b.ravel())
    g, h = _spectra_mp(mp.sqrt(n2), delta, eta_a, eta_w)
    Pa, Pw = b.T @ b / n2, b @ b.T / n2
    ref = g * kron(Pa, M(np.eye(3))) + h * kron(M(np.eye(2)), Pw)
    got = mnl.neuron_preconditioner(B, dl, ea, ew)
    assert ulps(got, ref, g + h) <= 4
    # the two terms separately: the g term sits on the (c, c) block diagonal
    # times I_d, so entry (0, 0) is g·Pa00 + h·Pw00 and (0, d) is g·Pa01 alone
    # (the smaller one is formed at the scale of |δ|: it flushes to 0 below
    # 1e-308·|δ|, so the claim adds 1e-300·|δ|, i.e. 4 ulp of 5.6e-285·|δ|)
    floor = abs(delta) * mp.mpf(5.6e-285)
    assert ulps(got[0, 3], g * Pa[0, 1], abs(g * Pa[0, 1]) + floor) <= 4
    assert ulps(got[0, 1], h * Pw[0, 1], abs(h * Pw[0, 1]) + floor) <= 4


BETAS = {  # (d, c) matrices of exact rank with distinct singular values
    "full": np.array([[2.0, 0.5, 0.0], [-1.0, 1.0, 0.25]]),
    "rank1": np.outer([1.0, -2.0, 0.0], [3.0, 0.5]),
    "zero": np.zeros((2, 3)),
}


def _gram_modes(b, side):
    """Non-zero σ_i² of β with the singular vectors on one side, from the 40-digit
    eigen-decomposition of βᵀβ (side "v") or ββᵀ (side "u")."""
    gram = b.T @ b if side == "v" else b @ b.T
    E, Q = mp.eigsy(mp.matrix(gram.tolist()))
    top = max([abs(e) for e in E] + [mp.mpf(0)])
    keep = [i for i in range(len(E)) if top > 0 and E[i] > top * mp.mpf(10) ** -25]
    vecs = [np.array([Q[r, i] for r in range(Q.rows)], dtype=object) for i in keep]
    return [mp.sqrt(E[i]) for i in keep], vecs


@pytest.mark.parametrize("name", sorted(BETAS))
@pytest.mark.parametrize("sb, sd", list(itertools.product(SCALES, (0.0,) + SCALES)))
@pytest.mark.parametrize("sign", (1.0, -1.0))
@pytest.mark.parametrize("ea, ew", RATES[:3])
def test_mnl_rank_aware_and_principal_corners(name, sb, sd, sign, ea, ew):
    """rank_aware_gh: G, H to 8 ulp of their own norms; principal_sqrt_gh: to 8 ulp
    of max(|δ|, κ_max) (its (κ − δ)/2 subtracts).  Domain: entries of β and δ in
    {0} ∪ ±[1e-100, 1e100], rates [1e-6, 1e6]."""
    B, dl = sb * BETAS[name], sign * sd
    b, delta, eta_a, eta_w = M(B), mp.mpf(dl), mp.mpf(ea), mp.mpf(ew)
    G, H = mnl.rank_aware_gh(B, dl, ea, ew)
    for got, side, pick in ((G, "v", 0), (H, "u", 1)):
        sig, vecs = _gram_modes(b, side)
        n = b.shape[1] if side == "v" else b.shape[0]
        ref = np.full((n, n), mp.mpf(0), dtype=object)
        top = mp.mpf(0)
        for s_i, v in zip(sig, vecs):
            f = _spectra_mp(s_i, delta, eta_a, eta_w)[pick]
            ref = ref + f * np.outer(v, v)
            top = max(top, f)
        assert ulps(got, ref, top + abs(delta) * mp.mpf(5.6e-285)) <= 8
    Gp, Hp = mnl.principal_sqrt_gh(B, dl, ea, ew)
    kmax = mp.mpf(0)
    for got, gram, sgn in ((Gp, b.T @ b, 1), (Hp, b @ b.T, -1)):
        n = gram.shape[0]
        E, Q = mp.eigsy(mp.matrix((delta**2 * np.eye(n, dtype=object)
                                   + 4 * eta_a * eta_w * gram).tolist()))
        root = np.full((n, n), mp.mpf(0), dtype=object)
        for i in range(n):
            q = np.array([Q[r, i] for r in range(n)], dtype=object)
            root = root + mp.sqrt(max(E[i], 0)) * np.outer(q, q)
            kmax = max(kmax, mp.sqrt(max(E[i], 0)))
        ref = (sgn * delta * np.eye(n, dtype=object) + root) / 2
        assert ulps(got, ref, max(abs(delta), kmax)) <= 8


@pytest.mark.parametrize("name", ["full", "rank1", "zero"])
@pytest.mark.parametrize("sb, sd", list(itertools.product(SCALES, (0.0,) + SCALES)))
@pytest.mark.parametrize("sign", (1.0, -1.0))
@pytest.mark.parametrize("ea, ew", RATES[:3])
def test_mnl_isotropic_init_corners(name, sb, sd, sign, ea, ew):
    """η_w AAᵀ − η_a WWᵀ = δI to 8 ulp of max(|δ|, κ_max), WᵀA = β to 8 ulp of
    ‖β‖ (evaluated exactly on the returned float A, W)."""
    B, dl = sb * BETAS[name].T, sign * sd  # (3, 2): d = 3, c = 2
    d, c = B.shape
    h = c if dl >= 0 else d
    A, W = mnl.isotropic_init(B, dl, h=h, eta_a=ea, eta_w=ew)
    a, w, b, delta = M(A), M(W), M(B), mp.mpf(dl)
    eta_a, eta_w = mp.mpf(ea), mp.mpf(ew)
    sig = mp.sqrt(max(mp.eigsy(mp.matrix((b.T @ b).tolist()))[0]))
    kmax = mp.sqrt(delta**2 + 4 * eta_a * eta_w * sig**2)
    Delta = eta_w * a @ a.T - eta_a * w @ w.T - delta * np.eye(h, dtype=object)
    assert ulps(np.zeros((h, h)), Delta, max(abs(delta), kmax)) <= 8
    assert ulps(W.T @ A * 0, w.T @ a - b, sig if sig else 1) <= 8


@pytest.mark.parametrize("sb, sx", [(s, x) for s in SCALES50 for x in (2.0**-83,
                                                                       2.0**83)])
@pytest.mark.parametrize("sd", (0.0, 1e-100, -1e-50, 1e50, -1e100))
@pytest.mark.parametrize("ea, ew", RATES[:3])
def test_mnl_singular_value_rates_corners(sb, sx, sd, ea, ew):
    """λ_i to 4 ulp of λ_max; λ̇_i to 16 ulp of κ_i(‖Σxx‖‖β‖ + ‖Σxy‖)."""
    B = sb * BETAS["full"]
    b, delta, eta_a, eta_w = M(B), mp.mpf(sd), mp.mpf(ea), mp.mpf(ew)
    m = sx * np.array([[1.0, 0.0], [0.5, -0.75]])
    sxx, sxy = m @ m.T, sb * sx**2 * np.array([[0.5, -1.0, 0.0], [0.25, 0.0, 2.0]])
    lam, rate = mnl.singular_value_rates(B, sd, sxx, sxy, ea, ew)
    sig, vecs = _gram_modes(b, "v")
    order = np.argsort([-float(s) for s in sig])
    sig, vecs = [sig[i] for i in order], [vecs[i] for i in order]
    R = M(sxx) @ b - M(sxy)
    fro = mp.sqrt(sum(v**2 for v in M(sxx).ravel())) * mp.sqrt(
        sum(v**2 for v in b.ravel())) + mp.sqrt(sum(v**2 for v in M(sxy).ravel()))
    assert ulps(lam, np.array(sig, dtype=object), sig[0]) <= 4
    for i, (s_i, v) in enumerate(zip(sig, vecs)):
        u = b @ v / s_i
        kappa = sum(_spectra_mp(s_i, delta, eta_a, eta_w))
        ref = -kappa * (u @ R @ v)
        assert ulps(rate[i:i + 1], np.array([ref]), kappa * fro) <= 16


@pytest.mark.parametrize("scale", SCALES)
def test_mnl_aligned_modes_corners(scale):
    """α_k, γ_k, s_k to 2 ulp of themselves, u_k, v_k to 2 ulp; zero rows and a
    frozen neuron included; a misaligned start is refused naming the inputs."""
    bs = scale * np.array([[0.0, -3.0], [0.0, 0.0], [1.5, 0.0]])  # d = 3, c = 2
    W0 = scale * np.array([[-0.0, 0.0, 0.0], [0.0, 0.0, 2.0]])  # w_0 = 0
    A0 = scale * np.array([[0.0, 0.75], [-0.5, 0.0]])
    U, V, al, ga, s = mnl.aligned_modes(A0, W0, bs)
    a0, w0, b = M(A0), M(W0), M(bs)
    for k in range(2):
        gk = mp.sqrt(sum(v**2 for v in a0[k]))
        ak = mp.sqrt(sum(v**2 for v in w0[k]))
        assert ulps(ga[k:k + 1], np.array([gk]), gk) <= 2
        assert ulps(al[k:k + 1], np.array([ak]), max(ak, 1)) <= 2
        vk = a0[k] / gk
        uk = w0[k] / ak if ak else b @ vk / mp.sqrt(sum(x**2 for x in b @ vk))
        assert ulps(U[k], uk, 1) <= 2 and ulps(V[k], vk, 1) <= 2
        sk = uk @ b @ vk
        assert ulps(s[k:k + 1], np.array([sk]), abs(sk)) <= 2
    with pytest.raises(ValueError, match="aligned"):
        mnl.aligned_modes(A0, W0 + scale * np.array([[0, 0, 0], [0.5, 0, 0]]), bs)


def _mode_mp(t, gamma0, alpha0, s, eta_a, eta_w):
    """(γ(t), α(t)) of α̇ = −η_w γ(αγ − s), γ̇ = −η_a α(αγ − s), by hand.

    x = (α̃, γ̃) = ((η_a/η_w)^¼ α, (η_w/η_a)^¼ γ) in τ = √(η_aη_w) t obeys
    ẋ = −(α̃γ̃ − s)(γ̃, α̃); with δ̃ = γ̃² − α̃² (conserved) and
    N = [[−δ̃/2, s], [s, δ̃/2]] one checks N x = ẋ + ½|x|² x, so z = ρx with
    ρ̇ = ½|x|²ρ solves ż = N z: z(τ) = e^{τN}x₀ and ρ² = 1 + ∫₀^τ|z|², where
    e^{τN} = cosh(λτ)I + sinh(λτ)/λ N and ∫₀^τ e^{2σN} =
    sinh(2λτ)/(2λ) I + (cosh(2λτ) − 1)/(2λ²) N, λ² = δ̃²/4 + s².
    """
    t, g0, a0, s, ea, ew = map(mp.mpf, (t, gamma0, alpha0, s, eta_a, eta_w))
    k = (ew / ea) ** mp.mpf(0.25)
    x0 = mp.matrix([a0 / k, k * g0])
    dl = x0[1] ** 2 - x0[0] ** 2
    N = mp.matrix([[-dl / 2, s], [s, dl / 2]])
    tau = mp.sqrt(ea * ew) * t
    lam = mp.sqrt(dl**2 / 4 + s**2)
    eye = mp.eye(2)
    if lam == 0:
        E, integral = eye, tau * eye
    else:
        E = mp.cosh(lam * tau) * eye + mp.sinh(lam * tau) / lam * N
        integral = (mp.sinh(2 * lam * tau) / (2 * lam) * eye
                    + (mp.cosh(2 * lam * tau) - 1) / (2 * lam**2) * N)
    z = E * x0
    rho = mp.sqrt(1 + (x0.T * integral * x0)[0])
    return z[1] / rho / k, k * z[0] / rho


# modes (γ₀, α₀, s) at unit scale: growing from small, balanced, at the saddle
# (α₀ = γ₀ = 0 is at rest), negative target, overshooting, zero target
MODES = [(0.01, 0.02, 1.0), (0.5, 0.5, 2.0), (0.0, 0.0, 1.5), (0.3, 0.1, -1.0),
         (3.0, 0.2, 0.5), (0.7, 0.4, 0.0), (0.0, 0.6, 0.0), (0.5, 0.5, -1.0)]


@pytest.mark.parametrize("scale", (2.0**-498, 1.0, 2.0**498))  # ≈1e∓150
@pytest.mark.parametrize("ea, ew", RATES[:3])
@pytest.mark.parametrize("tau", (0.0, 0.3, 4.0, 1e3, 1e290))
def test_mnl_trajectory_corners(scale, ea, ew, tau):
    """Relative error ≤ 1e-12 per mode (in ‖(α, γ)‖) against the 40-digit lift,
    at entries ≈1e±150, rates 1e±6 and times up to 1e290 time units."""
    h = len(MODES)
    A0, W0, bs = np.zeros((h, h)), np.zeros((h, h)), np.zeros((h, h))
    for i, (g0, a0, s) in enumerate(MODES):
        A0[i, i], W0[i, i], bs[i, i] = scale * g0, scale * a0, scale**2 * s
    with np.errstate(over="ignore"):
        t = tau / (np.sqrt(ea * ew) * scale**2)
    t = min(t, 1e305)  # the largest time: τ ≈ 1e5 at entries ≈1e-150
    A, W = mnl.trajectory(np.array(t), A0, W0, bs, ea, ew)
    for i, (g0, a0, s) in enumerate(MODES):
        g, a = _mode_mp(t, A0[i, i], W0[i, i], bs[i, i], ea, ew)
        size = mp.sqrt(g**2 + a**2)
        if size == 0:
            assert A[i, i] == 0 and W[i, i] == 0
            continue
        assert ulps(A[i, i], g, size) * EPS <= 1e-12, (i, A[i, i], g)
        assert ulps(W[i, i], a, size) * EPS <= 1e-12, (i, W[i, i], a)
    off = ~np.eye(h, dtype=bool)
    assert not np.any(A[off]) and not np.any(W[off])


def test_mnl_trajectory_against_dop853_raw_flow():
    """The raw flow Ẇ = −η_w A Rᵀ, Ȧ = −η_a W R (Σxx = I, Σxy = β*) written out
    by hand and integrated at rtol 1e-12: a rotated aligned start (d = 3, c = 2)."""
    solve_ivp = pytest.importorskip("scipy.integrate").solve_ivp
    rng = np.random.default_rng(18)
    Qd, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    Qc, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    bs = Qd[:, :2] @ np.diag([2.0, -0.5]) @ Qc.T
    W0 = np.diag([0.05, 0.7]) @ Qd[:, :2].T
    A0 = np.diag([0.02, 0.1]) @ Qc.T
    ea, ew = 0.5, 2.0

    def rhs(_t, y):
        W, A = y[:6].reshape(2, 3), y[6:].reshape(2, 2)
        R = W.T @ A - bs
        return np.concatenate(((-ew * A @ R.T).ravel(), (-ea * W @ R).ravel()))

    ts = np.array([0.5, 3.0, 12.0])
    sol = solve_ivp(rhs, (0, ts[-1]), np.concatenate((W0.ravel(), A0.ravel())),
                    method="DOP853", rtol=1e-12, atol=1e-14, t_eval=ts)
    A, W = mnl.trajectory(ts, A0, W0, bs, ea, ew)
    ref = sol.y.T
    got = np.concatenate((W.reshape(3, -1), A.reshape(3, -1)), axis=1)
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10)


@pytest.mark.parametrize("scale", (2.0**-166, 1.0, 2.0**166))
def test_mnl_trajectory_ntk_corners(scale):
    """trajectory_ntk: 1e-12 relative to the kernel's norm against the kernel of
    the 40-digit state (the trajectory's error carried through two factors)."""
    h = 3
    A0, W0, bs = np.zeros((h, h)), np.zeros((h, h)), np.zeros((h, h))
    for i, (g0, a0, s) in enumerate(MODES[:3]):
        A0[i, i], W0[i, i], bs[i, i] = scale * g0, scale * a0, scale**2 * s
    ea, ew = 1e-6, 1e6
    t = 2.0 / (np.sqrt(ea * ew) * scale**2)
    X = np.array([[1.0, 0.5, 0.0], [0.0, -1.0, 2.0]])
    K = mnl.trajectory_ntk(np.array(t), A0, W0, bs, ea, ew, X=X)
    P = mnl.trajectory_ntk(np.array(t), A0, W0, bs, ea, ew)
    a = np.full((h, h), mp.mpf(0), dtype=object)
    w = np.full((h, h), mp.mpf(0), dtype=object)
    for i in range(h):
        a[i, i], w[i, i] = _mode_mp(t, A0[i, i], W0[i, i], bs[i, i], ea, ew)
    x, Ih = M(X), M(np.eye(h))
    eta_a, eta_w = mp.mpf(ea), mp.mpf(ew)
    refK = eta_w * kron(a.T @ a, x @ x.T) + eta_a * kron(Ih, x @ w.T @ w @ x.T)
    refP = eta_w * kron(a.T @ a, Ih) + eta_a * kron(Ih, w.T @ w)
    for got, ref in ((K, refK), (P, refP)):
        norm = mp.sqrt(sum(v**2 for v in ref.ravel()))
        assert ulps(got, ref, norm) * EPS <= 1e-12


# ------------------------------------------------------------------ two_layer_relu

R_SCALES = (1e-3, 1.0, 1e3)
GAMMAS = (0.0, 0.5, 0.99)


def _relu_net(sa, sw, sx):
    a = sa * np.array([1.0, -0.5, 0.0])
    W = sw * np.array([[1.0, -1.0], [0.25, 0.0], [-2.0, 0.5]])
    X = sx * np.array([[1.0, 1.0], [0.0, 0.0], [-0.5, 3.0], [2.0, -1.0]])
    # neuron 0 at x_0: w_0ᵀx_0 = 0 exactly (σ′(0) = 1); x_1 = 0 (every z = 0)
    y = sa * sw * sx * np.array([0.5, -1.0, 0.0, 2.0])
    return a, W, X, y


def _sigma(z, g):
    return z if z >= 0 else g * z


def _slope(z, g):
    return mp.mpf(1) if z >= 0 else g


@pytest.mark.parametrize("sa, sw, sx", list(itertools.product(R_SCALES, repeat=3)))
@pytest.mark.parametrize("gamma", GAMMAS)
def test_relu_forward_drive_slopes_corners(sa, sw, sx, gamma):
    """slopes exact (1 at z = 0); f to 4 ulp of Σ_k|a_k|Σ_p|w_kp||x_ip|; ξ to 8 ulp
    of (1/n)Σ_i|x_i|(Σ_k|a_k|Σ_p|w_kp||x_ip| + |y_i|) per entry; flow_rhs to 8
    ulp of the terms' size (the same with |w_k|, |a_k| and the rates)."""
    a, W, X, y = _relu_net(sa, sw, sx)
    am, wm, xm, ym, g = M(a), M(W), M(X), M(y), mp.mpf(gamma)
    h, n = len(a), len(y)
    Z = wm @ xm.T  # exact here: the pre-activations are exact in 40 digits
    C = np.array([[_slope(Z[k, i], g) for i in range(n)] for k in range(h)])
    np.testing.assert_array_equal(relu.activation_slopes(X, W, gamma),
                                  C.astype(float))
    assert relu.activation_slopes(X, W, gamma)[0, 0] == 1.0  # z = 0 exactly
    f = np.array([sum(am[k] * _sigma(Z[k, i], g) for k in range(h))
                  for i in range(n)])
    Zabs = abs(wm) @ abs(xm).T  # Σ_p |w_kp||x_ip|: z may cancel
    fsize = np.array([sum(abs(am[k]) * Zabs[k, i] for k in range(h))
                      for i in range(n)])
    assert ulps(relu.forward(X, a, W, gamma), f, fsize) <= 4
    r = f - ym
    xi = np.array([sum(C[k, i] * xm[i] * r[i] for i in range(n)) / n
                   for k in range(h)])
    rsize = fsize + abs(ym)
    size = np.array([sum(abs(xm[i]) * rsize[i] for i in range(n)) / n
                     for k in range(h)])
    assert ulps(relu.drive(X, y, a, W, gamma), xi, size) <= 8
    for ea, ew in ((1e-3, 1e3), (1e3, 1e-3)):
        da, dW = relu.flow_rhs(X, y, a, W, gamma, ea, ew)
        ref_a = np.array([-ea * (wm[k] @ xi[k]) for k in range(h)])
        size_a = np.array([ea * (abs(wm[k]) @ size[k]) for k in range(h)])
        assert ulps(da, ref_a, size_a) <= 8
        ref_w = np.array([-ew * am[k] * xi[k] for k in range(h)])
        assert ulps(dW, ref_w, ew * abs(am)[:, None] * size) <= 8


@pytest.mark.parametrize("sa, sw, sx", list(itertools.product(R_SCALES, repeat=3)))
@pytest.mark.parametrize("gamma", (0.0, 0.99))
@pytest.mark.parametrize("ea, ew", ((1e-3, 1e3), (1e3, 1e-3)))
def test_relu_ntk_imbalance_preconditioner_corners(sa, sw, sx, gamma, ea, ew):
    """NTK Σ_p η_p ∂_pf(x_i)∂_pf(x_j) (the parameter gradients written out) to 8 ulp
    of the terms' size per entry; δ_k, M_k to 2 ulp of theirs."""
    a, W, X, _ = _relu_net(sa, sw, sx)
    am, wm, xm, g = M(a), M(W), M(X), mp.mpf(gamma)
    eta_a, eta_w = mp.mpf(ea), mp.mpf(ew)
    h, n, d = len(a), X.shape[0], X.shape[1]
    Z = wm @ xm.T
    # ∂f(x_i)/∂a_k = σ(z_ki), ∂f(x_i)/∂w_k = a_k σ′(z_ki) x_i
    Ja = np.array([[_sigma(Z[k, i], g) for k in range(h)] for i in range(n)])
    Jw = np.array([np.concatenate([am[k] * _slope(Z[k, i], g) * xm[i]
                                   for k in range(h)]) for i in range(n)])
    ref = eta_a * Ja @ Ja.T + eta_w * Jw @ Jw.T
    Za = (abs(wm) @ abs(xm).T).T  # Σ_p |w_kp||x_ip| for |σ(z_ki)|: z may cancel
    size = eta_a * Za @ Za.T + eta_w * abs(Jw) @ abs(Jw).T
    assert ulps(relu.ntk(X, a, W, gamma, ea, ew), ref, size) <= 8
    ref = eta_w * am**2 - eta_a * np.array([sum(v**2 for v in row) for row in wm])
    size = eta_w * am**2 + eta_a * np.array([sum(v**2 for v in row) for row in wm])
    assert ulps(relu.imbalance(a, W, ea, ew), ref, size) <= 2
    ref = np.array([eta_w * am[k] ** 2 * np.eye(d, dtype=object)
                    + eta_a * np.outer(wm[k], wm[k]) for k in range(h)])
    size = np.array([eta_w * am[k] ** 2 * np.eye(d, dtype=object)
                     + eta_a * abs(np.outer(wm[k], wm[k])) for k in range(h)])
    assert ulps(relu.preconditioner(a, W, ea, ew), ref, size) <= 2


@pytest.mark.parametrize("sa, sw", list(itertools.product(R_SCALES, repeat=2)))
def test_relu_spherical_corners(sa, sw):
    """μ_k and β̂_k to 2 ulp of |μ_k| and of 1; a zero row of W is refused."""
    a = sa * np.array([1.0, -0.5, 0.0])
    W = sw * np.array([[1.0, -1.0], [0.25, 0.0], [-2.0, 0.5]])
    mu, bh = relu.spherical(a, W)
    for k in range(3):
        nk = mp.sqrt(sum(mp.mpf(v) ** 2 for v in W[k]))
        assert ulps(mu[k:k + 1], np.array([mp.mpf(a[k]) * nk]), abs(a[k]) * nk) <= 2
        assert ulps(bh[k], M(W[k]) / nk, 1) <= 2
    with pytest.raises(ValueError, match="W"):
        relu.spherical(a, np.vstack([W[:2], np.zeros((1, 2))]))


@pytest.mark.parametrize("scale", R_SCALES)
@pytest.mark.parametrize("kind", ("equal", "tiny", "far", "opposite"))
def test_relu_kernel_distance_corners(scale, kind):
    """S to 4 ulp of √S + 4 ulp (so relative for S ≫ eps²), S = 0 for K₁ = cK₀."""
    K0 = scale * np.array([[2.0, -1.0], [-1.0, 3.0]])
    K1 = {"equal": 4.0 * K0, "tiny": K0 + scale * np.array([[0, 1e-9], [1e-9, 0]]),
          "far": scale * np.array([[0.0, 1.0], [1.0, 0.0]]), "opposite": -K0}[kind]
    k0, k1 = M(K0), M(K1)
    inner = sum(x * y for x, y in zip(k0.ravel(), k1.ravel()))
    n0 = mp.sqrt(sum(x**2 for x in k0.ravel()))
    n1 = mp.sqrt(sum(x**2 for x in k1.ravel()))
    S = 1 - inner / (n0 * n1)
    got = relu.kernel_distance(K0, K1)
    assert ulps(np.array([got]), np.array([S]), mp.sqrt(S) + EPS) <= 4
    if kind == "equal":
        assert got == 0.0


@pytest.mark.parametrize("smu, sd",
                         list(itertools.product(R_SCALES, (0.0,) + R_SCALES)))
@pytest.mark.parametrize("sign", (1.0, -1.0))
@pytest.mark.parametrize("ea, ew", ((1e-3, 1e3), (1e3, 1e-3), (1e-3, 1e-3)))
def test_relu_spherical_rhs_corners(smu, sd, sign, ea, ew):
    """μ̇ to 4 ulp of κ Σ|β̂||ξ|; β̂̇ to 8 ulp of (κ + δ)/(2|μ|) Σ(|ξ| + |β̂||β̂ᵀξ|),
    also for δ ≪ 0 (κ + δ = 4η_aη_wμ²/(κ − δ), no cancellation) and δ = 0."""
    mu = smu * np.array([1.0, -0.25])
    delta = sign * sd * np.array([1.0, -1.0])
    b = np.array([[3.0, 4.0], [1.0, 0.0]])
    bh = b / np.linalg.norm(b, axis=-1, keepdims=True)
    xi = np.array([[0.5, -2.0], [0.0, 1.0]]) * 1e3
    dmu, dbh = relu.spherical_rhs(mu, bh, delta, xi, ea, ew)
    eta_a, eta_w = mp.mpf(ea), mp.mpf(ew)
    for k in range(2):
        m, dl = mp.mpf(mu[k]), mp.mpf(delta[k])
        B, Xi = M(bh[k]), M(xi[k])
        kappa = mp.sqrt(dl**2 + 4 * eta_a * eta_w * m**2)
        along = B @ Xi
        ref = -kappa * along
        assert ulps(dmu[k:k + 1], np.array([ref]), kappa * (abs(B) @ abs(Xi))) <= 4
        coeff = (kappa + dl) / (2 * m)
        ref = -coeff * (Xi - along * B)
        size = abs(coeff) * (abs(Xi) + abs(B) * (abs(B) @ abs(Xi)))
        assert ulps(dbh[k], ref, size) <= 8


def test_relu_zero_preactivation_regression():
    """Regression: W @ Xᵀ (BLAS, fused multiply-add) gave w·x = −8.7e-23 for
    w = 1e-3(1, −1), x = 1e-3(1, 1), so σ′ was γ instead of σ′(0) = 1 and the
    NTK's D entry was off by 1 − γ."""
    W, X, a = 1e-3 * np.array([[1.0, -1.0]]), 1e-3 * np.array([[1.0, 1.0]]), [2.0]
    assert relu.activation_slopes(X, W, 0.5)[0, 0] == 1.0
    xx = sum(mp.mpf(v) ** 2 for v in X[0])
    ref = 4 * xx  # η_a σ(0)² + η_w a² σ′(0)² ‖x‖², a = 2, σ′(0) = 1
    assert ulps(relu.ntk(X, a, W, 0.5), np.array([[ref]]), ref) <= 2


def test_isotropic_init_tiny_beta_huge_delta_regression():
    """Regression: β ≈ 1e-100, δ = 1e100 gave W = 0 (so WᵀA = 0 ≠ β): the
    smaller factor came from (κ − δ)/2, which underflows at unit scale."""
    B = 1e-100 * np.array([[2.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    for dl, ea, ew in ((1e100, 1e-6, 1e6), (-1e100, 1e6, 1e-6), (1e100, 1.0, 1.0)):
        A, W = mnl.isotropic_init(B, dl, eta_a=ea, eta_w=ew)
        assert np.all(np.linalg.norm(W, axis=1) > 0)
        resid = M(W).T @ M(A) - M(B)
        assert ulps(np.zeros_like(B), resid, mp.mpf(np.linalg.norm(B, 2))) <= 8
