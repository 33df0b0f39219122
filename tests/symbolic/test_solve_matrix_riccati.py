"""The matrix Riccati recogniser and the λ-balanced two-layer linear network
(Dominé et al. 2024, docs/math/two_layer_linear_balanced.md), re-derived and compared
with the catalog."""

from __future__ import annotations

import random

import mpmath
import numpy as np
import pytest
import sympy as sp

from exactflow.derivations.two_layer_linear_balanced import maths as tl
from exactflow.symbolic import Model, gradient_flow
from exactflow.symbolic.proof.pointwise import pointwise_zero
from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.solve import init_symbol, solve, t
from exactflow.symbolic.solve.matrix_riccati import p_symbols
from exactflow.symbolic.solve.reduce import reduce_flow
from exactflow.symbolic.spec.functions import MPMATH_NAMESPACE

from .kernel_reference import assert_kernel_matches_mpmath

c = sp.Symbol("c", real=True)


def _reduced(d_in, h, d_out):
    """λ-balanced: η(W₂ᵀW₂ − W₁W₁ᵀ) = c I_h (off-diagonal 0, diagonal equal)."""
    flow = gradient_flow(tl.model(d_in, h, d_out, equal_rates=True))
    sy = tl.symbols(d_in, h, d_out)
    C = tl.eta * (sy["W2"].T * sy["W2"] - sy["W1"] * sy["W1"].T)
    cons, vals = {c: C[0, 0]}, {}
    for i in range(h):
        for j in range(i, h):
            if (i, j) != (0, 0):
                e = sp.Symbol(f"e{i}{j}", real=True)
                cons[e] = C[i, j] - (C[0, 0] if i == j else 0)
                vals[e] = 0
    return flow, reduce_flow(flow, conserved=cons, values=vals)


def _catalog_p(d_in, h, d_out):
    """The catalog's 𝒫(t) = E Q₀[I + Q₀ᵀJQ₀]⁻¹Q₀ᵀE (n = 2: its cosh/sinh E, J)."""
    sy = tl.symbols(d_in, h, d_out)
    Q0 = tl.stack(sy["W1_init"], sy["W2_init"])
    lam0 = (sy["W2_init"].T * sy["W2_init"] - sy["W1_init"] * sy["W1_init"].T)[0, 0]
    s0 = sy["Syx"][0, 0]
    E, _, _ = tl._solution_parts(lam0)
    _, den, _ = tl._solution_parts(lam0)
    D = sp.sqrt(lam0**2 + 4 * tl.s_**2)
    T = t / tl.tau
    F = tl.f_matrix(sp.Matrix([[tl.s_]]), lam0)
    J = sp.sinh(D * T) / D * sp.eye(2) + 2 * (sp.cosh(D * T) - 1) / D**2 * F
    M = sp.eye(h) + Q0.T * J * Q0
    P = E * Q0 * M.adjugate() * Q0.T * E / M.det()
    return P.xreplace({tl.s_: s0})


def test_111_equals_catalog_solution():
    flow, sys_ = _reduced(1, 1, 1)
    res = solve(sys_, flow, "two_layer_linear_balanced")
    assert res.structure == "matrix-riccati" and res.verified
    assert {k.method for k in res.checks} <= {"symbolic", "exact-rational"}
    sy = tl.symbols(1, 1, 1)
    w1, w2 = sy["W1"][0, 0], sy["W2"][0, 0]
    ref = tl.solution()  # 𝒫 = [[K1, beta], [beta, K2]] with η = 1/τ, Σyx = s
    point = {tl.eta: 1 / tl.tau, sy["Syx"][0, 0]: tl.s_,
             init_symbol(w1): tl.a_init, init_symbol(w2): tl.b_init}
    W1, W2 = (res.solution.state[x].xreplace(point) for x in (w1, w2))
    for mine, x in ((W1**2, tl.K1), (W2 * W1, tl.beta), (W2**2, tl.K2)):
        check = is_identically_zero(mine - ref.state[x])
        assert check.is_zero and check.method in ("symbolic", "exact-rational"), x


