"""Session setup: hypothesis profile, a private kernel cache, `common` importable."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

_TESTS = Path(__file__).resolve().parent
if str(_TESTS) not in sys.path:  # `from common import …` from any sub-directory
    sys.path.insert(0, str(_TESTS))

from common import register_profiles  # noqa: E402
from fuzz.summary import (  # noqa: E402,F401 - the fuzz summary hooks
    pytest_sessionfinish,
    pytest_terminal_summary,
    pytest_testnodedown,
)

HYPOTHESIS_PROFILE = register_profiles()

_saved_cache_env: list[str | None] = []
_cache_dir: list[Path] = []


def pytest_configure(config: pytest.Config) -> None:
    # before collection, so nothing ever writes kernels to the user's cache directory
    _saved_cache_env.append(os.environ.get("EXACTFLOW_CACHE_DIR"))
    path = Path(tempfile.mkdtemp(prefix="exactflow-cache-"))
    _cache_dir.append(path)
    os.environ["EXACTFLOW_CACHE_DIR"] = str(path)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _cache_dir:
        shutil.rmtree(_cache_dir.pop(), ignore_errors=True)
    if _saved_cache_env:
        old = _saved_cache_env.pop()
        if old is None:
            os.environ.pop("EXACTFLOW_CACHE_DIR", None)
        else:
            os.environ["EXACTFLOW_CACHE_DIR"] = old


def pytest_report_header(config: pytest.Config) -> str:
    return (f"hypothesis profile: {HYPOTHESIS_PROFILE}; "
            f"EXACTFLOW_CACHE_DIR={os.environ.get('EXACTFLOW_CACHE_DIR')}")


@pytest.fixture(scope="session")
def cache_dir() -> Path:
    """The session's kernel cache directory (``EXACTFLOW_CACHE_DIR``)."""
    return Path(os.environ["EXACTFLOW_CACHE_DIR"])
