"""Code generation: :class:`KernelSpec` → passes → printer → template → source.

This package knows kernel specs, never a particular model (``exactflow._build``
is where a derivation meets a printer).  Importing it is cheap: ``jinja2`` is
imported on the first render.

>>> import sympy as sp
>>> from exactflow.codegen import KernelSpec, load
>>> x, y = sp.symbols("x y", real=True)
>>> f = load(KernelSpec("demo", "doc", (x, y), (("r", sp.sqrt(x**2 + y**2)),)))
>>> f(3.0, [4.0, 0.0])
(array([5., 3.]),)
"""

from .cache import cache_dir, write_atomic
from .load import PLANNED_TARGETS, TARGETS, emit, filename, load, load_source
from .passes import LoweredKernel, prepare
from .spec import DTYPES, KernelSpec

__all__ = [
    "DTYPES", "PLANNED_TARGETS", "TARGETS", "KernelSpec", "LoweredKernel",
    "cache_dir", "emit", "filename", "load", "load_source", "prepare",
    "write_atomic",
]
