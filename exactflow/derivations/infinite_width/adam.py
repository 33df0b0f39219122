r"""The width → ∞ limit of Adam / sign-GD on a two-layer ReLU network.

Derived in this project (not taken from a paper; see the package docstring).
For f(x) = n^{−1/2} Σ_j a_j relu(w_jᵀx̃), x̃ = x/√d, a_j ~ N(0, 1),
w_j ~ N(0, I), antisymmetric pairs (f₀ ≡ 0), loss ½Σᵢ rᵢ² with rᵢ = f(xᵢ) − yᵢ,
Adam(β₁, β₂) or sign-GD with step η/√n and ε → 0:

* the gradient of a_j is n^{−1/2} s(w_j) with s_t(w) = Σᵢ r_{t,i} relu(wᵀx̃ᵢ),
  that of w_{jk} is n^{−1/2} a_j u_k(w_j) with u_{t,k}(w) = Σᵢ r_{t,i}
  1(wᵀx̃ᵢ > 0) x̃_{ik};
* Adam's direction 𝒜 (bias-corrected m̂/√v̂) is invariant to a constant
  positive factor of the whole history and odd, and the parameters move by
  O(ηt/√n) (features frozen), so the function moves by

      Δf(x) = −η {E‖w‖ E_ŵ[relu(ŵᵀx̃) 𝒜(s(ŵ))] + E|a| E_ŵ[1(ŵᵀx̃ > 0) Σ_k x̃_k 𝒜(u_k(ŵ))]},

  E‖w‖ = √2 Γ((d+1)/2)/Γ(d/2), E|a| = √(2/π), ŵ uniform on the sphere.

The increment is 0-homogeneous in the residual history (r → c r, c > 0, leaves
it unchanged), so it is not a kernel method, and it is not invariant under
rotations of the inputs (the coordinate-wise normalisation of Adam survives).

For d = 2 the expectation over ŵ = (cos θ, sin θ) is an angular integral over
the activation cells (the arcs between the angles where ŵ ⟂ a data point), on
which u is constant and s(ŵ) = ŵ·v_c a sinusoid: Gauss–Legendre on every cell
(converged to ~1e-14 for Adam; exact to rounding for sign-GD, whose cells are
also cut where ŵ ⟂ v_c).  Otherwise, and on request, Monte Carlo over
``directions`` random directions.
"""

from __future__ import annotations

import math

import numpy as np

from .finite import _adam_direction, _check_training

__all__ = ["adam_limit", "mean_norm", "direction_rule"]

E_ABS_A = math.sqrt(2.0 / math.pi)


def mean_norm(d: int) -> float:
    """E‖w‖ for w ~ N(0, I_d): √2 Γ((d+1)/2)/Γ(d/2)."""
    return math.sqrt(2.0) * math.exp(math.lgamma((d + 1) / 2) - math.lgamma(d / 2))


def _perpendicular(points) -> np.ndarray:
    """The angles where ŵ = (cos θ, sin θ) is orthogonal to a non-zero row."""
    points = np.asarray(points, dtype=float)
    ang = np.arctan2(points[:, 1], points[:, 0])[np.any(points != 0, axis=1)]
    return np.mod(np.concatenate([ang + np.pi / 2, ang - np.pi / 2]), 2 * np.pi)


def direction_rule(points, nodes: int = 24, also=None):
    """(ŵ, weights) of the angular quadrature for d = 2.

    The circle is cut at every angle where ŵ is orthogonal to a row of
    ``points`` (and of ``also``); each arc gets ``nodes`` Gauss–Legendre
    nodes; the weights sum to 1 (the uniform measure dθ/2π).
    """
    cuts = _perpendicular(points)
    if also is not None:
        cuts = np.concatenate([cuts, _perpendicular(also)])
    cuts = np.unique(np.concatenate([[0.0, 2 * np.pi], cuts]))
    x, wt = np.polynomial.legendre.leggauss(nodes)
    lo, hi = cuts[:-1], cuts[1:]
    keep = hi - lo > 1e-15
    lo, hi = lo[keep], hi[keep]
    th = (lo[:, None] + hi[:, None]) / 2 + (hi - lo)[:, None] / 2 * x[None, :]
    weights = ((hi - lo)[:, None] / 2 * wt[None, :]) / (2 * np.pi)
    th, weights = th.ravel(), weights.ravel()
    return np.stack([np.cos(th), np.sin(th)], axis=1), weights


def _directions(d, xs, directions, seed):
    if directions is None and d == 2:
        return direction_rule(xs)
    count = 2**14 if directions is None else int(directions)
    if count < 1:
        raise ValueError(f"directions must be a positive integer, got {directions!r}")
    g = np.random.default_rng(seed).standard_normal((count, d))
    g /= np.linalg.norm(g, axis=1, keepdims=True)
    return g, np.full(count, 1.0 / count)


