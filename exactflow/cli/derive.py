"""``exactflow derive NAME [--format text|latex|markdown]``: print a derivation."""

from __future__ import annotations

import sys

from ._common import derivation

__all__ = ["add_parser", "run"]

FORMATS = ("text", "latex", "markdown")


def add_parser(sub) -> None:
    s = sub.add_parser("derive", help="print a derivation (model, flow, invariants, "
                       "solution, claims)")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--format", choices=FORMATS, default="text")
    s.set_defaults(func=run)


def run(args) -> int:
    from ..present.derivation import RENDERERS

    sys.stdout.write(RENDERERS[args.format](derivation(args.name)))
    return 0
