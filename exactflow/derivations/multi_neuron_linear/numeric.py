r"""Vector-level functions of the multi-neuron linear network on plain arrays.

Shapes: A (h, c), W (h, d), β = WᵀA (d, c), Σxx (d, d), Σxy (d, c); leading
batch axes are allowed where stated.  ``vec`` stacks columns, so index
``i*d + p`` of vec β is β[p, i] (docs §2).

Only :func:`trajectory` is a closed-form solution, and only for whitened data
and an aligned start (:func:`aligned_modes`); every other function evaluates
an exact identity at the given parameters.

Domain: finite real arrays of matching shapes and rates η_a, η_w in [1e-6, 1e6];
entries of A, W, β, δ up to 1e±100 in magnitude (products of three or four
factors, as in :func:`beta_dot` and :func:`ntk`, up to 1e±50, where they stay in
float64), zeros included; singular values and κ are evaluated at unit scale, so
their relative accuracy holds down to 1e-300.  NaN, ±inf, complex, text, empty
or mis-shaped input and rates ≤ 0 raise ``ValueError``/``TypeError`` naming the
argument.  Finite input beyond these scales is computed as far as float64
allows: where a product overflows (e.g. :func:`imbalance` at entries 1e200,
whose terms would cancel to NaN), the identities raise ``ValueError`` naming
their arguments instead of returning ±inf or NaN; products may underflow.

Accuracy is stated per function against the identity evaluated in 40-digit
mpmath on the same float64 inputs (``tests/derivations/test_domain_corners_b.py``
checks each claim at the domain's corners), in ulp (2⁻⁵²) of "the terms' size":
the same expression with every factor replaced by its absolute value.
"""

from __future__ import annotations

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._range import in_range

# the aligned start's modes and the closed-form trajectory, in their own module
from .numeric_aligned import (  # noqa: F401
    STRICT_ALIGNMENT,
    _weights,
    aligned_modes,
    trajectory,
)

__all__ = ["imbalance", "beta_dot", "preconditioner", "neuron_preconditioner", "ntk",
           "isotropic_init", "rank_aware_gh", "principal_sqrt_gh",
           "singular_value_rates", "aligned_modes", "trajectory"]


def _moments(sigma_xx, sigma_xy, d: int, c: int, source: str = "A and W"):
    sxx = _finite("sigma_xx", sigma_xx, ndim=(2,))
    if sxx.shape != (d, d) or not np.allclose(sxx, sxx.T, rtol=1e-12, atol=0):
        raise ValueError(f"sigma_xx must be a symmetric ({d}, {d}) matrix to match "
                         f"{source}, got shape {sxx.shape}")
    sxy = _finite("sigma_xy", sigma_xy, ndim=(2,))
    if sxy.shape != (d, c):
        raise ValueError(f"sigma_xy must have shape ({d}, {c}) to match {source}, "
                         f"got {sxy.shape}")
    return sxx, sxy


def _in_range(names: str, compute):
    return in_range(names, compute, "entries up to 1e±100, 1e±50 where four "
                    "factors multiply")


