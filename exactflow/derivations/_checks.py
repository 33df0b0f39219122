"""Argument checks shared by the vector-level functions of the catalog.

Each raises ``TypeError``/``ValueError`` naming the argument and what was
expected, so that no formula is evaluated outside its domain.
"""

from __future__ import annotations

import numpy as np

__all__ = ["finite_array", "learning_rate", "positive_scalar", "real_scalar"]


def finite_array(name: str, value, ndim: tuple[int, ...] | None = None, *,
                 min_ndim: int | None = None) -> np.ndarray:
    """``value`` as a finite float64 array, with ``ndim`` in ``ndim`` if given."""
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must be a real number or array, got {type(value).__name__}"
        ) from None
    if ndim is not None and arr.ndim not in ndim:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, ndim))} dimension(s), "
            f"got shape {arr.shape}"
        )
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def real_scalar(name: str, value) -> float:
    """A finite real number."""
    return float(finite_array(name, value, ndim=(0,)))


def positive_scalar(name: str, value, what: str = "positive") -> float:
    """A finite number > 0; the message says ``{name} must be {what}``."""
    x = real_scalar(name, value)
    if x <= 0:
        raise ValueError(f"{name} must be {what}, got {x}")
    return x


def learning_rate(name: str, value) -> float:
    """A positive learning rate."""
    return positive_scalar(name, value, "a positive learning rate")
