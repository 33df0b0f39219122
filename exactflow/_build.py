"""Glue: where a derivation meets a printer, and the one memo of its kernels.

``Derivation.kernel()``, ``Derivation.kernel_source()``, the catalog's numerical
functions (``derivations._bundle.generated_kernel``), ``SolveResult.kernel()``
and ``exactflow codegen`` reach the targets through this module only.  Source
and loaded kernels are memoised per ``(derivation, kernel, target, dtype)``:
a kernel's SymPy expressions are turned into a spec, printed and loaded once
per process, and a repeat call neither rebuilds the spec (seconds for a large
closed form) nor hashes it.

Across processes, a catalog kernel is found in the cache directory by a key
computed without SymPy (:func:`cache_key`): the derivation, kernel, target and
dtype, the exactflow and SymPy versions, and a hash of the source files that
define it (the entry's package, ``exactflow/symbolic/``, ``exactflow/codegen/``
and this module).  A kernel loaded that way needs no SymPy at all; editing any
of those files gives a new key, so a stale kernel is never loaded.  Importing
this module loads no SymPy.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import re
import sys
from collections.abc import Callable
from pathlib import Path

from ._version import __version__
from .codegen.artefacts import Artefacts
from .codegen.info import DTYPES
from .codegen.targets import cached, get

__all__ = ["cache_key", "kernel_source", "kernel_spec", "load_kernel", "write_kernel"]

_PACKAGE = Path(__file__).resolve().parent
#: the files beside an entry's package that define every catalog kernel
#: the files every catalog kernel's key hashes: the whole catalog (an entry may
#: build on another's maths: multi_neuron_linear's kernel is single_neuron's),
#: the symbolic and codegen layers, and this module
_SHARED = ("derivations", "symbolic", "codegen", "_build.py", "_version.py")

_ENTRIES: dict[tuple, tuple] = {}
_KERNELS: dict[tuple, Callable] = {}


def _check_dtype(dtype: object) -> None:
    if dtype not in DTYPES:
        raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")


def kernel_spec(derivation, kernel: str = "exact", dtype: str = "float64"):
    """The :class:`~exactflow.codegen.KernelSpec` of one kernel of a derivation.

    Parameters
    ----------
    derivation : Derivation
        Any object with ``name`` and ``kernel_exprs(kernel) -> KernelExprs``.
    kernel : str
        Kernel role, e.g. ``"exact"``.
    dtype : {"float64", "float32"}
    """
    from .codegen.spec import KernelSpec

    _check_dtype(dtype)
    return KernelSpec.from_exprs(derivation.kernel_exprs(kernel), derivation.name,
                                 dtype)


def _catalog_package(derivation) -> str | None:
    """The catalog package that defines ``derivation``'s kernels, or None.

    A :class:`~exactflow.derivations._bundle.KernelSource` or ``Derivation``
    made by the catalog names it (``package``); a derivation whose kernels were
    replaced by a function from elsewhere has none (and no cache key).
    """
    package = getattr(derivation, "package", None)
    if not isinstance(package, str) or not package.startswith(
            "exactflow.derivations.") or package.count(".") != 2:
        return None
    build = getattr(derivation, "kernels", None)  # a Derivation's may be replaced
    if build is not None:
        origin = getattr(getattr(build, "__wrapped__", build), "__module__", "")
        if not (origin == package or origin.startswith(package + ".")):
            return None
    return package if (_PACKAGE / "derivations" / package.rpartition(".")[2]
                       ).is_dir() else None


def _key(derivation, kernel: str, target: str | None, dtype: str) -> tuple:
    name = get(target).name  # ValueError for an unknown target
    _check_dtype(dtype)
    if _catalog_package(derivation) is not None or hasattr(derivation, "package"):
        return (derivation.name, kernel, name, dtype)
    # any other object (a SolveResult may share a catalog name): by identity,
    # the object kept alive by the memo so that its id is not reused
    return (derivation.name, kernel, name, dtype, id(derivation))


@functools.cache
def _files_digest(roots: tuple[str, ...]) -> str:
    h = hashlib.sha256()
    for root in roots:
        path = _PACKAGE / root
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for f in files:
            if f.suffix in (".py", ".j2") and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(_PACKAGE)).encode() + b"\0")
                h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()


def _sympy_version() -> str:
    """SymPy's version, read from its files when it is not imported (cheaply)."""
    if "sympy" in sys.modules:
        return sys.modules["sympy"].__version__
    found = importlib.util.find_spec("sympy")
    if found is not None and found.origin:
        text = Path(found.origin).with_name("release.py").read_text(encoding="utf-8")
        match = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
        if match:
            return match.group(1)
    from importlib.metadata import version

    return version("sympy")


