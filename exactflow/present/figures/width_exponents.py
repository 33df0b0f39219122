r"""The width-exponent phase diagram of the exact wide linear network.

For f = κΣuᵢwᵢx with κ = d^{−a}, init variance ∝ d^{−b} and η_u/η_w = d^{e}, the
relative NTK change of the whole run scales like d^{p(a, b, e)}
(:mod:`exactflow.derivations.spectral_scaling.widths`): lazy below the plane
a + b = 1 + |e|/2, feature learning on it, strongly rich above.  The diagram
shows p over (a + b, e) and, optionally, the slopes measured on the exact solution.
"""

from __future__ import annotations

import numpy as np

from ...derivations.spectral_scaling import widths
from . import pyplot

__all__ = ["exponent_grid", "plot_width_phase", "plot_width_slopes"]


def exponent_grid(ab, e) -> np.ndarray:
    """The predicted exponent p at a + b = ``ab``, e = ``e`` (arrays, broadcast)."""
    import sympy as sp

    f = sp.lambdify((widths.a, widths.b, widths.e), widths.exponent_expr(),
                    modules=[np])
    ab, e = np.broadcast_arrays(np.asarray(ab, float), np.asarray(e, float))
    return np.asarray(f(ab, np.zeros_like(ab), e), float)


def plot_width_phase(ax=None, measured=None, ab_range=(0.5, 3.0), e_range=(-2.5, 2.5),
                     resolution: int = 201):
    r"""p(a + b, e) as colour, the boundary a + b = 1 + |e|/2, and the settings.

    Parameters
    ----------
    ax : matplotlib Axes, optional
    measured : dict, optional
        ``{(a, b, e): slope}`` (e.g.
        :func:`~exactflow.derivations.spectral_scaling.widths_numeric.measured_slopes`):
        each setting is marked at (a + b, e) and labelled with its measured slope.
    ab_range, e_range : (float, float)
        The plotted ranges of a + b and e.
    resolution : int
        Grid points per axis.
    """
    plt = pyplot()
    if ax is None:
        ax = plt.figure(figsize=(5, 4)).add_subplot()
    x = np.linspace(*ab_range, resolution)
    y = np.linspace(*e_range, resolution)
    grid = exponent_grid(x[None, :], y[:, None])
    mesh = ax.pcolormesh(x, y, grid, cmap="coolwarm", vmin=-2, vmax=2, shading="auto")
    ax.figure.colorbar(mesh, ax=ax, label="exponent of Δ_K in d")
    edge = np.linspace(*e_range, 101)
    ax.plot(1 + np.abs(edge) / 2, edge, color="k", lw=1.5,
            label="a + b = 1 + |e|/2 (feature learning)")
    ax.axvline(0.5, color="k", lw=0.8, ls=":", label="a + b = ½ (bounded output)")
    for (a, b, e), slope in (measured or {}).items():
        ax.plot(a + b, e, marker="o", ms=5, mfc="white", mec="k")
        ax.annotate(f"{slope:+.2f}", (a + b, e), textcoords="offset points",
                    xytext=(5, 4), fontsize=7)
    ax.set_xlim(*ab_range)
    ax.set_ylim(*e_range)
    ax.set_xlabel("a + b  (κ = d^−a, init variance ∝ d^−b)")
    ax.set_ylabel("e  (η_u/η_w = d^e)")
    ax.text(0.6, e_range[1] * 0.85, "lazy", fontsize=9)
    ax.text(ab_range[1] - 0.45, 0, "rich", fontsize=9)
    ax.legend(loc="lower right", fontsize=7)
    return ax


def plot_width_slopes(measured, ax=None):
    """Measured slope against the predicted exponent, one point per setting, with
    the ±0.05 band around the diagonal."""
    plt = pyplot()
    if ax is None:
        ax = plt.figure(figsize=(4, 4)).add_subplot()
    if not measured:
        raise ValueError("measured must map at least one (a, b, e) to a slope")
    pred = np.array([widths.exponent(*s) for s in measured], float)
    got = np.array(list(measured.values()), float)
    lo, hi = min(pred.min(), got.min()) - 0.2, max(pred.max(), got.max()) + 0.2
    line = np.array([lo, hi])
    ax.fill_between(line, line - 0.05, line + 0.05, color="0.85", label="±0.05")
    ax.plot(line, line, color="k", lw=0.8)
    colours = {"lazy": "tab:blue", "feature": "tab:green", "rich": "tab:red"}
    for s, p, m in zip(measured, pred, got):
        r = widths.regime(*s)
        ax.plot(p, m, "o", color=colours[r], ms=5,
                label=r if r not in ax.get_legend_handles_labels()[1] else None)
    ax.set_xlabel("predicted exponent")
    ax.set_ylabel("measured slope (exact solution, d = 10²…10⁵)")
    ax.legend(fontsize=7)
    return ax
