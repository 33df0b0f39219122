"""The teacher–student experiment: conventions, the data set, the paper's
rapid-rich corner at reduced sizes, and a Dask cluster that loses a worker."""

from __future__ import annotations

import os

import numpy as np
import pytest

xr = pytest.importorskip("xarray")
pytest.importorskip("zarr")

from exactflow.experiments import EXPERIMENTS  # noqa: E402
from exactflow.experiments import teacher_student as ts  # noqa: E402
from tests.simulate import two_layer_reference as ref  # noqa: E402

#: reduced sizes of the rapid-rich property (the paper: d = 100, h = 50, n = 1000)
CORNER = dict(d=20, width=50, teacher_width=3, n_train=200, n_test=1000, lr=5e-3,
              steps=1000, checkpoints=[0, 10, 100, 1000])


def test_registered():
    assert EXPERIMENTS["teacher-student"] == "exactflow.experiments.teacher_student"


@pytest.mark.parametrize("tau, delta", [(0.1, 1.0), (0.1, -1.0), (2.0, 0.0),
                                         (0.1, 1e4), (3.0, -1e4), (1e-3, 0.5)])
def test_symmetrised_start_has_the_imbalance_and_zero_output(tau, delta):
    t = ts.task(3, d=4, width=6, teacher_width=3, n_train=10, n_test=5)
    W, a = ts.initial_student(t["U"], tau, delta)
    al = ts.alpha(tau, delta)
    np.testing.assert_allclose(a**2 - np.sum(W**2, axis=-1), delta, rtol=1e-12,
                               atol=1e-12 * max(tau**2 / al**2, 1.0))
    np.testing.assert_allclose(np.linalg.norm(W, axis=-1), tau * al, rtol=1e-14)
    np.testing.assert_allclose(np.abs(a), tau / al, rtol=1e-14)
    assert np.all(a[:3] > 0) and np.all(a[3:] < 0)
    np.testing.assert_array_equal(W[:3], W[3:])
    # f ≡ 0: the halves cancel up to the rounding of the sums
    scale = np.abs(a) @ np.abs(W @ t["X"].T)
    assert np.all(np.abs(ref.forward(t["X"], W, a)) <= 1e-15 * scale)
    # the paper's α is the inverse: ‖w‖ = τ/α_paper, |a| = α_paper τ
    paper = 1.0 / al
    np.testing.assert_allclose(np.abs(a), paper * tau, rtol=1e-14)


def test_task_draws_teacher_then_student_then_inputs():
    t = ts.task(7, d=5, width=8, teacher_width=3, n_train=12, n_test=4, test_seed=9)
    rng = np.random.default_rng(7)
    g = rng.standard_normal((3, 5))
    np.testing.assert_array_equal(t["teacher_W"], g / np.linalg.norm(g, axis=1,
                                                                      keepdims=True))
    np.testing.assert_array_equal(t["teacher_a"], np.sign(rng.standard_normal(3)))
    u = rng.standard_normal((4, 5))
    np.testing.assert_array_equal(t["U"], u / np.linalg.norm(u, axis=1, keepdims=True))
    x = rng.standard_normal((12, 5))
    np.testing.assert_array_equal(t["X"], x / np.linalg.norm(x, axis=1, keepdims=True))
    np.testing.assert_allclose(np.linalg.norm(t["X_test"], axis=1), 1.0, rtol=1e-15)
    y = np.maximum(t["X"] @ t["teacher_W"].T, 0) @ t["teacher_a"]
    np.testing.assert_array_equal(t["y"], y)


SMALL = dict(tau=[0.1, 1.995], delta=[-1.0, 1.0], seeds=range(3), d=6, width=8,
             teacher_width=3, n_train=30, n_test=50, lr=5e-3, steps=200,
             checkpoints=[0, 10, 200])


@pytest.fixture(scope="module")
def small():
    return ts.sweep(**SMALL)


