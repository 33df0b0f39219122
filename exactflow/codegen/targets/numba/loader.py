"""Loading generated Numba modules: import from the cache file, grids on demand.

Numba's ``cache=True`` needs a real file: :func:`load` writes the module to
the cache directory (``$EXACTFLOW_CACHE_DIR``, named by the SHA-256 of its
text) and imports it from there, so another process finds Numba's compiled
code in ``__pycache__`` next to it.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import warnings
from pathlib import Path

from ...cache import cache_dir, source_hash, write_atomic
from ...passes import LoweredKernel
from ...spec import KernelSpec
from . import grid as numba_grid
from .lower import emit, lowered

__all__ = ["NumbaKernel", "import_source", "load", "numba_module"]


def numba_module():
    """``import numba``, or ImportError naming the ``exactflow[numba]`` extra."""
    try:
        import numba
    except ImportError as exc:
        raise ImportError(
            "the Numba target needs numba: install the exactflow[numba] extra "
            f"(pip install 'exactflow[numba]'); import failed: {exc}") from exc
    return numba


def import_source(source: str, path: Path | None = None, stem: str = "kernel"):
    """Import ``source`` from its file in the cache directory (written if needed).

    The module name is unique per source hash, so two versions of a kernel
    never meet in :data:`sys.modules`; Numba keeps its compiled code in
    ``__pycache__`` next to the file, where the next process finds it.
    """
    digest = source_hash(source)[:20]
    name = f"exactflow_numba_{stem}_{digest}"
    if name in sys.modules:
        return sys.modules[name]
    if path is None:
        try:
            path = write_atomic(cache_dir(), source, ".py")
        except OSError as exc:
            warnings.warn(f"exactflow: cannot write to the kernel cache ({exc}); "
                          "Numba's compiled code will not be reused by other "
                          "processes", RuntimeWarning, stacklevel=3)
            path = write_atomic(Path(tempfile.mkdtemp(prefix="exactflow-")),
                                source, ".py")
    module_spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[name] = module
    try:
        module_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


class NumbaKernel:
    """The loaded kernel: ``f(*inputs, block=None) -> tuple of arrays``.

    Same calling convention as the NumPy kernel (``block`` is accepted and
    checked, but Numba needs no blocking).  When the arguments broadcast as a
    grid whose temporaries can be hoisted (:func:`.grid.plan`), a loop
    nest compiled for that pattern of inputs runs instead of the flat loop.

    Attributes
    ----------
    spec : KernelSpec
    module : module
        The imported generated module (``<kernel>``, ``<kernel>_point``,
        ``<kernel>_flat``).
    source : str
        Its text; ``module.__file__`` is its path in the cache directory.
    """

    def __init__(self, spec: KernelSpec, module, source: str,
                 kernel: LoweredKernel | None = None) -> None:
        self.spec, self.module, self.source = spec, module, source
        self._function = getattr(module, spec.name)
        self._grids: dict = {}
        self._kernel = kernel
        self._table = None
        self.__name__ = spec.name
        self.__doc__ = self._function.__doc__

    def __repr__(self) -> str:
        return (f"<NumbaKernel {self.spec.derivation}.{self.spec.name} "
                f"({self.spec.dtype}) from {self.module.__file__}>")

    def _arrays(self, args: tuple) -> tuple[list, tuple]:
        n = len(self.spec.inputs)
        if len(args) != n:
            raise TypeError(f"{self.spec.name}() takes {n} arguments "
                            f"{list(self.spec.input_names)}, got {len(args)}")
        m = self.module
        arrays = [m._as_real(a, name) for a, name in zip(args, self.spec.input_names)]
        return arrays, m._broadcast_shape(arrays)

    def flat(self, *args, block=None) -> tuple:
        """The flat ``prange`` loop, whatever the shapes."""
        return self._function(*args, block=block)

    @property
    def lowered(self) -> LoweredKernel:
        """The kernel after the passes (computed once, on the first grid)."""
        if self._kernel is None:
            self._kernel = lowered(self.spec)
        return self._kernel

    @property
    def table(self):
        """The operand and cost table of :func:`.grid.analyse` (computed once)."""
        if self._table is None:
            self._table = numba_grid.analyse(self.lowered)
        return self._table

    def _plan(self, arrays, shape):
        return numba_grid.plan(self.spec, self.table, [a.shape for a in arrays],
                               shape)

    def plan(self, *args):
        """The :class:`.grid.Plan` a call with ``args`` would use, or None."""
        arrays, shape = self._arrays(args)
        return self._plan(arrays, shape)

    def grid(self, pattern: str):
        """The compiled loop nest for ``pattern`` (one letter per input)."""
        if pattern not in self._grids:
            source = numba_grid.emit(self.spec, self.lowered, self.table, pattern)
            module = import_source(source, stem=f"{self.spec.name}_grid")
            self._grids[pattern] = getattr(module, f"{self.spec.name}_grid")
        return self._grids[pattern]

    def __call__(self, *args, block=None) -> tuple:
        arrays, shape = self._arrays(args)
        self.module._check_block(block)
        chosen = self._plan(arrays, shape)
        if chosen is None:
            return self._function(*arrays)
        return numba_grid.run(self.grid(chosen.pattern), chosen, arrays, shape,
                              self.spec)


def load(spec: KernelSpec, source: str | None = None,
         path: Path | None = None) -> NumbaKernel:
    """Import the generated module (compiling or loading Numba's cache).

    Raises
    ------
    ImportError
        Without numba (the ``exactflow[numba]`` extra).
    """
    numba_module()
    source = emit(spec) if source is None else source
    module = import_source(source, path, stem=f"{spec.derivation}_{spec.name}")
    return NumbaKernel(spec, module, source)
