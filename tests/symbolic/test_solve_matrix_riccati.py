"""The matrix Riccati recogniser and the λ-balanced two-layer linear network
(Dominé et al. 2024, MATH.md §6), re-derived and compared with the catalog."""

from __future__ import annotations

import pytest
import sympy as sp

from exactflow.derivations import two_layer_linear_balanced as tl
from exactflow.symbolic import gradient_flow
from exactflow.symbolic.matrix_riccati import p_symbols
from exactflow.symbolic.pointwise import pointwise_zero
from exactflow.symbolic.reduce import reduce_flow
from exactflow.symbolic.solve import init_symbol, solve, t
from exactflow.symbolic.zero import is_identically_zero

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


@pytest.mark.parametrize("size", [(2, 1, 1), (2, 2, 2)])
def test_larger_sizes_recognised(size):
    flow, sys_ = _reduced(*size)
    res = solve(sys_, flow, "two_layer_linear_balanced")
    assert res.structure == "matrix-riccati"
    F = res.match.data["F"]
    lam = c / tl.eta  # F = η·f_matrix(Σyx, λ) and γ = η/2 (MATH.md §6)
    ref = tl.eta * tl.f_matrix(tl.symbols(*size)["Syx"], lam)
    assert (F - ref).applyfunc(sp.simplify) == sp.zeros(*F.shape)
    assert res.match.data["gamma"] == tl.eta / 2
