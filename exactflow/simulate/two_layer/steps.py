r"""Full-batch GD steps of many two-layer networks, two ways.

One step, for L = (1/2n) Σ_i (f(x_i) − y_i)² and rates η_a, η_w per network:
a ← a − η_a Aᵀr, W ← W − η_w Gᵀ X with r_i = (f(x_i) − y_i)/n, A_ik = σ(z_ik),
G_ik = r_i a_k σ′(z_ik), z_ik = w_kᵀx_i (σ′(0) = 1).

``"gemm"``
    The B networks of a group share X, so their first layers are stacked into
    one (B·h) × d matrix and a step is two GEMMs, Z = X Wᵀ (n × B·h) and
    GW = Gᵀ X (B·h × d), with one fused pass over Z between them (compiled,
    :mod:`.fused`; plain NumPy passes when numba is missing).  Close to the
    machine's GEMM floor for the paper's Fig. 1(b) sizes.
``"fused"``
    Every network runs its steps inside one compiled loop, in cache (no GEMM,
    no per-step call): for small networks, where a call costs more than the
    arithmetic (Fig. 1(a) sizes).
"""

from __future__ import annotations

import numpy as np

from . import fused

__all__ = ["METHODS", "GemmSteps", "FusedSteps"]

METHODS = ("auto", "gemm", "fused")


#: bytes of the pre-activations of one block of networks: about one core's L2
#: cache, so that they stay there between the two GEMMs and the pass (measured:
#: blocks of 4–8 networks at Fig. 1(b)'s size are 10–30 % faster than all 17)
BLOCK_BYTES = 1 << 21


class GemmSteps:
    """Steps by two stacked GEMMs per block of networks; updates ``W`` and ``a``
    in place.

    Shapes: X (G, n, d), y (G, n), W (G, B, h, d), a (G, B, h), eta_a and
    eta_w (G, B); all of one dtype, C-contiguous.  The networks of a group are
    stepped ``block`` at a time (default: as many as keep the n × block·h
    pre-activations within :data:`BLOCK_BYTES`, so they stay in cache between
    the two GEMMs).
    """

    def __init__(self, X, y, W, a, eta_a, eta_w, gamma, compiled: bool,
                 block: int | None = None) -> None:
        self.X, self.y, self.W, self.a = X, y, W, a
        G, B, h, d = W.shape
        n = X.shape[1]
        dt = W.dtype.type
        self.gamma, self.inv_n = dt(gamma), dt(1.0 / n)
        self.eta_a = eta_a
        self.eta_w_rows = np.repeat(eta_w, h, axis=1)[..., None]  # (G, B·h, 1)
        if block is None:
            block = max(1, BLOCK_BYTES // (n * h * W.dtype.itemsize))
        self.block = min(B, block)
        self.Z = np.empty((n, self.block * h), W.dtype)
        self.GW = np.empty((self.block * h, d), W.dtype)
        self.grad_a = np.empty((self.block, h), W.dtype)
        self.compiled = fused.kernels().elementwise if compiled else None

    def _numpy_pass(self, Z, y, a, grad_a) -> None:
        n, B, h = Z.shape[0], *a.shape
        S = np.where(Z >= 0, np.ones((), Z.dtype), self.gamma)
        A = (Z * S).reshape(n, B, h)
        f = np.einsum("nbh,bh->nb", A, a)
        r = (f - y[:, None]) * self.inv_n
        grad_a[...] = np.einsum("nb,nbh->bh", r, A)
        Z[...] = (S.reshape(n, B, h) * (r[:, :, None] * a[None])).reshape(n, B * h)

    def advance(self, steps: int) -> None:
        G, B, h, d = self.W.shape
        for _ in range(steps):
            for g in range(G):
                for lo in range(0, B, self.block):
                    hi = min(B, lo + self.block)
                    self._step(g, lo, hi, h, d)

    def _step(self, g, lo, hi, h, d) -> None:
        m = (hi - lo) * h
        Z, GW, grad_a = self.Z[:, :m], self.GW[:m], self.grad_a[:hi - lo]
        Wg = self.W[g, lo:hi].reshape(m, d)
        a = self.a[g, lo:hi]
        np.matmul(self.X[g], Wg.T, out=Z)
        if self.compiled is not None:
            self.compiled(Z, self.y[g], a, self.gamma, self.inv_n, grad_a)
        else:
            self._numpy_pass(Z, self.y[g], a, grad_a)
        np.matmul(Z.T, self.X[g], out=GW)
        GW *= self.eta_w_rows[g, lo * h:hi * h]
        Wg -= GW
        grad_a *= self.eta_a[g, lo:hi, None]
        a -= grad_a


class FusedSteps:
    """Steps in one compiled loop per network; updates ``W`` and ``a`` in place
    (shapes as :class:`GemmSteps`)."""

    def __init__(self, X, y, W, a, eta_a, eta_w, gamma) -> None:
        self.kernel = fused.kernels().fused_gd
        self.X, self.y, self.W, self.a = X, y, W, a
        dt = W.dtype.type
        self.eta_a, self.eta_w = eta_a, eta_w
        self.gamma, self.inv_n = dt(gamma), dt(1.0 / X.shape[1])

    def advance(self, steps: int) -> None:
        if steps:
            self.kernel(self.X, self.y, self.W, self.a, self.eta_a, self.eta_w,
                        self.gamma, self.inv_n, steps)


def choose(method: str, d: int, h: int, n: int) -> str:
    """The method ``"auto"`` picks: compiled loops for small networks (d ≤ 8),
    stacked GEMMs otherwise or when numba is missing (see docs/teacher_student.md §5
    for the measurements behind the threshold)."""
    if method != "auto":
        return method
    return "fused" if fused.available() and d <= 8 else "gemm"
