r"""The matrix Riccati structure Q̇ = FQ − γ QQᵀQ and its linearisation.

**Recognition** (:func:`match_matrix_riccati`).  The parameter groups of the
model, each a matrix (transposed or not), are stacked into Q (n×h) with a common
number h of columns.  Q̇ = FQ − γQQᵀQ with a constant symmetric F and a constant
γ ≠ 0 is decided exactly *on the level set*: the unknown entries of F and γ
enter linearly, the normal form of Q̇ − (FQ − γQQᵀQ) modulo a Gröbner basis of
the conserved relations (e.g. λ-balancedness W₂ᵀW₂ − W₁W₁ᵀ = λI) is set to zero
coefficient by coefficient, and the solution is checked by a second normal form.

**Recipe** (:func:`solve_matrix_riccati`).  𝒫 = QQᵀ obeys
𝒫̇ = F𝒫 + 𝒫F − 2γ𝒫²; with Z = e^{tF}Q₀ and M = I_h + 2γ Q₀ᵀ(∫₀ᵗ e^{2Fσ}dσ)Q₀
(so Ż = FZ, Ṁ = 2γZᵀZ),

    𝒫(t) = Z M⁻¹ Zᵀ,    and for h = 1 also  Q(t) = Z / √M.

The matrix exponential is written block by block (2×2 blocks in cosh/sinh);
the integral termwise through ``intexp`` (entire in the eigenvalues, so a
singular F needs no case split).  Blocks larger than 2×2 are not expanded: the
structure is then reported with the formula, without an explicit solution.
"""

from __future__ import annotations

import itertools

import sympy as sp

from .linsys import linear_solution
from .normal_form import LevelSet
from .recipes import _blocks, exp_integral, expm

__all__ = ["match_matrix_riccati", "solve_matrix_riccati", "p_symbols"]


def _layouts(groups):
    """Candidate stackings Q = [G₁^{(T)}; G₂^{(T)}] with equal column counts."""
    mats = []
    for symbols, shape in groups:
        if len(shape) == 0:
            shape = (1, 1)
        elif len(shape) == 1:
            shape = (shape[0], 1)
        if len(shape) != 2:
            return []
        mats.append(sp.Matrix(shape[0], shape[1], list(symbols)))
    if len(mats) != 2:
        return []
    out = []
    for m1, m2 in itertools.product((mats[0].T, mats[0]), (mats[1], mats[1].T)):
        if m1.shape[1] == m2.shape[1]:
            out.append(sp.Matrix.vstack(m1, m2))
    return out


def match_matrix_riccati(sys, groups):
    """``(Q, F, γ)`` when ``sys`` is Q̇ = FQ − γQQᵀQ on its level set, else None.

    ``groups`` is ``[(symbols, shape), ...]`` of the model's parameter groups.
    """
    zs = tuple(sys.coords)
    eq = sys.equations
    rels = [r for r in sys.relations if sp.sympify(r).free_symbols & set(zs)]
    layouts = [Q for Q in _layouts(groups) if set(Q) == set(zs)]
    if not layouts:
        return None
    consts = set().union(*(sp.sympify(e).free_symbols
                           for e in list(eq.values()) + rels)) - set(zs)
    rhs = {z: sp.expand(eq[z]) for z in zs}
    red = LevelSet(rels, zs, consts, "grevlex", exprs=rhs.values())
    try:  # Q̇ must be polynomial in the coordinates
        rhs = {z: red.nf(e) for z, e in rhs.items()}
    except ValueError:
        return None
    for Q in layouts:
        n, h = Q.shape
        f = {(i, j): sp.Dummy(f"f{i}{j}") for i in range(n) for j in range(i, n)}
        F = sp.Matrix(n, n, lambda i, j: f[(min(i, j), max(i, j))])
        gamma = sp.Dummy("gamma")
        unknowns = list(f.values()) + [gamma]
        C = Q * Q.T * Q  # normal forms by entry (ring elements, not a Matrix)
        cubic_nf = {(i, c): red.nf(sp.expand(C[i, c]))
                    for i in range(n) for c in range(h)}
        linear_nf = {(j, c): red.nf(Q[j, c]) for j in range(n) for c in range(h)}
        # NF(Q̇ − FQ + γQQᵀQ) = 0, linear in the unknowns, monomial by monomial
        eqs = []
        for i in range(n):
            for c in range(h):
                eqs += red.linear_equations(
                    [(1, rhs[Q[i, c]]), (gamma, cubic_nf[i, c])]
                    + [(-F[i, j], linear_nf[j, c]) for j in range(n)])
        sol = linear_solution(eqs, unknowns)
        if sol is None:
            continue
        # on the level set γ may be free (γQQᵀQ trades against λQ): take the
        # γ whose cubic term matches Q̇'s cubic part summed at z = 1
        R = Q.applyfunc(lambda z: eq[z])
        ones = {z: 1 for z in zs}
        cubic = sum(_degree_part(e, zs, 3).xreplace(ones) for e in R)
        fix = {u: 0 for u in unknowns}
        if sp.sympify(gamma.xreplace(sol)).has(gamma):
            fix[gamma] = -cubic / sum((Q * Q.T * Q).xreplace(ones))
        Fv = F.xreplace(sol).xreplace(fix).xreplace(fix)
        gv = gamma.xreplace(sol).xreplace(fix)
        if gv == 0 or any(x.free_symbols & set(zs) for x in list(Fv) + [gv]):
            continue
        # exact check of the instance (free parameters set to 0)
        try:
            Fc = {(i, j): red.constant(Fv[i, j]) for i in range(n) for j in range(n)}
            gc = red.constant(gv)
        except sp.polys.polyerrors.CoercionFailed:
            continue
        if all(rhs[Q[i, c]] + gc * cubic_nf[i, c]
               - sum((Fc[i, j] * linear_nf[j, c] for j in range(n)), red.ring.zero)
               == 0 for i in range(n) for c in range(h)):
            return Q, Fv.applyfunc(sp.factor), sp.factor(gv)
    return None


def _degree_part(expr, zs, k):
    poly = sp.Poly(sp.expand(expr), *zs)
    return sp.Add(*(c * sp.Mul(*(z**e for z, e in zip(zs, m)))
                    for m, c in poly.terms() if sum(m) == k))


def p_symbols(n: int) -> dict[tuple[int, int], sp.Symbol]:
    """Symbols P_i_j (i ≤ j) for the entries of 𝒫 = QQᵀ."""
    return {(i, j): sp.Symbol(f"P_{i}_{j}", real=True) for i in range(n)
            for j in range(i, n)}


def solve_matrix_riccati(Q, F, gamma, Q0, t):
    """``(P, Qt)``: 𝒫(t) and, for h = 1, Q(t); None when F has a block > 2×2."""
    if any(len(b) > 2 for b in _blocks(F)):
        return None
    s = sp.Dummy("sigma", nonnegative=True)
    E = expm(F, t)
    E2 = expm(2 * F, s)
    J = E2.applyfunc(lambda e: exp_integral(e, s).subs(s, t) if e != 0 else e)
    h = Q.shape[1]
    Z = E * Q0
    M = sp.eye(h) + 2 * gamma * Q0.T * J * Q0
    # M⁻¹ = adj(M)/det(M): Matrix.inv() would simplify the large entries
    P = Z * M.adjugate() * Z.T / M.det(method="berkowitz") if h > 1 else \
        Z * Z.T / M[0, 0]
    Qt = Z / sp.sqrt(M[0, 0]) if h == 1 else None
    return P, Qt, E, J, M
