"""Width-d linear network on scalar data: facts checked against independent references.

References here share no code with the library's closed forms: scipy's DOP853
integrating a hand-written right-hand side of the raw (u, w) flow, the 50-digit
textbook evaluation of ``wide_linear_scalar_reference.py``, exact rational
arithmetic, and the definitions of the observables evaluated on integrated
trajectories.
"""

from __future__ import annotations

import doctest
from fractions import Fraction

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from exactflow.derivations import wide_linear_scalar as wl
from tests.common import bounded_floats, tolerance

from .wide_linear_scalar_reference import NAMES, exact_mp, random_case


def rhs(alpha, beta, kappa, eta_u, eta_w):
    """u̇ = η_u κ w (β − ακ u·w), ẇ = η_w κ u (β − ακ u·w); τ̇ = κ r appended."""

    def f(_t, y):
        d = (len(y) - 1) // 2
        u, w = y[:d], y[d:2 * d]
        r = beta - alpha * kappa * (u @ w)
        return np.concatenate((eta_u * kappa * r * w, eta_w * kappa * r * u,
                               [kappa * r]))

    return f


def integrate(u0, w0, alpha, beta, kappa, eta_u, eta_w, ts, rtol=1e-12):
    sol = solve_ivp(rhs(alpha, beta, kappa, eta_u, eta_w), (0.0, float(ts[-1])),
                    np.concatenate((u0, w0, [0.0])), method="DOP853", rtol=rtol,
                    atol=1e-14, t_eval=ts)
    assert sol.success
    d = len(u0)
    return sol.y[:d].T, sol.y[d:2 * d].T, sol.y[-1]


coef = bounded_floats(-1.5, 1.5)
rates = bounded_floats(0.2, 4.0)
KINDS = ["free", "P+=0", "P-=0", "u0=0", "w0=0", "beta=0", "parallel"]


def make_init(d, seed, kind, eta_u, eta_w):
    rng = np.random.default_rng(seed)
    u0, w0 = rng.normal(size=d), rng.normal(size=d)
    rho = np.sqrt(eta_u / eta_w)
    if kind == "P+=0":  # u0 = −ρ w0: the orbit can only shrink towards the origin
        u0 = -rho * w0
    elif kind == "P-=0":
        u0 = rho * w0
    elif kind == "u0=0":
        u0 = np.zeros(d)
    elif kind == "w0=0":
        w0 = np.zeros(d)
    elif kind == "parallel":
        u0 = 0.7 * w0
    return u0, w0


@settings(deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**31 - 1), coef, st.floats(0.2, 3.0),
       st.floats(0.3, 2.0), rates, rates, st.sampled_from(KINDS))
@example(3, 1, 1.0, 1.0, 1.0, 1.0, 1.0, "P+=0")
@example(3, 1, -1.0, 1.0, 1.0, 2.0, 0.5, "P-=0")
@example(2, 2, 0.7, 0.5, 1.3, 1.0, 3.0, "u0=0")
@example(4, 3, -0.4, 2.0, 0.5, 0.3, 1.0, "w0=0")
@example(5, 4, 0.0, 1.0, 1.0, 1.0, 1.0, "beta=0")
def test_trajectory_matches_dop853(d, seed, beta, alpha, kappa, eta_u, eta_w, kind):
    if kind == "beta=0":
        beta = 0.0
    u0, w0 = make_init(d, seed, kind, eta_u, eta_w)
    ts = np.linspace(0.0, 3.0, 7)
    U, W, tau = integrate(u0, w0, alpha, beta, kappa, eta_u, eta_w, ts)
    u, w = wl.trajectory(ts, u0, w0, alpha, beta, kappa, eta_u, eta_w)
    assert u.shape == w.shape == (7, d)
    scale = 1.0 + np.max(np.abs(U)) + np.max(np.abs(W))
    assert np.max(np.abs(u - U)) < 1e-9 * scale
    assert np.max(np.abs(w - W)) < 1e-9 * scale
    ob = wl.observables(ts, u0, w0, alpha, beta, kappa, eta_u, eta_w)
    assert np.max(np.abs(ob.tau - tau)) < 1e-9 * (1 + np.max(np.abs(tau)))
    p = np.sum(U * W, -1)
    assert np.max(np.abs(ob.p - p)) < 1e-9 * scale**2
    assert np.max(np.abs(ob.residual - (beta - alpha * kappa * p))) < 1e-9 * scale**2
    K = wl.ntk(U, W, kappa, eta_u, eta_w)
    assert np.max(np.abs(ob.ntk - K)) < 1e-9 * (1 + np.max(K))
    nu, nw = np.linalg.norm(U, axis=-1), np.linalg.norm(W, axis=-1)
    assert np.max(np.abs(ob.norm_u - nu)) < 1e-7 * scale
    assert np.max(np.abs(ob.norm_w - nw)) < 1e-7 * scale
    ok = nu * nw > 1e-3
    cos = p[ok] / (nu * nw)[ok]
    assert np.max(np.abs(ob.cos[ok] - cos), initial=0.0) < 1e-7