def _t(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def _kron(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Batched Kronecker product over the last two axes."""
    out = x[..., :, None, :, None] * y[..., None, :, None, :]
    s = out.shape
    return out.reshape(s[:-4] + (s[-4] * s[-3], s[-2] * s[-1]))


def imbalance(A, W, eta_a: float = 1.0, eta_w: float = 1.0) -> np.ndarray:
    """The conserved Δ = η_w AAᵀ − η_a WWᵀ, shape (..., h, h).

    Domain: that of the module (entries {0} ∪ [1e-100, 1e100] in magnitude,
    rates [1e-6, 1e6]).  Accuracy: each entry within 2 ulp of the terms' size
    η_w|A||A|ᵀ + η_a|W||W|ᵀ; an exactly balanced start gives exactly 0.
    """
    A, W = _weights(A, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    return _in_range("A, W", lambda: eta_w * A @ _t(A) - eta_a * W @ _t(W))


def beta_dot(A, W, sigma_xx, sigma_xy, eta_a: float = 1.0, eta_w: float = 1.0):
    """β̇ = −(η_a WᵀW R + η_w R AᵀA), R = Σxx β − Σxy, shape (..., d, c).

    Domain: entries of A, W, Σxx, Σxy in {0} ∪ [1e-50, 1e50] in magnitude (four
    factors multiply), rates [1e-6, 1e6].  Accuracy: each entry within 8 ulp of
    the terms' size (with |R| ≤ |Σxx||W|ᵀ|A| + |Σxy|).
    """
    A, W = _weights(A, W)
    sxx, sxy = _moments(sigma_xx, sigma_xy, W.shape[-1], A.shape[-1])
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)

    def compute():
        R = sxx @ (_t(W) @ A) - sxy
        return -(eta_a * (_t(W) @ W) @ R + eta_w * R @ (_t(A) @ A))

    return _in_range("A, W, sigma_xx, sigma_xy", compute)


def preconditioner(A, W, eta_a: float = 1.0, eta_w: float = 1.0) -> np.ndarray:
    r"""M = η_w AᵀA ⊗ I_d + η_a I_c ⊗ WᵀW, shape (..., cd, cd); vec β̇ = −M vec R.

    Domain: that of the module (entries up to 1e±100, rates [1e-6, 1e6]).
    Accuracy: each entry within 2 ulp of the terms' size.
    """
    A, W = _weights(A, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    d, c = W.shape[-1], A.shape[-1]
    return _in_range("A, W", lambda: eta_w * _kron(_t(A) @ A, np.eye(d))
                     + eta_a * _kron(np.eye(c), _t(W) @ W))


def neuron_preconditioner(beta_k, delta_k, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""M_k from the rank-one β_k = w_ka_kᵀ and δ_k alone (docs §2).

    M_k = (κ+δ)/2 â âᵀ ⊗ I_d + (κ−δ)/2 I_c ⊗ ŵ ŵᵀ with â âᵀ = β_kᵀβ_k/‖β_k‖²,
    ŵ ŵᵀ = β_kβ_kᵀ/‖β_k‖², κ = √(δ² + 4η_aη_w‖β_k‖²).  Needs β_k ≠ 0 of rank one.

    Domain: β_k of rank one (ValueError naming beta_k otherwise) with entries
    {0} ∪ [1e-100, 1e100] in magnitude, δ_k ∈ {0} ∪ ±[1e-100, 1e100], rates
    [1e-6, 1e6].  Accuracy: each entry within 4 ulp of κ; each of the two terms
    within 4 ulp of itself plus 1e-300·|δ| (the smaller of (κ ± δ)/2, about
    η_aη_w‖β_k‖²/|δ|, is formed at the scale of |δ| and flushes to 0 below
    1e-308 of it).
    """
    b = _finite("beta_k", beta_k, ndim=(2,))
    dk = float(_finite("delta_k", delta_k, ndim=(0,)))
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    sv = np.linalg.svd(b, compute_uv=False)
    if sv[0] == 0 or (len(sv) > 1 and sv[1] > 1e-12 * sv[0]):
        raise ValueError("beta_k must be a non-zero rank-one matrix w_k a_kᵀ")
    g, h = _spectra(np.array(sv[0]), dk, eta_a, eta_w)
    u = b / sv[0]  # unit scale first: ‖β_k‖² may underflow or overflow
    d, c = b.shape
    return g * _kron(u.T @ u, np.eye(d)) + h * _kron(np.eye(c), u @ u.T)


def ntk(A, W, X, eta_a: float = 1.0, eta_w: float = 1.0) -> np.ndarray:
    r"""K = η_w AᵀA ⊗ XXᵀ + η_a I_c ⊗ X WᵀW Xᵀ for the stacked outputs vec(X β).

    ``X`` has shape (n, d); the result (..., nc, nc), output index ``i*n + s``.

    Domain: entries of A, W in {0} ∪ [1e-50, 1e50] and of X in
    {0} ∪ [1e-25, 1e25] in magnitude (four factors multiply), rates
    [1e-6, 1e6].  Accuracy: each entry within 8 ulp of the terms' size.
    """
    A, W = _weights(A, W)
    X = _finite("X", X, ndim=(2,))
    d, c = W.shape[-1], A.shape[-1]
    if X.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}) to match W, got {X.shape}")
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)

    def compute():
        XW = X @ _t(W)
        return (eta_w * _kron(_t(A) @ A, X @ X.T)
                + eta_a * _kron(np.eye(c), XW @ _t(XW)))

    return _in_range("A, W, X", compute)


