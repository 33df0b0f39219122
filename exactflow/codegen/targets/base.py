"""What every codegen target provides: :class:`Target`.

A target turns a :class:`~exactflow.codegen.spec.KernelSpec` into source text
(:meth:`Target.emit`), loads that text as a callable (:meth:`Target.load`) and
writes it out for users (:meth:`Target.write`).  Each target lives in its own
folder beside its templates and is named once, in the registry
:data:`exactflow.codegen.targets.TARGETS`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..cache import write_text_atomic

if TYPE_CHECKING:  # the registry stays cheap to import: no SymPy
    from ..spec import KernelSpec

__all__ = ["Target"]


class Target:
    """A code-generation target (subclass and register it in ``TARGETS``).

    A target's folder holds ``lower.py`` (``emit(spec) -> str``), ``loader.py``
    (``load(spec, source, path) -> callable``) and its templates; they are
    imported on first use, so the registry stays cheap to import.

    Attributes
    ----------
    name : str
        The registry key (``exactflow codegen --target NAME``).
    suffix : str
        File suffix of the generated source.
    expand_pow : bool
        Whether small integer powers are spelt out as products by the passes
        (C-like printers); see :func:`exactflow.codegen.passes.prepare`.
    extra : str or None
        The pip extra the target needs at run time, for error messages.
    """

    name: str = ""
    suffix: str = ".py"
    expand_pow: bool = False
    extra: str | None = None

    def _part(self, name: str):
        return importlib.import_module(f"{type(self).__module__}.{name}")

    def emit(self, spec: KernelSpec) -> str:
        """The source text of ``spec`` (deterministic)."""
        return self._part("lower").emit(spec)

    def load(self, spec: KernelSpec, source: str, path: Path | None) -> Callable:
        """The callable kernel of ``source`` (stored at ``path`` in the cache
        directory, or None when the cache could not be written)."""
        return self._part("loader").load(spec, source, path)

    def write(self, spec: KernelSpec, source: str, stem: Path) -> Path:
        """Write ``source`` as ``stem`` + :attr:`suffix`, atomically; return it."""
        return write_text_atomic(stem.with_suffix(self.suffix), source)

    def __repr__(self) -> str:
        return f"<exactflow codegen target {self.name!r}>"
