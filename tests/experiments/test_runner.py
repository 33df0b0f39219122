"""The sweep runner: blocks, zarr store, resume, and a cluster that loses a worker."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("zarr")
distributed = pytest.importorskip("distributed")

sys.path.insert(0, str(Path(__file__).parent))
import toy_experiment  # noqa: E402

from exactflow.experiments._runner import Sweep, run  # noqa: E402


def toy(sleep=0.0, steps=5, blocks=None):
    return Sweep("toy", {"a": np.linspace(0.1, 0.9, 5), "b": np.array([1.0, 2.0, 3.0])},
                 toy_experiment.compute, {"steps": steps, "sleep": sleep},
                 blocks or {"a": 2, "b": 1})


def direct(sweep):
    """The whole grid computed in one call: the reference."""
    return toy_experiment.compute(sweep.axes, dict(sweep.settings))


def test_serial_run_equals_one_call_and_records_settings():
    sweep = toy()
    assert len(sweep.slices()) == 3 * 3
    ds = run(sweep)
    ref = direct(sweep)
    # blocks draw their own random numbers by their first coordinates: compare
    # block by block against the same draws
    for region in sweep.slices():
        coords = {k: sweep.axes[k][s] for k, s in region.items()}
        block = toy_experiment.compute(coords, dict(sweep.settings))
        np.testing.assert_array_equal(ds["value"].isel(region).values,
                                      block["value"].values)
    assert ds["value"].shape == ref["value"].shape == (5, 3, 5)
    assert ds["flag"].dtype == bool
    assert ds.attrs["experiment"] == "toy" and ds.attrs["what"] == "toy"
    assert '"steps": 5' in ds.attrs["sweep"]


def test_store_resume_and_refusals(tmp_path):
    sweep = toy()
    store = tmp_path / "toy.zarr"
    full = run(sweep, store)
    with pytest.raises(ValueError, match="exists"):
        run(sweep, store)
    # an interrupted store: blocks 0-2 (a[0:2], every b) finished, the rest
    # not (their data never written)
    import zarr

    done = zarr.open_array(str(store / "chunk_done"), mode="r+")
    done[3:] = False
    values = zarr.open_array(str(store / "value"), mode="r+")
    values[2:] = np.nan
    resumed = run(sweep, store, resume=True)
    xr.testing.assert_identical(resumed, full)
    with pytest.raises(ValueError, match="different sweep"):
        run(toy(steps=6), store, resume=True)


def test_bad_sweeps_are_refused():
    with pytest.raises(ValueError, match="non-empty 1-D"):
        Sweep("toy", {"a": []}, toy_experiment.compute)
    with pytest.raises(ValueError, match="unknown axes"):
        Sweep("toy", {"a": [1.0]}, toy_experiment.compute, blocks={"z": 1})
    with pytest.raises(ValueError, match="positive integer"):
        Sweep("toy", {"a": [1.0]}, toy_experiment.compute, blocks={"a": 0})


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=40) as c:
        yield c


def test_cluster_run_equals_serial(cluster, tmp_path):
    sweep = toy()
    with distributed.Client(cluster) as client:
        ds = run(sweep, tmp_path / "c.zarr", client=client)
    serial = run(sweep)
    xr.testing.assert_identical(ds, serial)


def test_a_worker_killed_mid_sweep(cluster, tmp_path):
    sweep = toy(sleep=0.4, blocks={"a": 1, "b": 1})  # 15 blocks of 0.4 s
    serial = run(toy(blocks={"a": 1, "b": 1}))
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        victim = sorted(client.scheduler_info()["workers"])[0]

        def kill_soon():
            import threading
            import time

            def later():
                time.sleep(0.9)
                os._exit(1)

            threading.Thread(target=later, daemon=True).start()

        client.run(kill_soon, workers=[victim])
        ds = run(sweep, tmp_path / "k.zarr", client=client)
        # the worker died during the sweep (its nanny starts a new one, at a
        # new address), and its blocks were computed again elsewhere
        assert victim not in client.scheduler_info()["workers"]
    for name in ("value", "flag"):
        np.testing.assert_array_equal(ds[name].values, serial[name].values)


def test_scheduler_address(cluster, tmp_path):
    sweep = toy(steps=3)
    ds = run(sweep, tmp_path / "a.zarr", client=cluster.scheduler_address)
    xr.testing.assert_identical(ds, run(sweep))
