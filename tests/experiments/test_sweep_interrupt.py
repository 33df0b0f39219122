"""``exactflow sweep`` interrupted (SIGINT) in the middle of a real sweep: exit
130 with one line and no traceback; the store keeps only whole blocks marked
done, and ``--resume`` completes it to exactly the uninterrupted result."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from common import interruptible_exactflow

from exactflow.cli import main

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["sweep", "teacher-student", "--seeds", "1", "--steps", "600"]


def _blocks_done(store: Path) -> int:
    import xarray as xr

    try:
        return int(xr.open_zarr(store, consolidated=False)["chunk_done"].values.sum())
    except Exception:  # not written yet, or being written
        return 0


def test_sweep_interrupted_then_resumed_equals_the_uninterrupted_run(tmp_path):
    xr = pytest.importorskip("xarray")
    pytest.importorskip("zarr")
    store = tmp_path / "interrupted"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(interruptible_exactflow(*ARGS, "-o", str(store)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            text=True)
    deadline = time.monotonic() + 120
    while _blocks_done(store) < 2 and proc.poll() is None \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and err.strip() == "exactflow: interrupted"

    partial = xr.open_zarr(store, consolidated=False).load()
    done = partial["chunk_done"].values
    assert 2 <= done.sum() < done.size  # stopped in the middle

    reference = tmp_path / "reference"
    assert main([*ARGS, "-o", str(reference)]) == 0
    want = xr.open_zarr(reference, consolidated=False).load()
    # every block marked done is whole: equal to the uninterrupted run
    for k in np.flatnonzero(done):
        got_k, want_k = partial.isel(tau=k), want.isel(tau=k)
        for name in ("train_loss", "test_loss", "kernel_distance"):
            np.testing.assert_array_equal(got_k[name].values, want_k[name].values)

    assert main([*ARGS, "-o", str(store), "--resume"]) == 0
    got = xr.open_zarr(store, consolidated=False).load()
    assert bool(got["chunk_done"].values.all())
    for name in want.data_vars:
        np.testing.assert_array_equal(got[name].values, want[name].values)
