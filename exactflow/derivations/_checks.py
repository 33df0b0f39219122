"""Argument checks shared by the vector-level functions of the catalog.

Each raises ``TypeError``/``ValueError`` naming the argument and what was
expected, so that no formula is evaluated outside its domain:

* a *number or array* is real: Python and NumPy integers and floats (any
  precision, converted to float64), 0-d arrays, nested lists, and objects that
  convert to a real float (``fractions.Fraction``, SymPy numbers).  Text,
  bytes, ``None``, booleans, complex numbers, dates and object arrays of
  anything else raise ``TypeError``; ragged nesting, NaN, ±inf, values beyond
  the float64 range and (unless allowed) empty arrays raise ``ValueError``;
* an *integer* argument (a size, an iteration count) is a Python or NumPy
  integer (not a bool, not a float) within the stated range;
* a *tolerance* is a finite real in the stated range.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["finite_array", "integer", "learning_rate", "nonnegative_scalar",
           "positive_scalar", "real_scalar", "scaled_norm", "tolerance"]

_TEXT = (str, bytes, bytearray, memoryview)


def _kind_error(name: str, value, arr: np.ndarray | None = None) -> TypeError:
    what = type(value).__name__ if arr is None else f"dtype {arr.dtype}"
    return TypeError(f"{name} must be a real number or an array of real numbers, "
                     f"got {what}")


def _from_objects(name: str, value, arr: np.ndarray) -> np.ndarray:
    """An object array (Fractions, SymPy numbers, huge ints) as float64."""
    for item in arr.flat:
        if isinstance(item, _TEXT) or isinstance(item, (bool, np.bool_, complex,
                                                         np.complexfloating)) \
                or item is None or not hasattr(item, "__float__"):
            raise _kind_error(name, item)
    try:
        return arr.astype(np.float64)
    except OverflowError:
        raise ValueError(f"{name} must be finite: a value is beyond the float64 "
                         "range") from None
    except (TypeError, ValueError):
        raise _kind_error(name, value) from None


def finite_array(name: str, value, ndim: tuple[int, ...] | None = None, *,
                 min_ndim: int | None = None, allow_empty: bool = False
                 ) -> np.ndarray:
    """``value`` as a finite float64 array, with ``ndim`` in ``ndim`` if given.

    Raises
    ------
    TypeError
        For text, bytes, None, booleans, complex numbers, dates and other
        non-real data (the message names ``name``).
    ValueError
        For ragged nesting, a wrong number of dimensions, an empty array
        (unless ``allow_empty``), NaN, ±inf or values beyond float64.
    """
    if value is None or isinstance(value, _TEXT):
        raise _kind_error(name, value)
    try:
        arr = np.asarray(value)
    except ValueError:
        raise ValueError(f"{name} must be a rectangular array of real numbers "
                         "(the nested lists have different lengths)") from None
    except (TypeError, OverflowError):
        raise _kind_error(name, value) from None
    kind = arr.dtype.kind
    if kind == "O":
        arr = _from_objects(name, value, arr)
    elif kind in "iuf":
        with np.errstate(over="ignore"):  # float128 beyond float64 → inf, below
            arr = arr.astype(np.float64, copy=False)
    else:  # b (bool), c (complex), S/U (text), M/m (dates), V (void)
        raise _kind_error(name, value, arr)
    if ndim is not None and arr.ndim not in ndim:
        raise ValueError(
            f"{name} must have {' or '.join(map(str, ndim))} dimension(s), "
            f"got shape {arr.shape}"
        )
    if min_ndim is not None and arr.ndim < min_ndim:
        raise ValueError(
            f"{name} must have at least {min_ndim} dimensions, got shape {arr.shape}"
        )
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def real_scalar(name: str, value) -> float:
    """A finite real number (a Python or NumPy scalar, or a 0-d array)."""
    return float(finite_array(name, value, ndim=(0,)))


def positive_scalar(name: str, value, what: str = "positive") -> float:
    """A finite number > 0; the message says ``{name} must be {what}``."""
    x = real_scalar(name, value)
    if x <= 0:
        raise ValueError(f"{name} must be {what}, got {x}")
    return x


def nonnegative_scalar(name: str, value, what: str = "non-negative") -> float:
    """A finite number ≥ 0."""
    x = real_scalar(name, value)
    if x < 0:
        raise ValueError(f"{name} must be {what}, got {x}")
    return x


def learning_rate(name: str, value) -> float:
    """A positive learning rate."""
    return positive_scalar(name, value, "a positive learning rate")


def integer(name: str, value, lo: int = 1, hi: int | None = None,
            what: str | None = None) -> int:
    """A Python or NumPy integer (not a bool) with ``lo ≤ value ≤ hi``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(
            value, (numbers.Integral, np.integer)):
        raise TypeError(f"{name} must be {what or 'an integer'}, got "
                        f"{type(value).__name__} {value!r}")
    value = int(value)
    if value < lo or (hi is not None and value > hi):
        bound = f"between {lo} and {hi}" if hi is not None else f">= {lo}"
        raise ValueError(f"{name} must be {what or 'an integer'} {bound}, got {value}")
    return value


def tolerance(name: str, value, lo: float = 0.0, hi: float = 1.0,
              allow_zero: bool = False) -> float:
    """A finite real tolerance in ``(lo, hi)`` (``[lo, hi)`` with ``allow_zero``)."""
    x = real_scalar(name, value)
    if not (lo <= x < hi if allow_zero else lo < x < hi):
        left = "[" if allow_zero else "("
        raise ValueError(f"{name} must be a tolerance in {left}{lo:g}, {hi:g}), "
                         f"got {x}")
    return x


def scaled_norm(x: np.ndarray) -> np.ndarray:
    """‖x‖ over the last axis without overflow or underflow of the squares."""
    m = np.max(np.abs(x), axis=-1)
    safe = np.where(m > 0, m, 1.0)[..., None]
    return m * np.sqrt(np.sum((x / safe) ** 2, -1))
