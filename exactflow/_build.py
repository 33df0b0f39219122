"""Glue: where a derivation meets a printer.

``Derivation.kernel()`` and ``Derivation.kernel_source()`` reach this module
through an import inside their bodies; the CLI's ``exactflow codegen`` calls
:func:`write_kernel`.  Generated source and loaded kernels are memoised per
``(derivation, kernel, target, dtype)``, so a kernel is rendered once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .codegen.cache import write_text_atomic
from .codegen.load import DEFAULT_TARGET, SUFFIXES, check_target, emit, load
from .codegen.spec import DTYPES, KernelSpec

__all__ = ["kernel_spec", "kernel_source", "load_kernel", "write_kernel"]

_SOURCES: dict[tuple[str, str, str, str], str] = {}
_KERNELS: dict[tuple[str, str, str, str], Callable] = {}


def _check(target: object, dtype: object) -> None:
    check_target(target)
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")


def kernel_spec(derivation, kernel: str = "exact", dtype: str = "float64"
                ) -> KernelSpec:
    """The :class:`~exactflow.codegen.KernelSpec` of one kernel of a derivation.

    Parameters
    ----------
    derivation : Derivation
        Any object with ``name`` and ``kernel_exprs(kernel) -> KernelExprs``.
    kernel : str
        Kernel role, e.g. ``"exact"``.
    dtype : {"float64", "float32"}
    """
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")
    exprs = derivation.kernel_exprs(kernel)
    return KernelSpec(
        name=exprs.name, derivation=derivation.name, inputs=tuple(exprs.inputs),
        outputs=tuple(exprs.outputs), dtype=dtype, doc=exprs.doc,
        growth_variable=getattr(exprs, "growth_variable", None),
    )


def _memo(store, make, derivation, kernel, target, dtype):
    """``make(spec, target)``, once per (derivation, kernel, target, dtype).

    Keyed by names, so a repeat call neither rebuilds the SymPy spec (seconds
    for a large closed form) nor hashes it.
    """
    target = DEFAULT_TARGET if target is None else target
    _check(target, dtype)
    key = (derivation.name, kernel, target, dtype)
    if key not in store:
        store[key] = make(kernel_spec(derivation, kernel, dtype), target)
    return store[key]


def kernel_source(derivation, kernel: str = "exact", target: str = "numpy",
                  dtype: str = "float64") -> str:
    """Generated source text of ``kernel`` for ``target`` (byte-identical on repeat).

    Raises
    ------
    ValueError
        For an unknown kernel, target (``"numpy"``, ``"numba"``, ``"cuda"``)
        or dtype (``"float64"``, ``"float32"``).

    For ``"numba"`` this is a Python module (no numba needed to generate it);
    for ``"cuda"`` the self-contained ``.cu`` file: the per-point header
    followed by the ``extern "C" __global__`` wrapper.
    """
    return _memo(_SOURCES, emit, derivation, kernel, target, dtype)


def load_kernel(derivation, kernel: str = "exact", target: str = "numpy",
                dtype: str = "float64") -> Callable:
    """The generated ``kernel`` as a callable ``f(*inputs, block=...) -> outputs``.

    Each argument is broadcast; the result is a tuple of new arrays of the
    broadcast shape, one per output, in order.  The source is also stored in
    the cache directory (``$EXACTFLOW_CACHE_DIR``), named by its SHA-256.

    ``target="numba"`` returns a :class:`~exactflow.codegen.numba_target.NumbaKernel`
    with the same calling convention (``block`` is accepted and ignored):
    parallel compiled loops, a hoisting loop nest on broadcast grids; the
    module is imported from its cache file, so Numba's compiled code is reused
    by the next process.  It raises ImportError without numba (the
    ``exactflow[numba]`` extra).

    ``target="cuda"`` returns ``f(*inputs) -> tuple of cupy arrays`` (no
    ``block``) run through ``cupy.RawModule``; it raises ImportError without
    CuPy (the ``exactflow[cuda]`` extra) and RuntimeError without a GPU.
    """
    return _memo(_KERNELS, load, derivation, kernel, target, dtype)


def write_kernel(derivation, kernel: str = "exact", target: str = "numpy",
                 dtype: str = "float64", directory: str | Path = ".") -> Path:
    """Write the readable source of ``kernel`` to ``directory`` and return its path.

    The file is ``<derivation>_<kernel>_<dtype>.py`` for NumPy and Numba (an
    importable module name), written atomically.  For CUDA it is the self-contained
    ``<derivation>_<kernel>_<dtype>.cu``, and the per-point header alone (valid
    C99) is written next to it as ``.cuh``; the ``.cu`` path is returned.
    """
    target = DEFAULT_TARGET if target is None else target
    source = kernel_source(derivation, kernel, target, dtype)
    stem = Path(directory) / f"{derivation.name}_{kernel}_{dtype}"
    if target == "cuda":
        from .codegen.cuda_target import emit_header

        header = emit_header(kernel_spec(derivation, kernel, dtype))
        write_text_atomic(stem.with_suffix(".cuh"), header)
    return write_text_atomic(stem.with_suffix(SUFFIXES[target]), source)