@pytest.mark.parametrize("size", [(1, 2, 1)])
def test_h2_equals_catalog_formula(size):
    flow, sys_ = _reduced(*size)
    res = solve(sys_, flow, "two_layer_linear_balanced")
    assert res.structure == "matrix-riccati" and res.verified
    assert res.solution is None and res.reduced_solution is not None
    sy = tl.symbols(*size)
    rename = {init_symbol(x): x0 for x, x0 in zip(list(sy["W1"]) + list(sy["W2"]),
                                                  list(sy["W1_init"])
                                                  + list(sy["W2_init"]))}
    rename[tl.eta] = 1 / tl.tau
    ref = _catalog_p(*size)
    names = p_symbols(ref.shape[0])
    ours = {k: res.reduced_solution[k].xreplace(rename) for k in names.values()}
    free = sorted(set().union(*(e.free_symbols for e in ours.values()),
                              *(e.free_symbols for e in ref)) - {t}, key=str)

    def diff(values):  # at random rational constants, decided exactly in t
        return [ours[name].xreplace(values) - ref[i, j].xreplace(values)
                for (i, j), name in names.items()]

    check = pointwise_zero(diff, free, points=2)
    assert check.is_zero and check.method in ("exact-rational", "mpmath-50"), check


def _catalog_p_mp(Syx, lam, tau, W1, W2, t_, dps=50):
    """The catalog's 𝒫(t) = E Q₀[I + Q₀ᵀJQ₀]⁻¹Q₀ᵀE (γ = ½, T = t/τ) at ``dps`` digits:
    E = e^{FT} by ``mpmath.expm``, J = ∫₀ᵀ e^{2Fσ}dσ as the corner block of
    exp([[2F, I], [0, 0]]T) (Van Loan) — no code shared with the solver."""
    with mpmath.workdps(dps):
        lam, tau, t_ = (mpmath.mpf(sp.N(x, 60)) for x in (lam, tau, t_))
        S = _mp_matrix(Syx)
        d_out, d_in = S.rows, S.cols
        n = d_in + d_out
        F = mpmath.zeros(n, n)
        for i in range(n):
            F[i, i] = -lam / 2 if i < d_in else lam / 2
        for i in range(d_out):
            for j in range(d_in):
                F[d_in + i, j] = F[j, d_in + i] = S[i, j]
        T = t_ / tau
        big = mpmath.zeros(2 * n, 2 * n)
        for i in range(n):
            big[i, n + i] = 1
            for j in range(n):
                big[i, j] = 2 * F[i, j]
        J = mpmath.expm(big * T)[:n, n:]
        E = mpmath.expm(F * T)
        Q0 = _mp_matrix(sp.Matrix.vstack(W1.T, W2))
        M = mpmath.eye(Q0.cols) + Q0.T * J * Q0
        return E * Q0 * mpmath.inverse(M) * Q0.T * E


def _mp_matrix(A):
    return mpmath.matrix([[mpmath.mpf(sp.N(x, 60)) for x in row]
                          for row in A.tolist()])


def _mp(expr, values, dps=50):
    return sp.N(expr.xreplace(values), dps)


def _random_init(rng, size):
    d_in, h, d_out = size
    return (sp.Matrix(h, d_in, lambda i, j: sp.Rational(rng.randint(-9, 9), 7)),
            sp.Matrix(d_out, h, lambda i, j: sp.Rational(rng.randint(-9, 9), 7)))


