"""Cached kernels found by what defines them, before anything is generated.

Generated text is stored by content (``<sha256[:20]><suffix>``, :mod:`.cache`).
To find it *without* generating it again, each artefact also has a small
reference in ``index/``: a JSON file named by a hash of the artefact's *key*
(for a catalog kernel: derivation, kernel, target, dtype, exactflow and SymPy
versions and a hash of the source files that define it; see
``exactflow._build``) and of its *role* (``"module"``, or e.g. ``"grid-oiccccc"``
for a Numba loop nest).  The reference holds the SHA-256 of the text and the
metadata a loader needs (:class:`~.info.KernelInfo`, the Numba cost table).

A reference is trusted only if everything checks: it parses, names the right
key and role, and the text it points to hashes to the recorded value.
Anything else — a truncated file, an edited source, a missing file — counts as a
miss, and the artefact is generated and recorded again.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .cache import (
    cache_dir,
    fallback_dir,
    read_verified,
    source_hash,
    write_atomic,
    write_text_atomic,
)

__all__ = ["Artefacts", "Entry", "store"]

_FORMAT = 1
_SUFFIXES = (".py", ".cu", ".pickle")
_BINARY = (".pickle",)


@dataclass(frozen=True)
class Entry:
    """A cached artefact: its ``text``, where it is stored (None: nowhere) and
    the ``meta`` recorded with it."""

    text: str | bytes
    path: Path | None
    meta: dict = field(default_factory=dict)


def _directories() -> list[Path]:
    """Where to look: the cache directory, then the fallback if it exists."""
    dirs = [cache_dir()]
    try:
        fallback = fallback_dir(create=False)
    except OSError:
        return dirs
    return dirs + ([fallback] if fallback not in (None, dirs[0]) else [])


def _warn(exc: OSError, where: str) -> None:
    warnings.warn(f"exactflow: cannot write to the kernel cache: {exc}; {where}",
                  RuntimeWarning, stacklevel=4)


def store(text: str | bytes, suffix: str = ".py") -> Path | None:
    """Write ``text`` to the cache directory by content, else to the per-user
    fallback (with a warning); None (and a warning) when neither is writable."""
    try:
        return write_atomic(cache_dir(), text, suffix)
    except OSError as exc:
        try:
            path = write_atomic(fallback_dir(), text, suffix)
        except OSError:
            _warn(exc, "the kernel is loaded from memory")
            return None
        _warn(exc, f"using {path.parent}")
        return path


class Artefacts:
    """The cache entries of one kernel, looked up by ``key``.

    Parameters
    ----------
    key : str or None
        What defines the kernel (any string; hashed).  None: nothing is looked
        up, generated text is only stored by content.
    """

    def __init__(self, key: str | None) -> None:
        self.key = key

    def _ref_name(self, role: str) -> str:
        return source_hash(f"{self.key}\0{role}")[:40] + ".json"

    def lookup(self, role: str) -> Entry | None:
        """The verified entry of ``role``, or None (a miss, or a damaged entry)."""
        if self.key is None:
            return None
        for directory in _directories():
            try:
                ref = json.loads((directory / "index" / self._ref_name(role))
                                 .read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not (isinstance(ref, dict) and ref.get("format") == _FORMAT
                    and ref.get("key") == self.key and ref.get("role") == role
                    and ref.get("suffix") in _SUFFIXES
                    and isinstance(ref.get("sha256"), str)
                    and len(ref["sha256"]) == 64 and isinstance(ref.get("meta"), dict)):
                continue
            path = directory / f"{ref['sha256'][:20]}{ref['suffix']}"
            text = read_verified(path, ref["sha256"], ref["suffix"] in _BINARY)
            if text is not None:
                return Entry(text, path, ref["meta"])
        return None

    def record(self, role: str, text: str | bytes, suffix: str,
               meta: dict | None = None) -> Path | None:
        """Store ``text`` by content and (with a key) its reference; the path of
        the text, or None when no directory could be written (warned)."""
        meta = {} if meta is None else meta
        path = store(text, suffix)
        if path is None or self.key is None:
            return path
        ref = {"format": _FORMAT, "key": self.key, "role": role,
               "sha256": source_hash(text), "suffix": suffix, "meta": meta}
        try:
            write_text_atomic(path.parent / "index" / self._ref_name(role),
                              json.dumps(ref, indent=1, sort_keys=True) + "\n")
        except OSError as exc:
            _warn(exc, "the kernel will be generated again next time")
        return path

    def get(self, role: str, make: Callable[[], tuple[str | bytes, dict]],
            suffix: str) -> Entry:
        """The cached entry of ``role``, else ``make() -> (text, meta)`` recorded."""
        found = self.lookup(role)
        if found is not None:
            return found
        text, meta = make()
        return Entry(text, self.record(role, text, suffix, meta), meta)
