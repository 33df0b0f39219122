"""The figures draw what the catalog computes: the data on the axes, not pixels."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from exactflow.derivations import single_neuron as sn  # noqa: E402
from exactflow.present.figures import single_neuron as snf  # noqa: E402
from exactflow.present.figures._mpl import pyplot  # noqa: E402

T = np.linspace(0.0, 8.0, 41)


@pytest.fixture(autouse=True)
def _close():
    yield
    pyplot().close("all")


def test_function_paths_are_a_times_w():
    ax = snf.plot_function_paths(deltas=(-2.0, 1.0), t=T, eta_a=0.5, eta_w=2.0)
    lines = [ln for ln in ax.get_lines() if ln.get_label().startswith("δ")]
    assert len(lines) == 2
    for line, delta in zip(lines, (-2.0, 1.0)):
        a0, w0 = sn.initial(snf.BETA0, delta, 0.5, 2.0)
        # the start has the requested function and imbalance
        np.testing.assert_allclose(a0 * w0, snf.BETA0, atol=1e-15)
        assert abs(2.0 * a0**2 - 0.5 * w0 @ w0 - delta) < 1e-12
        a, w = sn.trajectory(T, a0, w0, snf.BETA_STAR, 0.5, 2.0)
        np.testing.assert_allclose(line.get_xdata(), a * w[:, 0], rtol=1e-14)
        np.testing.assert_allclose(line.get_ydata(), a * w[:, 1], rtol=1e-14)


def test_kernel_distance_and_loss_panels():
    ax = snf.plot_kernel_distance(deltas=(0.0, 3.0), t=T)
    for line, delta in zip(ax.get_lines(), (0.0, 3.0)):
        a0, w0 = sn.initial(snf.BETA0, delta)
        np.testing.assert_allclose(line.get_ydata(),
                                   sn.kernel_distance(T, a0, w0, snf.BETA_STAR))
    ax = snf.plot_loss(deltas=(0.0,), t=T)
    (line,) = ax.get_lines()
    a0, w0 = sn.initial(snf.BETA0, 0.0)
    a, w = sn.trajectory(T, a0, w0, snf.BETA_STAR)
    np.testing.assert_allclose(line.get_ydata(),
                               0.5 * np.sum((a[:, None] * w - snf.BETA_STAR) ** 2, -1))
    assert line.get_ydata()[0] == pytest.approx(1.0)  # ½‖β₀ − β*‖²


def test_implicit_bias_points_lie_on_the_constraint():
    ax = snf.plot_implicit_bias(deltas=np.array([-4.0, 0.0, 4.0]))
    points = ax.collections[0].get_offsets()
    assert points.shape == (3, 2)
    np.testing.assert_allclose(points @ np.array([0.5, 1.0]), 1.1, rtol=1e-12)
    for p, d in zip(points, (-4.0, 0.0, 4.0)):
        np.testing.assert_allclose(p, sn.implicit_bias([[0.5, 1.0]], [1.1],
                                                       [0.4, 0.05], d))


def test_paper_figure_has_the_four_panels(tmp_path):
    fig = snf.paper_figure(deltas=(-2.0, 0.0, 2.0), t=T)
    assert len(fig.axes) == 4
    assert fig.axes[0].name == "3d" and len(fig.axes[0].get_lines()) == 3
    paths = snf.report_figures(tmp_path)
    assert [p.name for p in paths] == ["single_neuron_paper.png",
                                       "single_neuron_implicit_bias.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_initial_refuses_an_undetermined_start():
    with pytest.raises(ValueError, match="beta0 = 0 with delta < 0"):
        sn.initial([0.0, 0.0], -1.0)
    a0, w0 = sn.initial([0.0, 0.0], 2.0, eta_w=0.5)
    assert a0 == 2.0 and not w0.any()
