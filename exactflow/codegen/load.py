"""Turning specs into source and source into callables.

Generated NumPy is compiled under a fake file name
``<exactflow:{derivation}:{kernel}:numpy:{dtype}>`` that is registered in
:mod:`linecache`, so tracebacks and :func:`inspect.getsource` show the generated
lines; the text is also stored in the cache directory (see :mod:`.cache`).
Generated Numba modules are imported from that file instead (Numba's
``cache=True`` keeps its compiled code next to a real source file).
"""

from __future__ import annotations

import functools
import linecache
import warnings
from collections.abc import Callable

from .cache import cache_dir, source_hash, write_atomic
from .spec import KernelSpec

__all__ = [
    "TARGETS", "PLANNED_TARGETS", "SUFFIXES", "check_target", "emit", "filename",
    "load", "load_source", "store",
]

TARGETS = ("numpy", "cuda", "numba")
DEFAULT_TARGET = "numpy"
PLANNED_TARGETS: tuple[str, ...] = ()
SUFFIXES = {"numpy": ".py", "cuda": ".cu", "numba": ".py"}


def check_target(target: object) -> str:
    """``target`` if this version can generate it, else a ValueError saying why."""
    if target in TARGETS:
        return target  # type: ignore[return-value]
    if target in PLANNED_TARGETS:
        raise ValueError(f"target {target!r} is not available yet; "
                         f"available targets: {list(TARGETS)}")
    raise ValueError(f"target must be one of {list(TARGETS)}, got {target!r}")


@functools.lru_cache(maxsize=256)
def emit(spec: KernelSpec, target: str = "numpy") -> str:
    """Source text of ``spec`` for ``target`` (memoised per spec and target)."""
    check_target(target)
    if target == "cuda":
        from . import cuda_target

        return cuda_target.emit(spec)
    if target == "numba":
        from . import numba_target

        return numba_target.emit(spec)
    from . import numpy_target

    return numpy_target.emit(spec)


def filename(spec: KernelSpec, target: str = "numpy") -> str:
    """The fake file name the generated code is compiled under.

    When a different kernel already holds that name in :mod:`linecache` (two
    specs with the same names in one process), :func:`load` appends a short
    hash of the source so that both keep showing their own lines.
    """
    return f"<exactflow:{spec.derivation}:{spec.name}:{target}:{spec.dtype}>"


def load_source(source: str, name: str, function: str,
                module: str = "exactflow.generated") -> Callable:
    """Compile ``source`` under the file name ``name`` and return ``function``.

    The text is registered in ``linecache.cache`` before ``exec`` into a fresh
    namespace, as :func:`sympy.lambdify` does.
    """
    code = compile(source, name, "exec")
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace: dict = {"__name__": module, "__file__": name}
    exec(code, namespace)
    return namespace[function]


def store(source: str, target: str = "numpy"):
    """Write ``source`` to the cache directory; warn (never fail) when it cannot."""
    try:
        return write_atomic(cache_dir(), source, SUFFIXES[target])
    except OSError as exc:
        warnings.warn(f"exactflow: cannot write to the kernel cache: {exc}",
                      RuntimeWarning, stacklevel=3)
        return None


@functools.lru_cache(maxsize=256)
def load(spec: KernelSpec, target: str = "numpy") -> Callable:
    """The generated kernel of ``spec`` as a callable (memoised).

    The source is written to the cache directory as a side effect, keyed by its
    hash, so it can be read outside Python.  The Numba target imports the module
    from that file (ImportError without the ``exactflow[numba]`` extra, not
    memoised) and returns a :class:`~.numba_target.NumbaKernel`.  The CUDA
    target returns a CuPy launcher (ImportError without the ``exactflow[cuda]``
    extra, RuntimeError without a GPU; neither is memoised).
    """
    source = emit(spec, target)
    path = store(source, target)
    if target == "numba":  # imported from its file: Numba's cache needs one
        from . import numba_target

        return numba_target.load(spec, source, path)
    if target == "cuda":
        from . import cuda_target

        return cuda_target.load(spec, source)
    name = filename(spec, target)
    held = linecache.cache.get(name)
    if held is not None and "".join(held[2]) != source:
        # another kernel of the same names is loaded: keep both tracebacks right
        name = f"{name[:-1]}:{source_hash(source)[:12]}>"
    module = f"exactflow.generated.{spec.derivation}.{spec.name}_{spec.dtype}"
    return load_source(source, name, spec.name, module)
