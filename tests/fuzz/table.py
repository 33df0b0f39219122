"""One row per public numerical function: its arguments and its valid calls.

A :class:`Row` declares each argument (an :class:`~.kinds.Arg`, or None for an
argument with no invalid values) and a strategy drawing valid keyword
arguments across the function's documented domain, extremes included.  A new
catalog entry adds one row per function (``test_api`` fails until it does).
The domains are those stated in the functions' docstrings.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st

from . import (
    rows_deep,
    rows_diagonal,
    rows_multi,
    rows_neuron,
    rows_observe,
    rows_relu,
    rows_rest,
    rows_wide,
)

__all__ = ["Row", "TABLE"]


@dataclass(frozen=True)
class Row:
    args: dict
    valid: st.SearchStrategy
    check: Callable | None = None
    #: result fields documented to be ±inf for some valid inputs (never NaN)
    infinite: tuple[str, ...] = ()


TABLE: dict[str, Row] = {}
for _module in (rows_neuron, rows_deep, rows_diagonal, rows_wide, rows_multi,
                rows_rest, rows_relu, rows_observe):
    for _name, (_args, _valid, *_rest) in _module.ROWS.items():
        TABLE[_name] = Row(_args, _valid, *_rest)
