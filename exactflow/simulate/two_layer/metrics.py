r"""The metrics of Kunin et al. (2024), Fig. 1, for a batch of two-layer networks.

For every network, against its own start (W₀, a₀), in float64 whatever the
training dtype:

``kernel_distance``
    S(0, t) = 1 − ⟨K₀, K_t⟩_F / (‖K₀‖_F ‖K_t‖_F) (evaluated as
    ½‖K₀/‖K₀‖ − K_t/‖K_t‖‖², which has no cancellation in the lazy regime and is
    exactly 0 at the start) with the empirical NTK on the
    training set, K = η_a AAᵀ + η_w (D diag(a²) Dᵀ) ⊙ XXᵀ (A_ik = σ(w_kᵀx_i),
    D_ik = σ′(w_kᵀx_i)): the Gram matrix of the features σ(w_kᵀx) (for a_k) and
    a_k σ′(w_kᵀx) x (for w_k), weighted by the layer rates, formed from two
    n × h products per network instead of the n × h(d+1) Jacobian.  With equal
    rates it is the unweighted kernel up to a factor, which S ignores.
``hamming``
    Σ_k (1/n) #{i : 1[w_kᵀx_i ≥ 0] changed since the start}: per neuron the
    fraction of training samples whose activation flipped, summed over neurons.
``param_distance``
    √(‖W_t − W₀‖_F² + ‖a_t − a₀‖²).
``train_mse``, ``test_mse``
    (1/n) Σ_i (f(x_i) − y_i)² on the training and (if given) the test set: the
    mean squared error, twice the project's loss L = (1/2n) Σ (f − y)².
"""

from __future__ import annotations

import numpy as np

__all__ = ["METRICS", "Probe"]

METRICS = ("kernel_distance", "hamming", "param_distance", "train_mse", "test_mse")

#: bytes of one block of test pre-activations (networks are taken in groups)
_CHUNK_BYTES = 1 << 25


def _sigma(Z, gamma):
    return np.where(Z >= 0, Z, gamma * Z)


def _outputs(X, W, a, gamma):
    """f(x_i) of networks sharing X: X (n, d), W (B, h, d), a (B, h) -> (n, B)."""
    B, h, d = W.shape
    Z = X @ W.reshape(B * h, d).T
    return np.einsum("nbh,bh->nb", _sigma(Z, gamma).reshape(-1, B, h), a), Z


class Probe:
    """Metrics of networks against their start; data grouped by their shared X.

    Parameters
    ----------
    X : ndarray, shape (G, n, d)
        Training inputs of each group of networks.
    y : ndarray, shape (G, n)
    W0 : ndarray, shape (G, B, h, d)
        First layers at the start (rows w_k).
    a0 : ndarray, shape (G, B, h)
    gamma : float
        Leaky slope.
    eta_a, eta_w : ndarray, shape (G, B)
        Layer rates (the NTK's weights).
    X_test, y_test : ndarray, shapes (G, m, d) and (G, m), optional
    """

    def __init__(self, X, y, W0, a0, gamma, eta_a, eta_w, X_test=None,
                 y_test=None) -> None:
        f64 = np.float64
        self.X, self.y = np.asarray(X, f64), np.asarray(y, f64)
        self.W0, self.a0 = np.array(W0, f64), np.array(a0, f64)
        self.gamma = float(gamma)
        self.eta_a, self.eta_w = np.asarray(eta_a, f64), np.asarray(eta_w, f64)
        self.X_test = None if X_test is None else np.asarray(X_test, f64)
        self.y_test = None if y_test is None else np.asarray(y_test, f64)
        self.XX = self.X @ np.swapaxes(self.X, -1, -2)  # (G, n, n)
        self.P0 = [(self.X[g] @ self._flat(self.W0[g]).T) >= 0
                   for g in range(self.X.shape[0])]
        G, B = self.a0.shape[:2]
        self.K0_norm = np.array([[np.linalg.norm(self.ntk(g, b, self.W0[g, b],
                                                          self.a0[g, b]))
                                  for b in range(B)] for g in range(G)])
        if np.any(self.K0_norm == 0):
            g, b = np.argwhere(self.K0_norm == 0)[0]
            raise ValueError(f"the NTK of network ({g}, {b}) is zero at the start "
                             "(every feature vanishes): S(0, t) is undefined")

    @staticmethod
    def _flat(W):
        B, h, d = W.shape
        return W.reshape(B * h, d)

    def ntk(self, g: int, b: int, W, a) -> np.ndarray:
        """K of network ``b`` of group ``g`` at (W, a) of shapes (h, d), (h,)."""
        Z = self.X[g] @ W.T
        D = np.where(Z >= 0, 1.0, self.gamma)
        A, Da = D * Z, D * a
        return (self.eta_a[g, b] * (A @ A.T)
                + self.eta_w[g, b] * (Da @ Da.T) * self.XX[g])

    def measure(self, W, a) -> dict[str, np.ndarray]:
        """Every metric at (W, a) of shapes (G, B, h, d), (G, B, h): arrays (G, B)
        (``test_mse`` only with a test set)."""
        W, a = np.asarray(W, np.float64), np.asarray(a, np.float64)
        G, B, h, d = W.shape
        out = {name: np.empty((G, B)) for name in METRICS
               if name != "test_mse" or self.X_test is not None}
        n = self.X.shape[1]
        for g in range(G):
            f, Z = _outputs(self.X[g], W[g], a[g], self.gamma)
            out["train_mse"][g] = np.mean((f - self.y[g][:, None]) ** 2, axis=0)
            flips = (Z >= 0) != self.P0[g]
            out["hamming"][g] = flips.reshape(n, B, h).sum(axis=(0, 2)) / n
            out["param_distance"][g] = np.sqrt(
                np.sum((W[g] - self.W0[g]) ** 2, axis=(1, 2))
                + np.sum((a[g] - self.a0[g]) ** 2, axis=1))
            for b in range(B):
                K0 = self.ntk(g, b, self.W0[g, b], self.a0[g, b])
                K1 = self.ntk(g, b, W[g, b], a[g, b])
                norm = np.linalg.norm(K1)
                if norm == 0:
                    raise ValueError(f"the NTK of network ({g}, {b}) vanished: "
                                     "S(0, t) is undefined")
                # 1 − ⟨K̂₀, K̂₁⟩ = ½‖K̂₀ − K̂₁‖²: no cancellation when S is small
                K0 /= self.K0_norm[g, b]
                K0 -= K1 / norm
                out["kernel_distance"][g, b] = 0.5 * np.vdot(K0, K0)
            if self.X_test is not None:
                m = self.X_test.shape[1]
                step = max(1, _CHUNK_BYTES // (8 * m * h))
                for lo in range(0, B, step):
                    ft, _ = _outputs(self.X_test[g], W[g, lo:lo + step],
                                     a[g, lo:lo + step], self.gamma)
                    out["test_mse"][g, lo:lo + step] = np.mean(
                        (ft - self.y_test[g][:, None]) ** 2, axis=0)
        return out
