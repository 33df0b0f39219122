r"""The single-neuron figures of Kunin et al. (2024), from the exact solution.

Defaults are the paper's setup (docs/math/single_neuron.md §8): whitened data,
β* = (0, 1), β₀ = (−1, 0), unit rates, δ ∈ {−4, −2, −1, 0, 1, 2, 4}, T = 20;
every start is :func:`~exactflow.derivations.single_neuron.initial` of (β₀, δ).
The whole figure is one call::

    from exactflow.present.figures import single_neuron as snf
    fig = snf.paper_figure()
    fig.savefig("single_neuron.png")

Each panel is also a function ``plot_…(…, ax=None) -> Axes``.
"""

from __future__ import annotations

import numpy as np

from ...derivations import single_neuron as sn
from ._mpl import axes, pyplot, save

__all__ = ["DELTAS", "paper_figure", "plot_function_paths", "plot_implicit_bias",
           "plot_kernel_distance", "plot_loss", "plot_parameter_paths",
           "report_figures"]

#: the imbalances of the paper's figures
DELTAS = (-4.0, -2.0, -1.0, 0.0, 1.0, 2.0, 4.0)
BETA0 = (-1.0, 0.0)
BETA_STAR = (0.0, 1.0)


def _times(t):
    return np.linspace(0.0, 20.0, 401) if t is None else np.asarray(t, dtype=float)


def _colors(n):
    return pyplot().get_cmap("coolwarm")(np.linspace(0.0, 1.0, n))


def _per_delta(ax, deltas, beta0, beta_star, eta_a, eta_w, series, plot="plot"):
    """One line ``series(a0, w0)`` per δ, from the paper's start for (β₀, δ)."""
    for color, delta in zip(_colors(len(deltas)), deltas):
        a0, w0 = sn.initial(beta0, delta, eta_a, eta_w)
        getattr(ax, plot)(*series(a0, w0), color=color, label=f"δ = {delta:g}")
    ax.set_xlabel("$t$")
    ax.legend(fontsize="x-small")
    return ax


def _along(t, beta_star, eta_a, eta_w, coordinates):
    """The series ``coordinates(a(t), w(t))`` of the exact trajectory from (a₀, w₀)."""
    return lambda a0, w0: coordinates(
        *sn.trajectory(t, a0, w0, beta_star, eta_a, eta_w))


def plot_parameter_paths(deltas=(-2.0, 0.0, 2.0), beta0=BETA0, beta_star=BETA_STAR,
                         t=None, eta_a: float = 1.0, eta_w: float = 1.0, ax=None):
    """Parameter space (Fig. 2a): the path (w₀(t), w₁(t), a(t)) for each δ (3-D)."""
    series = _along(_times(t), beta_star, eta_a, eta_w,
                    lambda a, w: (w[:, 0], w[:, 1], a))
    ax = _per_delta(axes(ax, projection="3d"), deltas, beta0, beta_star, eta_a,
                    eta_w, series)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.set_zlabel("$a$")
    ax.legend(fontsize="small")
    return ax


def plot_function_paths(deltas=DELTAS, beta0=BETA0, beta_star=BETA_STAR, t=None,
                        eta_a: float = 1.0, eta_w: float = 1.0, ax=None):
    """Function space (Fig. 2b): β(t) = a(t)w(t) for each δ, from β₀ to β*."""
    series = _along(_times(t), beta_star, eta_a, eta_w,
                    lambda a, w: (a * w[:, 0], a * w[:, 1]))
    ax = _per_delta(axes(ax), deltas, beta0, beta_star, eta_a, eta_w, series)
    ax.plot(*beta0, "ko", markersize=4)
    ax.plot(*beta_star, "k*", markersize=8)
    ax.set_xlabel(r"$\beta_1$")
    ax.set_ylabel(r"$\beta_2$")
    ax.set_aspect("equal", adjustable="datalim")
    return ax


