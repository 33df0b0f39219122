"""Where generated artefacts go: a cache directory keyed by content, atomic writes.

Files are named by the SHA-256 of their text (whose header carries the exactflow
and SymPy versions, so a new version gives a new name) and written through a
temporary file, ``fsync`` and ``os.replace``: a concurrent reader sees either no
file or the whole file, never half of one.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "source_hash", "write_atomic", "write_text_atomic"]


def cache_dir() -> Path:
    """``$EXACTFLOW_CACHE_DIR``, else the user cache directory + ``exactflow``."""
    env = os.environ.get("EXACTFLOW_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "exactflow"


def source_hash(text: str) -> str:
    """Hex SHA-256 of ``text`` encoded as UTF-8."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` atomically (temporary file, fsync, replace)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=target.parent, prefix=f".{target.name}.",
        suffix=".tmp", delete=False,
    ) as f:
        try:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        except BaseException:
            f.close()
            os.unlink(f.name)
            raise
    os.chmod(f.name, 0o644)  # a readable artefact, like any other source file
    os.replace(f.name, target)  # readers see no file or the whole file
    return target


def write_atomic(directory: Path, text: str, suffix: str) -> Path:
    """Store ``text`` in ``directory`` under ``<sha256[:20]><suffix>``.

    Returns the path; an existing file of that name already holds the same text
    and is left alone.
    """
    target = Path(directory) / f"{source_hash(text)[:20]}{suffix}"
    if not target.exists():
        write_text_atomic(target, text)
    return target
