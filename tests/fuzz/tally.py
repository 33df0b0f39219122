"""The fuzz suite's counts: cases tried per category, and the failures by kind.

The tests record every case here (``record``); ``conftest.py`` prints the
totals at the end of the run (``pytest_terminal_summary``).  A failure is also
an assertion error in the test that met it, so the counts are a summary, never
the only signal.
"""

from __future__ import annotations

import os
import re
from collections import Counter

__all__ = ["FAILURES", "SCALE", "TRIED", "examples", "names_argument", "record"]

#: cases tried, per category ("valid", "invalid:nan", "cli:model-file", …)
TRIED: Counter[str] = Counter()
#: failures, per kind (every one must stay 0)
FAILURES: Counter[str] = Counter({
    "wrong exception type": 0, "silent NaN": 0, "invalid input accepted": 0,
    "unnamed argument": 0, "valid extreme giving NaN or raising": 0,
    "cli: not one line or not exit 2": 0, "cli: traceback": 0,
})

#: the ``nightly`` profile runs 100 times the examples of ``ci``
SCALE = 100 if os.environ.get("HYPOTHESIS_PROFILE") == "nightly" else 1


def examples(n: int) -> int:
    """``n`` examples per test (``ci``, ``dev``), 100·n under ``nightly``."""
    return n * SCALE


def record(category: str, failure: str | None = None) -> None:
    TRIED[category] += 1
    if failure is not None:
        FAILURES[failure] += 1


def names_argument(message: str, name: str) -> bool:
    """Whether ``message`` names ``name`` as a word (``a0`` is not in ``eta_a0``)."""
    return re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])",
                     message) is not None
