"""The fuzz suite's end-of-run summary (hooks registered by ``tests/conftest.py``).

``HYPOTHESIS_PROFILE=ci`` (and the default ``dev``) keep the whole fuzz suite
to about two minutes on two cores; ``HYPOTHESIS_PROFILE=nightly`` runs 100
times the examples (``tally.SCALE``).  After the run the summary lists the cases
tried per category and every failure count, each of which must be 0 (with
pytest-xdist, the workers' counts are added up in the controller).
"""

from __future__ import annotations

import pytest

from .tally import FAILURES, SCALE, TRIED


def pytest_sessionfinish(session: pytest.Session) -> None:
    """In a pytest-xdist worker: hand the counts to the controller."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["exactflow_fuzz"] = (dict(TRIED), dict(FAILURES))


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """In the pytest-xdist controller: add each worker's counts to the totals."""
    tried, failures = getattr(node, "workeroutput", {}).get("exactflow_fuzz",
                                                              ({}, {}))
    TRIED.update(tried)
    FAILURES.update(failures)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            exitstatus: int, config: pytest.Config) -> None:
    if not TRIED:
        return
    tr = terminalreporter
    tr.section("exactflow fuzz summary")
    tr.write_line(f"examples: {'nightly (x100)' if SCALE > 1 else 'ci/dev (x1)'}; "
                  f"cases tried: {sum(TRIED.values())}")
    groups: dict[str, list[tuple[str, int]]] = {}
    for category, n in sorted(TRIED.items()):
        head, _, tail = category.partition(":")
        groups.setdefault(head, []).append((tail or head, n))
    for head, rows in groups.items():
        total = sum(n for _, n in rows)
        parts = ", ".join(f"{k} {n}" for k, n in rows) if len(rows) > 1 else ""
        tr.write_line(f"  {head:<8} {total:>7}" + (f"  ({parts})" if parts else ""))
    tr.write_line("failures:")
    for kind, n in FAILURES.items():
        tr.write_line(f"  {kind:<38} {n}")
