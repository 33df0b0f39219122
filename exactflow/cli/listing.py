"""``exactflow list``: the catalog's names with their titles."""

from __future__ import annotations

from ._common import catalog, derivation, out

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    s = sub.add_parser("list", help="catalog names with titles")
    s.set_defaults(func=run)


def run(args) -> int:
    names = catalog()
    titles = [derivation(n).title for n in names]
    width = max(map(len, names), default=0)
    for name, title in zip(names, titles):
        out(f"{name.ljust(width)}  {title}")
    return 0
