"""The authors' algorithm for the two-layer (leaky) ReLU teacher–student runs,
one network at a time: the reference of the batched engine's tests and benchmark.

Written from the description of Kunin et al. (2024), arXiv:2406.06158, §5 and
App. D.1: full-batch gradient descent on the mean squared error
(1/n)Σᵢ(f(xᵢ) − yᵢ)² of f(x) = Σ_k a_k σ(w_kᵀx), σ(z) = max(z, γz), with the
activation pattern 1[w_kᵀx ≥ 0] (so σ′(0) = 1), both layers stepped with the
same learning rate; one plain NumPy loop per network, nothing batched.  The
metrics are written from their definitions, naively: the NTK from the explicit
n × h(d+1) Jacobian, the Hamming distance by comparing patterns entry by entry.
"""

from __future__ import annotations

import numpy as np


def sigma(z, gamma):
    return np.where(z >= 0, z, gamma * z)


def sigma_prime(z, gamma):
    return np.where(z >= 0, 1.0, gamma)


def gd_loop(X, y, W, a, lr, steps, gamma=0.0, checkpoints=()):
    """``steps`` GD steps of one network on (1/n)Σ(f − y)²; lr a float or a pair
    (lr_a, lr_w).  Returns (W, a) after the last step and the list of (W, a) at
    each step in ``checkpoints`` (0 = the start)."""
    lr_a, lr_w = (lr, lr) if np.ndim(lr) == 0 else lr
    W, a = W.copy(), a.copy()
    n = X.shape[0]
    want = set(int(c) for c in checkpoints)
    saved = [(W.copy(), a.copy())] if 0 in want else []
    for step in range(1, steps + 1):
        Z = X @ W.T                            # (n, h) pre-activations
        A = sigma(Z, gamma)
        residual = A @ a - y                   # f(x_i) − y_i
        grad_a = 2.0 / n * (A.T @ residual)
        grad_W = 2.0 / n * ((residual[:, None] * a[None, :]
                             * sigma_prime(Z, gamma)).T @ X)
        a = a - lr_a * grad_a
        W = W - lr_w * grad_W
        if step in want:
            saved.append((W.copy(), a.copy()))
    return W, a, saved


def forward(X, W, a, gamma=0.0):
    return sigma(X @ W.T, gamma) @ a


def mse(X, y, W, a, gamma=0.0):
    return float(np.mean((forward(X, W, a, gamma) - y) ** 2))


def jacobian(X, W, a, gamma=0.0):
    """∂f(x_i)/∂θ for θ = (a, W row-major): the n × h(d+1) feature matrix."""
    Z = X @ W.T
    n, h = Z.shape
    d = X.shape[1]
    J = np.empty((n, h + h * d))
    J[:, :h] = sigma(Z, gamma)
    for k in range(h):
        for j in range(d):
            J[:, h + k * d + j] = a[k] * sigma_prime(Z[:, k], gamma) * X[:, j]
    return J


def ntk(X, W, a, gamma=0.0, eta_a=1.0, eta_w=1.0):
    """K = J diag(η) Jᵀ with the layer rates as weights."""
    J = jacobian(X, W, a, gamma)
    h = a.size
    weights = np.concatenate([np.full(h, eta_a), np.full(J.shape[1] - h, eta_w)])
    return (J * weights) @ J.T


def kernel_distance(K0, K1):
    return 1.0 - np.sum(K0 * K1) / (np.linalg.norm(K0) * np.linalg.norm(K1))


def hamming(X, W0, W1):
    """Σ_k (1/n)#{i : 1[w_kᵀx_i ≥ 0] changed}, counted entry by entry."""
    n, h = X.shape[0], W0.shape[0]
    total = 0.0
    for k in range(h):
        changed = 0
        for i in range(n):
            if (X[i] @ W0[k] >= 0) != (X[i] @ W1[k] >= 0):
                changed += 1
        total += changed / n
    return total


def param_distance(W0, a0, W1, a1):
    return float(np.sqrt(np.sum((W1 - W0) ** 2) + np.sum((a1 - a0) ** 2)))
