"""Old argument names of the catalog, accepted for one release with a warning.

The catalog speaks one convention (docs/conventions.md): rates ``eta_<group>``
(``eta = 1/τ`` where a paper writes a time constant τ), the whitened target
``beta_star`` = Σxy, data moments ``sigma_xx``/``sigma_xy``.  Functions that
used other names take them as keywords until exactflow 0.3, with a
``DeprecationWarning`` that says what to write instead:

>>> import warnings
>>> @renamed(s="beta_star", tau=("eta", reciprocal("tau")))
... def f(beta_star, *, eta=1.0):
...     return beta_star, eta
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     f(s=3.0, tau=4.0)
(3.0, 0.25)
>>> print(caught[0].message)  # doctest: +NORMALIZE_WHITESPACE
f(): the argument 's' is deprecated and will be removed in exactflow 0.3;
use beta_star
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable

import numpy as np

from ._checks import finite_array

__all__ = ["REMOVED_IN", "reciprocal", "renamed", "transposed"]

#: the release that drops the old names
REMOVED_IN = "0.3"


def reciprocal(old: str) -> Callable:
    """The conversion of a time constant ``old`` = τ to the rate η = 1/τ."""

    def convert(value):
        value = finite_array(old, value)
        if np.any(value <= 0):
            raise ValueError(f"{old} must be positive (a time constant)")
        return 1.0 / value if value.ndim else 1.0 / float(value)

    convert.__doc__ = f"1/{old}"
    return convert


def transposed(old: str) -> Callable:
    """The conversion of a matrix given in the other orientation (Σyx → Σxy)."""

    def convert(value):
        arr = np.asarray(value)
        if arr.ndim != 2:
            raise ValueError(f"{old} must be a matrix, got shape {arr.shape}")
        return arr.T

    convert.__doc__ = f"{old} transposed"
    return convert


def renamed(**old: str | tuple[str, Callable]) -> Callable:
    """Accept each keyword ``old=new`` (or ``old=(new, convert)``) for ``new``.

    Parameters
    ----------
    **old : str or (str, callable)
        The old keyword name mapped to the new one, with the conversion of the
        value when the meaning changed (e.g. :func:`reciprocal` for τ → η).

    Returns
    -------
    callable
        A decorator; the decorated function keeps its signature and docstring.
        Passing both the old and the new name is a ``TypeError``.
    """
    table = {k: (v, None) if isinstance(v, str) else v for k, v in old.items()}

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            for name in [k for k in table if k in kwargs]:  # in a fixed order
                new, convert = table[name]
                if new in kwargs:
                    raise TypeError(f"{func.__name__}() got both {name!r} and "
                                    f"{new!r}; pass only {new}")
                how = new if convert is None else f"{new} = {convert.__doc__}"
                warnings.warn(
                    f"{func.__name__}(): the argument {name!r} is deprecated and "
                    f"will be removed in exactflow {REMOVED_IN}; use {how}",
                    DeprecationWarning, stacklevel=2)
                value = kwargs.pop(name)
                kwargs[new] = value if convert is None else convert(value)
            return func(*args, **kwargs)

        wrapper.renamed = dict(table)
        return wrapper

    return decorate
