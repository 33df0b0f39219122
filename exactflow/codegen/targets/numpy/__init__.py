"""The NumPy target: a blocked, in-place module of ufunc calls per kernel.

The generated function broadcasts its arguments, allocates each output once and
walks the flattened broadcast index space in blocks (:mod:`.lower`,
``module.py.j2``); the per-block body is three-address code of ufunc calls
(:mod:`.schedule`) over scratch buffers reused by liveness (:mod:`.program`).
The module is compiled under a fake file name registered in :mod:`linecache`,
so tracebacks show the generated lines.  (The printing modules are imported on
first use: the registry stays cheap to import.)
"""

from __future__ import annotations

from ..base import Target

__all__ = ["NumpyTarget"]


class NumpyTarget(Target):
    """Vectorised NumPy (the default target; no extra needed)."""

    name = "numpy"
    suffix = ".py"