@settings(deadline=None)
@given(st.integers(1, 8), st.integers(0, 2**31 - 1), coef, rates, rates)
def test_conserved_matrix_and_gram_along_integration(d, seed, beta, eta_u, eta_w):
    rng = np.random.default_rng(seed)
    u0, w0 = rng.normal(size=d), rng.normal(size=d)
    ts = np.linspace(0, 3, 5)
    U, W, _ = integrate(u0, w0, 1.3, beta, 0.8, eta_u, eta_w, ts)
    Q = U[:, :, None] * U[:, None, :] / eta_u - W[:, :, None] * W[:, None, :] / eta_w
    scale = 1 + np.max(np.abs(Q))
    assert np.max(np.abs(Q - Q[0])) < 1e-9 * scale
    G = np.sum(U * U, -1) * np.sum(W * W, -1) - np.sum(U * W, -1) ** 2
    assert np.max(np.abs(G - G[0])) < 1e-9 * scale**2


def test_generated_kernel_is_accurate_over_the_extreme_domain():
    """≤ 1e-10 relative to the 50-digit textbook value, no NaN and no overflow.

    Domain (``random_case``): t ∈ [0, 1e4], P₊, −P₋ ∈ {0} ∪ [1e-3, 1e2],
    κ, α ∈ [1e-2, 1e2], |β| ∈ {0} ∪ [1e-3, 1e2], η ∈ [1e-3, 1e3], Dt ≤ 1e4.
    """
    kernel = wl.derivation().kernel("numpy")
    rng = np.random.default_rng(20240115)
    cases = np.array([random_case(rng) for _ in range(300)])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = kernel(*cases.T)
    for j, name in enumerate(NAMES):
        if name != "tau_inf":
            assert np.all(np.isfinite(got[j])), name
    worst = 0.0
    for i, case in enumerate(cases):
        ref = exact_mp(*case)
        for j, name in enumerate(NAMES):
            if mpmath.isinf(ref[j]):
                assert got[j][i] == float(ref[j]), (name, case)
                continue
            err = abs(got[j][i] - float(ref[j]))
            # relative for normal numbers; below 1e-290 (e.g. r ~ e^{−Dt}) absolute
            rel = err / max(abs(float(ref[j])), 1e-290)
            worst = max(worst, rel)
            assert rel <= 1e-10, (name, case, got[j][i], ref[j])
    assert worst > 0  # the comparison did run on inexact values


def test_kernel_matches_lambdify_of_its_expressions():
    import sympy as sp

    spec = wl.derivation().kernel_exprs("exact")
    ref = sp.lambdify(spec.inputs, [e for _, e in spec.outputs], modules="numpy")
    rng = np.random.default_rng(3)
    cases = np.array([random_case(rng, extreme=False) for _ in range(100)])
    got = wl.derivation().kernel("numpy")(*cases.T)
    with np.errstate(all="ignore"):
        want = [np.broadcast_to(v, cases.shape[:1]) for v in ref(*cases.T)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)


