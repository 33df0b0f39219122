"""The solver's own symbols: the time t and the initial values ``x_init``."""

from __future__ import annotations

import sympy as sp

__all__ = ["init_symbol", "t"]

t = sp.Symbol("t", nonnegative=True)


def init_symbol(x: sp.Symbol) -> sp.Symbol:
    """The symbol of ``x``'s initial value, ``x_init``."""
    return sp.Symbol(f"{x.name}_init", **x.assumptions0)
