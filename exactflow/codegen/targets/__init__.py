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
``jax``    ``jax.numpy`` functions (jit, vmap,    ``exactflow[jax]``
           grad)
=========  =====================================  ============================

To add a target: a folder ``targets/<name>/`` with a ``Target`` subclass and
its templates, one line in :data:`TARGETS`, and the generic target tests pick it
up (see CONTRIBUTING.md).

>>> sorted(TARGETS)
['cuda', 'jax', 'numba', 'numpy']
>>> TARGETS[DEFAULT_TARGET].suffix
'.py'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..artefacts import Artefacts
from ..info import KernelInfo
from .base import Context, Target
from .cuda import CudaTarget
from .jax import JaxTarget
from .numba import NumbaTarget
from .numpy import NumpyTarget

if TYPE_CHECKING:  # importing the registry loads no SymPy
    from ..spec import KernelSpec

__all__ = ["DEFAULT_TARGET", "TARGETS", "Context", "Target", "cached", "emit", "get",
           "load", "load_cached"]

#: name -> target, in the order the CLI lists them
TARGETS: dict[str, Target] = {
    "numpy": NumpyTarget(),
    "cuda": CudaTarget(),
    "numba": NumbaTarget(),
    "jax": JaxTarget(),
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
    from ..artefacts import store

    t = get(target)
    context = Context(lambda: spec)
    if source is None:
        source, context.meta = t.generate(context)
    return t.load(spec, source, store(source, t.suffix), context)


def cached(target: str | None, artefacts: Artefacts,
           make_spec: Callable[[], KernelSpec]) -> tuple[KernelInfo, str, Context]:
    """``(info, source, context)`` of the kernel whose texts ``artefacts``
    caches: read from the cache without SymPy when it holds them, else
    generated from ``make_spec()`` and recorded.

    A damaged entry (its text no longer what the reference records, its
    metadata unreadable) is generated and recorded again, never used.
    ``context.path`` is where the source is stored (None: nowhere).
    """
    t = get(target)
    context = Context(make_spec, artefacts)
    entry = artefacts.lookup("module")
    info = None
    if entry is not None:
        try:
            info = KernelInfo.from_json(entry.meta.get("info"))
        except ValueError:
            entry = None
    if entry is None:
        spec = context.spec()
        text, meta = t.generate(context)
        meta = {"info": spec.info.to_json(), **meta}
        context.path = artefacts.record("module", text, t.suffix, meta)
        info, source = spec.info, text
    else:
        source, context.path, meta = entry.text, entry.path, entry.meta
    context.meta = meta
    return info, source, context


def load_cached(target: str | None, artefacts: Artefacts,
                make_spec: Callable[[], KernelSpec]) -> Callable:
    """The kernel of :func:`cached` ``(target, artefacts, make_spec)``, loaded."""
    info, source, context = cached(target, artefacts, make_spec)
    return get(target).load(info, source, context.path, context)
