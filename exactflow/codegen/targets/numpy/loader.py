"""Loading generated NumPy: compiled under a fake file name kept in linecache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...loading import filename, load_source
from ...spec import KernelSpec

__all__ = ["load"]


def load(spec: KernelSpec, source: str, path: Path | None = None) -> Callable:
    """The kernel function of ``source`` (``path``, its cache file, is not
    needed: the text is compiled directly, and tracebacks show its lines)."""
    module = f"exactflow.generated.{spec.derivation}.{spec.name}_{spec.dtype}"
    return load_source(source, filename(spec, "numpy"), spec.name, module)
