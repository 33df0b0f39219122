"""Glue: where a derivation meets a printer, and the one memo of its kernels.

``Derivation.kernel()``, ``Derivation.kernel_source()``, the catalog's numerical
functions (``derivations._bundle.generated_kernel``), ``SolveResult.kernel()``
and ``exactflow codegen`` reach the targets through this module only.  Source
and loaded kernels are memoised per ``(derivation, kernel, target, dtype)``:
a kernel's SymPy expressions are turned into a spec, printed and loaded once
per process, and a repeat call neither rebuilds the spec (seconds for a large
closed form) nor hashes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .codegen.spec import DTYPES, KernelSpec
from .codegen.targets import get

__all__ = ["kernel_spec", "kernel_source", "load_kernel", "write_kernel"]

_SOURCES: dict[tuple[str, str, str, str], str] = {}
_KERNELS: dict[tuple[str, str, str, str], Callable] = {}


def _check_dtype(dtype: object) -> None:
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
    _check_dtype(dtype)
    return KernelSpec.from_exprs(derivation.kernel_exprs(kernel), derivation.name,
                                 dtype)


def _key(derivation, kernel: str, target: str | None, dtype: str):
    name = get(target).name  # ValueError for an unknown target
    _check_dtype(dtype)
    return (derivation.name, kernel, name, dtype)


def kernel_source(derivation, kernel: str = "exact", target: str | None = None,
                  dtype: str = "float64") -> str:
    """Generated source text of ``kernel`` for ``target`` (byte-identical on repeat).

    ``target`` is a name of ``exactflow.codegen.targets.TARGETS`` (None: the
    default, NumPy).  For the Numba target this is a Python module (no numba
    needed to generate it); for CUDA the self-contained ``.cu`` file.

    Raises
    ------
    ValueError
        For an unknown kernel, target or dtype (``"float64"``, ``"float32"``).
    """
    key = _key(derivation, kernel, target, dtype)
    if key not in _SOURCES:
        _SOURCES[key] = get(key[2]).emit(kernel_spec(derivation, kernel, dtype))
    return _SOURCES[key]


def load_kernel(derivation, kernel: str = "exact", target: str | None = None,
                dtype: str = "float64") -> Callable:
    """The generated ``kernel`` as a callable ``f(*inputs, block=...) -> outputs``.

    Each argument is broadcast; the result is a tuple of new arrays of the
    broadcast shape, one per output, in order.  The source is also stored in
    the cache directory (``$EXACTFLOW_CACHE_DIR``), named by its SHA-256.

    The Numba target returns a ``NumbaKernel`` with the same calling convention
    (``block`` is accepted and ignored) and raises ImportError without numba
    (the ``exactflow[numba]`` extra); the CUDA target returns
    ``f(*inputs) -> tuple of cupy arrays`` and raises ImportError without CuPy
    (``exactflow[cuda]``), RuntimeError without a GPU.  Failures are not
    memoised.
    """
    key = _key(derivation, kernel, target, dtype)
    if key not in _KERNELS:
        from .codegen.targets import load

        source = kernel_source(derivation, kernel, key[2], dtype)
        _KERNELS[key] = load(kernel_spec(derivation, kernel, dtype), key[2], source)
    return _KERNELS[key]


def write_kernel(derivation, kernel: str = "exact", target: str | None = None,
                 dtype: str = "float64", directory: str | Path = ".") -> Path:
    """Write the readable source of ``kernel`` to ``directory`` and return its path.

    The file is ``<derivation>_<kernel>_<dtype>`` with the target's suffix
    (an importable module name for the Python targets), written atomically; the
    CUDA target also writes the per-point header alone (valid C99) as ``.cuh``.
    """
    key = _key(derivation, kernel, target, dtype)
    source = kernel_source(derivation, kernel, key[2], dtype)
    stem = Path(directory) / f"{derivation.name}_{kernel}_{dtype}"
    return get(key[2]).write(kernel_spec(derivation, kernel, dtype), source, stem)
