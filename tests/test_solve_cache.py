"""Catalog solve results cached across processes: the cached result is the fresh one.

The reference is a fresh solve in the same test (``exactflow._api._solve``,
which never reads the cache): every rendering of the transcript, the solution's
expressions and the checks must be identical.  A second process must read the
cache (its solver is replaced by one that fails) and print the same transcript.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from exactflow import _api
from exactflow._solved import cached_solve, solve_key
from exactflow.present.transcript import transcript

ROOT = Path(__file__).resolve().parent.parent
NAME = "diagonal_linear"  # the quickest catalog solve


@pytest.fixture(scope="module")
def fresh():
    return _api._solve(NAME, None, None, None, "")


def _same(a, b) -> None:
    for fmt in ("text", "markdown", "latex"):
        assert transcript(a, fmt) == transcript(b, fmt), fmt
    assert a.structure == b.structure and a.verified == b.verified
    assert [(c.name, c.passed, c.method) for c in a.checks] == [
        (c.name, c.passed, c.method) for c in b.checks]
    if a.solution is not None:
        assert a.solution.state == b.solution.state
    assert a.reduced_solution == b.reduced_solution


def test_the_cached_result_is_the_fresh_one(tmp_path, monkeypatch, fresh):
    monkeypatch.setenv("EXACTFLOW_CACHE_DIR", str(tmp_path))
    calls = []
    first = cached_solve(NAME, None, lambda: calls.append(1) or fresh)
    again = cached_solve(NAME, None, lambda: calls.append(1) or fresh)
    assert calls == [1]  # the second came from the cache
    assert again is not first
    _same(fresh, again)
    stored = [p for p in tmp_path.iterdir() if p.suffix == ".pickle"]
    assert len(stored) == 1


def test_a_damaged_result_is_solved_again(tmp_path, monkeypatch, fresh):
    monkeypatch.setenv("EXACTFLOW_CACHE_DIR", str(tmp_path))
    cached_solve(NAME, None, lambda: fresh)
    (stored,) = [p for p in tmp_path.iterdir() if p.suffix == ".pickle"]
    stored.write_bytes(stored.read_bytes()[:100])
    calls = []
    result = cached_solve(NAME, None, lambda: calls.append(1) or fresh)
    assert calls == [1] and result is fresh


def test_the_key_names_what_defines_the_result():
    assert solve_key(NAME) == solve_key(NAME)
    assert solve_key(NAME) != solve_key(NAME, "invariant")
    assert solve_key(NAME) != solve_key("single_neuron")
    assert "sympy" not in sys.modules or solve_key(NAME).split("\0")[2] == \
        sys.modules["sympy"].__version__


def _untimed(text: str) -> str:
    return re.sub(r"\b\d+\.\d+ s\)", "… s)", text)


def test_a_second_process_reads_the_cache(tmp_path, fresh):
    env = dict(os.environ, EXACTFLOW_CACHE_DIR=str(tmp_path),
               PYTHONPATH=str(ROOT))
    run = [sys.executable, "-m", "exactflow", "solve", NAME]
    first = subprocess.run(run, env=env, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 0, first.stderr
    # the same derivation as a fresh solve here, but for the seconds each check took
    assert _untimed(first.stdout) == _untimed(transcript(fresh, "text"))
    # the solver made to fail: the second run can only have read the cache
    code = ("import sys, exactflow.symbolic.solve.engine as e\n"
            "def fail(*a, **k): raise AssertionError('solved again')\n"
            "e.solve = fail\n"
            "from exactflow.cli import main\n"
            f"sys.exit(main(['solve', {NAME!r}]))\n")
    second = subprocess.run([sys.executable, "-c", code], env=env,
                            capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout
