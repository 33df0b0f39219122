"""Where generated artefacts go: a cache directory keyed by content, atomic writes.

Files are named by the SHA-256 of their text (whose header carries the exactflow
and SymPy versions, so a new version gives a new name) and written through a
temporary file, ``fsync`` and ``os.replace``: a concurrent reader sees either no
file or the whole file, never half of one, and an interrupted writer (Ctrl-C)
leaves no temporary file behind.  A file is only ever used after its text has
been checked against its name (:func:`read_verified`): a damaged or edited file
is regenerated, never loaded.

When the cache directory cannot be written (a read-only cache), artefacts go to
one private directory per user under the system's temporary directory
(:func:`fallback_dir`), shared by every process of that user: nothing is left
behind per process.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
import tempfile
from pathlib import Path

__all__ = ["cache_dir", "fallback_dir", "read_verified", "source_hash",
           "write_atomic", "write_bytes_atomic", "write_text_atomic"]


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


def fallback_dir(create: bool = True) -> Path | None:
    """The per-user directory used when :func:`cache_dir` is not writable.

    ``<tmp>/exactflow-<user id>``, created with mode 0700 (with ``create``;
    else None when it does not exist); refused (OSError) when it belongs to
    someone else or others may write to it.
    """
    uid = os.getuid() if hasattr(os, "getuid") else 0
    path = Path(tempfile.gettempdir()) / f"exactflow-{uid}"
    if not create and not path.exists():
        return None
    path.mkdir(mode=0o700, exist_ok=True)
    info = path.lstat()
    if not stat.S_ISDIR(info.st_mode) or (
            hasattr(os, "getuid") and (info.st_uid != uid or info.st_mode & 0o022)):
        raise OSError(f"{path} is not a private directory of this user")
    return path


def source_hash(text: str | bytes) -> str:
    """Hex SHA-256 of ``text`` (encoded as UTF-8 when it is a str)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def write_text_atomic(target: Path, text: str) -> Path:
    """Write ``text`` to ``target`` atomically (temporary file, fsync, replace).

    The temporary file is removed on any failure, also on KeyboardInterrupt
    between writing and renaming.
    """
    return write_bytes_atomic(target, text.encode("utf-8"))


def write_bytes_atomic(target: Path, data: bytes) -> Path:
    """:func:`write_text_atomic` for bytes."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.",
                                suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)  # a readable artefact, like any other source file
        os.replace(temp, target)  # readers see no file or the whole file
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return target


def read_verified(path: Path, digest: str | None = None, binary: bool = False
                  ) -> str | bytes | None:
    """The text of ``path`` if it is what its name says, else None.

    A file ``<h><suffix>`` is accepted when the SHA-256 of its text starts with
    ``h`` (and equals ``digest`` when given); a missing, unreadable, truncated
    or edited file gives None.  ``binary``: the bytes, not decoded.
    """
    path = Path(path)
    try:
        text = path.read_bytes() if binary else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    full = source_hash(text)
    stem = path.name.split(".", 1)[0]
    if not full.startswith(stem) or (digest is not None and full != digest):
        return None
    return text


def write_atomic(directory: Path, text: str | bytes, suffix: str) -> Path:
    """Store ``text`` (or bytes) in ``directory`` under ``<sha256[:20]><suffix>``.

    Returns the path; an existing file of that name is left alone when it holds
    the same text, and replaced when it does not (a damaged file).
    """
    binary = isinstance(text, bytes)
    target = Path(directory) / f"{source_hash(text)[:20]}{suffix}"
    if read_verified(target, binary=binary) is None:
        if binary:
            write_bytes_atomic(target, text)
        else:
            write_text_atomic(target, text)
    return target
