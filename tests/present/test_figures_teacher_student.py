"""Figures: the data drawn on the axes, not the pixels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")
xr = pytest.importorskip("xarray")

from exactflow.present.figures import (  # noqa: E402
    EXPERIMENT_FIGURES,  # noqa: E402
    neuron_paths,
    phase_portrait,
)


def _dataset(seed=0):
    rng = np.random.default_rng(seed)
    tau, delta = np.logspace(-1, 0.3, 4), np.linspace(-1, 1, 3)
    shape = (4, 3, 2, 3)
    data = {v: (("tau", "delta", "seed", "step"), rng.uniform(1e-3, 1.0, shape))
            for v in phase_portrait.LABELS}
    return xr.Dataset(data, coords={"tau": tau, "delta": delta, "seed": [5, 6],
                                    "step": [0, 10, 100]})


def test_the_heat_map_shows_the_seed_mean():
    ds = _dataset()
    ax = phase_portrait.plot_phase_portrait(ds, "test_loss", 10)
    mesh = ax.collections[0]
    want = ds["test_loss"].sel(step=10).mean("seed").transpose("delta", "tau").values
    np.testing.assert_allclose(np.asarray(mesh.get_array()).reshape(3, 4), want)
    coords = mesh.get_coordinates()  # (delta edges + 1, tau edges + 1, 2)
    x_edges = coords[0, :, 0]
    # τ centres are the geometric midpoints of their cells (log axis)
    np.testing.assert_allclose(np.sqrt(x_edges[1:] * x_edges[:-1]), ds["tau"].values,
                               rtol=1e-12)
    np.testing.assert_allclose((coords[1:, 0, 1] + coords[:-1, 0, 1]) / 2,
                               ds["delta"].values, rtol=1e-12)
    assert ax.get_xscale() == "log" and "step 10" in ax.get_title()
    assert mesh.norm.__class__.__name__ == "LogNorm"  # losses on a log scale
    ax = phase_portrait.plot_phase_portrait(ds, "kernel_distance")  # last step
    assert ax.collections[0].norm.__class__.__name__ == "Normalize"


def test_a_row_per_metric_with_a_shared_scale(tmp_path):
    ds = _dataset(1)
    fig = phase_portrait.portrait_figure(ds, "hamming")
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 2  # steps 10 and 100 (not 0)
    assert panels[0].collections[0].norm.vmin == panels[1].collections[0].norm.vmin
    paths = phase_portrait.save(ds, tmp_path)
    assert [p.name for p in paths] == [f"phase_{v}.png" for v in phase_portrait.LABELS]
    assert all(p.stat().st_size > 1000 for p in paths)
    assert EXPERIMENT_FIGURES["teacher-student"] == phase_portrait.__name__


def test_bad_variable_or_step():
    ds = _dataset()
    with pytest.raises(ValueError, match="variable"):
        phase_portrait.plot_phase_portrait(ds, "nope")
    with pytest.raises(ValueError, match="step"):
        phase_portrait.plot_phase_portrait(ds, "hamming", 7)


def test_neuron_paths_draw_abs_a_times_w():
    rng = np.random.default_rng(2)
    W, a = rng.normal(size=(5, 4, 2)), rng.normal(size=(5, 4))
    teacher = rng.normal(size=(3, 2))
    ax = neuron_paths.plot_neuron_paths(W, a, teacher)
    for k in range(4):
        x, y = ax.lines[k].get_data()
        np.testing.assert_allclose(x, np.abs(a[:, k]) * W[:, k, 0])
        np.testing.assert_allclose(y, np.abs(a[:, k]) * W[:, k, 1])
    dashed = [ln for ln in ax.lines[4:] if ln.get_linestyle() == "--"]
    assert len(dashed) == 3
    for ln, w in zip(dashed, teacher):  # along the teacher's directions
        x, y = ln.get_data()
        assert abs(x[1] * w[1] - y[1] * w[0]) < 1e-12 and x[1] * w[0] + y[1] * w[1] > 0
    with pytest.raises(ValueError, match="W_path"):
        neuron_paths.plot_neuron_paths(W[..., :1], a)
