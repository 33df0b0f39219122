r"""A framework-free MLP for the coordinate check: NumPy forward, backward, SGD
and Adam, and the per-layer statistics recorded at every step.

Layer l maps h_{l−1} ∈ ℝ^{B×n_{l−1}} to z_l = h_{l−1}W_lᵀ (+ b_l) ∈ ℝ^{B×n_l},
h_l = φ(z_l) for l < L, and the output is z_L.  Weights are plain float arrays of
shape (n_l, n_{l−1}); the initial standard deviation, the rate and Adam's ε of each
layer are given (the parametrisation is chosen by the caller).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ACTIVATIONS", "LOSSES", "STATISTICS", "Layers", "Run", "backward",
           "forward", "loss_and_grad", "train"]


def _relu(z):
    return np.maximum(z, 0.0)


def _relu_grad(z):
    return (z > 0).astype(z.dtype)


def _tanh_grad(z):
    return 1.0 - np.tanh(z) ** 2


def _identity(z):
    return z


def _ones(z):
    return np.ones_like(z)


#: activation name -> (φ, φ′)
ACTIVATIONS = {"relu": (_relu, _relu_grad), "tanh": (np.tanh, _tanh_grad),
               "linear": (_identity, _ones)}
#: ``xent``: mean softmax cross-entropy over the batch; ``mse``: ½ mean over the
#: batch of the squared error summed over outputs
LOSSES = ("xent", "mse")
#: per (step, layer): mean |z_l|, RMS of z_l − z_l(0), ‖W_l‖_*, ‖W_l − W_l(0)‖_*
STATISTICS = ("mean_abs", "rms_change", "spectral_norm", "update_norm")


@dataclass(frozen=True)
class Layers:
    """Per-layer sizes and scales: ``sizes`` = (n_0 = d_in, …, n_L = d_out), and
    for each of the L layers the weights' std, rate and ε (``*_bias``: the same
    for its bias, or None without biases)."""

    sizes: tuple[int, ...]
    std: tuple[float, ...]
    lr: tuple[float, ...]
    eps: tuple[float, ...]
    lr_bias: tuple[float, ...] | None = None
    eps_bias: tuple[float, ...] | None = None


def loss_and_grad(out, target, loss: str):
    """The loss of the outputs ``out`` (B, d_out) and its gradient in ``out``."""
    B = out.shape[0]
    if loss == "xent":
        shifted = out - out.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        value = -logp[np.arange(B), target].mean()
        grad = np.exp(logp)
        grad[np.arange(B), target] -= 1.0
        return float(value), grad / B
    diff = out - target
    return float(0.5 * (diff * diff).sum() / B), diff / B


def forward(W, b, X, activation: str):
    """Inputs of each layer (h_0 = X, …, h_{L−1}) and outputs (z_1, …, z_L)."""
    phi = ACTIVATIONS[activation][0]
    hs, zs = [X], []
    for i, w in enumerate(W):
        z = hs[-1] @ w.T
        if b is not None:
            z += b[i]
        zs.append(z)
        if i < len(W) - 1:
            hs.append(phi(z))
    return hs, zs


def backward(W, hs, zs, g, activation: str, out=None):
    """Gradients (∂L/∂W_l, ∂L/∂b_l) of every layer from g = ∂L/∂z_L; ``out``:
    arrays to write the weight gradients into."""
    dphi = ACTIVATIONS[activation][1]
    grads = [None] * len(W)
    for i in range(len(W) - 1, -1, -1):
        gw = np.matmul(g.T, hs[i], out=None if out is None else out[i])
        grads[i] = (gw, g.sum(axis=0))
        if i:
            g = (g @ W[i]) * dphi(zs[i - 1])
    return grads


class _Adam:
    """Adam (bias-corrected) updating in place through one scratch array: at large
    widths fresh temporaries of the weights' size cost more than the arithmetic."""

    def __init__(self, shape, dtype, b1=0.9, b2=0.999):
        self.m = np.zeros(shape, dtype)
        self.v = np.zeros(shape, dtype)
        self.b1, self.b2, self.t = b1, b2, 0

    def step(self, param, grad, lr, eps, scratch):
        self.t += 1
        b1, b2 = self.b1, self.b2
        self.m *= b1
        np.multiply(grad, 1 - b1, out=scratch)
        self.m += scratch
        self.v *= b2
        np.multiply(grad, grad, out=scratch)
        scratch *= 1 - b2
        self.v += scratch
        np.multiply(self.v, 1 / (1 - b2**self.t), out=scratch)
        np.sqrt(scratch, out=scratch)
        scratch += eps
        np.divide(self.m, scratch, out=scratch)
        scratch *= lr / (1 - b1**self.t)
        param -= scratch


