r"""The wide scalar linear network's NTK change across the lazy and rich regimes.

A start is u₀ = σg_u, w₀ = σg_w with fixed standard normal g_u, g_w ∈ ℝᵈ (seeded)
and output scale κ = 1/√d (the NTK parametrisation, f = κ Σᵢ uᵢwᵢ x); the data
moments are σ_xx, σ_xy.  The relative kernel change |K(t) − K(0)|/K(0) of the
scalar NTK K = κ²(η_u‖w‖² + η_w‖u‖²) (by
:func:`~exactflow.derivations.wide_linear_scalar.trajectory_ntk`) is large for a
small init scale σ (rich) and falls with σ and with the width d (lazy):

* :func:`plot_ntk_change`: |K(t_end) − K(0)|/K(0) against σ, one line per width;
* :func:`plot_ntk_paths`: K(t)/K(0) against t for a few σ at one width.
"""

from __future__ import annotations

import numpy as np

from ...derivations import wide_linear_scalar as wls
from ._mpl import axes, pyplot, save

__all__ = ["WIDTHS", "figure", "ntk_change", "plot_ntk_change", "plot_ntk_paths",
           "report_figures", "start"]

#: the widths of :func:`plot_ntk_change`
WIDTHS = (1, 16, 256)


def start(width: int, scale: float, seed: int = 0):
    """(u₀, w₀) = σ(g_u, g_w), g standard normal from ``seed``."""
    g = np.random.default_rng(seed).standard_normal((2, int(width)))
    return scale * g[0], scale * g[1]


def ntk_change(t, width: int, scale: float, sigma_xx: float = 1.0,
               sigma_xy: float = 1.0, seed: int = 0):
    """|K(t) − K(0)|/K(0) from :func:`start` with κ = 1/√width."""
    u0, w0 = start(width, scale, seed)
    K = wls.trajectory_ntk(np.concatenate(([0.0], np.ravel(t))), u0, w0, sigma_xx,
                           sigma_xy, 1.0 / np.sqrt(width))
    return (np.abs(K[1:] - K[0]) / K[0]).reshape(np.shape(t))


def plot_ntk_change(scales=None, widths=WIDTHS, t_end: float = 1e4,
                    sigma_xx: float = 1.0, sigma_xy: float = 1.0, seed: int = 0,
                    ax=None):
    """The relative NTK change at ``t_end`` (trained) against the init scale σ."""
    scales = np.logspace(-2, 1, 31) if scales is None else np.asarray(scales, float)
    ax = axes(ax)
    for width in widths:
        change = [float(ntk_change(t_end, width, s, sigma_xx, sigma_xy, seed))
                  for s in scales]
        ax.loglog(scales, change, label=f"width $d = {width}$")
    ax.set_xlabel(r"init scale $\sigma$")
    ax.set_ylabel(r"$|K(t) - K(0)|\,/\,K(0)$ after training")
    ax.legend(fontsize="x-small")
    return ax


def plot_ntk_paths(scales=(0.1, 0.3, 1.0, 3.0), width: int = 16, t=None,
                   sigma_xx: float = 1.0, sigma_xy: float = 1.0, seed: int = 0,
                   ax=None):
    """K(t)/K(0) against t for each init scale σ at one width."""
    t = np.linspace(0.0, 10.0, 401) if t is None else np.asarray(t, float)
    ax = axes(ax)
    for s in scales:
        u0, w0 = start(width, s, seed)
        K = wls.trajectory_ntk(t, u0, w0, sigma_xx, sigma_xy, 1.0 / np.sqrt(width))
        ax.semilogy(t, K / K[0], label=f"$\\sigma = {s:g}$")
    ax.set_xlabel("$t$")
    ax.set_ylabel("$K(t) / K(0)$")
    ax.set_title(f"width $d = {width}$", fontsize="medium")
    ax.legend(fontsize="x-small")
    return ax


def figure():
    """Both panels side by side."""
    fig = pyplot().figure(figsize=(10, 3.8), layout="constrained")
    plot_ntk_change(ax=fig.add_subplot(1, 2, 1))
    plot_ntk_paths(ax=fig.add_subplot(1, 2, 2))
    return fig


def report_figures(directory):
    """The figure of ``exactflow report``: ``wide_linear_scalar.png``."""
    from pathlib import Path

    out = Path(directory) / "wide_linear_scalar.png"
    save(figure(), out)
    return [out]
