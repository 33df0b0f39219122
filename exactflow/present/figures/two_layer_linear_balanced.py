r"""The λ-balanced lazy/rich interpolation (Dominé et al. 2024), exactly.

* :func:`plot_modes`: one mode u(t) of an aligned λ-balanced network for a range
  of λ, from rich (λ ≈ 0: Saxe's sigmoid) to lazy (|λ| large: exponential);
* :func:`plot_ntk_change`: the relative change ‖M(t) − M(0)‖_F/‖M(0)‖_F of the
  function-space kernel along the same range, for a network with target
  diag(β*) started at u₀·I (large when rich, O(1/|λ|) when lazy).

They evaluate :func:`~exactflow.derivations.two_layer_linear_balanced.mode_trajectory`
and :func:`~exactflow.derivations.two_layer_linear_balanced.trajectory_ntk` at
the rate η.
"""

from __future__ import annotations

import numpy as np

from ...derivations import two_layer_linear_balanced as tlb
from ._mpl import axes, pyplot, save

__all__ = ["LAMBDAS", "figure", "ntk_change", "plot_modes", "plot_ntk_change",
           "report_figures"]

#: imbalances from rich (0) to lazy
LAMBDAS = (0.0, 0.5, 2.0, 8.0, 32.0)


def _times(t, eta):
    return np.linspace(0.0, 8.0 / eta, 401) if t is None else np.asarray(t, float)


def _colors(n):
    return pyplot().get_cmap("plasma")(np.linspace(0.0, 0.85, n))


def plot_modes(lams=LAMBDAS, strength: float = 1.0, u0: float = 1e-3, t=None,
               eta: float = 1.0, ax=None):
    """The mode u(t) of an aligned λ-balanced start for each λ (its ``u`` of
    ``mode_trajectory(t, β*, λ, u₀, eta=η)``)."""
    t = _times(t, eta)
    ax = axes(ax)
    for color, lam in zip(_colors(len(lams)), lams):
        u = tlb.mode_trajectory(t, strength, lam, u0, eta=eta)[0]
        ax.plot(t, u, color=color, label=f"$\\lambda = {lam:g}$")
    ax.axhline(strength, color="k", linestyle=":", linewidth=0.8)
    ax.set_xlabel("$t$")
    ax.set_ylabel("mode strength $u(t)$")
    ax.legend(fontsize="x-small")
    return ax


def ntk_change(t, lam, strengths=(2.0, 1.0), u0: float = 1e-3, eta: float = 1.0):
    """‖M(t) − M(0)‖_F/‖M(0)‖_F of the kernel of a λ-balanced network with
    target diag(``strengths``) from W₂W₁ = u₀·I (width h = len(strengths))."""
    strengths = np.asarray(strengths, float)
    h = len(strengths)
    W1, W2 = tlb.balanced_init(u0 * np.eye(h), lam, h)
    M = tlb.trajectory_ntk(np.asarray(t, float), W1, W2, np.diag(strengths), eta=eta)
    M0 = tlb.trajectory_ntk(0.0, W1, W2, np.diag(strengths), eta=eta)
    return np.linalg.norm(M - M0, axis=(-2, -1)) / np.linalg.norm(M0)


def plot_ntk_change(lams=LAMBDAS, strengths=(2.0, 1.0), u0: float = 1e-3, t=None,
                    eta: float = 1.0, ax=None):
    """The relative kernel change :func:`ntk_change` against t for each λ."""
    t = _times(t, eta)
    ax = axes(ax)
    for color, lam in zip(_colors(len(lams)), lams):
        ax.plot(t, ntk_change(t, lam, strengths, u0, eta), color=color,
                label=f"$\\lambda = {lam:g}$")
    ax.set_yscale("symlog", linthresh=1e-3)
    ax.set_xlabel("$t$")
    ax.set_ylabel(r"$\|M(t) - M(0)\|_F / \|M(0)\|_F$")
    ax.legend(fontsize="x-small")
    return ax


def figure(lams=LAMBDAS, u0: float = 1e-3, eta: float = 1.0):
    """Both panels side by side."""
    fig = pyplot().figure(figsize=(10, 3.8), layout="constrained")
    plot_modes(lams, 1.0, u0, None, eta, ax=fig.add_subplot(1, 2, 1))
    plot_ntk_change(lams, (2.0, 1.0), u0, None, eta, ax=fig.add_subplot(1, 2, 2))
    return fig


def report_figures(directory):
    """The figure of ``exactflow report``: ``two_layer_linear_balanced.png``."""
    from pathlib import Path

    path = Path(directory) / "two_layer_linear_balanced.png"
    save(figure(), path)
    return [path]
