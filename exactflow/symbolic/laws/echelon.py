"""Exact linear algebra on sparse vectors over ℚ and ℚ(η).

Vectors are dicts ``{key: value}`` with orderable keys and non-zero values in
SymPy's ``QQ`` (or another field of the ``sympy.polys`` domains).  Nothing here
uses floating point: every rank decision is exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.sdm import SDM

__all__ = ["Echelon", "nullspace", "independent_rows", "rref_rows", "rank_of",
           "components"]


class Echelon:
    """An incrementally built echelon basis of sparse vectors.

    Each stored row has its smallest key as pivot and no other stored row has
    that pivot, so a vector reduces in one left-to-right sweep.

    Examples
    --------
    >>> from sympy.polys.domains import QQ
    >>> e = Echelon(QQ)
    >>> e.add({0: QQ(1), 1: QQ(2)}), e.add({0: QQ(2), 1: QQ(4)}), len(e)
    (True, False, 1)
    """

    def __init__(self, domain=QQ) -> None:
        self.domain = domain
        self.rows: dict = {}

    def __len__(self) -> int:
        return len(self.rows)

    def reduce(self, vec: dict) -> dict:
        """The part of ``vec`` not in the span (``{}`` when it is in the span)."""
        vec = {k: v for k, v in vec.items() if v}
        zero = self.domain.zero
        while vec:
            p = min(vec)
            row = self.rows.get(p)
            if row is None:
                return vec
            c = vec[p] / row[p]
            for k, v in row.items():
                nv = vec.get(k, zero) - c * v
                if nv:
                    vec[k] = nv
                else:
                    vec.pop(k, None)
        return vec

    def add(self, vec: dict) -> bool:
        """Add ``vec``; True when it was independent of the rows so far."""
        red = self.reduce(vec)
        if not red:
            return False
        self.rows[min(red)] = red
        return True


def _matrix(rows: Sequence[dict], ncols: int, domain) -> DomainMatrix:
    data = {i: {j: v for j, v in r.items() if v} for i, r in enumerate(rows)}
    data = {i: r for i, r in data.items() if r}
    return DomainMatrix.from_rep(SDM(data, (len(rows), ncols), domain))


def nullspace(rows: Sequence[dict], ncols: int, domain=QQ) -> list[dict[int, object]]:
    """A basis of ``{c : Σ_j row[j] c_j = 0 for every row}`` as sparse dicts.

    ``rows`` are dicts ``{column: value}`` with columns in ``range(ncols)``; the
    basis is the one of the reduced row echelon form (one free column per vector).
    """
    if ncols == 0:
        return []
    if not any(rows):
        return [{j: domain.one} for j in range(ncols)]
    null = _matrix(rows, ncols, domain).nullspace().to_sdm()
    return [dict(null[i]) for i in sorted(null)]


def independent_rows(rows: Sequence[dict], ncols: int, domain=QQ) -> list[int]:
    """Indices of a maximal linearly independent subset of ``rows``."""
    if not rows:
        return []
    _, pivots = _matrix(rows, ncols, domain).transpose().rref()
    return list(pivots)


def rref_rows(rows: Sequence[dict], ncols: int, domain) -> list[dict[int, object]]:
    """The non-zero rows of the reduced row echelon form, in pivot order."""
    if not rows:
        return []
    red, pivots = _matrix(rows, ncols, domain).rref()
    sdm = red.to_sdm()
    return [dict(sdm[i]) for i in range(len(pivots))]


def rank_of(vectors: Iterable[dict], domain=QQ) -> int:
    """Rank of sparse vectors (any orderable keys)."""
    e = Echelon(domain)
    for v in vectors:
        e.add(v)
    return len(e)


def components(rows: Sequence[dict], ncols: int) -> list[list[int]]:
    """Connected components of the columns, two columns being linked when a row
    uses both; a linear system splits into one independent block per component.
    Components are sorted by their smallest column."""
    parent = list(range(ncols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for row in rows:
        cols = list(row)
        for c in cols[1:]:
            a, b = find(cols[0]), find(c)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for c in range(ncols):
        groups.setdefault(find(c), []).append(c)
    return sorted(groups.values(), key=lambda g: g[0])