def _sign_increment(xt, xs, r, radial):
    """The sign-GD increment / η for d = 2, by a quadrature that is exact.

    On every activation cell u is constant and s(ŵ) = ŵ·v_c with
    v_c = Σᵢ rᵢ x̃ᵢ over the active points; cutting the circle also where
    ŵ ⟂ v_c leaves integrands ŵ·x times constants on every arc, which
    Gauss–Legendre integrates to rounding.
    """
    points = np.vstack([xt, xs])
    w, _ = direction_rule(points, 1)  # one node per activation cell: its middle
    v = ((xt @ w.T > 0) * r[:, None]).T @ xt  # (cells, 2)
    w, weight = direction_rule(points, 8, also=v)
    act_t, act_s = xt @ w.T, xs @ w.T
    s = np.maximum(act_t, 0.0).T @ r
    u = ((act_t > 0) * r[:, None]).T @ xt
    a_s, a_u = np.sign(s) * weight, np.sign(u) * weight[:, None]
    return tuple(radial * np.maximum(a, 0.0) @ a_s
                 + E_ABS_A * np.sum((a > 0) * (x @ a_u.T), axis=1)
                 for a, x in ((act_t, xt), (act_s, xs)))


def adam_limit(x_train, y_train, x_test, steps, lr: float, optimizer: str = "adam",
               beta1: float = 0.9, beta2: float = 0.999, directions: int | None = None,
               seed=0) -> tuple[np.ndarray, np.ndarray]:
    r"""f_t of the width → ∞ limit of Adam (or sign-GD) from f₀ ≡ 0.

    Parameters
    ----------
    x_train : array of shape (N, d)
    y_train : array of shape (N,)
    x_test : array of shape (M, d)
    steps : array_like of int
        Step counts at which f is recorded.
    lr : float
        η (the finite network's step is η/√n).
    optimizer : {"adam", "sign"}
        ``"gd"`` is refused: its limit is the NTK (use ``predict``).
    beta1, beta2 : float
        Adam's moment decays.
    directions : int, optional
        Monte-Carlo directions; default: the angular quadrature when d = 2
        (Gauss–Legendre on every activation cell, converged to ~1e-14 for
        Adam; exact up to rounding for sign-GD, whose cells are also cut
        where the sign of s changes), 2¹⁴ random directions otherwise.
    seed : int
        Seed of the Monte-Carlo directions.

    Returns
    -------
    f_train : ndarray of shape (len(steps), N)
    f_test : ndarray of shape (len(steps), M)
    """
    x_train, y_train, x_test, steps, lr = _check_training(
        x_train, y_train, x_test, steps, lr, optimizer, beta1, beta2)
    if optimizer == "gd":
        raise ValueError("optimizer must be 'adam' or 'sign' (the limit of "
                         "gradient descent is the NTK: use predict)")
    if optimizer == "sign":
        beta1 = beta2 = 0.0
    d = x_train.shape[1]
    xt, xs = x_train / np.sqrt(d), x_test / np.sqrt(d)
    w, weight = _directions(d, np.vstack([xt, xs]), directions, seed)
    act_t, act_s = xt @ w.T, xs @ w.T  # (N, K), (M, K)
    relu_t, relu_s = np.maximum(act_t, 0.0), np.maximum(act_s, 0.0)
    on_t, on_s = (act_t > 0).astype(float), (act_s > 0).astype(float)
    radial = mean_norm(d)
    exact_sign = optimizer == "sign" and d == 2 and directions is None
    k = w.shape[0]
    m_s = v_s = np.zeros(k)
    m_u = v_u = np.zeros((k, d))
    f_t, f_s = np.zeros(len(y_train)), np.zeros(len(xs))
    out_train, out_test = [], []
    for t in range(int(steps[-1]) + 1):
        if t in steps:
            out_train.append(f_t.copy())
            out_test.append(f_s.copy())
        if t == steps[-1]:
            break
        r = f_t - y_train
        if exact_sign:
            inc_t, inc_s = _sign_increment(xt, xs, r, radial)
            f_t, f_s = f_t - lr * inc_t, f_s - lr * inc_s
            continue
        s = relu_t.T @ r  # (K,)
        u = (on_t * r[:, None]).T @ xt  # (K, d)
        m_s = beta1 * m_s + (1 - beta1) * s
        v_s = beta2 * v_s + (1 - beta2) * s * s
        m_u = beta1 * m_u + (1 - beta1) * u
        v_u = beta2 * v_u + (1 - beta2) * u * u
        a_s = _adam_direction(m_s, v_s, t + 1, beta1, beta2) * weight
        a_u = _adam_direction(m_u, v_u, t + 1, beta1, beta2) * weight[:, None]
        f_t = f_t - lr * (radial * relu_t @ a_s
                          + E_ABS_A * np.sum(on_t * (xt @ a_u.T), axis=1))
        f_s = f_s - lr * (radial * relu_s @ a_s
                          + E_ABS_A * np.sum(on_s * (xs @ a_u.T), axis=1))
    return np.array(out_train), np.array(out_test)