def test_float32_kernel():
    k32 = wl.derivation().kernel("numpy", dtype="float32")
    rng = np.random.default_rng(5)
    cases = np.array([random_case(rng, extreme=False) for _ in range(100)])
    cases = cases.astype(np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        got = k32(*cases.T)
    assert all(g.dtype == np.float32 for g in got)
    tol = tolerance("float32")
    for i, case in enumerate(cases.astype(np.float64)):
        ref = exact_mp(*case)
        for j, name in enumerate(NAMES):
            if mpmath.isinf(ref[j]):
                assert got[j][i] == float(ref[j]), (name, case)
                continue
            err = abs(float(got[j][i]) - float(ref[j]))
            assert err <= tol * max(abs(float(ref[j])), 1e-30), (name, case)


@pytest.mark.parametrize("t", [1e3, 1e4, 1e5, 1e6])
@pytest.mark.parametrize("kind", ["free", "P+=0", "P-=0", "beta=0", "u0=0"])
def test_long_times_do_not_overflow(t, kind):
    d, eta_u, eta_w, alpha, kappa = 4, 2.0, 0.5, 1.5, 0.7
    beta = 0.0 if kind == "beta=0" else 1.2
    u0, w0 = make_init(d, 11, kind, eta_u, eta_w)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        u, w = wl.trajectory(np.array([t]), u0, w0, alpha, beta, kappa, eta_u, eta_w)
        ob = wl.observables(np.array([t]), u0, w0, alpha, beta, kappa, eta_u, eta_w)
    assert np.all(np.isfinite(u)) and np.all(np.isfinite(w))
    p = float(u[0] @ w[0])
    if kind == "P+=0":  # u0 = −ρw0, β > 0: p ≤ 0 forever, shrinks to the origin
        assert ob.tau_inf[0] == np.inf and np.isfinite(ob.tau[0])
        assert abs(p) < 1e-2 and np.max(np.abs(u)) < 1e-1
    else:
        assert np.isfinite(ob.tau_inf[0])
        assert ob.tau[0] == pytest.approx(ob.tau_inf[0], rel=1e-12, abs=1e-12)
        assert p == pytest.approx(beta / (alpha * kappa), rel=1e-10, abs=1e-12)


def test_tau_inf_matches_long_integration():
    d, eta_u, eta_w, alpha, beta, kappa = 3, 0.6, 1.7, 1.2, -0.8, 1.3
    u0, w0 = make_init(d, 5, "free", eta_u, eta_w)
    _, _, tau = integrate(u0, w0, alpha, beta, kappa, eta_u, eta_w,
                          np.array([0.0, 200.0]))
    ob = wl.observables(np.array([0.0]), u0, w0, alpha, beta, kappa, eta_u, eta_w)
    assert ob.tau_inf[0] == pytest.approx(tau[-1], abs=1e-9)


def test_tau_inf_exact_rational_root():
    # e^{2cτ∞} is the positive root of A z² − b z − B = 0; with c = 1 and exact
    # rational coefficients z₊ = 2 exactly when A = 1, b = 1, B = 2
    # (A = 2ακ²P₊, B = −2ακ²P₋, b = 2κβ at η_u = η_w = 1, α = κ = 1)
    P_plus, P_minus, beta = Fraction(1, 2), Fraction(-1), Fraction(1, 2)
    A, B, b = 2 * P_plus, -2 * P_minus, 2 * beta
    assert A * 4 - b * 2 - B == 0  # z = 2 is a root, the positive one
    out = wl.derivation().kernel("numpy")(0.0, float(P_plus), float(P_minus), 1.0, 1.0,
                                          float(beta), 1.0, 1.0)
    assert out[-1] == pytest.approx(np.log(2.0) / 2, rel=1e-15)


def test_shapes_and_batches():
    t = np.linspace(0, 1, 6).reshape(2, 3)
    u0 = np.arange(12.0).reshape(4, 3) / 10 - 0.5
    w0 = np.cos(np.arange(12.0)).reshape(4, 3)
    u, w = wl.trajectory(t, u0, w0, 1.0, 0.5)
    assert u.shape == w.shape == (4, 2, 3, 3)  # batch, then time, then d
    ob = wl.observables(t, u0, w0, 1.0, 0.5)
    assert ob.p.shape == ob.ntk.shape == (4, 2, 3)
    for i in range(4):
        ui, wi = wl.trajectory(t, u0[i], w0[i], 1.0, 0.5)
        np.testing.assert_allclose(u[i], ui, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(w[i], wi, rtol=1e-14, atol=1e-15)
        np.testing.assert_allclose(ob.p[i], np.sum(ui * wi, -1), rtol=1e-12,
                                   atol=1e-14)
    u1, _ = wl.trajectory(0.5, u0[0], w0[0], 1.0, 0.5)
    assert u1.shape == (3,)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"eta_u": 0.0}, "eta_u"),
        ({"eta_w": -1.0}, "eta_w"),
        ({"eta_u": float("nan")}, "eta_u"),
        ({"kappa": 0.0}, "kappa"),
        ({"sigma_xx": -1.0}, "sigma_xx"),
        ({"sigma_xy": np.inf}, "sigma_xy"),
        ({"t": -1.0}, "t"),
        ({"t": np.nan}, "t"),
        ({"u0": np.array([np.nan, 0.0])}, "u0"),
        ({"w0": np.ones(3)}, "w0"),
        ({"u0": 1.0, "w0": 1.0}, "u0"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    args = {"t": 1.0, "u0": np.array([0.1, 0.2]), "w0": np.array([0.3, -0.1]),
            "sigma_xx": 1.0, "sigma_xy": 0.5}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        wl.trajectory(**args)
    with pytest.raises(TypeError, match="u0"):
        wl.trajectory(1.0, "abc", np.zeros(2), 1.0, 1.0)


@pytest.mark.parametrize(
    "kwargs,match",
    [({"width": 0}, "width"), ({"width": 2.5}, "width"),
     ({"eta_ratio": 0.0}, "eta_ratio"), ({"kappa": -1.0}, "kappa"),
     ({"init_scale": 0.0}, "init_scale"),
     ({"tol": 0.0}, "tol"), ({"sigma_xx": 0.0}, "sigma_xx")],
)
def test_regime_bad_input(kwargs, match):
    args = {"width": 4, "eta_ratio": 1.0, "kappa": 1.0, "init_scale": 1.0}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        wl.regime(**args)
    with pytest.raises(ValueError, match="origin"):
        wl.classify(np.zeros(3), np.zeros(3), 1.0, 1.0)


# ---------------------------------------------------------------- the regime rule


def numeric_regime(d, ratio, kappa, sigma, alpha=1.0, beta=1.0, t_end=None):
    """The rule's quantities from an integrated trajectory of the typical init.

    u₀ = σ√d e₁, w₀ = σ√d e₂ realise ‖u₀‖² = ‖w₀‖² = dσ², p₀ = 0.  The NTK change
    is the path maximum of |K(t)/K(0) − 1| on a fine grid; the angular part is
    the trapezoid sum of N dC along the path (N = ‖u‖‖w‖, C = cos∠(u, w)).
    """
    u0, w0 = np.zeros(2), np.zeros(2)
    u0[0] = w0[1] = sigma * np.sqrt(d)
    ts = np.linspace(0, t_end or 60.0, 6001)
    U, W, _ = integrate(u0, w0, alpha, beta, kappa, ratio, 1.0, ts, rtol=1e-11)
    K = wl.ntk(U, W, kappa, ratio, 1.0)
    N = np.linalg.norm(U, axis=-1) * np.linalg.norm(W, axis=-1)
    C = np.sum(U * W, -1) / N
    angular = np.sum((N[1:] + N[:-1]) / 2 * np.diff(C))
    dp = np.sum(U[-1] * W[-1]) - np.sum(U[0] * W[0])
    return np.max(np.abs(K / K[0] - 1)), angular / dp, C[-1] - C[0]


@pytest.mark.parametrize(
    "d,ratio,kappa,sigma,beta,t_end,kind,mechanism",
    [
        (4, 1.0, 0.5, 1.5, 1.0, 30.0, "kernel", None),  # large init
        (4, 1.0, 1.0, 0.6, 1.0, 30.0, "feature", "alignment"),
        (4, 1.0, 1.0, 0.6, -1.0, 30.0, "feature", "disalignment"),
        (4, 1.0, 1.0, 0.1, 1.0, 60.0, "feature", "rescaling"),  # small init
        (4, 400.0, 1.0, 0.6, 1.0, 1.5, "kernel", None),  # one layer nearly frozen
    ],
)
def test_regime_against_integration(d, ratio, kappa, sigma, beta, t_end, kind,
                                    mechanism):
    reg = wl.regime(d, ratio, kappa, sigma, sigma_xy=beta)
    assert (reg.kind, reg.mechanism) == (kind, mechanism)
    change, share, dcos = numeric_regime(d, ratio, kappa, sigma, beta=beta,
                                         t_end=t_end)
    assert reg.ntk_change == pytest.approx(change, rel=1e-3, abs=1e-6)
    assert reg.angular_share == pytest.approx(share, abs=1e-3)
    assert reg.cos_change == pytest.approx(dcos, abs=1e-6)


def test_ntk_scaling_becomes_kernel_with_width():
    # κ = d^{−1/2}, σ = 1: Δ_K ≈ q²/2 = 2β²/(α²d(ρ+1/ρ)²) → 0 like 1/d
    widths = (100, 1000, 10**4, 10**5)
    changes = [wl.regime(d, 1.0, d**-0.5, 1.0).ntk_change for d in widths]
    assert wl.regime(1, 1.0, 1.0, 1.0).kind == "feature"
    assert wl.regime(10**4, 1.0, 1e-2, 1.0).kind == "kernel"
    ratios = [changes[i] / changes[i + 1] for i in range(3)]
    assert ratios == pytest.approx([10.0, 10.0, 10.0], rel=1e-2)
    assert changes[-1] * widths[-1] == pytest.approx(0.5, rel=1e-4)


def test_mean_field_is_width_independent_and_limits():
    base = wl.regime(3, 2.0, 1 / 3, 0.5)
    for d in (1, 30, 3000):
        r = wl.regime(d, 2.0, 1 / d, 0.5)
        assert (r.kind, r.mechanism) == (base.kind, base.mechanism)
        assert r.ntk_change == pytest.approx(base.ntk_change, rel=1e-12)
    assert wl.regime(8, 1.0, 1.0, 50.0).kind == "kernel"  # large init
    assert wl.regime(8, 1.0, 1e4, 0.3).kind == "kernel"  # large output scale
    assert wl.regime(8, 1e6, 1.0, 0.3).kind == "kernel"  # η_u ≫ η_w
    assert wl.regime(8, 1e-6, 1.0, 0.3).kind == "kernel"  # η_u ≪ η_w
    tiny = wl.regime(8, 1.0, 1.0, 1e-4)
    assert (tiny.kind, tiny.mechanism) == ("feature", "rescaling")
    assert tiny.angular_share < 1e-5


def test_classify_specific_inits():
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=5)
    # u0 ∥ w0 (G = 0): cosine fixed at 1, only the norms change
    r = wl.classify(0.1 * w0, w0, 1.0, 3.0)
    assert (r.kind, r.mechanism) == ("feature", "rescaling") and r.angular_share == 0.0
    # P₊ = 0 (u0 = −w0), β > 0: the orbit escapes to the origin, NTK → 0
    r = wl.classify(-w0, w0, 1.0, 1.0)
    assert r.p_inf == 0.0 and r.ntk_change == pytest.approx(1.0)
    # aligned start, smaller target: cosine falls
    u0 = w0 + 0.3 * rng.normal(size=5)
    r = wl.classify(u0, w0, 1.0, -2.0)
    assert r.cos_change < 0 and r.kind == "feature"


