r"""Finite-width networks whose n → ∞ limits the kernels and the Adam limit are.

* :func:`empirical_ntk`: Θ̂(x, x′) = Σ_p ∂_p f(x) ∂_p f(x′) of one random network
  ``stax.serial(Dense(n, W, b), φ, …, Dense(1, W, b))`` in the NTK
  parametrisation (every weight and bias N(0, 1), scaled in the forward pass),
  by explicit back-propagation;
* :func:`train_two_layer`: the two-layer ReLU network
  f(x) = n^{−1/2} Σ_j a_j relu(w_jᵀx/√d) with antisymmetric initialisation
  (f₀ ≡ 0), trained on L = ½Σᵢ(f(xᵢ) − yᵢ)² by gradient descent (step η),
  Adam or sign-GD (step η/√n, ε = 0 with 0/0 read as 0).

These are plain NumPy loops over layers and steps: the finite networks the
closed forms are checked against, not the closed forms themselves.
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array
from .maths import ACTIVATIONS

__all__ = ["empirical_ntk", "train_two_layer", "OPTIMIZERS"]

#: the optimisers of :func:`train_two_layer` and :func:`.adam.adam_limit`
OPTIMIZERS = ("gd", "adam", "sign")


def _act(activation: str, slope: float):
    if activation == "relu":
        return lambda z: np.maximum(z, 0.0), lambda z: (z > 0).astype(float)
    if activation == "leaky_relu":
        return (lambda z: np.where(z > 0, z, slope * z),
                lambda z: np.where(z > 0, 1.0, slope))
    if activation == "linear":
        return lambda z: z, lambda z: np.ones_like(z)
    from math import pi, sqrt

    from scipy.special import erf

    return erf, lambda z: 2.0 / sqrt(pi) * np.exp(-z * z)


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def empirical_ntk(x1, x2, width: int, depth: int = 1, activation: str = "relu",
                  w_std: float = 1.0, b_std: float = 0.0, slope: float = 0.0,
                  seed=0) -> tuple[np.ndarray, np.ndarray]:
    r"""(f(x1), Θ̂(x1, x2)) of one random network of width ``width``.

    Parameters
    ----------
    x1, x2 : arrays of shape (n1, d_in), (n2, d_in)
    width : int
        Hidden width n of every hidden layer.
    depth, activation, w_std, b_std, slope
        As in :func:`~exactflow.derivations.infinite_width.ntk` (the erf
        activation needs SciPy).
    seed : int or numpy.random.Generator

    Returns
    -------
    f1 : ndarray of shape (n1,)
    theta : ndarray of shape (n1, n2)
    """
    width = _positive_int("width", width)
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {list(ACTIVATIONS)}, got "
                         f"{activation!r}")
    x1 = finite_array("x1", x1, ndim=(2,))
    x2 = finite_array("x2", x2, ndim=(2,))
    rng = np.random.default_rng(seed)
    phi, dphi = _act(activation, slope)
    d = x1.shape[1]
    fan = [d] + [width] * depth
    outs = [width] * depth + [1]
    weights = [rng.standard_normal((o, i)) for i, o in zip(fan, outs)]
    biases = [rng.standard_normal(o) for o in outs]
    x = np.vstack([x1, x2])
    hs, zs = [x], []
    for l_, (w, b) in enumerate(zip(weights, biases)):
        z = w_std / np.sqrt(fan[l_]) * hs[-1] @ w.T + b_std * b
        zs.append(z)
        if l_ < depth:
            hs.append(phi(z))
    delta = np.ones((x.shape[0], 1))
    n1 = x1.shape[0]
    theta = np.zeros((n1, x2.shape[0]))
    for l_ in range(depth, -1, -1):
        h = hs[l_]
        inner = w_std**2 / fan[l_] * (h[:n1] @ h[n1:].T) + b_std**2
        theta += inner * (delta[:n1] @ delta[n1:].T)
        if l_ > 0:
            delta = dphi(zs[l_ - 1]) * (w_std / np.sqrt(fan[l_])
                                        * delta @ weights[l_])
    return zs[-1][:n1, 0], theta


def _adam_direction(m, v, t, beta1, beta2):
    """m̂/√v̂ with 0/0 read as 0 (ε → 0)."""
    mh = m / (1.0 - beta1**t)
    vh = v / (1.0 - beta2**t)
    root = np.sqrt(vh)
    return np.where(root > 0, mh / np.where(root > 0, root, 1.0), 0.0)


def _check_training(x_train, y_train, x_test, steps, lr, optimizer, beta1, beta2):
    x_train = finite_array("x_train", x_train, ndim=(2,))
    y_train = finite_array("y_train", y_train, ndim=(1,))
    if y_train.shape != (x_train.shape[0],):
        raise ValueError(f"y_train must have shape ({x_train.shape[0]},), got "
                         f"{y_train.shape}")
    x_test = finite_array("x_test", x_test, ndim=(2,))
    if x_test.shape[1] != x_train.shape[1]:
        raise ValueError(f"x_test must have shape (m, {x_train.shape[1]}), got "
                         f"{x_test.shape}")
    steps = np.unique(np.asarray(steps, dtype=np.int64).ravel())
    if steps.size == 0 or steps[0] < 0:
        raise ValueError("steps must be non-negative integers")
    lr = float(finite_array("lr", lr, ndim=(0,)))
    if lr <= 0:
        raise ValueError(f"lr must be positive, got {lr}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {list(OPTIMIZERS)}, got "
                         f"{optimizer!r}")
    for name, b in (("beta1", beta1), ("beta2", beta2)):
        if not 0.0 <= float(b) < 1.0:
            raise ValueError(f"{name} must be in [0, 1), got {b!r}")
    return x_train, y_train, x_test, steps, lr


def train_two_layer(x_train, y_train, x_test, width: int, steps, lr: float,
                    optimizer: str = "gd", beta1: float = 0.9, beta2: float = 0.999,
                    seed=0) -> tuple[np.ndarray, np.ndarray]:
    r"""Train f(x) = n^{−1/2} Σ_j a_j relu(w_jᵀx/√d) from f₀ ≡ 0; f at ``steps``.

    Parameters
    ----------
    x_train : array of shape (N, d)
    y_train : array of shape (N,)
    x_test : array of shape (M, d)
    width : int
        n, even (neurons come in pairs (a, w), (−a, w): f₀ ≡ 0).
    steps : array_like of int
        The step counts at which f is recorded (sorted, unique).
    lr : float
        η: the GD step, or η/√n the Adam / sign-GD step.
    optimizer : {"gd", "adam", "sign"}
    beta1, beta2 : float
        Adam's moment decays (sign-GD is Adam with β₁ = β₂ = 0).
    seed : int or numpy.random.Generator

    Returns
    -------
    f_train : ndarray of shape (len(steps), N)
    f_test : ndarray of shape (len(steps), M)
    """
    x_train, y_train, x_test, steps, lr = _check_training(
        x_train, y_train, x_test, steps, lr, optimizer, beta1, beta2)
    width = _positive_int("width", width)
    if width % 2:
        raise ValueError(f"width must be even (antisymmetric pairs), got {width}")
    rng = np.random.default_rng(seed)
    d = x_train.shape[1]
    half = rng.standard_normal((width // 2, d + 1))
    a = np.concatenate([half[:, 0], -half[:, 0]])
    w = np.vstack([half[:, 1:], half[:, 1:]])
    xt, xs = x_train / np.sqrt(d), x_test / np.sqrt(d)
    scale = 1.0 / np.sqrt(width)
    if optimizer == "sign":
        beta1 = beta2 = 0.0
    step = lr if optimizer == "gd" else lr * scale
    m_a = v_a = np.zeros(width)
    m_w = v_w = np.zeros((width, d))
    out_train, out_test = [], []
    h = width // 2

    def forward(z):  # the halves summed apart, so that f₀ is exactly 0
        r = np.maximum(z, 0.0)
        return (r[:, :h] @ a[:h] + r[:, h:] @ a[h:]) * scale

    for t in range(int(steps[-1]) + 1):
        z = xt @ w.T
        f = forward(z)
        if t in steps:
            out_train.append(f)
            out_test.append(forward(xs @ w.T))
        if t == steps[-1]:
            break
        r = f - y_train
        g_a = np.maximum(z, 0.0).T @ r * scale
        g_w = ((z > 0) * r[:, None]).T @ xt * (a * scale)[:, None]
        if optimizer == "gd":
            a, w = a - step * g_a, w - step * g_w
            continue
        m_a = beta1 * m_a + (1 - beta1) * g_a
        v_a = beta2 * v_a + (1 - beta2) * g_a * g_a
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        a = a - step * _adam_direction(m_a, v_a, t + 1, beta1, beta2)
        w = w - step * _adam_direction(m_w, v_w, t + 1, beta1, beta2)
    return np.array(out_train), np.array(out_test)
