r"""Saxe et al.'s pictures of a deep linear network, from the exact mode solution.

* :func:`plot_modes`: the sigmoidal trajectories u(t) of balanced modes of
  several strengths β* from a small start (stronger modes are learned first);
* :func:`plot_learning_time`: the exact time from u₀ = ε to β* − ε against the
  depth N, at a fixed per-layer rate η and with the rate scaled as η/N.

Both evaluate :func:`~exactflow.derivations.deep_linear_modes.trajectory` and
:func:`~exactflow.derivations.deep_linear_modes.learning_time` at the rate η
(Saxe's time constant τ = 1/η).
"""

from __future__ import annotations

import numpy as np

from ...derivations import deep_linear_modes as dlm
from ._mpl import axes, pyplot, save

__all__ = ["STRENGTHS", "figure", "plot_learning_time", "plot_modes",
           "report_figures"]

#: the mode strengths (singular values of Σxy) of :func:`plot_modes`
STRENGTHS = (0.5, 1.0, 2.0, 4.0)


def plot_modes(strengths=STRENGTHS, u0: float = 1e-3, depth: int = 2, t=None,
               eta: float = 1.0, ax=None):
    """Mode strengths u(t) from u₀ for each target β* (dotted: the targets).

    ``t`` defaults to 401 points on [0, 10/η]; each line is
    ``trajectory(t, u0, β*, depth, eta=η)``.
    """
    t = np.linspace(0.0, 10.0 / eta, 401) if t is None else np.asarray(t, float)
    ax = axes(ax)
    colors = pyplot().get_cmap("viridis")(np.linspace(0.0, 0.85, len(strengths)))
    for color, s in zip(colors, strengths):
        u = dlm.trajectory(t, u0, s, depth, eta=eta)
        ax.plot(t, u, color=color, label=f"$\\beta^* = {s:g}$")
        ax.axhline(s, color=color, linestyle=":", linewidth=0.8)
    ax.set_xlabel("$t$")
    ax.set_ylabel("mode strength $u(t)$")
    ax.set_title(f"depth $N = {depth}$, $u_0 = {u0:g}$", fontsize="medium")
    ax.legend(fontsize="x-small")
    return ax


def plot_learning_time(depths=range(1, 11), epsilon: float = 1e-3,
                       strength: float = 1.0, eta: float = 1.0, ax=None):
    """The exact time from u₀ = ε to β* − ε against the depth N: at a fixed
    per-layer rate η (τ = 1/η) and with the rate η/N (τ = N/η)."""
    depths = [int(n) for n in depths]
    fixed = np.array([float(dlm.learning_time(epsilon, strength - epsilon, strength,
                                              n, eta=eta)) for n in depths])
    ax = axes(ax)
    ax.plot(depths, fixed, "o-", label="rate $\\eta$ per layer")
    ax.plot(depths, fixed * np.array(depths), "s--", label="rate $\\eta/N$")
    ax.set_xlabel("depth $N$ (weight layers)")
    ax.set_ylabel(f"time from $\\epsilon$ to $\\beta^* - \\epsilon$ "
                  f"($\\epsilon = {epsilon:g}$)")
    ax.set_yscale("log")
    ax.legend(fontsize="small")
    return ax


def figure(strengths=STRENGTHS, u0: float = 1e-3, depths=range(1, 11),
           eta: float = 1.0):
    """Both panels side by side (depth-2 modes; learning time against depth)."""
    fig = pyplot().figure(figsize=(10, 3.8), layout="constrained")
    plot_modes(strengths, u0, 2, None, eta, ax=fig.add_subplot(1, 2, 1))
    plot_learning_time(depths, u0, 1.0, eta, ax=fig.add_subplot(1, 2, 2))
    return fig


def report_figures(directory):
    """The figure of ``exactflow report``: ``deep_linear_modes.png``."""
    from pathlib import Path

    path = Path(directory) / "deep_linear_modes.png"
    save(figure(), path)
    return [path]
