"""Figures of the infinite-width experiment: test error against width and steps.

The data set is the one of ``exactflow sweep infinite_width_digits``: one
variable ``test_error_<model>(seed, width, step)`` per model.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_error_vs_width", "plot_error_vs_steps", "save", "save_summary"]

MODELS = ("gd", "adam", "ntk", "adam_limit")
LABELS = {"gd": "GD, width n", "adam": "Adam, width n", "ntk": "NTK (GD, n = ∞)",
          "adam_limit": "Adam limit (n = ∞)"}
STYLES = {"gd": ("C0", "o-"), "adam": ("C1", "s-"), "ntk": ("C0", "--"),
          "adam_limit": ("C1", "--")}


def _pyplot():
    from ._mpl import pyplot

    return pyplot()


def _axes(ax):
    from ._mpl import axes

    return axes(ax)


def plot_error_vs_width(ds, step=None, ax=None):
    """Mean test error over seeds against width at ``step`` (default: the last).

    Parameters
    ----------
    ds : xarray.Dataset
        With ``test_error_<model>(seed, width, step)``.
    step : int, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per model (the limits are horizontal lines), x = width (log₂).
    """
    ax = _axes(ax)
    step = int(ds["step"].values[-1]) if step is None else int(step)
    widths = ds["width"].values
    for m in (m for m in MODELS if f"test_error_{m}" in ds):
        err = ds[f"test_error_{m}"].sel(step=step)
        color, style = STYLES.get(str(m), ("k", "-"))
        ax.errorbar(widths, err.mean("seed").values, yerr=err.std("seed").values,
                    fmt=style, color=color, label=LABELS.get(str(m), str(m)),
                    capsize=2)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("width n")
    ax.set_ylabel(f"test error after {step} steps")
    ax.legend(fontsize="small")
    return ax


def plot_error_vs_steps(ds, width=None, ax=None):
    """Mean test error over seeds against steps at ``width`` (default: the largest).

    Returns
    -------
    matplotlib.axes.Axes
        One line per model, x = step (the first, step 0, is left out of the log
        axis when it is 0).
    """
    ax = _axes(ax)
    width = int(ds["width"].values[-1]) if width is None else int(width)
    steps = ds["step"].values
    keep = steps > 0
    for m in (m for m in MODELS if f"test_error_{m}" in ds):
        err = ds[f"test_error_{m}"].sel(width=width).mean("seed").values
        color, style = STYLES.get(str(m), ("k", "-"))
        ax.plot(steps[keep], np.asarray(err)[keep], style, color=color,
                label=LABELS.get(str(m), str(m)).replace("width n",
                                                         f"width {width}"))
    ax.set_xscale("log")
    ax.set_xlabel("steps")
    ax.set_ylabel("test error")
    ax.legend(fontsize="small")
    return ax


def save_summary(ds, path) -> None:
    """Both panels side by side, written to ``path`` (PNG)."""
    plt = _pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    plot_error_vs_width(ds, ax=left)
    plot_error_vs_steps(ds, ax=right)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def save(ds, directory) -> list:
    """``exactflow plot``: the two panels as ``infinite_width_digits.png``."""
    from pathlib import Path

    path = Path(directory) / "infinite_width_digits.png"
    save_summary(ds, path)
    return [path]
