"""Independent NumPy references for the simulate tests: gradients and flows of
the test models written out by hand from their losses (no SymPy, no codegen)."""

from __future__ import annotations

import numpy as np


def sn_whitened_rhs(y, eta_a, eta_w, beta_star):
    """Single neuron on whitened data (docs/math/single_neuron.md §3): y = (a, w) of
    shape (..., 1+d),
    ȧ = η_a(wᵀβ* − a‖w‖²), ẇ = η_w(aβ* − a²w)."""
    a, w = y[..., 0], y[..., 1:]
    eta_a, eta_w = np.asarray(eta_a), np.asarray(eta_w)
    da = eta_a * (np.sum(w * beta_star, axis=-1) - a * np.sum(w * w, axis=-1))
    dw = eta_w[..., None] * (a[..., None] * beta_star - a[..., None] ** 2 * w)
    return np.concatenate([da[..., None], dw], axis=-1)


def sn_loss_grad(a, w, sxx, sxy):
    """∇ of L = ½(σ_yy − 2 a wᵀΣxy + a² wᵀΣxx w) for one point: (∂_a L, ∇_w L)."""
    sw = sxx @ w
    return -w @ sxy + a * (w @ sw), -a * sxy + a * a * sw


def tll_loss(U, V, xs, ys):
    """½ Σ_s ‖y_s − U Vᵀ x_s‖² of the two-layer linear network."""
    return 0.5 * sum(np.sum((y - U @ (V.T @ x)) ** 2) for x, y in zip(xs, ys))


def tll_grad(U, V, xs, ys):
    """(∇_U L, ∇_V L): residual r = U Vᵀx − y, ∇_U = r (Vᵀx)ᵀ, ∇_V = x (Uᵀr)ᵀ."""
    gU, gV = np.zeros_like(U), np.zeros_like(V)
    for x, y in zip(xs, ys):
        r = U @ (V.T @ x) - y
        gU += np.outer(r, V.T @ x)
        gV += np.outer(x, U.T @ r)
    return gU, gV


def finite_difference_grad(loss, theta, h=1e-5):
    """Central differences of a scalar ``loss`` at the 1-D point ``theta``."""
    theta = np.asarray(theta, dtype=np.float64)
    out = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e[i] = h
        out[i] = (loss(theta + e) - loss(theta - e)) / (2 * h)
    return out
