"""Identities evaluated on finite input beyond their stated scales.

Their products can leave the float64 range: then the result would be ±inf,
or NaN where two overflowed terms cancel.  :func:`in_range` computes under
NumPy's overflow silence and refuses such a result with a ValueError naming
the arguments; :func:`refuse_overflow` does the same for a whole function.
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["in_range", "refuse_overflow"]


def _finite(out) -> bool:
    parts = out if isinstance(out, tuple) else (out,)
    return all(np.all(np.isfinite(p)) for p in parts)


def in_range(names: str, compute, scales: str = ""):
    """``compute()``, or a ValueError naming ``names`` if any entry of its
    result (an array or a tuple of arrays) left the float64 range."""
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            out = compute()
    except np.linalg.LinAlgError:  # an eigensolver met the overflowed entries
        out = np.nan
    if not _finite(out):
        raise ValueError(f"{names} are beyond the float64 range of this identity "
                         f"(its products overflow){': ' + scales if scales else ''}")
    return out


def refuse_overflow(names: str, scales: str = ""):
    """Decorator: the function's result through :func:`in_range`."""
    def wrap(func):
        @functools.wraps(func)
        def checked(*args, **kwargs):
            return in_range(names, lambda: func(*args, **kwargs), scales)
        return checked
    return wrap