def _spectra(sigma, delta, eta_a, eta_w):
    # (κ ± δ)/2 are homogeneous of degree 1 in (σ, δ): evaluate at unit scale
    size = np.maximum(np.abs(delta), np.asarray(sigma) * np.sqrt(eta_a * eta_w))
    e = np.frexp(np.where(size > 0, size, 1.0))[1]
    g, h = generated_kernel(__package__, kernel="spectra")(
        np.ldexp(sigma, -e), np.ldexp(delta, -e), eta_a, eta_w)
    return np.ldexp(g, e), np.ldexp(h, e)


def isotropic_init(
    beta,
    delta,
    h: int | None = None,
    eta_a: float = 1.0,
    eta_w: float = 1.0,
    mixing=None,
):
    r"""(A, W) with η_w AAᵀ − η_a WWᵀ = δ I_h and WᵀA = β (docs §4, §6).

    With the SVD β = Σ σ_i u_iv_iᵀ (completed to h triplets by orthonormal
    complements): rows W_i = s_{w,i} u_iᵀ, A_i = s_{a,i} v_iᵀ, η_w s_a² = (κ_i+δ)/2,
    η_a s_w² = (κ_i−δ)/2.  ``mixing`` is an optional orthogonal h×h matrix Q
    (A → QA, W → QW leaves Δ = δI and β unchanged).

    Raises
    ------
    ValueError
        If h < rank β, if δ > 0 and h > c (AAᵀ ≻ 0 needs h ≤ c), if δ < 0 and
        h > d, or if ``mixing`` is not orthogonal.

    Notes
    -----
    Domain: entries of β and δ in {0} ∪ ±[1e-100, 1e100], rates [1e-6, 1e6].
    Accuracy: on the returned float64 (A, W), evaluated exactly,
    η_w AAᵀ − η_a WWᵀ = δI within 8 ulp of max(|δ|, κ_max) and WᵀA = β within
    8 ulp of ‖β‖₂, also for σ ≪ |δ| (the smaller factor is formed as σ over
    the larger, not from (κ ∓ δ)/2, which underflows at unit scale).
    """
    b = _finite("beta", beta, ndim=(2,))
    d, c = b.shape
    dl = float(_finite("delta", delta, ndim=(0,)))
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    if h is None:
        h = min(d, c)
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ValueError(f"h must be a positive integer, got {h!r}")
    h = int(h)
    if dl > 0 and h > c:
        raise ValueError(
            f"delta > 0 needs h <= c (AAᵀ = (δI + η_aWWᵀ)/η_w ≻ 0), got h={h}, c={c}"
        )
    if dl < 0 and h > d:
        raise ValueError(f"delta < 0 needs h <= d (WWᵀ ≻ 0), got h={h}, d={d}")
    U, sv, Vt = np.linalg.svd(b, full_matrices=True)
    if sv.size > h and sv[h] > 1e-12 * max(sv[0], np.finfo(float).tiny):
        raise ValueError(f"beta has rank > h = {h}: it is not WᵀA for h neurons")
    sig = np.zeros(h)
    m = min(h, sv.size)
    sig[:m] = sv[:m]
    g, hh = _spectra(sig, dl, eta_a, eta_w)
    # the smaller factor as σ/(larger): (κ ∓ δ)/2 underflows at unit scale for σ ≪ |δ|
    with np.errstate(divide="ignore", invalid="ignore"):
        if dl >= 0:
            s_a = np.sqrt(g / eta_w)
            s_w = np.where(g > 0, sig * np.sqrt(eta_w / np.where(g > 0, g, 1.0)), 0.0)
        else:
            s_w = np.sqrt(hh / eta_a)
            s_a = np.where(hh > 0, sig * np.sqrt(eta_a / np.where(hh > 0, hh, 1.0)), 0.)
    A, W = np.zeros((h, c)), np.zeros((h, d))
    A[: min(h, c)] = s_a[: min(h, c), None] * Vt[: min(h, c)]
    W[: min(h, d)] = s_w[: min(h, d), None] * U[:, : min(h, d)].T
    if mixing is not None:
        Q = _finite("mixing", mixing, ndim=(2,))
        if Q.shape != (h, h) or not np.allclose(Q.T @ Q, np.eye(h), atol=1e-12):
            raise ValueError(f"mixing must be an orthogonal ({h}, {h}) matrix")
        A, W = Q @ A, Q @ W
    return A, W