def test_module_doctests():
    result = doctest.testmod(wl, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 1 and result.failed == 0


def test_latex_and_bundle():
    der = wl.derivation()
    text = der.latex()
    # every section in its own align* block, beside the loss, flow and laws
    assert text.count(r"\begin{align*}") >= len(der.sections) + 3
    assert len(der.sections) >= 6
    assert all(rf"\paragraph{{{h}}}" in text for h, _ in der.sections if h.isascii())
    assert set(der.conserved) == {"Q00", "Q01", "Q11", "gram"}
    assert "not found" in wl.__doc__


@pytest.mark.slow
def test_every_claim_verifies():
    report = wl.derivation().verify()
    failed = [r for r in report.results if not r.passed]
    assert not failed, report.table()


def test_old_argument_names_still_work_with_a_warning():
    u0, w0 = np.array([0.3, 0.1]), np.array([0.2, -0.4])
    new = wl.trajectory([0.5, 3.0], u0, w0, 1.5, 0.7)
    with pytest.warns(DeprecationWarning, match="'alpha' is deprecated.*sigma_xx"):
        old = wl.trajectory([0.5, 3.0], u0, w0, alpha=1.5, sigma_xy=0.7)
    for a, b in zip(old, new):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="got both 'beta' and 'sigma_xy'"):
        wl.classify(u0, w0, 1.0, beta=1.0, sigma_xy=1.0)
