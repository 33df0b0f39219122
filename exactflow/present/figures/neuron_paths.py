r"""Neuron trajectories of a two-layer ReLU network in the plane (Kunin et al.
2024, Fig. 1(a)): the path of |a_k| w_k of every hidden neuron for d = 2, with
the teacher's directions dashed.

Upstream starts (δ > 0, small τ) move every neuron's direction fast at almost
constant norm before growing along the teacher's directions; downstream starts
(δ < 0) grow along their initial directions first; large τ barely moves.
"""

from __future__ import annotations

import numpy as np

from . import pyplot

__all__ = ["paths_figure", "plot_neuron_paths"]


def plot_neuron_paths(W_path, a_path, teacher=None, ax=None, title=None):
    """Paths of |a_k| w_k over the checkpoints, start marked, teacher dashed.

    Parameters
    ----------
    W_path : array_like, shape (T, h, 2)
        First-layer rows at T checkpoints (d = 2).
    a_path : array_like, shape (T, h)
        Readouts at the same checkpoints.
    teacher : array_like, shape (k, 2), optional
        Teacher rows (drawn as dashed rays through the origin).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    title : str, optional

    Returns
    -------
    matplotlib.axes.Axes
        One line per neuron (``ax.lines[:h]``), in neuron order.
    """
    W = np.asarray(W_path, dtype=float)
    a = np.asarray(a_path, dtype=float)
    if W.ndim != 3 or W.shape[-1] != 2:
        raise ValueError(f"W_path must have shape (T, h, 2), got {W.shape}")
    if a.shape != W.shape[:2]:
        raise ValueError(f"a_path must have shape {W.shape[:2]}, got {a.shape}")
    if ax is None:
        _, ax = pyplot().subplots()
    beta = np.abs(a)[..., None] * W  # (T, h, 2)
    colours = np.where(a[0] >= 0, "tab:red", "tab:blue")
    for k in range(W.shape[1]):
        ax.plot(beta[:, k, 0], beta[:, k, 1], color=colours[k], lw=0.8, alpha=0.8)
    ax.scatter(beta[0, :, 0], beta[0, :, 1], s=6, color="k", zorder=3)
    reach = max(np.abs(beta).max(), 1e-12)
    if teacher is not None:
        for w in np.asarray(teacher, dtype=float):
            u = w / np.linalg.norm(w) * 1.2 * reach
            ax.plot([0, u[0]], [0, u[1]], "k--", lw=1.0)
    ax.set_aspect("equal")
    ax.set_xlabel("|a_k| w_k1")
    ax.set_ylabel("|a_k| w_k2")
    if title:
        ax.set_title(title)
    return ax


def paths_figure(ds):
    """One panel per setting of ``exactflow.experiments.teacher_student
    .neuron_paths`` (the data set with ``W``, ``a``, ``teacher_W``)."""
    from . import new_figure

    settings = ds.sizes["setting"]
    fig, axes = new_figure(settings, size=(3.4, 3.4))
    for s, ax in zip(range(settings), axes[0]):
        one = ds.isel(setting=s)
        plot_neuron_paths(one["W"].values, one["a"].values, ds["teacher_W"].values,
                          ax=ax, title=f"τ = {float(one['tau']):g}, "
                                       f"δ = {float(one['delta']):g}")
    return fig
