r"""The spectral condition on plain arrays: the derived scales, and ‖A‖_*.

:func:`scales` evaluates the derived parametrisation with the generated ``scales``
kernel (broadcasting over arrays of widths); :func:`spectral_norm` is the largest
singular value of a matrix, exactly (an SVD of the small side) when a side is at
most 128, otherwise by Golub–Kahan–Lanczos bidiagonalisation with full
reorthogonalisation, stopped when the top Ritz triplet's residual is below
``rtol`` times its value — then a singular value of the matrix lies within that
residual, and it is the largest one (Lanczos finds the extreme singular value
first; :mod:`tests.derivations.test_spectral_scaling` compares with LAPACK).
"""

from __future__ import annotations

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import positive_scalar as _positive
from .maths import NAME, kernels

__all__ = ["scales", "spectral_norm"]

#: a side at most this long is handled exactly (Gram matrix of the small side)
EXACT_SIDE = 128


def scales(fan_in, fan_out) -> dict[str, np.ndarray]:
    r"""The derived (μP) scales of layers with the given fan-in and fan-out.

    Parameters
    ----------
    fan_in, fan_out : array_like
        Positive layer sizes (broadcast together; a bias has fan-in 1).

    Returns
    -------
    dict of ndarray
        ``init_std`` = fan_in^{-1/2} min(1, √(fan_out/fan_in)), ``lr_sgd`` =
        fan_out/fan_in, ``lr_adam`` = 1/fan_in, ``eps_adam`` = 1/fan_out (the
        scale of a gradient entry) and ``target_norm`` = √(fan_out/fan_in), each of
        the broadcast shape: multipliers of a base standard deviation, rate and ε.

    Notes
    -----
    Domain: positive sizes (integers or reals) from 1 to 1e12.  Accuracy: within
    2 ulp of the exact values (checked against 40-digit arithmetic at the
    corners 1 and 1e12).

    Examples
    --------
    >>> s = scales([32, 1024, 1024], [1024, 1024, 10])
    >>> s["lr_adam"] * 1024
    array([32.,  1.,  1.])
    """
    fan_in, fan_out = _finite("fan_in", fan_in), _finite("fan_out", fan_out)
    for name, v in (("fan_in", fan_in), ("fan_out", fan_out)):
        if np.any(v <= 0):
            raise ValueError(f"{name} must be positive layer sizes")
    try:
        shape = np.broadcast_shapes(fan_in.shape, fan_out.shape)
    except ValueError:
        raise ValueError(f"fan_in of shape {fan_in.shape} and fan_out of shape "
                         f"{fan_out.shape} do not broadcast together") from None
    out = generated_kernel(NAME, kernels, "scales")(fan_in, fan_out)
    names = ("init_std", "lr_sgd", "lr_adam", "eps_adam", "target_norm")
    return {k: np.broadcast_to(np.asarray(v, float), shape).copy()
            for k, v in zip(names, out)}


def _exact(A: np.ndarray, vector: bool) -> tuple[float, np.ndarray | None]:
    gram = A.T @ A if A.shape[1] <= A.shape[0] else A @ A.T
    if not vector:  # eigenvalues only: much cheaper than eigh under contention
        return float(np.sqrt(max(np.linalg.eigvalsh(gram)[-1], 0.0))), None
    vals, vecs = np.linalg.eigh(gram)
    top = vecs[:, -1]
    if A.shape[1] > A.shape[0]:  # top is a left vector: v = Aᵀu/‖Aᵀu‖
        top = A.T @ top
        nrm = np.linalg.norm(top)
        top = top / nrm if nrm > 0 else np.eye(A.shape[1])[0]
    return float(np.sqrt(max(vals[-1], 0.0))), top


