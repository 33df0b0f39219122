"""What an argument is, and the bad values each kind of argument must refuse.

An :class:`Arg` declares one argument of a public function: its kind
(``"array"``, ``"scalar"``, ``"int"``, ``"tol"``), its sign constraint and the
shapes it must refuse.  :func:`bad_values` turns a valid value into the
invalid ones of every category (NaN, inf, a wrong sign, a wrong shape,
complex, text, None, empty, …); the function must answer each with a
``ValueError``/``TypeError`` naming the argument.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

__all__ = ["Arg", "INVALID", "POSITIVE", "REAL", "TIME", "bad_values", "forms",
           "magnitude", "rate", "real", "reals", "times"]


@dataclass(frozen=True)
class Arg:
    """One argument: ``kind`` and the values outside its domain.

    ``sign``: ``"pos"`` (> 0), ``"nonneg"`` (≥ 0) or None; ``shapes``: callables
    turning a valid value into one of a wrong shape (none when every shape is
    valid); ``optional``: None is a valid value (then it is not tried as bad
    input); ``lo``/``hi`` bound an integer or tolerance.
    """

    kind: str = "array"
    sign: str | None = None
    shapes: tuple[Callable, ...] = ()
    optional: bool = False
    lo: float | None = None
    hi: float | None = None
    extra: tuple = field(default=())  # more (category, value) pairs


def _one(value, new):
    """``value`` (array-like) with its first entry replaced by ``new``."""
    arr = np.array(value, dtype=float, copy=True)
    if arr.ndim == 0:
        return type(value)(new) if isinstance(value, float) else np.float64(new)
    arr.flat[0] = new
    return arr


def _complex(value):
    arr = np.asarray(value, dtype=float)
    return arr + 1j if arr.ndim else complex(float(arr), 1.0)


#: the categories of invalid input, as reported by the summary
INVALID = ("nan", "inf", "sign", "shape", "complex", "text", "bytes", "none",
           "empty", "bool", "ragged", "date", "object", "huge-int", "range",
           "float", "type")


def bad_values(arg: Arg, value) -> list[tuple[str, object]]:
    """``(category, bad value)`` pairs for one argument with valid ``value``."""
    out: list[tuple[str, object]] = []
    if arg.kind in ("array", "scalar"):
        out += [("nan", _one(value, np.nan)), ("inf", _one(value, np.inf)),
                ("inf", _one(value, -np.inf)), ("complex", _complex(value)),
                ("text", "1.0"), ("text", ["1.0"] * max(np.size(value), 1)),
                ("bytes", b"1"), ("bool", True), ("date", np.datetime64("2020-01-01")),
                ("object", object()), ("huge-int", 10**400)]
        if not arg.optional:
            out.append(("none", None))
        if arg.kind == "array":
            out += [("empty", np.zeros((0,))), ("ragged", [[1.0, 2.0], [3.0]])]
        else:
            out.append(("shape", np.array([1.0, 2.0])))
        if arg.sign == "pos":
            out += [("sign", _one(value, 0.0)), ("sign", _one(value, -1.0))]
        elif arg.sign == "nonneg":
            out.append(("sign", _one(value, -1.0)))
        out += [("shape", f(value)) for f in arg.shapes]
    elif arg.kind == "int":
        lo = int(arg.lo if arg.lo is not None else 1)
        out += [("range", lo - 1), ("float", float(lo) + 0.5), ("bool", True),
                ("text", "3"), ("complex", complex(lo, 0)), ("nan", np.nan)]
        if not arg.optional:
            out.append(("none", None))
        if arg.hi is not None:
            out += [("range", int(arg.hi) + 1), ("huge-int", 10**30)]
    elif arg.kind == "tol":
        lo = arg.lo if arg.lo is not None else 0.0
        hi = arg.hi if arg.hi is not None else 1.0
        out += [("nan", np.nan), ("inf", np.inf), ("range", lo - 1.0),
                ("range", hi * 2 + 1.0), ("complex", complex(1e-8, 1e-8)),
                ("text", "1e-8"), ("shape", np.array([1e-8, 1e-8]))]
        if not arg.optional:
            out.append(("none", None))
    elif arg.kind == "custom":  # only the row's own ``extra`` values
        pass
    else:  # pragma: no cover - a table error
        raise ValueError(f"unknown argument kind {arg.kind!r}")
    return out + list(arg.extra)


# ----------------------------------------------------------------- valid values


def magnitude(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Log-uniform magnitudes in [10^lo, 10^hi], with both ends and 1 pinned."""
    ends = st.sampled_from([10.0**lo, 10.0**hi, 1.0])
    inner = st.floats(lo, hi).map(lambda e: float(10.0**e))
    return st.one_of(ends, inner, inner)


