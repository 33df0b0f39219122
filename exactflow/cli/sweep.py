"""``exactflow sweep NAME [options] -o STORE [--scheduler ADDR] [--resume]``.

Runs an experiment of ``exactflow.experiments.EXPERIMENTS`` into a zarr store,
block by block (locally, or on the Dask cluster at ``--scheduler``), with a
progress bar on a terminal; ``--resume`` continues an interrupted store.  Each
experiment adds its own options (``exactflow sweep NAME --help``).
"""

from __future__ import annotations

import importlib

from ._common import UsageError, out, output_dir

__all__ = ["HELP", "NAME", "add_arguments", "run"]


def experiment(name: str):
    """The experiment module registered as ``name``."""
    from ..experiments import EXPERIMENTS

    if name not in EXPERIMENTS:
        raise UsageError(f"unknown experiment {name!r}; expected one of "
                         f"{sorted(EXPERIMENTS)}")
    return importlib.import_module(EXPERIMENTS[name])


NAME = "sweep"
HELP = "run an experiment's sweep into a zarr store"
DESCRIPTION = ("Run an experiment's sweep (locally, or on a Dask cluster with "
               "--scheduler) and write it to a zarr store.")


def add_arguments(s) -> None:
    from ..experiments import EXPERIMENTS

    experiments = s.add_subparsers(dest="experiment", metavar="EXPERIMENT")
    for name in EXPERIMENTS:
        module = experiment(name)
        e = experiments.add_parser(name, help=(module.__doc__ or "").splitlines()[0])
        module.add_arguments(e)
        e.add_argument("-o", "--output", required=True, metavar="STORE",
                       help="the zarr store (a directory) to write")
        e.add_argument("--scheduler", metavar="ADDR", default=None,
                       help="a Dask scheduler address (default: run here)")
        e.add_argument("--resume", action="store_true",
                       help="continue an interrupted store of the same sweep")


def run(args) -> int:
    if getattr(args, "experiment", None) is None:
        raise UsageError("sweep needs an experiment name (see exactflow sweep --help)")
    module = experiment(args.experiment)
    store = output_dir(args.output)
    ds = module.sweep(**module.from_args(args), client=args.scheduler, store=store,
                      resume=args.resume)
    sizes = ", ".join(f"{k} {v}" for k, v in ds.sizes.items())
    out(f"{store} ({args.experiment}: {sizes})")
    return 0