class Run:
    """One (width, seed) of the check: the network, its optimizer state and the
    statistics; :meth:`record` measures step s, :meth:`update` takes one step."""

    def __init__(self, layers: Layers, X, target, *, steps: int, optimizer: str,
                 activation: str, loss: str, zero_readout: bool, norms: bool,
                 rtol: float, rng: np.random.Generator, dtype=np.float64) -> None:
        L = len(layers.sizes) - 1
        W = []
        for i in range(L):
            shape = (layers.sizes[i + 1], layers.sizes[i])
            if i == L - 1 and zero_readout:
                W.append(np.zeros(shape, dtype))
            else:
                w = rng.standard_normal(shape, dtype=dtype)
                w *= layers.std[i]
                W.append(w)
        self.layers, self.W, self.target = layers, W, target
        self.activation, self.loss = activation, loss
        self.norms, self.rtol = norms, rtol
        self.b = [np.zeros(n, dtype) for n in layers.sizes[1:]] \
            if layers.lr_bias else None
        self.W0 = [w.copy() for w in W] if norms else None
        adam = optimizer == "adam"
        self.opt = [_Adam(w.shape, dtype) for w in W] if adam else None
        self.opt_b = [_Adam(x.shape, dtype) for x in self.b] \
            if adam and self.b else None
        self.X = np.asarray(X, dtype)
        # per layer: the gradient and (Adam) a scratch array, allocated once
        self.scratch = [(np.empty_like(w), np.empty_like(w) if adam else None)
                        for w in W]
        self.stats = {k: np.zeros((steps + 1, L))
                      for k in STATISTICS[: 4 if norms else 2]}
        self.stats["loss"] = np.zeros(steps + 1)
        self.z0, self._vec, self._vec_d = None, [None] * L, [None] * L
        self._cache = None

    def record(self, s: int) -> None:
        """The forward pass on the batch and every statistic at step ``s``."""
        from ..derivations.spectral_scaling import spectral_norm

        W, stats = self.W, self.stats
        hs, zs = forward(W, self.b, self.X, self.activation)
        self.z0 = self.z0 or [z.copy() for z in zs]
        for i, z in enumerate(zs):
            stats["mean_abs"][s, i] = np.abs(z).mean()
            stats["rms_change"][s, i] = np.sqrt(np.mean((z - self.z0[i]) ** 2))
            if self.norms:
                stats["spectral_norm"][s, i], self._vec[i] = spectral_norm(
                    W[i], self.rtol, v0=self._vec[i], return_vector=True)
                if s:
                    delta = np.subtract(W[i], self.W0[i], out=self.scratch[i][0])
                    stats["update_norm"][s, i], self._vec_d[i] = spectral_norm(
                        delta, self.rtol, v0=self._vec_d[i], return_vector=True)
        value, g = loss_and_grad(zs[-1], self.target, self.loss)
        stats["loss"][s] = value
        self._cache = hs, zs, g

    def update(self) -> None:
        """Backward from the last :meth:`record` and one optimizer step."""
        hs, zs, g = self._cache
        lay, b = self.layers, self.b
        grads = backward(self.W, hs, zs, g, self.activation,
                         [x[0] for x in self.scratch])
        for i, (grad_w, grad_b) in enumerate(grads):
            if self.opt is None:
                grad_w *= lay.lr[i]
                self.W[i] -= grad_w
                if b is not None:
                    b[i] -= lay.lr_bias[i] * grad_b
            else:
                self.opt[i].step(self.W[i], grad_w, lay.lr[i], lay.eps[i],
                                 self.scratch[i][1])
                if b is not None:
                    self.opt_b[i].step(b[i], grad_b, lay.lr_bias[i], lay.eps_bias[i],
                                       np.empty_like(b[i]))


def train(layers: Layers, X, target, *, steps: int, optimizer: str,
          activation: str, loss: str, zero_readout: bool, norms: bool,
          rtol: float, rng: np.random.Generator, dtype=np.float64) -> dict:
    """Train on the fixed batch ``(X, target)`` for ``steps`` updates.

    Returns ``{statistic: array (steps + 1, L)}`` for :data:`STATISTICS` (the
    norms only with ``norms``) and ``"loss"``: array (steps + 1,), step s being
    the state after s updates (s = 0: initialisation).
    """
    run = Run(layers, X, target, steps=steps, optimizer=optimizer,
              activation=activation, loss=loss, zero_readout=zero_readout,
              norms=norms, rtol=rtol, rng=rng, dtype=dtype)
    for s in range(steps + 1):
        run.record(s)
        if s < steps:
            run.update()
    return run.stats
