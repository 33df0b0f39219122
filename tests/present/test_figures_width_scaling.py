"""Coordinate-check and width-exponent figures: the data on the axes, not pixels."""

from __future__ import annotations

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
pytest.importorskip("xarray")
pytest.importorskip("zarr")

import matplotlib.pyplot as plt  # noqa: E402

from exactflow.derivations.spectral_scaling import widths  # noqa: E402
from exactflow.experiments import coord_check as cc  # noqa: E402
from exactflow.present.figures import EXPERIMENT_FIGURES  # noqa: E402
from exactflow.present.figures import coord_check as fig  # noqa: E402
from exactflow.present.figures import width_exponents as wfig  # noqa: E402


@pytest.fixture(scope="module")
def ds():
    return cc.run("mup", "adam", [32, 64, 128], d_in=4, d_out=3, steps=2, seeds=3,
                  lr=0.01, zero_readout=True, progress=False)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_one_panel_shows_seed_means_with_a_seed_band(ds):
    ax = fig.plot_coord_check(ds, 1)
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == [
        "layer 1 (input)", "layer 2 (hidden)", "layer 3 (output)"]
    for ln, layer in zip(lines, (1, 2, 3)):
        np.testing.assert_array_equal(ln.get_xdata(), [32, 64, 128])
        want = ds["mean_abs"].sel(step=1, layer=layer).mean("seed").values
        np.testing.assert_allclose(ln.get_ydata(), want, rtol=1e-15)
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    seeds = ds["mean_abs"].sel(step=1, layer=1).values
    assert np.isclose(band.min(), seeds.min()) and np.isclose(band.max(), seeds.max())
    assert ax.get_xscale() == "log" and ax.get_title() == "step 1"


def test_zero_statistics_are_left_out_of_log_axes(ds):
    ax = fig.plot_coord_check(ds, 0)  # zero readout: layer 3 is 0 at step 0
    assert [ln.get_label() for ln in ax.get_lines()] == [
        "layer 1 (input)", "layer 2 (hidden)"]
    ax = fig.plot_coord_check(ds, 0, "rms_change")  # nothing has changed yet
    assert ax.get_lines() == []


def test_the_figure_has_one_panel_per_step(ds):
    f = fig.coord_check_figure(ds, "rms_change")
    assert len(f.axes) == 3
    assert [a.get_title() for a in f.axes] == ["step 0", "step 1", "step 2"]
    assert "μP" in f.get_suptitle() and "n ≫ d_in" in f.get_suptitle()


def test_update_slopes_show_measured_and_target_lines(ds):
    ax = fig.plot_update_slopes(ds)
    solid = [ln for ln in ax.get_lines() if ln.get_linestyle() == "-"]
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(solid) == len(dashed) == 3
    x = np.log2([32, 64, 128])
    for ln, want in zip(dashed, (0.5, 0.0, -0.5)):  # √(fan_out/fan_in) in width
        assert np.polyfit(x, np.log2(ln.get_ydata()), 1)[0] == pytest.approx(want)
    for ln, layer in zip(solid, (1, 2, 3)):
        np.testing.assert_allclose(
            ln.get_ydata(), ds["update_norm"].sel(step=2, layer=layer).mean("seed"))
        assert "target" in ln.get_label()


@pytest.mark.parametrize("call, exc, word", [
    (lambda d: fig.plot_coord_check(d, 7), ValueError, "step"),
    (lambda d: fig.plot_coord_check(d, 0, "nope"), ValueError, "statistic"),
    (lambda d: fig.plot_update_slopes(d.drop_vars("update_norm")), ValueError,
     "norms"),
])
def test_bad_input(ds, call, exc, word):
    with pytest.raises(exc, match=word):
        call(ds)


def test_save_writes_the_registered_figures(ds, tmp_path):
    assert EXPERIMENT_FIGURES["coord-check"] == fig.__name__
    paths = fig.save(ds, tmp_path)
    assert [p.name for p in paths] == ["coord_check_mup_adam_mean_abs.png",
                                       "coord_check_mup_adam_rms_change.png",
                                       "coord_check_mup_adam_update_norm.png"]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_phase_diagram_colours_the_derived_exponent():
    measured = {(1.0, 0.0, 0.0): 0.01, (1.0, 0.5, 0.0): 0.51}
    ax = wfig.plot_width_phase(measured=measured, resolution=21)
    mesh = ax.collections[0]
    grid = np.asarray(mesh.get_array()).reshape(21, 21)
    x, y = np.linspace(0.5, 3.0, 21), np.linspace(-2.5, 2.5, 21)
    for i, j in ((0, 0), (10, 10), (20, 3), (5, 17)):
        assert grid[i, j] == pytest.approx(widths.exponent(x[j], 0.0, y[i]), abs=1e-12)
    boundary = ax.get_lines()[0]
    np.testing.assert_allclose(boundary.get_xdata(),
                               1 + np.abs(boundary.get_ydata()) / 2)
    marks = [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.get_lines()[2:]]
    assert marks == [(1.0, 0.0), (1.5, 0.0)]
    assert [t.get_text() for t in ax.texts if t.get_text().startswith(("+", "-"))] \
        == ["+0.01", "+0.51"]


def test_slopes_scatter_against_the_prediction():
    measured = {(0.5, 0.25, 0.0): -0.49, (1.0, 1.0, -1.0): 0.51}
    ax = wfig.plot_width_slopes(measured)
    points = [(ln.get_xdata()[0], ln.get_ydata()[0]) for ln in ax.get_lines()[1:]]
    assert points == [(-0.5, -0.49), (0.5, 0.51)]
    with pytest.raises(ValueError, match="measured"):
        wfig.plot_width_slopes({})
