"""The Numba target: scalar per-point maths, parallel loops over flat arrays.

``numba/module.py.j2`` renders one module per :class:`KernelSpec` and dtype:

* ``<kernel>_point(*inputs) -> tuple``: the per-point maths as straight-line
  scalar code (``Piecewise`` as ``if``/``elif``/``else``, so a branch is only
  evaluated where it is taken), ``@numba.njit`` with an explicit signature;
* ``<kernel>_flat(*inputs, *outputs)``: a ``numba.prange`` loop over 1-D arrays
  of one length (an input may have stride 0), writing preallocated outputs;
* ``<kernel>(*inputs, block=None)``: the NumPy kernel's calling convention
  (broadcast, convert, allocate, call the flat loop).

Every ``njit`` is ``cache=True, fastmath=False, error_model="numpy"`` (IEEE
division, no ``ZeroDivisionError``).  In float32 every literal is a
``numpy.float32`` and the math functions take float32 arguments, so nothing
is promoted to float64.  Numba's ``cache=True`` needs a real file: :func:`load`
writes the module to the cache directory (``$EXACTFLOW_CACHE_DIR``, named by
the SHA-256 of its text) and imports it from there, so another process finds
Numba's compiled code in ``__pycache__`` next to it.  Broadcast grids (phase
diagrams) run a loop nest with hoisted temporaries: see :mod:`.numba_grid`.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import textwrap
import warnings
from pathlib import Path

import sympy as sp

from .cache import cache_dir, source_hash, write_atomic
from .numba_printer import NumbaPrinter, helper_lines, printer, statements
from .passes import LoweredKernel, prepare
from .render import render
from .spec import KernelSpec

__all__ = ["NumbaKernel", "RESERVED", "check_names", "common_context", "emit",
           "import_source", "load", "lower", "lowered", "numba_module"]

#: Names the generated code uses that an input or output must not shadow.
RESERVED = frozenset({"math", "numba", "numpy", "operator", "abs", "max", "min",
                      "range", "block", "len", "float", "int", "bool", "i"})
_COMMENT_WIDTH = 100


def wrap_call(head: str, args: list[str], indent: int, width: int = 88) -> list[str]:
    """``head(args)`` as lines of at most ``width`` columns at ``indent``."""
    line = f"{head}({', '.join(args)})"
    if indent + len(line) <= width:
        return [line]
    body = textwrap.wrap(", ".join(args), width - indent - 4, break_long_words=False,
                         break_on_hyphens=False)
    return [f"{head}("] + [f"    {b}" for b in body[:-1]] + [f"    {body[-1]})"]


def _tuple(items: list[str]) -> str:
    """``"(a, b)"``, or ``"(a,)"`` for one item."""
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


def _comment(text: str) -> str:
    text = " ".join(text.split())
    if len(text) > _COMMENT_WIDTH:
        text = text[: _COMMENT_WIDTH - 3] + "..."
    return f"# {text}"


_LOWERED: dict = {}


def lowered(spec: KernelSpec) -> LoweredKernel:
    """``prepare(spec, "numba")``, memoised (seconds on a large closed form).

    The passes do not depend on the dtype, so float32 reuses float64's result.
    """
    key = (spec.name, spec.derivation, spec.inputs, spec.outputs)
    if key not in _LOWERED:
        _LOWERED[key] = prepare(spec, "numba")
    return _LOWERED[key]


def check_names(spec: KernelSpec) -> None:
    """ValueError when an input or output name would shadow a generated name."""
    own = {spec.name, f"{spec.name}_point", f"{spec.name}_flat", f"{spec.name}_grid"}
    own |= {f"out_{n}" for n in spec.output_names}  # the flat loop's arguments
    clash = sorted((RESERVED | own) & (set(spec.input_names) | set(spec.output_names)))
    if clash:
        raise ValueError(f"{spec.name}: names {clash} are reserved by the Numba target")


def common_context(spec: KernelSpec, p: NumbaPrinter) -> dict[str, str | list[str]]:
    """Context keys shared by the module and the grid templates."""
    from .._version import __version__

    inputs, outputs = list(spec.input_names), list(spec.output_names)
    ntype = f"numba.{spec.dtype}"
    return {
        "version": __version__,
        "sympy_version": sp.__version__,
        "derivation": spec.derivation,
        "kernel": spec.name,
        "dtype": spec.dtype,
        "ntype": ntype,
        "expressions": [_comment(f"{n} = {e}") for n, e in spec.outputs],
        "doc": textwrap.wrap(" ".join(spec.doc.split()), 80) if spec.doc.strip()
        else [],
        "inputs": inputs,
        "outputs": outputs,
        "signature": ", ".join(inputs),
        "output_names": ", ".join(outputs),
        "output_tuple": _tuple(outputs),
        "helpers": helper_lines(p),
    }


def lower(spec: KernelSpec) -> dict[str, str | list[str]]:
    """The template context of the module: only strings and lists of strings.

    Raises
    ------
    ValueError
        When a name is reserved (``math``, ``max``, ``<kernel>_point``, ...) or
        an expression has no Numba form.
    """
    check_names(spec)
    kernel = lowered(spec)
    p = printer(spec.dtype)
    fresh = [0]
    body: list[str] = []
    for sym, expr in kernel.temps:
        body += statements(sym.name, expr, p, fresh)
    for name, expr in kernel.outputs:
        body += statements(f"_out_{name}", expr, p, fresh)
    context = common_context(spec, p)
    inputs, outputs = list(spec.input_names), list(spec.output_names)
    results = [f"_out_{n}" for n in outputs]
    context.update({
        "point_body": body,
        "point_return": _tuple(results),
        "n_outputs": str(len(outputs)),
        "point_types": ", ".join(["_F"] * len(inputs)),
        "flat_types": ", ".join(["_IN"] * len(inputs) + ["_OUT"] * len(outputs)),
        "input_tuple": _tuple(inputs),
        "flat_args": ", ".join(inputs + [f"out_{n}" for n in outputs]),
        "flat_loop": wrap_call(
            f"{_tuple([f'out_{n}[i]' for n in outputs])[1:-1]} = {spec.name}_point",
            [f"{n}[i]" for n in inputs], 8),
        "flat_call": wrap_call(
            f"{spec.name}_flat", [f"_flat({n}, _shape, _size)" for n in inputs]
            + [f"_res_{n}.reshape(_size)" for n in outputs], 8),
        "input_names": _tuple([f'"{n}"' for n in inputs]),
        "result_tuple": _tuple([f"_res_{n}" for n in outputs]),
    })
    return context


def emit(spec: KernelSpec) -> str:
    """Source text of the Numba module for ``spec`` (deterministic)."""
    return render("numba/module.py.j2", lower(spec))


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
    grid whose temporaries can be hoisted (:func:`.numba_grid.plan`), a loop
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

    def __init__(self, spec: KernelSpec, module, source: str) -> None:
        self.spec, self.module, self.source = spec, module, source
        self._function = getattr(module, spec.name)
        self._grids: dict = {}
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

    def plan(self, *args):
        """The :class:`.numba_grid.Plan` a call with ``args`` would use, or None."""
        from . import numba_grid

        arrays, shape = self._arrays(args)
        return numba_grid.plan(self.spec, [a.shape for a in arrays], shape)

    def grid(self, pattern: str):
        """The compiled loop nest for ``pattern`` (one letter per input)."""
        if pattern not in self._grids:
            from . import numba_grid

            source = numba_grid.emit(self.spec, pattern)
            module = import_source(source, stem=f"{self.spec.name}_grid")
            self._grids[pattern] = getattr(module, f"{self.spec.name}_grid")
        return self._grids[pattern]

    def __call__(self, *args, block=None) -> tuple:
        from . import numba_grid

        arrays, shape = self._arrays(args)
        self.module._check_block(block)
        chosen = numba_grid.plan(self.spec, [a.shape for a in arrays], shape)
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
