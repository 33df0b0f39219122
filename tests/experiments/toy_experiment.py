"""A small experiment for the runner's tests: deterministic, a little slow per block."""

from __future__ import annotations

import time

import numpy as np


def compute(coords, settings):
    import xarray as xr

    time.sleep(settings.get("sleep", 0.0))
    a, b = coords["a"], coords["b"]
    steps = np.arange(settings["steps"])
    rng = np.random.default_rng([int(1000 * a[0]) + 7, int(1000 * b[0]) + 11])
    noise = rng.standard_normal((a.size, b.size, steps.size))
    # a BLAS reduction, so the thread count could matter
    m = rng.standard_normal((a.size, b.size, 64, 64))
    value = (a[:, None, None] * steps + b[None, :, None] + noise
             + np.einsum("ijkl,ijlk->ij", m, m)[..., None])
    return xr.Dataset({"value": (("a", "b", "step"), value),
                       "flag": (("a", "b"), value[..., 0] > 0)},
                      coords={"a": a, "b": b, "step": steps},
                      attrs={"what": "toy"})


# --------------------------------------------------- the experiment interface


def add_arguments(parser):
    parser.add_argument("--steps", type=int, default=3)


def from_args(args):
    return {"steps": args.steps}


def sweep(steps=3, client=None, store=None, resume=False, progress=None):
    from exactflow.experiments._runner import Sweep, run

    return run(Sweep("toy", {"a": np.array([0.1, 0.5]), "b": np.array([1.0])},
                     compute, {"steps": steps}), store, client, resume, progress)


def plot(ds, directory):
    path = directory / "toy.txt"
    path.write_text(f"{ds['value'].shape}\n")
    return [path]
