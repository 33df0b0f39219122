"""Verification results kept between runs, while the code that produced them stands.

``exactflow verify`` stores each derivation's report in the cache directory
(``$EXACTFLOW_CACHE_DIR/verify``) under a key made of the derivation's name,
a hash of the source files its claims can depend on and the versions of SymPy, mpmath
and NumPy; ``exactflow derive`` shows the method that established each claim
from it, and ``exactflow report`` reuses it instead of proving everything
again.  Any change to the code gives a new key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

__all__ = ["cached", "code_key", "store", "verified"]


def code_key() -> str:
    """A hash of the source files a claim can depend on (symbolic, derivations,
    codegen, simulate, _build) and of the libraries it computes with."""
    import mpmath
    import numpy
    import sympy

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    # what a claim can depend on: the mathematics, the kernels and their glue
    # (not the command line, the renderers or the experiments)
    files = [root / "_build.py"]
    for part in ("symbolic", "derivations", "codegen", "simulate"):
        files += (root / part).rglob("*.py")
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    for module in (sympy, mpmath, numpy):
        digest.update(f"{module.__name__} {module.__version__}".encode())
    return digest.hexdigest()[:24]


def _path(name: str) -> Path:
    from .codegen.cache import cache_dir

    return cache_dir() / "verify" / f"{name}-{code_key()}.json"


def cached(name: str):
    """The stored :class:`VerificationReport` of ``name`` for this code, or None."""
    from .symbolic.proof.verify import ClaimResult, VerificationReport

    path = _path(name)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return VerificationReport(data["derivation"],
                                  tuple(ClaimResult(**r) for r in data["results"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # absent, or unreadable: verify again


def store(report) -> Path | None:
    """Keep ``report`` for this code (never fails: a read-only cache is skipped)."""
    from .codegen.cache import write_text_atomic

    data = {"derivation": report.derivation,
            "results": [asdict(r) for r in report.results]}
    try:
        return write_text_atomic(_path(report.derivation), json.dumps(data, indent=1))
    except OSError:
        return None


def verified(d, use_cache: bool = True, progress: bool | None = None):
    """``d.verify()``, from the cache when this code has verified it before."""
    report = cached(d.name) if use_cache else None
    if report is None or {r.name for r in report.results} != {c.name for c in d.claims}:
        report = d.verify(progress=progress)
        store(report)
    return report
