"""Claim results of the solver: exact zero tests, pointwise residuals."""

from __future__ import annotations

import time as _time
from collections.abc import Sequence

import sympy as sp

from ..proof.pointwise import pointwise_zero
from ..proof.verify import ClaimResult, combine
from ..proof.zero import is_identically_zero
from .symbols import t

__all__ = ["claim", "pointwise_claim"]


class _Lazy(Sequence):
    """A sequence whose items are computed on first access: a random point that
    is redrawn (its first residual's exponential degree too high) costs one
    residual, not all of them."""

    def __init__(self, makers):
        self._makers = list(makers)
        self._items: dict[int, sp.Expr] = {}

    def __len__(self) -> int:
        return len(self._makers)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self))[i]
        if i not in self._items:
            self._items[i] = self._makers[i]()
        return self._items[i]


def claim(name, exprs, **kw) -> ClaimResult:
    """Every expression of ``exprs`` is identically zero (exact tests)."""
    start = _time.perf_counter()
    passed, method, resid, detail = combine(
        [is_identically_zero(e, **{"max_ops": 0, **kw}) for e in exprs])
    return ClaimResult(name, passed, method, resid, _time.perf_counter() - start,
                       detail)


def pointwise_claim(name, state, time_rhs, points=2) -> ClaimResult:
    """ẋ − F(x) ≡ 0 for the closed form ``state``, at random rational constants.

    The constants (everything but t) are fixed before differentiating, so the
    expressions stay small; each point is decided exactly in t.
    """
    start = _time.perf_counter()
    free = set().union(*(sp.sympify(e).free_symbols for e in state.values()))
    free |= set().union(*(sp.sympify(f).free_symbols for f in time_rhs.values()))
    symbols = sorted(free - {t} - set(state), key=sp.default_sort_key)

    def build(values):
        at = {x: e.xreplace(values) for x, e in state.items()}
        return _Lazy([lambda x=x, f=f: sp.diff(at[x], t)
                      - f.xreplace(values).xreplace(at)
                      for x, f in time_rhs.items()])

    def closed_form(values):  # its exponentials are those of the residuals
        return [e.xreplace(values) for e in state.values()]

    check = pointwise_zero(build, symbols, points=points, preview=closed_form)
    return ClaimResult(name, check.is_zero, check.method, check.max_abs,
                       _time.perf_counter() - start, check.detail)
