"""Readable bases of conservation laws over ℚ(η).

The kernel vectors of the ansatz are turned into laws that read like the
textbook ones: for every set T of parameter groups the laws using only groups
in T are computed and put in reduced row echelon form (under the order of the
groups in T giving the fewest terms); a basis is then chosen greedily, fewest
groups and fewest terms first, and each law is cleared of denominators and
content.  For two-layer models this is the reduced row echelon form of the
whole space (``η_v (UᵀU)_{kk'} − η_u (VᵀV)_{kk'}``); for deep chains it gives
the consecutive-layer families ``η_{l+1} W_l W_lᵀ − η_l W_{l+1}ᵀW_{l+1}``.
"""

from __future__ import annotations

from itertools import combinations, permutations

import sympy as sp

from .echelon import Echelon, nullspace, rref_rows

__all__ = ["present", "format_law"]


def format_law(q: sp.Expr, rates, params) -> str:
    """``eta_w*a**2 - eta_a*(w0**2 + w1**2)``: terms grouped by rate monomial;
    a power of a simpler law is shown as such (``(eta_b*a - eta_a*b)**2``)."""
    factored = sp.factor(q)
    if factored.is_Pow or (factored.is_Mul and factored.args[0].is_Number
                           and len(factored.args) == 2 and factored.args[1].is_Pow):
        return sp.sstr(factored)
    used = [r for r in rates if q.has(r)]
    if not used:
        return sp.sstr(q)
    parts = []
    for mon, c in sp.Poly(q, *used).terms():
        mu = sp.Mul(*(r**k for r, k in zip(used, mon)))
        neg = bool(sp.Poly(c, *params).LC() < 0)
        c = -c if neg else c
        if c == 1:
            body = sp.sstr(mu)
        else:
            body = sp.sstr(c) if not c.is_Add else f"({sp.sstr(c)})"
            body = body if mu == 1 else f"{sp.sstr(mu)}*{body}"
        parts.append((neg, body))
    parts.sort(key=lambda p: p[0])
    text = ("-" if parts[0][0] else "") + parts[0][1]
    for neg, body in parts[1:]:
        text += (" - " if neg else " + ") + body
    return text


def _order_key(e, perm, slices):
    key = [-sum(e[slices[g]]) for g in perm]
    for g in perm:
        key.extend(-k for k in e[slices[g]])
    return tuple(key)


def _sparsest_rref(vectors, columns, groups, slices, K):
    """Reduced row echelon form over K under the group order (of ``groups``)
    that gives the fewest terms; rows are dicts ``{column: FracElement}``."""
    perms = list(permutations(groups)) if len(groups) <= 4 else [
        tuple(groups), tuple(reversed(groups))]
    best = None
    for perm in perms:
        order = sorted(range(len(columns)),
                       key=lambda j: _order_key(columns[j], perm, slices))
        pos = {j: i for i, j in enumerate(order)}
        rows = [{pos[j]: v for j, v in vec.items()} for vec in vectors]
        red = [{order[i]: v for i, v in row.items()}
               for row in rref_rows(rows, len(columns), K)]
        size = sum(len(row) for row in red)
        if best is None or size < best[0]:
            best = (size, red)
    return best[1]


def present(vectors, columns, params, group_sizes, K) -> list[sp.Expr]:
    """A readable basis over K: sparse laws on few parameter groups first.

    For each set T of parameter groups the laws whose monomials use only
    groups in T are computed and put in their sparsest reduced row echelon
    form; from all these rows a basis is chosen greedily, fewest groups and
    fewest terms first.  For two-layer models this is the reduced row echelon
    form of the whole space; for deep chains it gives the consecutive-layer
    families η_l W_{l+1}ᵀW_{l+1} − η_{l+1} W_l W_lᵀ.
    """
    sizes = list(group_sizes)
    starts = [sum(sizes[:i]) for i in range(len(sizes))]
    slices = [slice(s, s + n) for s, n in zip(starts, sizes)]
    used = [frozenset(g for g, sl in enumerate(slices) if any(e[sl]))
            for e in columns]
    G = len(sizes)
    subsets = [frozenset(c) for n in range(1, G + 1)
               for c in combinations(range(G), n) if n <= 3 or n == G]
    candidates = []
    for t, T in enumerate(subsets):
        outside = [j for j in range(len(columns)) if not used[j] <= T]
        if outside:
            eqs = [{i: vec[j] for i, vec in enumerate(vectors) if j in vec}
                   for j in outside]
            combos = nullspace(eqs, len(vectors), K)
        else:
            combos = [{i: K.one} for i in range(len(vectors))]
        space = []
        for lam in combos:
            acc: dict = {}
            for i, c in lam.items():
                for j, v in vectors[i].items():
                    acc[j] = acc.get(j, K.zero) + c * v
            space.append({j: v for j, v in acc.items() if v})
        for r, row in enumerate(_sparsest_rref(space, columns, sorted(T), slices, K)):
            candidates.append(((len(T), len(row), t, r), row))
    # greedy: the sparsest laws on the fewest groups first
    chosen, picked = Echelon(K), []
    for key, row in sorted(candidates, key=lambda c: c[0]):
        if chosen.add(row):
            picked.append((key[2:], row))
            if len(picked) == len(vectors):
                break
    basis = [_clear(row) for _, row in sorted(picked, key=lambda p: p[0])]
    out = []
    for row in basis:
        terms = [coeff * sp.Mul(*(p**k for p, k in zip(params, columns[j])))
                 for j, coeff in row.items()]
        out.append(sp.expand(sp.Add(*terms)))
    return out


def _clear(row):
    """Multiply a row over ℚ(η) by the lcm of its denominators, remove content."""
    items = sorted(row.items())
    lcm = None
    for _, v in items:
        lcm = v.denom if lcm is None else lcm.lcm(v.denom)
    nums = [v.numer * lcm.exquo(v.denom) for _, v in items]
    g = nums[0]
    for n in nums[1:]:
        g = g.gcd(n)
    nums = [n.exquo(g) for n in nums]
    if nums[0].LC < 0:
        nums = [-n for n in nums]
    return {j: n.as_expr() for (j, _), n in zip(items, nums)}