@pytest.mark.parametrize("size", [(2, 1, 1), (1, 1, 2), (3, 1, 1)])
def test_vector_sizes_solved_and_equal_catalog(size):
    """h = 1 with a vector layer: the rotation slice about Σyx gives a 3×3 F with a
    2×2 and a 1×1 block, so e^{tF} is explicit; the lifted W₁(t), W₂(t) are verified
    against the flow and their 𝒫 = QQᵀ equals the catalog formula (50 digits)."""
    flow, sys_ = _reduced(*size)
    assert sys_.slice is not None
    res = solve(sys_, flow, "two_layer_linear_balanced")
    assert res.structure == "matrix-riccati" and res.verified, res.checks
    assert res.solution is not None
    assert {k.method for k in res.checks} <= {"symbolic", "exact-rational"}
    sy = tl.symbols(*size)
    rng = random.Random(sum(size))
    for _ in range(2):
        W1, W2 = _random_init(rng, size)
        S = sp.Matrix(*sy["Syx"].shape, lambda i, j: sp.Rational(rng.randint(1, 9), 5))
        eta, t_ = sp.Rational(rng.randint(2, 9), 4), sp.Rational(rng.randint(1, 20), 8)
        values = {tl.eta: eta, t: t_}
        values.update(zip(sy["Syx"], S))
        values.update({init_symbol(x): v for x, v in zip(sy["W1"], W1)})
        values.update({init_symbol(x): v for x, v in zip(sy["W2"], W2)})
        Q = sp.Matrix.vstack(sy["W1"].T, sy["W2"]).applyfunc(
            lambda x: _mp(res.solution.state[x], values))
        lam = (W2.T * W2 - W1 * W1.T)[0, 0]
        ref = _catalog_p_mp(S, lam, 1 / eta, W1, W2, t_)
        P = Q * Q.T
        with mpmath.workdps(50):
            for i in range(P.rows):
                for j in range(P.cols):
                    err = abs(mpmath.mpf(sp.Float(P[i, j], 50)) - ref[i, j])
                    assert err < mpmath.mpf(10)**-40, (i, j, err)
    _kernel_matches_dop853(res, size)


def _kernel_matches_dop853(res, size):
    """The generated NumPy kernel of the lifted solution against scipy's DOP853 on
    the raw (W₁, W₂) flow
    (``tests/derivations/two_layer_linear_balanced_reference.py``)."""
    from tests.derivations.two_layer_linear_balanced_reference import integrate

    sy = tl.symbols(*size)
    kx = res.kernel_exprs()
    f = res.kernel()
    rng = np.random.default_rng(sum(size))
    W1 = rng.normal(scale=0.5, size=sy["W1"].shape)
    W2 = rng.normal(scale=0.5, size=sy["W2"].shape)
    S = rng.uniform(0.5, 1.5, size=sy["Syx"].shape)
    eta, times = 1.3, np.array([0.0, 0.5, 2.0, 8.0])
    beta, _, _ = integrate(W1, W2, S, 1 / eta, times)
    values = {"t": times, "eta": eta}
    for name, M in (("W1", W1), ("W2", W2)):
        values.update({f"{x}_init": v for x, v in zip(sy[name], M.ravel())})
    values.update({str(x): v for x, v in zip(sy["Syx"], S.ravel())})
    out = dict(zip((n for n, _ in kx.outputs),
                   f(*[values[str(x)] for x in kx.inputs])))
    W1t = np.stack([out[str(x)] for x in sy["W1"]], -1).reshape(-1, *W1.shape)
    W2t = np.stack([out[str(x)] for x in sy["W2"]], -1).reshape(-1, *W2.shape)
    np.testing.assert_allclose(W2t @ W1t, beta, rtol=1e-9, atol=1e-11)
    # long times: e^{tF} grows like e^{ρt}, the value converges (growth scaling)
    values = {k: float(v[0]) if isinstance(v, np.ndarray) else v
              for k, v in values.items() if k != "t"}
    assert_kernel_matches_mpmath(res, values, [1.0, 50.0, 1e3, 1e6])


