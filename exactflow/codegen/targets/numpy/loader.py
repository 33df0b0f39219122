"""Loading generated NumPy: compiled under a fake file name kept in linecache."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from ...loading import filename, load_source

__all__ = ["load", "load_counting"]


def load(info, source: str, path: Path | None = None, context=None) -> Callable:
    """The kernel function of ``source`` (``info``: a KernelInfo or KernelSpec;
    ``path``, its cache file, is not needed: the text is compiled directly, and
    tracebacks show its lines)."""
    module = f"exactflow.generated.{info.derivation}.{info.name}_{info.dtype}"
    return load_source(source, filename(info, "numpy"), info.name, module)


def load_counting(source: str, name: str) -> tuple[Callable, Counter]:
    """The kernel ``name`` of ``source`` run against a ``numpy`` that counts
    the calls of each of its functions (for tests and benchmarks: how many
    ufunc passes a module makes per block), and that counter."""
    import numpy as np

    counts: Counter = Counter()

    class Counting:
        def __getattr__(self, attr):
            value = getattr(np, attr)
            if callable(value) and not isinstance(value, type):
                def call(*a, **k):
                    counts[attr] += 1
                    return value(*a, **k)
                return call
            return value

    scope = {"_COUNTING": Counting()}
    exec(compile(source.replace("\nimport numpy\n", "\nnumpy = _COUNTING\n"),
                 "<kernel>", "exec"), scope)
    return scope[name], counts
