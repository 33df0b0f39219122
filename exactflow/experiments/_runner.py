"""Run a sweep: a grid cut into blocks, each block a task, every result in zarr.

A :class:`Sweep` names the grid axes it splits into tasks (``axes``, with a
block size per axis), a ``compute(coords, settings) -> xarray.Dataset``
function that returns one block (its dims include the block's grid axes, with
those coordinates), and the ``settings`` the whole sweep shares.  :func:`run`

* computes the first block in this process to learn the variables, writes a
  template of the whole data set to the zarr store (metadata only) and the
  block itself;
* runs the other blocks here (``client=None``) or on a Dask cluster (a
  ``distributed.Client`` or a scheduler address), writing each block to the
  store as soon as it is back, then marking it done (``chunk_done``), so an
  interrupted sweep loses only the blocks in flight;
* with ``resume=True`` skips the blocks a store already holds (the store must
  hold the same sweep: same experiment, grid and settings);
* shows a progress bar of blocks done (tqdm, only on a terminal).

Tasks are submitted with retries, and a task whose worker dies is run again
elsewhere by the scheduler; the results do not depend on where a block ran
(BLAS and OpenMP are limited to one thread per task, so reductions run in the
same order everywhere).

Needs the ``exactflow[sweep]`` extra (dask[distributed], xarray, zarr).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["Sweep", "needs", "run", "single_thread"]

_DONE = "chunk_done"


def needs(*modules: str):
    """Import the optional ``modules`` (``exactflow[sweep]``), or raise an
    ImportError naming the extra."""
    import importlib

    out = []
    for name in modules:
        try:
            out.append(importlib.import_module(name))
        except ImportError as exc:
            raise ImportError(f"sweeps need {name}: install the exactflow[sweep] "
                              f"extra (pip install 'exactflow[sweep]'); {exc}"
                              ) from exc
    return out[0] if len(out) == 1 else out


@dataclass(frozen=True)
class Sweep:
    """A sweep over the product of ``axes``, cut into blocks of ``blocks``.

    Attributes
    ----------
    experiment : str
        The experiment's registry name (``exactflow.experiments.EXPERIMENTS``).
    axes : dict of str to 1-D array
        The grid axes the tasks split, in order.
    compute : callable
        ``compute(coords, settings) -> xarray.Dataset`` for one block: ``coords``
        maps each axis to the block's values.  Must be importable by name (a
        module-level function) to run on a cluster.
    settings : dict
        Everything else the blocks share; JSON-serialisable, stored in the
        result's attrs (with the axes) and compared on resume.
    blocks : dict of str to int
        Block size per axis (default 1).
    """

    experiment: str
    axes: Mapping[str, np.ndarray]
    compute: Callable
    settings: Mapping = field(default_factory=dict)
    blocks: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        axes = {k: np.asarray(v) for k, v in self.axes.items()}
        for k, v in axes.items():
            if v.ndim != 1 or v.size == 0:
                raise ValueError(f"axis {k!r} must be a non-empty 1-D array, got "
                                 f"shape {v.shape}")
        bad = set(self.blocks) - set(axes)
        if bad:
            raise ValueError(f"blocks names unknown axes {sorted(bad)}")
        for k, b in self.blocks.items():
            if isinstance(b, bool) or not isinstance(b, int) or b < 1:
                raise ValueError(f"blocks[{k!r}] must be a positive integer, got {b!r}")
        object.__setattr__(self, "axes", axes)

    def slices(self) -> list[dict[str, slice]]:
        """Each block as ``{axis: slice}``, in row-major order."""
        per_axis = []
        for k, v in self.axes.items():
            b = self.blocks.get(k, 1)
            per_axis.append([slice(i, min(i + b, v.size)) for i in range(0, v.size, b)])
        return [dict(zip(self.axes, combo)) for combo in itertools.product(*per_axis)]

    def fingerprint(self) -> str:
        """What identifies the sweep in its store (JSON text)."""
        return json.dumps({"experiment": self.experiment,
                           "axes": {k: v.tolist() for k, v in self.axes.items()},
                           "blocks": {k: self.blocks.get(k, 1) for k in self.axes},
                           "settings": self.settings}, sort_keys=True)


def single_thread() -> None:
    """Limit BLAS/OpenMP and exactflow's NumPy kernels to one thread (the
    workers are the parallelism; results do not depend on the worker)."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "EXACTFLOW_NUM_THREADS"):
        os.environ[var] = "1"
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scipy
        return
    threadpool_limits(1)


def _block(sweep: Sweep, region: dict[str, slice]):
    coords = {k: sweep.axes[k][s] for k, s in region.items()}
    return coords


def _compute_block(compute, coords, settings):
    single_thread()
    return compute(coords, settings)


