"""Compiled loops of the two-layer engine (optional: the ``exactflow[numba]`` extra).

Two kernels; every reduction of one network is done in one fixed order by one
thread, so the results do not depend on the number of threads:

``elementwise(Z, y, a, gamma, inv_n, grad_a)``
    One pass over the pre-activations ``Z`` (n, B·h) of B networks sharing their
    data: f(x_i) and the residual r_i = (f(x_i) − y_i)/n of each network, the
    readout gradient ∂L/∂a_k = Σ_i r_i σ(z_ik) into ``grad_a`` (B, h), and ``Z``
    overwritten in place by G_ik = r_i a_k σ′(z_ik), so that the first-layer
    gradient is the one GEMM Gᵀ X.  Used between the two GEMMs of a step, on one
    thread: the GEMMs own the cores (two thread pools spinning in turn on the
    same cores cost more than the pass).
``fused_gd(X, y, W, a, eta_a, eta_w, gamma, inv_n, steps)``
    ``steps`` whole GD steps of every network in place, each network kept in
    cache with its first layer transposed (d, h) so that the loops over the
    hidden units vectorise, two samples at a time (each weight and accumulator
    loaded once for both); parallel over networks (``prange``).  No GEMM: the
    choice for small networks, where the per-call cost of BLAS and of NumPy's
    passes dominates.

Both use the activation pattern 1[z ≥ 0] (σ′(0) = 1) and allow the compiler to
reassociate sums (``fastmath`` reassoc/contract only, no finite-math
assumptions), so the hidden-unit reductions vectorise.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace

__all__ = ["available", "kernels"]

# reassociation and FMA contraction only: NaN and infinity keep their meaning
_FASTMATH = {"reassoc", "contract", "nsz"}


def available() -> bool:
    """True when the compiled kernels can be built (numba is installed)."""
    try:
        import numba  # noqa: F401
    except ImportError:
        return False
    return True


@functools.cache
def kernels() -> SimpleNamespace:
    """The compiled kernels (compiled on first call, cached on disk by numba).

    Raises
    ------
    ImportError
        When numba is missing (install the ``exactflow[numba]`` extra).
    """
    try:
        import numba
    except ImportError as exc:
        raise ImportError("the fused two-layer kernels need numba: install the "
                          "exactflow[numba] extra (pip install 'exactflow[numba]')"
                          ) from exc
    import numpy as np

    serial = numba.njit(fastmath=_FASTMATH, cache=True)
    parallel = numba.njit(parallel=True, fastmath=_FASTMATH, cache=True)

    @serial
    def elementwise(Z, y, a, gamma, inv_n, grad_a):  # pragma: no cover - compiled
        n = Z.shape[0]
        B, h = a.shape
        one = Z.dtype.type(1)
        for b in range(B):
            lo = b * h
            ab = a[b]
            ga = grad_a[b]
            for k in range(h):
                ga[k] = 0
            for i in range(n):
                row = Z[i, lo:lo + h]
                s = y[i] - y[i]
                for k in range(h):
                    z = row[k]
                    s += ab[k] * (z if z >= 0 else gamma * z)
                r = (s - y[i]) * inv_n
                for k in range(h):  # branch-free, so that it vectorises
                    z = row[k]
                    sk = one if z >= 0 else gamma
                    ga[k] += r * (z * sk)
                    row[k] = r * ab[k] * sk

    @parallel
    def fused_gd(X, y, W, a, eta_a, eta_w, gamma, inv_n, steps):  # pragma: no cover
        G, B, h, d = W.shape
        n = X.shape[1]
        one, zero = W.dtype.type(1), W.dtype.type(0)
        for gb in numba.prange(G * B):
            g = gb // B
            b = gb - g * B
            Xg = X[g]
            yg = y[g]
            Wt = np.empty((d, h), W.dtype)
            for k in range(h):
                for j in range(d):
                    Wt[j, k] = W[g, b, k, j]
            ab = a[g, b].copy()
            # two samples at a time (u, v): each weight and accumulator is loaded
            # once for both; with n odd the last pair is (n − 1, n − 1) with the
            # second residual set to 0, which adds exact zeros
            zu, zv = np.empty(h, W.dtype), np.empty(h, W.dtype)
            su, sv = np.empty(h, W.dtype), np.empty(h, W.dtype)  # a_k σ′(z_k)
            ga = np.empty(h, W.dtype)
            gW = np.empty((d, h), W.dtype)
            ea = eta_a[g, b]
            ew = eta_w[g, b]
            for _ in range(steps):
                ga[:] = 0
                gW[:, :] = 0
                for p in range((n + 1) // 2):
                    # few, branch-free loops over the hidden units (they vectorise):
                    # the first and last input coordinates are done inside the
                    # activation and gradient loops (xl = 0 when d = 1 adds zeros)
                    iu = 2 * p
                    iv = min(iu + 1, n - 1)
                    x0u, x0v = Xg[iu, 0], Xg[iv, 0]
                    xlu = Xg[iu, d - 1] if d > 1 else zero
                    xlv = Xg[iv, d - 1] if d > 1 else zero
                    for k in range(h):
                        zu[k] = x0u * Wt[0, k]
                        zv[k] = x0v * Wt[0, k]
                    for j in range(1, d - 1):
                        xu, xv = Xg[iu, j], Xg[iv, j]
                        for k in range(h):
                            zu[k] += xu * Wt[j, k]
                            zv[k] += xv * Wt[j, k]
                    fu = zero
                    fv = zero
                    for k in range(h):
                        wl = Wt[d - 1, k]
                        zk = zu[k] + xlu * wl
                        sk = one if zk >= 0 else gamma
                        zk = zk * sk  # σ(z_k)
                        zu[k] = zk
                        fu += ab[k] * zk
                        su[k] = ab[k] * sk
                        zk = zv[k] + xlv * wl
                        sk = one if zk >= 0 else gamma
                        zk = zk * sk
                        zv[k] = zk
                        fv += ab[k] * zk
                        sv[k] = ab[k] * sk
                    ru = (fu - yg[iu]) * inv_n
                    rv = (fv - yg[iv]) * inv_n if iv > iu else zero
                    for k in range(h):
                        ga[k] += ru * zu[k] + rv * zv[k]
                        tu = ru * su[k]
                        tv = rv * sv[k]
                        zu[k] = tu
                        zv[k] = tv
                        gW[0, k] += x0u * tu + x0v * tv
                        gW[d - 1, k] += xlu * tu + xlv * tv
                    for j in range(1, d - 1):
                        xu, xv = Xg[iu, j], Xg[iv, j]
                        for k in range(h):
                            gW[j, k] += xu * zu[k] + xv * zv[k]
                for k in range(h):
                    ab[k] -= ea * ga[k]
                for j in range(d):
                    for k in range(h):
                        Wt[j, k] -= ew * gW[j, k]
            for k in range(h):
                a[g, b, k] = ab[k]
                for j in range(d):
                    W[g, b, k, j] = Wt[j, k]

    return SimpleNamespace(elementwise=elementwise, fused_gd=fused_gd)
