"""Running generated CUDA through CuPy (``exactflow[cuda]``).

A call whose arguments broadcast so that work can be hoisted (scalar
parameters, a grid of lines: :func:`exactflow.codegen.nests.plan`) runs the
four grid kernels of its input pattern (:mod:`.grid`, generated on first use
and cached beside the kernel) through :func:`run_grid`; any other call runs the
flat kernel on copies broadcast to the full shape.  Nothing here imports SymPy
when the kernel and its grid sources come from the cache.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ... import nests

__all__ = ["BLOCK_SIZE", "CudaKernel", "load", "run_grid", "stores"]

#: Threads per block of the launches done here.
BLOCK_SIZE = 256
_MAX_BLOCKS = 65535


def _cupy():
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            "the CUDA target runs through CuPy: install the 'exactflow[cuda]' extra "
            f"(pip install 'exactflow[cuda]'); import failed: {exc}") from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError without a driver or device
        raise RuntimeError(f"the CUDA target needs a GPU; CuPy found none: {exc}"
                           ) from exc
    if count < 1:
        raise RuntimeError("the CUDA target needs a GPU; CuPy found none "
                           "(exactflow[cuda] is installed but there is no device)")
    return cupy


def stores(source: str) -> tuple[int, int, int]:
    """The sizes of the once, per-row and per-column stores of a grid source
    (:mod:`.grid`), from its ``// stores:`` line.

    Raises
    ------
    ValueError
        When ``source`` has no ``// stores:`` line (not a grid source).
    """
    for line in source.splitlines():
        if line.startswith("// stores: "):
            once, rows, cols = (int(x) for x in line.split()[2:5])
            return once, rows, cols
    raise ValueError("not a CUDA grid source: no '// stores:' line")


def run_grid(launch: Callable, xp, chosen: nests.Plan, args: list,
             stores: tuple[int, int, int], dtype, n_outputs: int) -> list:
    """Run the four grid kernels of ``chosen.pattern`` on the compact ``args``
    (:func:`exactflow.codegen.nests.compact`); returns the ``n_outputs`` flat
    arrays of ``rows * cols`` points.

    ``launch(kernel, count, arguments)`` runs kernel ``"once"``, ``"rows"``,
    ``"cols"`` or ``"points"`` over ``count`` threads (arrays of ``xp``, then
    Python ints); ``stores`` are the sizes read by :func:`stores`.  A
    level with nothing to store is not launched.
    """
    rows, cols, pattern = chosen.rows, chosen.cols, chosen.pattern
    consts = [xp.asarray(a, dtype=dtype).reshape(1)
              for a, k in zip(args, pattern) if k == "c"]
    c = xp.concatenate(consts) if consts else xp.zeros(1, dtype=dtype)
    by = {k: [xp.ascontiguousarray(xp.asarray(a, dtype=dtype))
              for a, letter in zip(args, pattern) if letter == k] for k in "oif"}
    once = xp.empty(max(1, stores[0]), dtype=dtype)
    row_store = xp.empty(max(1, stores[1] * rows), dtype=dtype)
    col_store = xp.empty(max(1, stores[2] * cols), dtype=dtype)
    outs = [xp.empty(rows * cols, dtype=dtype) for _ in range(n_outputs)]
    if stores[0]:
        launch("once", 1, (c, once))
    if stores[1]:
        launch("rows", rows, (c, once, *by["o"], row_store, rows))
    if stores[2]:
        launch("cols", cols, (c, once, *by["i"], col_store, cols))
    launch("points", rows * cols, (c, once, row_store, col_store, *by["o"],
                                   *by["i"], *by["f"], *outs, rows, cols))
    return outs


class CudaKernel:
    """The kernel on the GPU: ``f(*inputs) -> tuple of CuPy arrays``.

    Arguments (NumPy or CuPy arrays, or numbers) are broadcast and converted to
    the kernel's dtype; the results are new CuPy arrays of the broadcast shape.
    """

    def __init__(self, spec, source: str, context=None) -> None:
        from ..base import Context

        self.cupy = _cupy()
        self.spec, self.source = spec, source
        self.context = Context(lambda: spec) if context is None else context
        self._flat = self.cupy.RawModule(code=source, options=("--std=c++14",)) \
            .get_function(f"{spec.derivation}__{spec.name}")
        self._grids: dict = {}
        self._table = None
        self.__name__ = spec.name
        self.__doc__ = (f"Kernel {spec.name!r} of {spec.derivation!r} on the GPU "
                        "(CuPy).")

    @property
    def table(self) -> nests.Table:
        """The cost table stored with the cached source, else computed once."""
        if self._table is None:
            rows = self.context.meta.get("grid_table")
            try:
                self._table = None if rows is None else nests.as_table(rows)
            except ValueError:
                self._table = None
            if self._table is None:
                from ...costs import analyse
                from .grid import lowered

                self._table = analyse(lowered(self.context.spec()))
        return self._table

    def grid(self, pattern: str):
        """``(launch, stores)`` of the grid kernels for ``pattern``."""
        if pattern not in self._grids:
            def make() -> str:
                from .grid import emit

                return emit(self.context.spec(), self.context.memo.get("lowered"),
                            self.table, pattern)

            text = self.context.artefact(f"grid-{pattern}", make, ".cu").text
            module = self.cupy.RawModule(code=text, options=("--std=c++14",))
            stem = f"{self.spec.derivation}__{self.spec.name}__{pattern}"
            functions = {k: module.get_function(f"{stem}_{k}")
                         for k in ("once", "rows", "cols", "points")}
            self._grids[pattern] = (self._launcher(functions), stores(text))
        return self._grids[pattern]

    def _launcher(self, functions: dict) -> Callable:
        int64 = self.cupy.int64

        def launch(kernel: str, count: int, arguments: tuple) -> None:
            blocks = min((count + BLOCK_SIZE - 1) // BLOCK_SIZE, _MAX_BLOCKS)
            functions[kernel]((blocks,), (BLOCK_SIZE,), tuple(
                int64(a) if isinstance(a, int) else a for a in arguments))

        return launch

    def __call__(self, *args):
        cupy, spec = self.cupy, self.spec
        n_inputs = len(spec.input_names)
        if len(args) != n_inputs:
            raise TypeError(f"{spec.name}() takes {n_inputs} arguments "
                            f"{list(spec.input_names)}, got {len(args)}")
        dtype = cupy.dtype(spec.dtype)
        arrays = [cupy.asarray(a, dtype=dtype) for a in args]
        shape = cupy.broadcast(*arrays).shape if arrays else ()
        size = math.prod(shape)
        chosen = nests.plan(spec, self.table, [a.shape for a in arrays], shape)
        if chosen is not None:
            launch, sizes = self.grid(chosen.pattern)
            outs = run_grid(launch, cupy, chosen,
                            nests.compact(chosen, arrays, shape, cupy), sizes,
                            dtype, len(spec.output_names))
            return tuple(o.reshape(shape) for o in outs)
        flat = [cupy.ascontiguousarray(cupy.broadcast_to(a, shape)).reshape(size)
                for a in arrays]
        outs = [cupy.empty(size, dtype=dtype) for _ in spec.output_names]
        if size:
            blocks = min((size + BLOCK_SIZE - 1) // BLOCK_SIZE, _MAX_BLOCKS)
            self._flat((blocks,), (BLOCK_SIZE,), (*flat, *outs, cupy.int64(size)))
        return tuple(o.reshape(shape) for o in outs)


def load(spec, source: str | None = None, path=None, context=None) -> CudaKernel:
    """The kernel as ``f(*inputs) -> tuple of cupy arrays`` run through CuPy.

    Raises
    ------
    ImportError
        Without CuPy (the ``exactflow[cuda]`` extra).
    RuntimeError
        When CuPy finds no GPU.
    """
    _cupy()
    if source is None:
        from .lower import emit

        source = emit(spec)
    return CudaKernel(spec, source, context)
