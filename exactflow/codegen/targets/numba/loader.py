"""Loading generated Numba modules: import from the cache file, grids on demand.

Numba's ``cache=True`` needs a real file: :func:`import_source` imports the
module from its file in the cache directory (``$EXACTFLOW_CACHE_DIR``, named by
the SHA-256 of its text, checked before every import), so another process finds
Numba's compiled code in ``__pycache__`` next to it.  When Numba's own cache
files there are damaged (the import fails), they are removed and the module is
compiled again, once.  Nothing here imports SymPy: a kernel loaded from the
cache plans its broadcast loop nests from the cost table stored with it, and
generates a loop nest (SymPy) only for a pattern not yet in the cache.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

from ... import nests
from ...artefacts import store
from ...cache import read_verified, source_hash, write_text_atomic

__all__ = ["NumbaKernel", "VECTOR_MIN", "import_source", "load", "numba_module"]

#: Points from which a call that hoists nothing runs the one-column loop nest
#: (compiled once per input pattern) rather than the flat loop.
VECTOR_MIN = 4096


def numba_module():
    """``import numba``, or ImportError naming the ``exactflow[numba]`` extra."""
    try:
        import numba
    except ImportError as exc:
        raise ImportError(
            "the Numba target needs numba: install the exactflow[numba] extra "
            f"(pip install 'exactflow[numba]'); import failed: {exc}") from exc
    return numba


def _numba_cache_files(path: Path) -> list[Path]:
    """Numba's index and data files for the module at ``path``."""
    pycache = path.parent / "__pycache__"
    if not pycache.is_dir():
        return []
    return [p for p in pycache.iterdir()
            if p.name.startswith(path.stem + ".") and p.suffix in (".nbi", ".nbc")]


def _exec(name: str, path: Path):
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def import_source(source: str, path: Path | None = None, stem: str = "kernel"):
    """Import ``source`` from its file in the cache directory (written if needed).

    The module name is unique per source hash, so two versions of a kernel
    never meet in :data:`sys.modules`; Numba keeps its compiled code in
    ``__pycache__`` next to the file, where the next process finds it.  A file
    whose text is not ``source`` (damaged, edited) is written again first; an
    unwritable cache directory sends the file to the per-user fallback
    directory (see :mod:`exactflow.codegen.cache`).
    """
    digest = source_hash(source)
    name = f"exactflow_numba_{stem}_{digest[:20]}"
    if name in sys.modules:
        return sys.modules[name]
    if path is None:
        path = store(source, ".py")
    if path is None:
        raise OSError("the Numba target needs a writable directory for its module "
                      "(set EXACTFLOW_CACHE_DIR)")
    path = Path(path)
    if read_verified(path, digest) is None:
        write_text_atomic(path, source)
    try:
        return _exec(name, path)
    except Exception:
        stale = _numba_cache_files(path)
        if not stale:
            raise
    for p in stale:  # damaged compiled code: compile again, once
        try:
            p.unlink()
        except OSError:
            pass
    return _exec(name, path)