def test_222_diagonal_target_solved_and_equal_catalog():
    """h = 2 with Σyx = diag(s₁, s₂) (the SVD frame of Saxe et al. and Dominé et al.):
    F splits into two 2×2 blocks, 𝒫(t) is explicit and verified, and equals the
    catalog formula at 50 digits for a λ-balanced initialisation."""
    sy = tl.symbols(2, 2, 2)
    S = sy["Syx"]
    off = {S[0, 1]: 0, S[1, 0]: 0}
    base = tl.model(2, 2, 2, equal_rates=True)
    diag = Model("two_layer_diagonal_target", base.params,
                 (tl.eta, tl.sigma_yy, S[0, 0], S[1, 1]), base.loss.xreplace(off))
    flow = gradient_flow(diag)
    C = tl.eta * (sy["W2"].T * sy["W2"] - sy["W1"] * sy["W1"].T)
    e01, e11 = sp.symbols("e01 e11", real=True)
    sys_ = reduce_flow(flow, conserved={c: C[0, 0], e01: C[0, 1],
                                        e11: C[1, 1] - C[0, 0]},
                       values={e01: 0, e11: 0})
    res = solve(sys_, flow, "two_layer_diagonal_target")
    assert res.structure == "matrix-riccati" and res.verified, res.checks
    assert res.reduced_solution is not None
    rng = random.Random(5)
    W1 = sp.Matrix(2, 2, lambda i, j: sp.Rational(rng.randint(-9, 9), 7))
    lam = sp.Rational(3, 4)
    # W₂ = O·chol(λI + W₁W₁ᵀ)ᵀ with O = I: W₂ᵀW₂ = λI + W₁W₁ᵀ exactly
    W2 = (lam * sp.eye(2) + W1 * W1.T).cholesky(hermitian=False).T
    assert (W2.T * W2 - W1 * W1.T - lam * sp.eye(2)).applyfunc(sp.simplify) == \
        sp.zeros(2, 2)
    eta, t_ = sp.Rational(3, 2), sp.Rational(5, 4)
    Sv = sp.diag(sp.Rational(7, 5), sp.Rational(2, 5))
    values = {tl.eta: eta, t: t_, S[0, 0]: Sv[0, 0], S[1, 1]: Sv[1, 1]}
    values.update({init_symbol(x): v for x, v in zip(sy["W1"], W1)})
    values.update({init_symbol(x): v for x, v in zip(sy["W2"], W2)})
    ref = _catalog_p_mp(Sv, lam, 1 / eta, W1, W2, t_)
    names = p_symbols(4)
    fast = sp.lambdify(list(values),
                       [res.reduced_solution[k] for k in names.values()],
                       modules=[MPMATH_NAMESPACE, "mpmath"], cse=True)
    with mpmath.workdps(50):
        got = fast(*[mpmath.mpf(sp.N(v, 60)) for v in values.values()])
        for ((i, j), _), g in zip(names.items(), got):
            assert abs(g - ref[i, j]) < mpmath.mpf(10)**-35, (i, j)


@pytest.mark.parametrize("size", [(2, 2, 2)])
def test_general_target_recognised(size):
    """A general (non-diagonal) 2×2 Σyx: F's characteristic polynomial is an
    irreducible quartic, so the structure is reported with its formula."""
    flow, sys_ = _reduced(*size)
    res = solve(sys_, flow, "two_layer_linear_balanced")
    assert res.structure == "matrix-riccati"
    assert res.notes and "larger than 2×2" in res.notes[0]
    F = res.match.data["F"]
    # F = η·f_matrix(Σyx, λ) and γ = η/2 (docs/math/two_layer_linear_balanced.md)
    lam = c / tl.eta
    ref = tl.eta * tl.f_matrix(tl.symbols(*size)["Syx"], lam)
    assert (F - ref).applyfunc(sp.simplify) == sp.zeros(*F.shape)
    assert res.match.data["gamma"] == tl.eta / 2
