r"""The lazy/rich phase portrait of a teacher–student sweep (Kunin et al. 2024,
Fig. 1(b)): one heat map per metric and checkpoint over (log τ, δ).

``ds`` is the data set of ``exactflow.experiments.teacher_student.sweep`` (dims
tau, delta, seed, step); each cell shows the mean over seeds.  Losses and the
parameter distance are drawn on a logarithmic colour scale, the kernel and
Hamming distances on a linear one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import new_figure, pyplot

__all__ = ["LABELS", "cell_values", "plot_phase_portrait", "portrait_figure",
           "save"]

#: variable -> (colour-bar label, logarithmic colour scale)
LABELS = {
    "kernel_distance": ("kernel distance S(0, t)", False),
    "hamming": ("Hamming distance of activations", False),
    "param_distance": ("parameter distance", True),
    "train_loss": ("train loss", True),
    "test_loss": ("test loss", True),
}


def _edges(centres: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted ``centres`` (geometric midpoints when ``log``)."""
    c = np.log(centres) if log else np.asarray(centres, float)
    if c.size == 1:
        mid = np.array([c[0] - 0.5, c[0] + 0.5])
    else:
        inner = (c[1:] + c[:-1]) / 2
        mid = np.concatenate([[2 * c[0] - inner[0]], inner, [2 * c[-1] - inner[-1]]])
    return np.exp(mid) if log else mid


def cell_values(ds, variable: str, step) -> np.ndarray:
    """The seed-mean of ``variable`` at ``step``, shape (delta, tau)."""
    if variable not in ds.data_vars:
        raise ValueError(f"variable must be one of {sorted(ds.data_vars)}, got "
                         f"{variable!r}")
    if step not in ds["step"].values:
        raise ValueError(f"step must be one of the checkpoints "
                         f"{ds['step'].values.tolist()}, got {step!r}")
    return ds[variable].sel(step=step).mean("seed").transpose("delta", "tau").values


def plot_phase_portrait(ds, variable: str = "test_loss", step=None, ax=None,
                        colorbar: bool = True, vmin=None, vmax=None):
    """Heat map of the seed-mean ``variable`` at ``step`` over (τ, δ).

    Parameters
    ----------
    ds : xarray.Dataset
        A teacher–student sweep (dims tau, delta, seed, step).
    variable : str
        One of :data:`LABELS`.
    step : int, optional
        A checkpoint (default: the last).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    colorbar : bool
        Add a colour bar.
    vmin, vmax : float, optional
        Colour limits (default: the data's; shared limits make panels comparable).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.colors import LogNorm, Normalize

    step = int(ds["step"].values[-1]) if step is None else step
    values = cell_values(ds, variable, step)
    label, log = LABELS.get(variable, (variable, False))
    if ax is None:
        _, ax = pyplot().subplots()
    tau, delta = ds["tau"].values, ds["delta"].values
    finite = values[np.isfinite(values) & ((values > 0) if log else True)]
    lo = vmin if vmin is not None else (finite.min() if finite.size else None)
    hi = vmax if vmax is not None else (finite.max() if finite.size else None)
    norm = LogNorm(lo, hi) if log else Normalize(lo, hi)
    mesh = ax.pcolormesh(_edges(tau, True), _edges(delta, False), values, norm=norm,
                         cmap="viridis", shading="flat")
    ax.set_xscale("log")
    ax.set_xlabel("initialisation scale τ")
    ax.set_ylabel("imbalance δ")
    ax.set_title(f"{label}, step {step}")
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax)
    return ax


def portrait_figure(ds, variable: str, steps=None):
    """A row of heat maps of ``variable`` (shared colour scale), one per checkpoint
    in ``steps`` (default: every checkpoint after 0)."""
    steps = [int(s) for s in ds["step"].values if s > 0] if steps is None else steps
    steps = steps or [int(ds["step"].values[-1])]
    fig, axes = new_figure(len(steps))
    every = np.concatenate([cell_values(ds, variable, s).ravel() for s in steps])
    log = LABELS.get(variable, (variable, False))[1]
    every = every[np.isfinite(every) & ((every > 0) if log else True)]
    lo, hi = (every.min(), every.max()) if every.size else (None, None)
    for ax, s in zip(axes[0], steps):
        plot_phase_portrait(ds, variable, s, ax=ax, colorbar=s == steps[-1],
                            vmin=lo, vmax=hi)
    return fig


def save(ds, directory) -> list[Path]:
    """One PNG per metric (``phase_<variable>.png``) in ``directory``."""
    directory = Path(directory)
    out = []
    for variable in LABELS:
        if variable not in ds.data_vars:
            continue
        path = directory / f"phase_{variable}.png"
        portrait_figure(ds, variable).savefig(path, dpi=110)
        out.append(path)
    return out