def _template(sweep: Sweep, first, n_chunks: int):
    xr, da = needs("xarray", "dask.array")
    data_vars = {}
    for name, var in first.data_vars.items():
        dims = var.dims
        shape = tuple(sweep.axes[d].size if d in sweep.axes else var.sizes[d]
                      for d in dims)
        chunks = tuple(sweep.blocks.get(d, 1) if d in sweep.axes else var.sizes[d]
                       for d in dims)
        fill = False if var.dtype == bool else np.nan
        data_vars[name] = (dims, da.full(shape, fill, dtype=var.dtype, chunks=chunks),
                           var.attrs)
    data_vars[_DONE] = (("chunk",), da.zeros(n_chunks, dtype=bool, chunks=1))
    coords = {k: v for k, v in first.coords.items() if k not in sweep.axes}
    coords.update(sweep.axes)
    ds = xr.Dataset(data_vars, coords=coords)
    ds.attrs.update(first.attrs)
    ds.attrs["experiment"] = sweep.experiment
    ds.attrs["sweep"] = sweep.fingerprint()
    return ds


def _write(store, region: dict[str, slice], block, k: int) -> None:
    xr = needs("xarray")
    other = {d: slice(None) for v in block.data_vars.values() for d in v.dims
             if d not in region}
    block = block.drop_vars(list(block.coords))
    block.to_zarr(store, region={**region, **other}, consolidated=False)
    done = xr.Dataset({_DONE: (("chunk",), np.array([True]))})
    done.to_zarr(store, region={"chunk": slice(k, k + 1)}, consolidated=False)


def _check_block(sweep: Sweep, coords, block) -> None:
    for k, v in coords.items():
        if k not in block.dims or not np.array_equal(block[k].values, v):
            raise ValueError(f"{sweep.experiment}: compute() must return the "
                             f"block's coordinates along {k!r}")


def _client(client):
    if client is None or not isinstance(client, (str, os.PathLike)):
        return client, False
    distributed = needs("distributed")
    return distributed.Client(str(client)), True


def _open_done(store, sweep: Sweep):
    xr = needs("xarray")
    try:
        ds = xr.open_zarr(store, consolidated=False)
    except (FileNotFoundError, KeyError, ValueError):
        return None
    if ds.attrs.get("sweep") != sweep.fingerprint():
        raise ValueError("resume: the store holds a different sweep (experiment, "
                         "grid or settings differ); use a new store")
    return ds[_DONE].values.copy()


def _progress(total: int, initial: int, progress):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, unit="block",
                disable=None if progress is None else not progress)


def run(sweep: Sweep, store=None, client=None, resume: bool = False,
        progress: bool | None = None):
    """Run ``sweep`` and return the whole result as an ``xarray.Dataset``.

    Parameters
    ----------
    store : path or zarr store, optional
        Where each block is written as it finishes (default: in memory).
    client : None, distributed.Client or str
        None runs here; a Client or a scheduler address runs the blocks on
        that cluster.
    resume : bool
        Continue a store written by an interrupted run of the same sweep.
    progress : bool, optional
        Show a progress bar (default: only on a terminal).

    Raises
    ------
    ValueError
        When ``resume`` meets a store of another sweep, or ``store`` exists
        and ``resume`` is False.
    """
    xr, zarr = needs("xarray", "zarr")
    if store is None:
        if resume:
            raise ValueError("resume needs a store")
        store = zarr.storage.MemoryStore()
    elif isinstance(store, (str, os.PathLike)):
        path = Path(store)
        if path.exists() and not resume:
            raise ValueError(f"store {str(path)!r} exists: pass resume=True to "
                             "continue it, or choose a new path")
        store = str(path)
    regions = sweep.slices()
    done = _open_done(store, sweep) if resume else None
    if done is None:
        first = _compute_block(sweep.compute, _block(sweep, regions[0]),
                               dict(sweep.settings))
        _check_block(sweep, _block(sweep, regions[0]), first)
        _template(sweep, first, len(regions)).to_zarr(store, compute=False, mode="w",
                                                      consolidated=False)
        _write(store, regions[0], first, 0)
        done = np.zeros(len(regions), bool)
        done[0] = True
    todo = [k for k in range(len(regions)) if not done[k]]
    client, owned = _client(client)
    bar = _progress(len(regions), len(regions) - len(todo), progress)
    try:
        if client is None:
            for k in todo:
                coords = _block(sweep, regions[k])
                block = _compute_block(sweep.compute, coords, dict(sweep.settings))
                _check_block(sweep, coords, block)
                _write(store, regions[k], block, k)
                bar.update()
        else:
            distributed = needs("distributed")
            futures = {client.submit(_compute_block, sweep.compute,
                                     _block(sweep, regions[k]), dict(sweep.settings),
                                     pure=False, retries=3): k for k in todo}
            for future in distributed.as_completed(futures):
                k = futures.pop(future)
                block = future.result()
                _check_block(sweep, _block(sweep, regions[k]), block)
                _write(store, regions[k], block, k)
                bar.update()
    finally:
        bar.close()
        if owned:
            client.close()
    return xr.open_zarr(store, consolidated=False).drop_vars(_DONE).load()
