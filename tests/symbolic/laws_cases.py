"""Shared cases and helpers of the conservation-law tests.

The cases are the tables of docs/math/conservation_laws.md §2.
"""

from __future__ import annotations

import random

import sympy as sp
from sympy.polys.domains import QQ

from exactflow.symbolic.laws.echelon import Echelon

# (n, r, m) of the table in docs/math/conservation_laws.md §2 and the expected counts
# N_lin
TABLE = {
    (1, 1, 1): 1, (2, 1, 3): 1, (1, 2, 1): 3, (2, 2, 2): 3, (3, 2, 1): 3,
    (2, 3, 2): 6, (1, 3, 1): 5, (1, 4, 2): 9, (2, 4, 1): 9, (3, 3, 3): 6,
    (1, 5, 1): 9, (2, 5, 2): 14,
}

# two-layer ReLU (n outputs, r hidden, m inputs) and their counts
# (docs/math/conservation_laws.md §2)
RELU_TABLE = {(1, 1, 2): 1, (1, 3, 2): 3, (2, 2, 3): 2, (3, 4, 2): 4, (1, 5, 5): 5}


def n_lin(n: int, r: int, m: int) -> int:
    """N_lin(n, r, m) = r(r+1)/2 − (r−p)(r−p+1)/2, p = min(n+m, r)."""
    p = min(n + m, r)
    return r * (r + 1) // 2 - (r - p) * (r - p + 1) // 2


def random_shapes(count: int, max_d: int = 40, seed: int = 7) -> list[tuple]:
    """Seeded random (n, r, m) with D = (n+m) r ≤ max_d, not in the table."""
    rng = random.Random(seed)
    out: list[tuple] = []
    while len(out) < count:
        n, r, m = rng.randint(1, 6), rng.randint(1, 8), rng.randint(1, 6)
        if (n + m) * r <= max_d and (n, r, m) not in TABLE and (n, r, m) not in out:
            out.append((n, r, m))
    return out


def _vector(expr, params, K) -> dict:
    poly = sp.Poly(sp.expand(expr), *params)
    return {mon: K.from_sympy(c) for mon, c in poly.terms()}


def span_rank(exprs, params, rates) -> int:
    """Rank over ℚ(η) of polynomials in ``params`` with coefficients in ℚ(η)."""
    K = QQ.frac_field(*rates) if rates else QQ
    e = Echelon(K)
    for q in exprs:
        if rates:
            e.add(_vector(q, params, K))
        else:
            e.add({m: QQ.from_sympy(c) for m, c in
                   sp.Poly(sp.expand(q), *params).terms()})
    return len(e)


def same_span(a, b, params, rates) -> bool:
    ra, rb = span_rank(a, params, rates), span_rank(b, params, rates)
    return ra == rb == span_rank(list(a) + list(b), params, rates)


def uv_laws(model) -> list[sp.Expr]:
    """Entries k ≤ k' of η_v UᵀU − η_u VᵀV for the zoo's two_layer_linear."""
    U, V = model.group("u"), model.group("v")
    (n, r), (m, _) = U.shape, V.shape
    Um = sp.Matrix(n, r, U.symbols)
    Vm = sp.Matrix(m, r, V.symbols)
    delta = V.rate * Um.T * Um - U.rate * Vm.T * Vm
    return [delta[k, j] for k in range(r) for j in range(k, r)]


def uv_antisymmetric(model) -> list[sp.Expr]:
    """Entries k < k' of UᵀV − VᵀU (extra laws when n = m = 1)."""
    U, V = model.group("u"), model.group("v")
    (n, r), (m, _) = U.shape, V.shape
    Um, Vm = sp.Matrix(n, r, U.symbols), sp.Matrix(m, r, V.symbols)
    A = Um.T * Vm - Vm.T * Um
    return [A[k, j] for k in range(r) for j in range(k + 1, r)]


def chain_laws(model) -> list[sp.Expr]:
    """η_l W_{l+1}ᵀW_{l+1} − η_{l+1} W_l W_lᵀ for consecutive layers
    (docs/math/deep_linear_modes.md §2)."""
    mats = [(sp.Matrix(*g.shape, g.symbols), g.rate) for g in model.params]
    out = []
    for (W, eta), (W2, eta2) in zip(mats, mats[1:]):
        M = eta * W2.T * W2 - eta2 * W * W.T
        out += [M[i, j] for i in range(M.shape[0]) for j in range(i, M.shape[0])]
    return out


def rates_of(model) -> tuple:
    return tuple(dict.fromkeys(model.rates.values()))
