"""``exactflow plot STORE -o DIR``: the figures of a sweep's store (PNG).

The figures of an experiment are drawn by its module in
``exactflow.present.figures`` when :data:`~exactflow.present.figures.FIGURES`
names one (``write(ds, directory)``), else by the experiment module's own
``plot(ds, directory)``.
"""

from __future__ import annotations

from pathlib import Path

from ._common import UsageError, out, output_dir

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    s = sub.add_parser("plot", help="draw the figures of a sweep store")
    s.add_argument("store", metavar="STORE", help="a zarr store from exactflow sweep")
    s.add_argument("-o", "--output", default=".", metavar="DIR",
                   help="directory for the figures (default: the current one)")
    s.set_defaults(func=run)


def run(args) -> int:
    from ..experiments._runner import needs

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
    for path in _writer(name)(ds.load(), directory):
        out(str(path))
    return 0


def _writer(name: str):
    import importlib

    from ..present.figures import FIGURES
    from .sweep import experiment

    if name in FIGURES:
        return importlib.import_module(FIGURES[name]).write
    return experiment(name).plot
