r"""The linear system of the polynomial ansatz for conservation laws.

For :math:`Q=\sum_m c_m\,\theta^m` (monomials of degree 1…K) the condition
:math:`\sum_p \eta_p\,\partial_pQ\,\partial_pf_c(x;\theta)\equiv0` is linear in
the coefficients :math:`c`.  Grouping the parameters by their (distinct) rate
symbols :math:`\eta_1,\dots,\eta_G` gives :math:`\sum_g\eta_g M_g c=0`, with
one exact rational matrix :math:`M_g` per rate; a row is a pair (output
component, monomial in θ, x, χ, T), a column a θ-monomial.

:func:`generic_kernel` finds the kernel over the field ℚ(η):

1. at random positive rationals η* the kernel over ℚ has dimension k ≥ the
   generic dimension, and its support S (the monomials it uses) is the generic
   support unless η* is special;
2. the system restricted to S splits into independent blocks (connected
   components of the columns linked by rows: for U Vᵀ one block per pair of
   hidden units); in each block, rows independent at η* are selected and the
   kernel is computed over ℚ(η) by fraction-field elimination;
3. every row of the block is checked against these vectors exactly over ℚ(η).
   If a check fails or a dimension differs, η* was special and the caller
   retries.  k vectors independent over ℚ(η) in a kernel of dimension ≤ k are the
   whole kernel, so the result is complete.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement
from math import comb

from sympy.polys.domains import QQ

from .echelon import components, independent_rows, nullspace
from .fields import GradientFields

__all__ = ["Ansatz", "build_ansatz", "check_size", "generic_kernel", "monomials",
           "MAX_COLUMNS"]

MAX_COLUMNS = 40000


def monomials(n: int, degree: int) -> list[tuple[int, ...]]:
    """Exponent tuples of all monomials in ``n`` variables of degree 1…``degree``."""
    out = []
    for deg in range(1, degree + 1):
        for combo in combinations_with_replacement(range(n), deg):
            e = [0] * n
            for i in combo:
                e[i] += 1
            out.append(tuple(e))
    return out


@dataclass(frozen=True)
class Ansatz:
    """``Σ_g η_g M_g c = 0``: the columns and one sparse matrix per rate.

    ``blocks[g]`` maps a row index to ``{column: value}``.
    """

    columns: tuple[tuple[int, ...], ...]
    blocks: tuple[dict[int, dict[int, object]], ...]
    nrows: int

    def rows_at(self, etas, columns=None) -> list[dict[int, object]]:
        """The rows of ``Σ_g η_g M_g`` for values ``etas`` (any field), restricted
        to ``columns`` (re-indexed in that order) when given."""
        index = None if columns is None else {c: i for i, c in enumerate(columns)}
        rows: list[dict[int, object]] = [dict() for _ in range(self.nrows)]
        for eta, block in zip(etas, self.blocks):
            for r, entries in block.items():
                row = rows[r]
                for c, v in entries.items():
                    if index is not None:
                        c = index.get(c)
                        if c is None:
                            continue
                    row[c] = row.get(c, 0) + eta * v
        return [{c: v for c, v in row.items() if v} for row in rows]


def check_size(D: int, degree: int) -> None:
    """Raise ``ValueError`` when the ansatz would exceed :data:`MAX_COLUMNS`."""
    size = comb(D + degree, degree) - 1
    if size > MAX_COLUMNS:
        raise ValueError(
            f"degree={degree} with D={D} parameters needs {size} unknown "
            f"coefficients (limit {MAX_COLUMNS}); lower the degree")


def build_ansatz(fields: GradientFields, degree: int) -> Ansatz:
    """The ansatz matrices of all laws of degree ≤ ``degree``.

    Raises
    ------
    ValueError
        If the ansatz would have more than :data:`MAX_COLUMNS` unknowns.
    """
    D = len(fields.params)
    check_size(D, degree)
    columns = monomials(D, degree)
    rates = fields.unique_rates
    rate_of = [rates.index(r) for r in fields.rates]
    blocks: list[dict[int, dict[int, object]]] = [dict() for _ in rates]
    row_ids: dict[tuple, int] = {}
    zero = QQ.zero
    for j, e in enumerate(columns):
        for p in range(D):
            k = e[p]
            if not k:
                continue
            shift = list(e) + [0] * (fields.ring.ngens - D)
            shift[p] -= 1
            block = blocks[rate_of[p]]
            for c, row in enumerate(fields.polys):
                for mon, coef in row[p].items():
                    key = (c, tuple(a + b for a, b in zip(mon, shift)))
                    r = row_ids.setdefault(key, len(row_ids))
                    entries = block.setdefault(r, {})
                    entries[j] = entries.get(j, zero) + k * coef
    return Ansatz(tuple(columns), tuple(blocks), len(row_ids))


def _annihilates(rows, kernel, K) -> bool:
    for row in rows:
        for vec in kernel:
            acc = K.zero
            for j, v in row.items():
                w = vec.get(j)
                if w is not None:
                    acc += v * w
            if acc:
                return False
    return True


def generic_kernel(ansatz: Ansatz, K, eta_k, eta_star):
    """The kernel of ``Σ_g η_g M_g`` over ``K`` = ℚ(η), block by block.

    Parameters
    ----------
    ansatz : Ansatz
    K : FractionField
        ℚ(η); ``eta_k`` are its generators in the order of ``ansatz.blocks``.
    eta_star : list
        Random positive rationals standing for η.

    Returns
    -------
    (k, blocks) or None
        ``k`` the kernel dimension at η*; ``blocks`` a list of
        ``(columns, vectors)`` with columns indices into ``ansatz.columns`` and
        vectors dicts ``{position in columns: K element}``.  ``None`` when η*
        turned out special.
    """
    base = nullspace(ansatz.rows_at(eta_star), len(ansatz.columns))
    k = len(base)
    if k == 0:
        return 0, []
    support = sorted({j for vec in base for j in vec})
    rows_k = ansatz.rows_at(eta_k, support)
    rows_star = ansatz.rows_at(eta_star, support)
    live = [i for i, r in enumerate(rows_k) if r]
    blocks, found = [], 0
    for comp in components([rows_k[i] for i in live], len(support)):
        where = {c: i for i, c in enumerate(comp)}
        mine = [i for i in live if next(iter(rows_k[i])) in where]
        rk = [{where[c]: v for c, v in rows_k[i].items()} for i in mine]
        rs = [{where[c]: v for c, v in rows_star[i].items()} for i in mine]
        dim = len(nullspace(rs, len(comp)))
        if dim == 0:
            continue
        chosen = independent_rows(rs, len(comp))
        kernel = nullspace([rk[i] for i in chosen], len(comp), K)
        if len(kernel) != dim or not _annihilates(rk, kernel, K):
            return None
        blocks.append(([support[c] for c in comp], kernel))
        found += dim
    return (k, blocks) if found == k else None
