"""Loading generated source: the pieces every target shares.

Generated Python is compiled under a fake file name
``<exactflow:{derivation}:{kernel}:{target}:{dtype}>`` registered in
:mod:`linecache`, so tracebacks and :func:`inspect.getsource` show the
generated lines (:func:`load_source`).
"""

from __future__ import annotations

import linecache
from collections.abc import Callable

from .artefacts import store
from .cache import source_hash

__all__ = ["filename", "load_source", "store"]


def filename(spec, target: str) -> str:
    """The fake file name the generated code is compiled under (``spec``: a
    :class:`~.spec.KernelSpec` or :class:`~.info.KernelInfo`)."""
    return f"<exactflow:{spec.derivation}:{spec.name}:{target}:{spec.dtype}>"


def load_source(source: str, name: str, function: str,
                module: str = "exactflow.generated") -> Callable:
    """Compile ``source`` under the file name ``name`` and return ``function``.

    The text is registered in ``linecache.cache`` before ``exec`` into a fresh
    namespace, as :func:`sympy.lambdify` does.  When a different text already
    holds ``name`` (two kernels with the same names in one process), a short
    hash of the source is appended, so both keep showing their own lines.
    """
    held = linecache.cache.get(name)
    if held is not None and "".join(held[2]) != source:
        name = f"{name[:-1]}:{source_hash(source)[:12]}>"
    code = compile(source, name, "exec")
    linecache.cache[name] = (len(source), None, source.splitlines(True), name)
    namespace: dict = {"__name__": module, "__file__": name}
    exec(code, namespace)
    return namespace[function]
