r"""The diagonal network's implicit bias from ℓ2 to ℓ1 (Woodworth et al. 2020).

On a small sparse regression (n < d samples of a 2-sparse target, noiseless),
the interpolant the flow selects, β(∞) = ``implicit_bias(X, y, α)``, moves from
the minimum-ℓ2 interpolant (α large, the kernel regime) to the minimum-ℓ1 one
(α → 0, the rich regime):

* :func:`plot_coefficients`: each coordinate of β(∞) against α;
* :func:`plot_l1_norm`: ‖β(∞)‖₁ against α, with ‖β_ℓ2‖₁ of the minimum-norm
  interpolant (dashed) and ‖β_true‖₁ of the sparse target (dotted).

β(∞) does not depend on the time scale (mean or sum loss alike).
"""

from __future__ import annotations

import numpy as np

from ...derivations import diagonal_linear as dl
from ._mpl import axes, pyplot, save

__all__ = ["figure", "path", "plot_coefficients", "plot_l1_norm", "report_figures",
           "sparse_regression"]


def sparse_regression(n: int = 6, d: int = 10, seed: int = 2):
    """(X, y, β_true): X with standard normal entries (seeded), β_true 2-sparse
    (1.5 at coordinate 1, −1 at coordinate 6), y = Xβ_true."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    beta = np.zeros(d)
    beta[1], beta[6 % d] = 1.5, -1.0
    return X, X @ beta, beta


def _alphas(alphas):
    return np.logspace(-4, 1, 41) if alphas is None else np.asarray(alphas, float)


def path(X, y, alphas):
    """β(∞) for each α, shape (len(alphas), d)."""
    return np.array([dl.implicit_bias(X, y, alpha=a) for a in alphas])


def plot_coefficients(X=None, y=None, alphas=None, ax=None):
    """The coordinates of β(∞) against the initialisation scale α (log axis);
    default data :func:`sparse_regression`."""
    if X is None:
        X, y, _ = sparse_regression()
    alphas = _alphas(alphas)
    ends = path(X, y, alphas)
    ax = axes(ax)
    colors = pyplot().get_cmap("tab10")(np.arange(ends.shape[1]) % 10)
    for i in range(ends.shape[1]):
        ax.semilogx(alphas, ends[:, i], color=colors[i], label=f"$\\beta_{{{i}}}$")
    ax.set_xlabel(r"initialisation scale $\alpha$")
    ax.set_ylabel(r"$\beta(\infty)$")
    ax.legend(fontsize="xx-small", ncol=2)
    return ax


def plot_l1_norm(X=None, y=None, alphas=None, ax=None):
    """‖β(∞)‖₁ against α, from the ℓ1 end (small α) to the ℓ2 end (large α)."""
    beta_true = None
    if X is None:
        X, y, beta_true = sparse_regression()
    alphas = _alphas(alphas)
    ends = path(X, y, alphas)
    ax = axes(ax)
    ax.semilogx(alphas, np.abs(ends).sum(axis=1), "o-", markersize=3,
                label=r"$\|\beta(\infty)\|_1$")
    l2 = np.linalg.pinv(X) @ y
    ax.axhline(np.abs(l2).sum(), color="k", linestyle="--", linewidth=0.8,
               label=r"minimum-$\ell_2$ interpolant")
    if beta_true is not None:
        ax.axhline(np.abs(beta_true).sum(), color="k", linestyle=":", linewidth=0.8,
                   label=r"sparse target")
    ax.set_xlabel(r"initialisation scale $\alpha$")
    ax.set_ylabel(r"$\ell_1$ norm")
    ax.legend(fontsize="x-small")
    return ax


def figure(alphas=None):
    """Both panels side by side on :func:`sparse_regression`."""
    fig = pyplot().figure(figsize=(10, 3.8), layout="constrained")
    plot_coefficients(alphas=alphas, ax=fig.add_subplot(1, 2, 1))
    plot_l1_norm(alphas=alphas, ax=fig.add_subplot(1, 2, 2))
    return fig


def report_figures(directory):
    """The figure of ``exactflow report``: ``diagonal_linear.png``."""
    from pathlib import Path

    out = Path(directory) / "diagonal_linear.png"
    save(figure(), out)
    return [out]