def test_the_data_set_contract(small):
    ds = small
    assert dict(ds.sizes) == {"tau": 2, "delta": 2, "seed": 3, "step": 3}
    for v in ts.VARIABLES:
        assert ds[v].dims == ("tau", "delta", "seed", "step")
        assert np.all(np.isfinite(ds[v].values))
    np.testing.assert_array_equal(ds["step"].values, [0, 10, 200])
    for key in ("d", "width", "teacher_width", "n_train", "n_test", "lr", "steps",
                "checkpoints", "dtype", "gamma", "lr_scaling", "test_seed", "loss"):
        assert key in ds.attrs, key
    assert ds.attrs["d"] == 6 and ds.attrs["experiment"] == "teacher-student"
    assert np.all(ds["kernel_distance"].sel(step=0).values == 0)  # exactly
    assert np.all(ds["kernel_distance"].values >= 0)
    assert np.all(ds["param_distance"].sel(step=0).values == 0)


def test_one_cell_equals_the_authors_loop(small):
    # end to end: seed 1, τ = 0.1, δ = 1 trained by the reference loop
    tau, delta, seed = 0.1, 1.0, 1
    t = ts.task(seed, 6, 8, 3, 30, 50)
    W0, a0 = ts.initial_student(t["U"], tau, delta)
    W1, a1, _ = ref.gd_loop(t["X"], t["y"], W0, a0, 5e-3 / tau**2, 200)
    cell = small.sel(tau=tau, delta=delta, seed=seed, step=200)
    np.testing.assert_allclose(float(cell["train_loss"]),
                               ref.mse(t["X"], t["y"], W1, a1), rtol=1e-10)
    np.testing.assert_allclose(float(cell["test_loss"]),
                               ref.mse(t["X_test"], t["y_test"], W1, a1), rtol=1e-10)
    np.testing.assert_allclose(float(cell["param_distance"]),
                               ref.param_distance(W0, a0, W1, a1), rtol=1e-10)
    assert float(cell["hamming"]) == pytest.approx(ref.hamming(t["X"], W0, W1),
                                                   abs=1e-12)


def test_the_rapid_rich_corner():
    """Kunin et al. Fig. 1(b) at reduced sizes (``CORNER``): at τ = 0.1 the
    seed-mean test loss after 10³ steps is lowest upstream (δ = 1), and at
    τ ≈ 2 the kernel barely moves (S < 10⁻³, lazy)."""
    ds = ts.sweep(tau=[0.1, 1.995], delta=[-1.0, 0.0, 1.0], seeds=range(100, 104),
                  **CORNER)
    test = ds["test_loss"].sel(tau=0.1, step=1000).mean("seed")
    assert float(test.sel(delta=1.0)) < float(test.sel(delta=0.0))
    assert float(test.sel(delta=1.0)) < float(test.sel(delta=-1.0))
    assert float(ds["kernel_distance"].sel(tau=1.995).max()) < 1e-3
    # and the small-τ runs are rich: their kernels moved by far more
    assert float(ds["kernel_distance"].sel(tau=0.1, step=1000).min()) > 1e-2


def test_bad_settings_fail_before_any_work(tmp_path):
    for kwargs, match in ((dict(width=7), "even"), (dict(tau=[0.0]), "tau"),
                          (dict(checkpoints=[0, 500]), "checkpoints"),
                          (dict(dtype="float16"), "dtype"), (dict(gamma=1.5), "gamma"),
                          (dict(seeds=[1, 1]), "seeds"), (dict(lr=-1.0), "lr"),
                          (dict(lr_scaling="tau"), "lr_scaling")):
        args = {**SMALL, **kwargs}
        with pytest.raises((ValueError, TypeError), match=match):
            ts.sweep(**args, store=tmp_path / "never.zarr")
        assert not (tmp_path / "never.zarr").exists()