class NumbaKernel:
    """The loaded kernel: ``f(*inputs, block=None) -> tuple of arrays``.

    Same calling convention as the NumPy kernel (``block`` is accepted and
    checked, but Numba needs no blocking).  When the arguments broadcast so
    that work can be hoisted out of the loop over points (scalar arguments, a
    grid of lines: :func:`exactflow.codegen.nests.plan`), a loop nest compiled
    for that pattern of inputs runs instead of the flat loop; so does a call of
    :data:`VECTOR_MIN` points or more that hoists nothing (its nest has one
    column, and its loop is vectorised).

    Attributes
    ----------
    spec : KernelInfo or KernelSpec
        Names and dtype of the kernel.
    module : module
        The imported generated module (``<kernel>``, ``<kernel>_point``,
        ``<kernel>_flat``).
    source : str
        Its text; ``module.__file__`` is its path in the cache directory.
    """

    def __init__(self, spec, module, source: str, context=None) -> None:
        from ..base import Context

        self.spec, self.module, self.source = spec, module, source
        self.context = Context(lambda: spec) if context is None else context
        self._function = getattr(module, spec.name)
        self._grids: dict = {}
        self._table = None
        self.__name__ = spec.name
        self.__doc__ = self._function.__doc__

    def __repr__(self) -> str:
        return (f"<NumbaKernel {self.spec.derivation}.{self.spec.name} "
                f"({self.spec.dtype}) from {self.module.__file__}>")

    def _arrays(self, args: tuple) -> tuple[list, tuple]:
        n = len(self.spec.input_names)
        if len(args) != n:
            raise TypeError(f"{self.spec.name}() takes {n} arguments "
                            f"{list(self.spec.input_names)}, got {len(args)}")
        m = self.module
        arrays = [m._as_real(a, name) for a, name in zip(args, self.spec.input_names)]
        return arrays, m._broadcast_shape(arrays)

    def flat(self, *args, block=None, out=None) -> tuple:
        """The flat ``prange`` loop, whatever the shapes."""
        return self._function(*args, block=block, out=out)

    @property
    def lowered(self):
        """The kernel after the passes (SymPy; computed once, when a loop nest
        must be generated)."""
        memo = self.context.memo
        if "lowered" not in memo:
            from .lower import lowered

            memo["lowered"] = lowered(self.context.spec())
        return memo["lowered"]

    @property
    def table(self) -> nests.Table:
        """The cost table of :func:`.grid.analyse`: stored with the cached
        module, else computed once."""
        if self._table is None:
            rows = self.context.meta.get("grid_table")
            if rows is not None:
                try:
                    self._table = nests.as_table(rows)
                except ValueError:
                    rows = None
            if rows is None:
                from ...costs import analyse

                self._table = analyse(self.lowered)
        return self._table

    def _plan(self, arrays, shape):
        shapes = [a.shape for a in arrays]
        chosen = nests.plan(self.spec, self.table, shapes, shape)
        axes = sum(1 for n in shape if n != 1)
        if chosen is None and axes and math.prod(shape) >= VECTOR_MIN:
            # nothing to hoist: the one-column nest still runs its points in
            # a loop LLVM vectorises, where the flat loop calls the branchy
            # point function
            chosen = nests.plan(self.spec, self.table, shapes, shape, split=axes)
        return chosen

    def plan(self, *args):
        """The :class:`exactflow.codegen.nests.Plan` a call with ``args`` would
        use, or None."""
        arrays, shape = self._arrays(args)
        return self._plan(arrays, shape)

    def grid(self, pattern: str):
        """The compiled loop nest for ``pattern`` (one letter per input)."""
        if pattern not in self._grids:
            def make() -> str:
                from .grid import emit

                return emit(self.context.spec(), self.lowered, self.table, pattern)

            entry = self.context.artefact(f"grid-{pattern}", make)
            module = import_source(entry.text, entry.path,
                                   stem=f"{self.spec.name}_grid")
            self._grids[pattern] = getattr(module, f"{self.spec.name}_grid")
        return self._grids[pattern]

    def __call__(self, *args, block=None, out=None) -> tuple:
        arrays, shape = self._arrays(args)
        self.module._check_block(block)
        chosen = self._plan(arrays, shape)
        if chosen is None:
            return self._function(*arrays, out=out)
        import numpy

        # the outputs as (rows, cols) views: of ``out`` (checked), else new
        results = self.module._outputs(out, shape, arrays)
        outs = [r.reshape((chosen.rows, chosen.cols)) for r in results]
        # the nest reads its arrays as contiguous (its loops vectorise): a
        # strided view is copied, as NumPy's own ufuncs would buffer it
        compact = [a if letter == "c" else numpy.ascontiguousarray(a) for letter, a
                   in zip(chosen.pattern, nests.compact(chosen, arrays, shape))]
        self.grid(chosen.pattern)(*compact, *outs)
        return results


def load(spec, source: str | None = None, path: Path | None = None,
         context=None) -> NumbaKernel:
    """Import the generated module (compiling or loading Numba's cache).

    ``spec`` is a KernelSpec, or a KernelInfo when ``source`` is given.

    Raises
    ------
    ImportError
        Without numba (the ``exactflow[numba]`` extra).
    """
    numba_module()
    if source is None:
        from .lower import emit

        source = emit(spec)
    module = import_source(source, path, stem=f"{spec.derivation}_{spec.name}")
    return NumbaKernel(spec, module, source, context)
