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

from ..artefacts import Artefacts, Entry
from ..cache import write_text_atomic

if TYPE_CHECKING:  # the registry stays cheap to import: no SymPy
    from ..info import KernelInfo
    from ..spec import KernelSpec

__all__ = ["Context", "Target"]


class Context:
    """What a loader may ask for besides the source text.

    ``spec()`` builds the full :class:`~exactflow.codegen.spec.KernelSpec` on
    first use (SymPy: a cached kernel never needs it); :meth:`artefact` finds
    or generates further cached texts of the same kernel (a Numba loop nest per
    broadcast pattern); ``meta`` is what was recorded with the source;
    ``memo`` keeps a target's intermediate results (the lowered kernel).

    Parameters
    ----------
    make_spec : callable returning KernelSpec
    artefacts : Artefacts, optional
        Where the kernel's texts are cached (default: by content only).
    meta : dict, optional
    """

    def __init__(self, make_spec: Callable[[], KernelSpec],
                 artefacts: Artefacts | None = None, meta: dict | None = None
                 ) -> None:
        self._make_spec = make_spec
        self._spec: KernelSpec | None = None
        self.artefacts = Artefacts(None) if artefacts is None else artefacts
        self.meta = {} if meta is None else meta
        self.memo: dict = {}
        self.path: Path | None = None  # where the source is stored

    def spec(self) -> KernelSpec:
        """The full spec (built once)."""
        if self._spec is None:
            self._spec = self._make_spec()
        return self._spec

    def artefact(self, role: str, make: Callable[[], str], suffix: str = ".py"
                 ) -> Entry:
        """The cached text of ``role``, else ``make()`` stored."""
        return self.artefacts.get(role, lambda: (make(), {}), suffix)


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

    def generate(self, context: Context) -> tuple[str, dict]:
        """The source text of ``context.spec()`` and the metadata a loader of
        the cached text needs (beyond the :class:`~.info.KernelInfo`)."""
        return self.emit(context.spec()), {}

    def load(self, info: KernelInfo, source: str, path: Path | None,
             context: Context | None = None) -> Callable:
        """The callable kernel of ``source`` (stored at ``path`` in the cache
        directory, or None when the cache could not be written); ``info`` is
        a :class:`~.info.KernelInfo` or a :class:`~.spec.KernelSpec`."""
        return self._part("loader").load(info, source, path, context)

    def write(self, context: Context, source: str, stem: Path) -> Path:
        """Write ``source`` as ``stem`` + :attr:`suffix`, atomically; return it
        (``context`` gives the spec, for a target that writes more files)."""
        return write_text_atomic(stem.with_suffix(self.suffix), source)

    def __repr__(self) -> str:
        return f"<exactflow codegen target {self.name!r}>"