def test_neuron_paths_equal_the_authors_loop():
    ds = ts.neuron_paths(steps=2000, points=20, n_train=10, width=8, seed=4)
    assert ds["W"].dims == ("setting", "step", "neuron", "dim")
    assert ds.sizes["setting"] == 4 and ds.sizes["dim"] == 2
    d0 = ds["a"].isel(step=0) ** 2 - (ds["W"].isel(step=0) ** 2).sum("dim")
    np.testing.assert_allclose(d0.values, np.broadcast_to(
        ds["delta"].values[:, None], d0.shape), rtol=1e-9, atol=1e-12)
    t = ts.task(4, 2, 8, 3, 10, 1)
    marks = ds["step"].values
    for s in range(4):
        W0 = ds["W"].isel(setting=s, step=0).values
        a0 = ds["a"].isel(setting=s, step=0).values
        _, _, saved = ref.gd_loop(t["X"], t["y"], W0, a0, 1e-4, 2000, 0.0, marks)
        for j, (Wj, aj) in enumerate(saved):
            np.testing.assert_allclose(ds["W"].isel(setting=s, step=j), Wj,
                                       rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(ds["a"].isel(setting=s, step=j), aj,
                                       rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------------- Dask


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, silence_logs=40) as c:
        yield c


FAULT = dict(tau=np.logspace(-1, 0.3, 6), delta=[-1.0, 0.0, 1.0], seeds=[100, 101],
             d=10, width=20, teacher_width=3, n_train=100, n_test=200, lr=5e-3,
             steps=4000, checkpoints=[0, 10, 100, 1000, 4000])


def test_a_worker_killed_mid_sweep(cluster, tmp_path):
    distributed = pytest.importorskip("distributed")
    serial = ts.sweep(**FAULT)  # 12 blocks of about 0.3 s
    with distributed.Client(cluster) as client:
        client.wait_for_workers(2)
        victim = sorted(client.scheduler_info()["workers"])[0]

        def kill_soon():
            import threading
            import time

            def later():
                time.sleep(0.8)
                os._exit(1)

            threading.Thread(target=later, daemon=True).start()

        client.run(kill_soon, workers=[victim])
        ds = ts.sweep(**FAULT, client=client, store=tmp_path / "k.zarr")
        assert victim not in client.scheduler_info()["workers"]
    for v in ts.VARIABLES:  # bit for bit
        np.testing.assert_array_equal(ds[v].values, serial[v].values)
    # and the store resumes: mark the last blocks unfinished, run again
    import zarr

    done = zarr.open_array(str(tmp_path / "k.zarr" / "chunk_done"), mode="r+")
    done[-3:] = False
    again = ts.sweep(**FAULT, store=tmp_path / "k.zarr", resume=True)
    for v in ts.VARIABLES:
        np.testing.assert_array_equal(again[v].values, serial[v].values)


def test_scheduler_address(cluster, tmp_path):
    args = {**SMALL, "seeds": [0], "steps": 20, "checkpoints": [0, 20]}
    ds = ts.sweep(**args, client=cluster.scheduler_address, store=tmp_path / "a.zarr")
    xr.testing.assert_identical(ds, ts.sweep(**args))


def test_command_line_sweep_then_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from exactflow.cli import main

    store = tmp_path / "ts.zarr"
    assert main(["sweep", "teacher-student", "--preset", "small", "--seeds", "1",
                 "--steps", "10", "-o", str(store)]) == 0
    assert "teacher-student: tau 17, delta 17, seed 1, step 2" in \
        capsys.readouterr().out
    assert main(["plot", str(store), "-o", str(tmp_path / "fig")]) == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[1] for p in printed] == [
        f"phase_{v}.png" for v in ("kernel_distance", "hamming", "param_distance",
                                   "train_loss", "test_loss")]
    assert main(["sweep", "teacher-student", "--seeds", "0", "-o",
                 str(tmp_path / "x.zarr")]) == 2
    assert main(["sweep", "teacher-student", "--preset", "huge", "-o", "y"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and all(e.startswith("exactflow: error:") for e in err)