def plot_kernel_distance(deltas=DELTAS, beta0=BETA0, beta_star=BETA_STAR, t=None,
                         eta_a: float = 1.0, eta_w: float = 1.0, ax=None):
    """Kernel distance S(0, t) (Fig. 3): 0 lazy, towards 1 rich."""
    t = _times(t)
    ax = _per_delta(axes(ax), deltas, beta0, beta_star, eta_a, eta_w, lambda a0, w0: (
        t, sn.kernel_distance(t, a0, w0, beta_star, eta_a, eta_w)))
    ax.set_ylabel("kernel distance $S(0, t)$")
    return ax


def plot_loss(deltas=DELTAS, beta0=BETA0, beta_star=BETA_STAR, t=None,
              eta_a: float = 1.0, eta_w: float = 1.0, ax=None):
    """The excess loss ½‖β(t) − β*‖² against t (log scale)."""
    t = _times(t)
    ax = _per_delta(axes(ax), deltas, beta0, beta_star, eta_a, eta_w, lambda a0, w0: (
        t, sn.trajectory_loss(t, a0, w0, beta_star, eta_a, eta_w)), "semilogy")
    ax.set_ylabel(r"excess loss $\frac{1}{2}\|\beta - \beta_*\|^2$")
    # below (ε‖β*‖)² the difference β − β* is rounding, not dynamics
    floor = (np.finfo(float).eps * max(1.0, float(np.linalg.norm(beta_star)))) ** 2
    ax.set_ylim(bottom=floor)
    return ax


def plot_implicit_bias(X=((0.5, 1.0),), y=(1.1,), beta0=(0.4, 0.05), deltas=None,
                       eta_a: float = 1.0, eta_w: float = 1.0, ax=None):
    """Low-rank implicit bias (Fig. 4b, Theorem 3.1): β(∞) on the line Xβ = y as
    δ goes from −∞ (downstream, towards the minimum-norm point) to +∞."""
    X, y = np.atleast_2d(np.asarray(X, float)), np.atleast_1d(np.asarray(y, float))
    deltas = np.linspace(-6.0, 6.0, 121) if deltas is None else np.asarray(deltas)
    ends = np.array([sn.implicit_bias(X, y, beta0, d, eta_a, eta_w) for d in deltas])
    ax = axes(ax)
    points = ax.scatter(ends[:, 0], ends[:, 1], c=deltas, cmap="coolwarm", s=8)
    ax.figure.colorbar(points, ax=ax, label="δ")
    ax.plot(*beta0, "ko", markersize=4)
    direction = np.array([-X[0, 1], X[0, 0]]) / np.linalg.norm(X[0])
    anchor = np.linalg.pinv(X) @ y
    span = np.linspace(-1.5, 1.5, 2)
    line = anchor + span[:, None] * direction
    ax.plot(line[:, 0], line[:, 1], "k--", linewidth=0.8)
    ax.set_xlabel(r"$\beta_1(\infty)$")
    ax.set_ylabel(r"$\beta_2(\infty)$")
    ax.set_aspect("equal", adjustable="datalim")
    return ax


def paper_figure(deltas=DELTAS, beta0=BETA0, beta_star=BETA_STAR, t=None,
                 eta_a: float = 1.0, eta_w: float = 1.0):
    """The four panels of the paper's single-neuron figures (parameter space,
    function space, kernel distance, excess loss) in one figure."""
    plt = pyplot()
    fig = plt.figure(figsize=(11, 8.5), layout="constrained")
    three = [d for d in (-2.0, 0.0, 2.0) if d in deltas] or list(deltas[:3])
    plot_parameter_paths(three, beta0, beta_star, t, eta_a, eta_w,
                         ax=fig.add_subplot(2, 2, 1, projection="3d"))
    panels = (plot_function_paths, plot_kernel_distance, plot_loss)
    for k, panel in enumerate(panels):
        panel(deltas, beta0, beta_star, t, eta_a, eta_w,
              ax=fig.add_subplot(2, 2, k + 2))
    return fig


def report_figures(directory):
    """The figures of ``exactflow report``: the paper figure and the implicit bias."""
    from pathlib import Path

    directory = Path(directory)
    out = []
    fig = paper_figure()
    save(fig, directory / "single_neuron_paper.png")
    out.append(directory / "single_neuron_paper.png")
    ax = plot_implicit_bias()
    save(ax.figure, directory / "single_neuron_implicit_bias.png")
    out.append(directory / "single_neuron_implicit_bias.png")
    return out
