"""Code generation: :class:`KernelSpec` → passes → printer → template → source.

This package knows kernel specs, never a particular model (``exactflow._build``
is where a derivation meets a printer).  Its targets are registered in
:data:`~exactflow.codegen.targets.TARGETS`.  Importing it is cheap: the names
below load their modules (and SymPy, ``jinja2``) on first use.

>>> import sympy as sp
>>> from exactflow.codegen import KernelSpec, load
>>> x, y = sp.symbols("x y", real=True)
>>> f = load(KernelSpec("demo", "doc", (x, y), (("r", sp.sqrt(x**2 + y**2)),)))
>>> f(3.0, [4.0, 0.0])
(array([5., 3.]),)
"""

from __future__ import annotations

import importlib

__all__ = [
    "DEFAULT_TARGET", "DTYPES", "TARGETS", "KernelSpec", "LoweredKernel",
    "cache_dir", "emit", "filename", "load", "load_source", "prepare", "store",
    "write_atomic",
]

_HOME = {
    "cache_dir": ".cache", "write_atomic": ".cache",
    "filename": ".loading", "load_source": ".loading", "store": ".loading",
    "LoweredKernel": ".passes", "prepare": ".passes",
    "DTYPES": ".spec", "KernelSpec": ".spec",
    "DEFAULT_TARGET": ".targets", "TARGETS": ".targets", "emit": ".targets",
    "load": ".targets",
}


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name], __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
