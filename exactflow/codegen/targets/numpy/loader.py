"""Loading generated NumPy: compiled under a fake file name kept in linecache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...loading import filename, load_source

__all__ = ["load"]


def load(info, source: str, path: Path | None = None, context=None) -> Callable:
    """The kernel function of ``source`` (``info``: a KernelInfo or KernelSpec;
    ``path``, its cache file, is not needed: the text is compiled directly, and
    tracebacks show its lines)."""
    module = f"exactflow.generated.{info.derivation}.{info.name}_{info.dtype}"
    return load_source(source, filename(info, "numpy"), info.name, module)
