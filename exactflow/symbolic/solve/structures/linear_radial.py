r"""Linear plus radial: ż = Kz + ψ(z)z modulo the conserved relations I.

The linear conditions (ż − Kz) ∧ z ∈ I on the entries of K are solved exactly
(normal forms modulo a Gröbner basis of I); ψ must be homogeneous of degree
m ≥ 1 after a constant is moved into K.  Then z = λ e^{tK}z₀ with
λ^{−m} = 1 − m∫₀ᵗψ(e^{σK}z₀)dσ.
"""

from __future__ import annotations

import sympy as sp

from ..checks import claim
from ..linsys import linear_solution
from ..normal_form import LevelSet
from ..recipes import exp_integral, expm
from .base import Applied, Match, Structure, polys, t

__all__ = ["LinearRadial"]


class LinearRadial(Structure):
    name = "linear-radial"
    summary = "ż = Kz + ψ(z)z, ψ homogeneous (modulo the conserved relations)"

    def match(self, sys, groups=None):
        zs = sys.coords
        n = len(zs)
        if n < 2 or sys.constraints:
            return None
        P = polys(sys)
        if P is None:
            return None
        rels = [r for r in sys.relations if r.free_symbols & set(zs)]
        k = sp.Matrix(n, n, lambda i, j: sp.Dummy(f"k{i}{j}"))
        # the unknowns k enter linearly and the relations do not contain them:
        # normal forms over the constants' field only, combined linearly in k
        consts = set().union(*(e.free_symbols for e in sys.rhs), *(
            r.free_symbols for r in rels)) - set(zs)
        Pe = [p.as_expr() for p in P]
        red = LevelSet(rels, tuple(reversed(zs)), consts, "lex", exprs=Pe)
        Pr = [red.element(e) for e in Pe]
        gens = {z: red.element(z) for z in zs}
        products = {}

        def nf_product(a, b):  # NF(z_a z_b), each pair once
            key = (min(a, b), max(a, b))
            if key not in products:
                products[key] = red.nf(gens[zs[a]] * gens[zs[b]])
            return products[key]

        eqs = []
        for i in range(n):
            for j in range(i + 1, n):
                # NF((P − Kz)_i z_j − (P − Kz)_j z_i), linear in the entries of K
                eqs += red.linear_equations(
                    [(1, red.nf(Pr[i] * gens[zs[j]] - Pr[j] * gens[zs[i]]))]
                    + [(k[j, m], nf_product(m, i)) for m in range(n)]
                    + [(-k[i, m], nf_product(m, j)) for m in range(n)])
        sol = linear_solution(eqs, list(k))
        if sol is None:
            return None
        K = k.xreplace(sol).xreplace({x: 0 for x in k})
        z = sp.Matrix(zs)
        R = sp.Matrix([red.nf(p).as_expr() for p in Pr]) - K * z
        if all(sp.expand(e) == 0 for e in R):
            return None  # linear, handled elsewhere
        psi = None
        for i in range(n):
            q, rem = sp.div(sp.expand(R[i]), zs[i], *zs)
            if rem == 0 and q != 0:
                psi = sp.expand(q)
                break
        if psi is None:
            return None
        p = sp.Poly(psi, *zs)
        c0 = p.coeff_monomial(1)
        psi_h = sp.expand(psi - c0)
        degs = {sum(m) for m in sp.Poly(psi_h, *zs).monoms()}
        if len(degs) != 1:
            return None
        K = K + c0 * sp.eye(n)
        for i in range(n):  # exact check of the decomposition, modulo I
            if red.nf(sp.expand(P[i].as_expr() - (K * z)[i] - psi_h * zs[i])):
                return None
        m = degs.pop()
        return Match(self, {"K": K, "psi": psi_h, "m": m},
                     f"ż = K z + ψ(z) z with constant K and ψ = {sp.sstr(psi_h)} "
                     f"homogeneous of degree {m}" + (
                         " (on the level set of " + ", ".join(map(str, sys.constants))
                         + ")" if rels else ""))

    def apply(self, match, sys, z0, result, solve=None):
        zs = sys.coords
        K, psi, m = (match.data[k] for k in ("K", "psi", "m"))
        y = expm(K, t) * sp.Matrix([z0[x] for x in zs])
        integral = exp_integral(psi.xreplace(dict(zip(zs, y))), t)
        lam = (1 - m * integral) ** sp.Rational(-1, m)
        result.recipe.append((
            "Recipe", f"z = λ(t) e^(tK) z0 with K = {sp.sstr(K)}; λ obeys the "
            f"Bernoulli equation dλ/dt = ψ(e^(tK)z0) λ^{m + 1}, so λ^(-{m}) = 1 - "
            f"{m}∫0^t ψ(e^(σK) z0) dσ = {sp.sstr(1 - m * integral)}"))
        return Applied({x: lam * yi for x, yi in zip(zs, y)})

    def lemmas(self, match, applied, sys, z0v):
        K, psi, m = (match.data[k] for k in ("K", "psi", "m"))
        zs = sys.coords
        E = expm(K, t)
        y = E * z0v
        integral = exp_integral(psi.xreplace(dict(zip(zs, y))), t)
        c = sp.Dummy("c", positive=True)
        lemmas = list(E.diff(t) - K * E) + list(E.subs(t, 0) - sp.eye(len(zs)))
        lemmas += [sp.diff(integral, t) - psi.xreplace(dict(zip(zs, y))),
                   integral.subs(t, 0),
                   sp.expand(psi.xreplace({z: c * z for z in zs}) - c**m * psi)]
        return [claim(
            "structure: (e^(tK))' = K e^(tK), e^(0K) = I; (∫ψ)' = ψ(e^(tK)z0); "
            f"ψ(cz) = c^{m} ψ(z)", lemmas, max_ops=20000, points=2)]