def real(lo: float, hi: float, zero: bool = True) -> st.SearchStrategy[float]:
    """±magnitude in [10^lo, 10^hi], or 0."""
    signed = st.tuples(st.sampled_from([-1.0, 1.0]), magnitude(lo, hi)).map(
        lambda p: p[0] * p[1])
    return st.one_of(st.just(0.0), signed, signed) if zero else signed


def reals(n: int, lo: float, hi: float, zero: bool = True):
    """Arrays of ``n`` values: a common scale times O(1) factors, zeros allowed.

    A factor is ±[1/2, 2]: a factor of 1e-146 (which ``floats(-2, 2)`` draws) would
    take an entry far outside [10^lo, 10^hi], the documented domain."""
    order_one = st.tuples(st.sampled_from([-1.0, 1.0]), st.floats(0.5, 2.0)).map(
        lambda p: p[0] * p[1])
    factors = st.lists(st.one_of(st.just(0.0) if zero else st.just(1.0), order_one),
                       min_size=n, max_size=n)
    common = st.tuples(magnitude(lo, hi), factors).map(
        lambda p: p[0] * np.array(p[1], dtype=float))
    independent = st.lists(real(lo, hi, zero), min_size=n, max_size=n).map(
        lambda v: np.array(v, dtype=float))
    return st.one_of(common, independent)


def forms(value) -> st.SearchStrategy:
    """``value`` as the types a user passes: float, 0-d array, list, float32."""
    arr = np.asarray(value, dtype=float)
    options = [st.just(arr)]
    if arr.ndim == 0:
        options += [st.just(float(arr)), st.just(np.float64(arr))]
        if float(arr).is_integer() and abs(float(arr)) < 2**53:
            options.append(st.just(int(arr)))
    else:
        options.append(st.just(arr.tolist()))
    small = np.abs(arr[arr != 0]) if arr.ndim else np.abs(arr[None][arr[None] != 0])
    if small.size == 0 or (small.min() >= 1e-30 and small.max() <= 1e30):
        options.append(st.just(arr.astype(np.float32)))
    return st.one_of(options)


def times(lo: float = -300, hi: float = 300) -> st.SearchStrategy[np.ndarray]:
    """Times t ≥ 0 of shape (), (k,) or (2, 3): zeros and 10^lo … 10^hi."""
    one = st.one_of(st.just(0.0), magnitude(lo, hi))
    shape = st.sampled_from([(), (1,), (4,), (2, 3)])
    return shape.flatmap(lambda s: st.lists(one, min_size=int(np.prod(s)),
                                            max_size=int(np.prod(s))).map(
        lambda v, s=s: np.array(v, dtype=float).reshape(s)))


def rate(lo: float = -6, hi: float = 6) -> st.SearchStrategy[float]:
    """A positive rate (or scale) in [10^lo, 10^hi]."""
    return magnitude(lo, hi)


#: an argument that is a time array (any shape, t ≥ 0)
TIME = Arg("array", "nonneg")
#: a positive scalar (a learning rate, a time constant, a scale)
POSITIVE = Arg("scalar", "pos")
#: a real scalar
REAL = Arg("scalar")