def _lanczos(A: np.ndarray, rtol: float, maxiter: int, v0) -> tuple[float, np.ndarray]:
    m, k_cols = A.shape
    kmax = min(m, k_cols, maxiter)
    V = np.zeros((kmax + 1, k_cols))
    U = np.zeros((kmax, m))
    start = np.random.default_rng(0).standard_normal(k_cols)
    start /= np.linalg.norm(start)
    if v0 is not None:  # keep a little of every direction: v0 may miss the top one
        start = v0 / np.linalg.norm(v0) + 1e-2 * start
    V[0] = start / np.linalg.norm(start)
    alphas, betas = [], []
    beta, theta, right, size = 0.0, 0.0, V[0], 0.0
    for k in range(kmax):
        u = A @ V[k] - (beta * U[k - 1] if k else 0.0)
        u -= U[:k].T @ (U[:k] @ u)  # full reorthogonalisation
        alpha = float(np.linalg.norm(u))
        size = max(size, alpha, beta)
        if alpha <= 1e-12 * size:
            # invariant subspace: [B | β e_k] holds the exact singular values
            if k == 0:
                return 0.0, V[0]
            B = np.zeros((k, k + 1))
            B[np.arange(k), np.arange(k)] = alphas
            B[np.arange(k), np.arange(1, k + 1)] = betas
            _, s, Qt = np.linalg.svd(B)
            return float(s[0]), Qt[0] @ V[: k + 1]
        U[k] = u / alpha
        w = A.T @ U[k] - alpha * V[k]
        w -= V[: k + 1].T @ (V[: k + 1] @ w)
        beta = float(np.linalg.norm(w))
        alphas.append(alpha)
        betas.append(beta)
        B = np.diag(alphas) + np.diag(betas[:-1], 1)
        P, s, Qt = np.linalg.svd(B)
        theta, right = float(s[0]), Qt[0] @ V[: k + 1]
        if beta * abs(P[-1, 0]) <= rtol * theta or beta <= 1e-12 * max(size, alpha):
            return theta, right
        V[k + 1] = w / beta
    if kmax < min(m, k_cols):
        raise ValueError(f"spectral_norm did not reach rtol={rtol} in {maxiter} "
                         "iterations; raise maxiter")
    return theta, right


def spectral_norm(A, rtol: float = 1e-3, maxiter: int = 500, v0=None,
                  return_vector: bool = False):
    r"""‖A‖_*: the largest singular value of a matrix.

    Parameters
    ----------
    A : array_like of shape (m, k)
        A finite real matrix.
    rtol : float
        Lanczos stops when the residual of the top Ritz triplet is at most
        ``rtol`` times its value, which bounds the error by that residual (in
        practice by about its square, relative to the spectral gap).  Unused
        when a side is at most 128 (exact).
    maxiter : int
        Most Lanczos steps; a ValueError says when they were not enough.
    v0 : array of shape (k,), optional
        Starting vector (e.g. the top right singular vector of a nearby matrix).
    return_vector : bool
        Also return the (approximate) top right singular vector.

    Returns
    -------
    float, or (float, ndarray)

    Notes
    -----
    Domain: finite matrices of any shape with entries in {0} ∪ ±[1e-150,
    1e150] (the matrix is scaled to unit size first where its squares would
    leave the float range).  Accuracy: a side at most 128, within 8 ulp of
    the 40-digit top singular value (at the corners 1e±150 and for rank one);
    Lanczos (both sides above 128), within ``rtol`` relative, from below (a
    Ritz value), checked against LAPACK's SVD.

    Examples
    --------
    >>> import numpy as np
    >>> round(spectral_norm(np.outer([3.0, 4.0], np.ones(300))), 9)  # 5·√300
    86.602540378
    """
    A = _finite("A", A, ndim=(2,))
    rtol = _positive("rtol", rtol, "a positive tolerance")
    if isinstance(maxiter, bool) or not isinstance(maxiter, (int, np.integer)) \
            or maxiter < 1:
        raise ValueError(f"maxiter must be a positive integer, got {maxiter!r}")
    if v0 is not None:
        v0 = _finite("v0", v0, ndim=(1,))
        if v0.shape != (A.shape[1],) or not np.any(v0):
            raise ValueError(f"v0 must be a non-zero vector of shape "
                             f"({A.shape[1]},), got shape {v0.shape}")
    top = max(float(A.max()), -float(A.min())) if A.size else 0.0
    if top == 0.0:
        value, vec = 0.0, np.eye(max(A.shape[1], 1))[0][: A.shape[1]]
        return (value, vec) if return_vector else value
    scale = 1.0
    if not 1e-100 < top < 1e100:  # squares would under- or overflow
        scale, A = top, A / top
    if min(A.shape) <= EXACT_SIDE:
        value, vec = _exact(A, return_vector)
    else:
        value, vec = _lanczos(A, rtol, int(maxiter), v0)
    value *= scale
    return (value, vec) if return_vector else value