def _compact_svd(b: np.ndarray):
    U, sv, Vt = np.linalg.svd(b, full_matrices=False)
    tol = max(b.shape) * np.finfo(float).eps * (sv[0] if sv.size else 0.0)
    r = int(np.sum(sv > tol))
    return U[:, :r], sv[:r], Vt[:r].T


def rank_aware_gh(beta, delta, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""(G, H) = (Σ (κ_i+δ)/2 v_iv_iᵀ, Σ (κ_i−δ)/2 u_iu_iᵀ) over the compact SVD.

    Equals (η_w AᵀA, η_a WᵀW) for every (A, W) with η_w AAᵀ − η_a WWᵀ = δ I_h and
    rank β = h (docs §5); then vec β̇ = −(G ⊗ I_d + I_c ⊗ H) vec R.

    Domain: entries of β and δ in {0} ∪ ±[1e-100, 1e100], rates [1e-6, 1e6];
    singular values below max(d, c)·eps·σ_max count as 0.  Accuracy: G and H
    each within 8 ulp of its own largest eigenvalue plus 1e-300·|δ| (as
    :func:`neuron_preconditioner`), against a 40-digit eigen-decomposition of
    βᵀβ and ββᵀ.
    """
    b = _finite("beta", beta, ndim=(2,))
    dl = float(_finite("delta", delta, ndim=(0,)))
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    U, sv, V = _compact_svd(b)
    g, hh = _spectra(sv, dl, eta_a, eta_w)
    return (V * g) @ V.T, (U * hh) @ U.T


def principal_sqrt_gh(beta, delta, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""½(δI_c + √(δ²I + 4η_aη_wβᵀβ)), ½(−δI_d + √(δ²I + 4η_aη_wββᵀ)).

    The principal-square-root form (Tu et al. 2024); for comparison only: it is
    exact only when h = c (δ > 0), h = d (δ < 0) or δ = 0 (docs §5).

    Domain: as :func:`rank_aware_gh`.  Accuracy: each entry within 8 ulp of
    max(|δ|, κ_max), absolute: ½(√(δ² + 4η_aη_wσ²) − |δ|) is formed by
    subtraction, so the small side has no relative accuracy when σ ≪ |δ|.
    """
    b = _finite("beta", beta, ndim=(2,))
    dl = float(_finite("delta", delta, ndim=(0,)))
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)

    def root(m):
        lam, Q = np.linalg.eigh(dl * dl * np.eye(m.shape[0]) + 4 * eta_a * eta_w * m)
        return (Q * np.sqrt(np.clip(lam, 0.0, None))) @ Q.T

    d, c = b.shape
    return _in_range("beta, delta", lambda: (
        (dl * np.eye(c) + root(b.T @ b)) / 2, (-dl * np.eye(d) + root(b @ b.T)) / 2))


def singular_value_rates(
    beta, delta, sigma_xx, sigma_xy, eta_a: float = 1.0, eta_w: float = 1.0
):
    r"""(λ, λ̇): non-zero singular values of β and λ̇_i = −κ_i u_iᵀ R v_i.

    The exact form of the mirror flow of Theorem B.6 (docs §6) for an
    isotropic start with rank β = h and simple singular values:
    κ_i = √(δ² + 4η_aη_wλ_i²) = 1/q''_δ(λ_i) at unit rates, and u_iᵀRv_i is
    ∂L/∂λ_i with the singular vectors held at their current values.

    Domain: entries of β, Σxx, Σxy in {0} ∪ [1e-50, 1e50] in magnitude, δ in
    {0} ∪ ±[1e-100, 1e100], rates [1e-6, 1e6]; λ̇_i needs simple singular
    values (the vectors are otherwise not unique).  Accuracy: λ within 4 ulp of
    λ_max (a backward-stable SVD: absolute, not relative, for small λ_i); λ̇_i
    within 16 ulp of κ_i(‖Σxx‖_F‖β‖_F + ‖Σxy‖_F).
    """
    b = _finite("beta", beta, ndim=(2,))
    dl = float(_finite("delta", delta, ndim=(0,)))
    d, c = b.shape
    sxx, sxy = _moments(sigma_xx, sigma_xy, d, c, "beta")
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    U, sv, V = _compact_svd(b)
    g, hh = _spectra(sv, dl, eta_a, eta_w)
    R = sxx @ b - sxy
    return sv, -(g + hh) * np.einsum("pi,pq,qi->i", U, R, V)
