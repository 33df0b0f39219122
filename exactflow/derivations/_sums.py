"""Sums of squares for the observables helpers, without spurious overflow.

A loss ½Σr² can be representable while r² is not (r ≈ 1.5e154): the sum is
taken of (r/m)² with m = max|r| and scaled back, so it is finite exactly when
its value is below the largest float and +inf beyond (never NaN).
"""

from __future__ import annotations

import numpy as np

__all__ = ["half_square_sum"]


def half_square_sum(r, axis) -> np.ndarray:
    """½ Σ r² over ``axis`` (an int or a tuple of ints) of a real array ``r``.

    Entries of ``r`` that overflowed to ±inf give +inf; the result is never NaN.
    """
    r = np.asarray(r, dtype=float)
    m = np.max(np.abs(r), axis=axis, keepdims=True)
    safe = np.where((m > 0) & np.isfinite(m), m, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        ss = np.sum(np.where(np.isfinite(r), r / safe, 0.0) ** 2, axis=axis)
        m = np.squeeze(m, axis=axis)
        out = 0.5 * m * (m * ss)
    return np.where(np.isinf(m), np.inf, np.where(m > 0, out, 0.0))
