r"""Singular values learned by a two-layer linear network from an aligned start.

Whitened data with target β* (d × c); the start puts neuron k on the k-th
singular pair (u_k, v_k) of β* with product u₀ and imbalance δ
(w_k = α_k u_k, a_k = γ_k v_k, α_kγ_k = u₀, η_wγ_k² − η_aα_k² = δ, from
:func:`~exactflow.derivations.single_neuron.initial` with d = 1).  Along the
exact trajectory the singular values of β(t) = W(t)ᵀA(t) rise to those of β*,
the stronger ones first (Saxe-like stages for small u₀ and δ = 0):
:func:`plot_singular_values`.
"""

from __future__ import annotations

import numpy as np

from ...derivations import multi_neuron_linear as mnl
from ...derivations import single_neuron as sn
from ._mpl import axes, pyplot, save

__all__ = ["BETA_STAR", "aligned_start", "figure", "plot_singular_values",
           "report_figures", "singular_values"]

#: the default target: singular values 3, 2, 1
BETA_STAR = ((3.0, 0.0, 0.0), (0.0, 2.0, 0.0), (0.0, 0.0, 1.0))


def aligned_start(beta_star, u0: float, delta: float, eta_a: float = 1.0,
                  eta_w: float = 1.0):
    """(A₀, W₀), one neuron per non-zero singular value of β*."""
    beta_star = np.asarray(beta_star, float)
    U, s, Vt = np.linalg.svd(beta_star)
    h = int(np.sum(s > s[0] * 1e-12))
    gamma, alpha = sn.initial(np.full((h, 1), float(u0)), np.full(h, float(delta)),
                              eta_a, eta_w)
    return gamma[:, None] * Vt[:h], alpha * U[:, :h].T


def singular_values(t, beta_star, u0: float, delta: float, eta_a: float = 1.0,
                    eta_w: float = 1.0):
    """The singular values of β(t) = W(t)ᵀA(t), shape ``t.shape + (h,)``."""
    A0, W0 = aligned_start(beta_star, u0, delta, eta_a, eta_w)
    A, W = mnl.trajectory(np.asarray(t, float), A0, W0, beta_star, eta_a=eta_a,
                          eta_w=eta_w)
    sv = np.linalg.svd(np.swapaxes(W, -1, -2) @ A, compute_uv=False)
    return sv[..., :A0.shape[0]]


def plot_singular_values(beta_star=BETA_STAR, u0: float = 1e-3, delta: float = 0.0,
                         t=None, eta_a: float = 1.0, eta_w: float = 1.0, ax=None):
    """σ_k(β(t)) against t (dotted: the singular values of β*)."""
    t = np.linspace(0.0, 6.0, 401) if t is None else np.asarray(t, float)
    sv = singular_values(t, beta_star, u0, delta, eta_a, eta_w)
    target = np.linalg.svd(np.asarray(beta_star, float), compute_uv=False)
    ax = axes(ax)
    colors = pyplot().get_cmap("viridis")(np.linspace(0.0, 0.85, sv.shape[-1]))
    for k in range(sv.shape[-1]):
        ax.plot(t, sv[:, k], color=colors[k], label=f"$\\sigma_{k + 1}$")
        ax.axhline(target[k], color=colors[k], linestyle=":", linewidth=0.8)
    ax.set_xlabel("$t$")
    ax.set_ylabel(r"singular values of $\beta(t) = W^\top A$")
    ax.set_title(f"$u_0 = {u0:g}$, $\\delta = {delta:g}$", fontsize="medium")
    ax.legend(fontsize="x-small")
    return ax


def figure(beta_star=BETA_STAR, u0: float = 1e-3, deltas=(0.0, 2.0)):
    """One panel per imbalance δ (balanced, then unbalanced)."""
    fig = pyplot().figure(figsize=(5 * len(deltas), 3.8), layout="constrained")
    for k, delta in enumerate(deltas):
        plot_singular_values(beta_star, u0, delta,
                             ax=fig.add_subplot(1, len(deltas), k + 1))
    return fig


def report_figures(directory):
    """The figure of ``exactflow report``: ``multi_neuron_linear.png``."""
    from pathlib import Path

    out = Path(directory) / "multi_neuron_linear.png"
    save(figure(), out)
    return [out]
