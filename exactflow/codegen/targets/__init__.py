"""The codegen targets: one folder per target, one registry.

:data:`TARGETS` is the only place a target is named; the CLI's choices, the
glue in ``exactflow._build`` and the tests read it.  Each target is a
:class:`~.base.Target` in its own folder, beside its templates:

=========  =====================================  ============================
name       what it generates                      needs
=========  =====================================  ============================
``numpy``  a blocked module of in-place ufuncs    (core)
``numba``  parallel ``prange`` loops, grid nests  ``exactflow[numba]``
``cuda``   a C99/CUDA point header + kernel       ``exactflow[cuda]`` and a GPU
=========  =====================================  ============================

To add a target: a folder ``targets/<name>/`` with a ``Target`` subclass and
its templates, one line in :data:`TARGETS`, and the generic target tests pick it
up (see CONTRIBUTING.md).

>>> sorted(TARGETS)
['cuda', 'numba', 'numpy']
>>> TARGETS[DEFAULT_TARGET].suffix
'.py'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .base import Target
from .cuda import CudaTarget
from .numba import NumbaTarget
from .numpy import NumpyTarget

if TYPE_CHECKING:  # importing the registry loads no SymPy
    from ..spec import KernelSpec

__all__ = ["DEFAULT_TARGET", "TARGETS", "Target", "emit", "get", "load"]

#: name -> target, in the order the CLI lists them
TARGETS: dict[str, Target] = {
    "numpy": NumpyTarget(),
    "cuda": CudaTarget(),
    "numba": NumbaTarget(),
}
#: the target used when none is named
DEFAULT_TARGET = "numpy"


def get(target: str | None) -> Target:
    """The registered target called ``target`` (None: :data:`DEFAULT_TARGET`).

    Raises
    ------
    ValueError
        For a name that is not in :data:`TARGETS`.
    """
    if target is None:
        target = DEFAULT_TARGET
    if isinstance(target, str) and target in TARGETS:
        return TARGETS[target]
    raise ValueError(f"target must be one of {list(TARGETS)}, got {target!r}")


def emit(spec: KernelSpec, target: str | None = None) -> str:
    """Source text of ``spec`` for ``target`` (None: the default, NumPy)."""
    return get(target).emit(spec)


def load(spec: KernelSpec, target: str | None = None,
         source: str | None = None) -> Callable:
    """The generated kernel of ``spec`` as a callable (no memo: callers keep it;
    ``exactflow._build`` holds the memo of the catalog's kernels).

    ``source`` is the text :func:`emit` gives (pass it when you have it).  It
    is written to the cache directory as a side effect, keyed by its hash.
    The Numba target imports the module from that file (ImportError without
    the ``exactflow[numba]`` extra); the CUDA target returns a CuPy launcher
    (ImportError without ``exactflow[cuda]``, RuntimeError without a GPU).
    """
    from ..loading import store

    t = get(target)
    source = t.emit(spec) if source is None else source
    return t.load(spec, source, store(source, t.suffix))
