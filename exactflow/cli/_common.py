"""What every command shares: the one-line error, output, argument checks."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["PROG", "Parser", "UsageError", "add_model_arguments", "catalog",
           "derivation", "model_source", "out", "output_dir", "run_claims"]

PROG = "exactflow"


class UsageError(Exception):
    """Bad command-line input; reported as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    # argparse prints the usage and exits; we want one line and exit 2 from main()
    def error(self, message: str):
        raise UsageError(message)


def add_model_arguments(parser, what: str) -> None:
    """``NAME`` (``what`` names the kind of name) or ``--model FILE.py``."""
    parser.add_argument("name", nargs="?", metavar="NAME", help=what)
    parser.add_argument("--model", metavar="FILE.py", dest="model_file",
                        help="a Python file defining model() -> Model, or MODEL")


def model_source(args) -> tuple[str | None, str | None]:
    """``(name, path)`` of a command with :func:`add_model_arguments`: exactly
    one of the two is given."""
    name, path = getattr(args, "name", None), getattr(args, "model_file", None)
    if (name is None) == (path is None):
        raise ValueError("give exactly one of NAME or --model FILE.py")
    return name, path


def out(text: str = "") -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def derivation(name: str):
    from .._api import derivation

    return derivation(name)


def catalog() -> list[str]:
    from .._api import catalog

    return catalog()


def output_dir(value: str, option: str = "-o") -> Path:
    """``value`` as a directory path (which need not exist yet)."""
    directory = Path(value)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{option} must be a directory, got the file {value!r}")
    return directory


def _show_progress() -> bool:
    """Per-claim progress on stderr, only for a person watching a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def run_claims(d):
    """``d.verify()``; claim by claim with a progress line when on a terminal."""
    if not _show_progress():
        return d.verify()
    names = list(dict.fromkeys(c.name for c in d.claims))
    results, report = [], None
    for i, name in enumerate(names, 1):
        sys.stderr.write(f"[{d.name} {i}/{len(names)}] {name} ... ")
        sys.stderr.flush()
        report = d.verify([name])
        results += report.results
        ok = all(r.passed for r in report.results)
        seconds = sum(r.seconds for r in report.results)
        sys.stderr.write(f"{'ok' if ok else 'FAILED'} ({seconds:.1f} s)\n")
    if report is None:
        return d.verify()
    return type(report)(report.derivation, tuple(results))
