"""``exactflow derive NAME [--format text|latex|markdown] [--standalone]``."""

from __future__ import annotations

import sys

from ._common import UsageError, derivation

__all__ = ["HELP", "NAME", "add_arguments", "run"]

FORMATS = ("text", "latex", "markdown")


NAME = "derive"
HELP = "print a derivation (model, flow, invariants, solution, claims)"


def add_arguments(s) -> None:
    s.add_argument("name", metavar="NAME")
    s.add_argument("--format", choices=FORMATS, default="text")
    s.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document, not a fragment")


def run(args) -> int:
    from .._verified import cached
    from ..present.derivation import RENDERERS, derive_latex

    d = derivation(args.name)
    if args.standalone and args.format != "latex":
        raise UsageError("--standalone goes with --format latex")
    report = cached(d.name)  # the methods that established the claims, if known
    text = derive_latex(d, standalone=True, report=report) if args.standalone else \
        RENDERERS[args.format](d, report=report)
    sys.stdout.write(text)
    return 0