def cache_key(derivation, kernel: str = "exact", target: str | None = None,
              dtype: str = "float64") -> str | None:
    """The key a catalog kernel is cached under, computed without SymPy.

    It names the derivation, kernel, target, dtype, the exactflow and SymPy
    versions and the SHA-256 of the files that define the kernel: the whole
    catalog (an entry may build on another's maths), the symbolic and codegen
    layers.  None for a derivation outside the catalog (its kernels are cached
    by content only).
    """
    package = _catalog_package(derivation)
    if package is None:
        return None
    t = get(target).name
    _check_dtype(dtype)
    return "\0".join(("exactflow-kernel", __version__, _sympy_version(),
                      derivation.name, kernel, t, dtype, _files_digest(_SHARED)))


def _entry(derivation, kernel: str, target: str | None, dtype: str) -> tuple:
    key = _key(derivation, kernel, target, dtype)
    if key not in _ENTRIES:
        artefacts = Artefacts(cache_key(derivation, kernel, key[2], dtype))
        info, source, context = cached(
            key[2], artefacts, lambda: kernel_spec(derivation, kernel, dtype))
        _ENTRIES[key] = (info, source, context, derivation)
    return _ENTRIES[key]


def kernel_source(derivation, kernel: str = "exact", target: str | None = None,
                  dtype: str = "float64") -> str:
    """Generated source text of ``kernel`` for ``target`` (byte-identical on repeat).

    ``target`` is a name of ``exactflow.codegen.targets.TARGETS`` (None: the
    default, NumPy).  For the Numba target this is a Python module (no numba
    needed to generate it); for CUDA the self-contained ``.cu`` file.  A
    catalog kernel's text comes from the cache directory when it is there.

    Raises
    ------
    ValueError
        For an unknown kernel, target or dtype (``"float64"``, ``"float32"``).
    """
    return _entry(derivation, kernel, target, dtype)[1]


def load_kernel(derivation, kernel: str = "exact", target: str | None = None,
                dtype: str = "float64") -> Callable:
    """The generated ``kernel`` as a callable ``f(*inputs, block=...) -> outputs``.

    Each argument is broadcast; the result is a tuple of new arrays of the
    broadcast shape, one per output, in order.  The source is also stored in
    the cache directory (``$EXACTFLOW_CACHE_DIR``), named by its SHA-256; a
    catalog kernel found there is loaded without SymPy.

    The Numba target returns a ``NumbaKernel`` with the same calling convention
    (``block`` is accepted and ignored) and raises ImportError without numba
    (the ``exactflow[numba]`` extra); the CUDA target returns
    ``f(*inputs) -> tuple of cupy arrays`` and raises ImportError without CuPy
    (``exactflow[cuda]``), RuntimeError without a GPU.  Failures are not
    memoised.
    """
    key = _key(derivation, kernel, target, dtype)
    if key not in _KERNELS:
        info, source, context, _ = _entry(derivation, kernel, target, dtype)
        _KERNELS[key] = get(key[2]).load(info, source, context.path, context)
    return _KERNELS[key]


def write_kernel(derivation, kernel: str = "exact", target: str | None = None,
                 dtype: str = "float64", directory: str | Path = ".") -> Path:
    """Write the readable source of ``kernel`` to ``directory`` and return its path.

    The file is ``<derivation>_<kernel>_<target>_<dtype>`` with the target's
    suffix (an importable module name for the Python targets, so the kernels of
    several targets can share one directory), written atomically; the CUDA
    target also writes the per-point header alone (valid C99) as ``.cuh``.
    """
    info, source, context, _ = _entry(derivation, kernel, target, dtype)
    chosen = get(target)
    stem = Path(directory) / f"{derivation.name}_{kernel}_{chosen.name}_{dtype}"
    return chosen.write(context, source, stem)
