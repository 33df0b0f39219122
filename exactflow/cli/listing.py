"""``exactflow list``: the catalog's names with their titles."""

from __future__ import annotations

from ._common import catalog, derivation, out

__all__ = ["HELP", "NAME", "add_arguments", "run"]


NAME = "list"
HELP = "catalog names with titles"


def add_arguments(parser) -> None:
    """``list`` takes no arguments."""


def run(args) -> int:
    names = catalog()
    titles = [derivation(n).title for n in names]
    width = max(map(len, names), default=0)
    for name, title in zip(names, titles):
        out(f"{name.ljust(width)}  {title}")
    return 0
