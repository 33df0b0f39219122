"""``exactflow plot STORE -o DIR``: the figures of a sweep's store (PNG).

An experiment's figures come from its module in ``exactflow.present.figures``
(``EXPERIMENT_FIGURES``: ``save(ds, directory)``) when it has one (experiments
and figures are siblings in the layering, so this command joins them), and
otherwise from the experiment module's own ``plot(ds, directory)``.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from ._common import UsageError, out, output_dir

__all__ = ["HELP", "NAME", "add_arguments", "run"]


NAME = "plot"
HELP = "draw the figures of a sweep store"


def add_arguments(s) -> None:
    s.add_argument("store", metavar="STORE", help="a zarr store from exactflow sweep")
    s.add_argument("-o", "--output", default=".", metavar="DIR",
                   help="directory for the figures (default: the current one)")


def run(args) -> int:
    from ..experiments._runner import needs
    from .sweep import experiment

    xr = needs("xarray")
    if not Path(args.store).is_dir():
        raise UsageError(f"STORE must be a zarr store (a directory), got "
                         f"{args.store!r}")
    try:
        ds = xr.open_zarr(args.store, consolidated=False)
    except (FileNotFoundError, KeyError, ValueError) as exc:
        raise UsageError(f"cannot read the store {args.store!r}: {exc}") from None
    name = ds.attrs.get("experiment")
    if name is None:
        raise UsageError(f"{args.store!r} is not a store written by exactflow sweep")
    directory = output_dir(args.output)
    directory.mkdir(parents=True, exist_ok=True)
    from ..present.figures import EXPERIMENT_FIGURES

    if name in EXPERIMENT_FIGURES:
        draw = importlib.import_module(EXPERIMENT_FIGURES[name]).save
    else:
        draw = experiment(name).plot
    for path in draw(ds.load(), directory):
        out(str(path))
    return 0
