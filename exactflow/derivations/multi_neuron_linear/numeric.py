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
their relative accuracy holds down to 1e-300.  Outside it, and for NaN, ±inf,
complex, text, empty or mis-shaped input, a ``ValueError``/``TypeError`` names
the argument.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._checks import tolerance as _tolerance

__all__ = ["imbalance", "beta_dot", "preconditioner", "neuron_preconditioner", "ntk",
           "isotropic_init", "rank_aware_gh", "principal_sqrt_gh",
           "singular_value_rates", "aligned_modes", "trajectory"]


def _weights(A, W, a="A", w="W") -> tuple[np.ndarray, np.ndarray]:
    A = _finite(a, A, min_ndim=2)
    W = _finite(w, W, min_ndim=2)
    if A.shape[-2] != W.shape[-2]:
        raise ValueError(
            f"{a} and {w} must have the same number of rows h (neurons), got {a} of "
            f"shape {A.shape} and {w} of shape {W.shape}"
        )
    return A, W


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


def _t(m: np.ndarray) -> np.ndarray:
    return np.swapaxes(m, -1, -2)


def _kron(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Batched Kronecker product over the last two axes."""
    out = x[..., :, None, :, None] * y[..., None, :, None, :]
    s = out.shape
    return out.reshape(s[:-4] + (s[-4] * s[-3], s[-2] * s[-1]))


def imbalance(A, W, eta_a: float = 1.0, eta_w: float = 1.0) -> np.ndarray:
    """The conserved Δ = η_w AAᵀ − η_a WWᵀ, shape (..., h, h)."""
    A, W = _weights(A, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    return eta_w * A @ _t(A) - eta_a * W @ _t(W)


def beta_dot(A, W, sigma_xx, sigma_xy, eta_a: float = 1.0, eta_w: float = 1.0):
    """β̇ = −(η_a WᵀW R + η_w R AᵀA), R = Σxx β − Σxy, shape (..., d, c)."""
    A, W = _weights(A, W)
    sxx, sxy = _moments(sigma_xx, sigma_xy, W.shape[-1], A.shape[-1])
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    R = sxx @ (_t(W) @ A) - sxy
    return -(eta_a * (_t(W) @ W) @ R + eta_w * R @ (_t(A) @ A))


def preconditioner(A, W, eta_a: float = 1.0, eta_w: float = 1.0) -> np.ndarray:
    r"""M = η_w AᵀA ⊗ I_d + η_a I_c ⊗ WᵀW, shape (..., cd, cd); vec β̇ = −M vec R."""
    A, W = _weights(A, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    d, c = W.shape[-1], A.shape[-1]
    return eta_w * _kron(_t(A) @ A, np.eye(d)) + eta_a * _kron(np.eye(c), _t(W) @ W)


def neuron_preconditioner(beta_k, delta_k, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""M_k from the rank-one β_k = w_ka_kᵀ and δ_k alone (docs §2).

    M_k = (κ+δ)/2 â âᵀ ⊗ I_d + (κ−δ)/2 I_c ⊗ ŵ ŵᵀ with â âᵀ = β_kᵀβ_k/‖β_k‖²,
    ŵ ŵᵀ = β_kβ_kᵀ/‖β_k‖², κ = √(δ² + 4η_aη_w‖β_k‖²).  Needs β_k ≠ 0 of rank one.
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
    """
    A, W = _weights(A, W)
    X = _finite("X", X, ndim=(2,))
    d, c = W.shape[-1], A.shape[-1]
    if X.shape[1] != d:
        raise ValueError(f"X must have shape (n, {d}) to match W, got {X.shape}")
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    XW = X @ _t(W)
    return eta_w * _kron(_t(A) @ A, X @ X.T) + eta_a * _kron(np.eye(c), XW @ _t(XW))


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
    """
    b = _finite("beta", beta, ndim=(2,))
    dl = float(_finite("delta", delta, ndim=(0,)))
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)

    def root(m):
        lam, Q = np.linalg.eigh(dl * dl * np.eye(m.shape[0]) + 4 * eta_a * eta_w * m)
        return (Q * np.sqrt(np.clip(lam, 0.0, None))) @ Q.T

    d, c = b.shape
    return (dl * np.eye(c) + root(b.T @ b)) / 2, (-dl * np.eye(d) + root(b @ b.T)) / 2


def singular_value_rates(
    beta, delta, sigma_xx, sigma_xy, eta_a: float = 1.0, eta_w: float = 1.0
):
    r"""(λ, λ̇): non-zero singular values of β and λ̇_i = −κ_i u_iᵀ R v_i.

    The exact form of the mirror flow of Theorem B.6 (docs §6) for an
    isotropic start with rank β = h and simple singular values:
    κ_i = √(δ² + 4η_aη_wλ_i²) = 1/q''_δ(λ_i) at unit rates, and u_iᵀRv_i is
    ∂L/∂λ_i with the singular vectors held at their current values.
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


#: alignment accepted without a warning by :func:`trajectory` (relative)
STRICT_ALIGNMENT = 1e-12


def aligned_modes(A0, W0, beta_star, rtol: float = 1e-9):
    r"""Decompose an aligned start into modes, or raise ValueError.

    Aligned means: unit vectors u_k ∈ ℝᵈ, v_k ∈ ℝᶜ (pairwise orthogonal among
    the neurons that have them) with w_k = α_k u_k, a_k = γ_k v_k,
    β* v_k = s_k u_k and β*ᵀ u_k = s_k v_k.  When w_k = 0 (a_k = 0), u_k (v_k)
    is β* v_k (β*ᵀ u_k) normalised; a neuron with neither direction is frozen.

    Returns
    -------
    U : (h, d) rows u_k (zero rows where undefined); V : (h, c) rows v_k;
    alpha0, gamma0, s : (h,) arrays with α_k ≥ 0, γ_k ≥ 0 and signed s_k.
    """
    A0, W0 = _weights(A0, W0, "A0", "W0")
    rtol = _tolerance("rtol", rtol)
    if A0.ndim != 2:
        raise ValueError(f"A0 must have shape (h, c), got {A0.shape}")
    h, c = A0.shape
    d = W0.shape[1]
    bs = _finite("beta_star", beta_star, ndim=(2,))
    if bs.shape != (d, c):
        raise ValueError(f"beta_star must have shape ({d}, {c}) to match W0 and A0, "
                         f"got {bs.shape}")
    tiny = np.finfo(float).tiny
    bscale = float(np.linalg.norm(bs, 2)) if bs.size else 0.0
    tol_b = rtol * max(bscale, tiny)
    U, V = np.zeros((h, d)), np.zeros((h, c))
    alpha0, gamma0, s = (
        np.linalg.norm(W0, axis=1),
        np.linalg.norm(A0, axis=1),
        np.zeros(h),
    )
    bad = "A0, W0 and beta_star are not aligned"
    for k in range(h):
        hu, hv = alpha0[k] > 0, gamma0[k] > 0
        if hu:
            U[k] = W0[k] / alpha0[k]
        if hv:
            V[k] = A0[k] / gamma0[k]
        if hu and not hv:
            g = bs.T @ U[k]
            if np.linalg.norm(g) > tol_b:
                V[k] = g / np.linalg.norm(g)
        elif hv and not hu:
            g = bs @ V[k]
            if np.linalg.norm(g) > tol_b:
                U[k] = g / np.linalg.norm(g)
        if U[k].any() and V[k].any():
            s[k] = U[k] @ bs @ V[k]
            if (
                np.linalg.norm(bs @ V[k] - s[k] * U[k]) > tol_b
                or np.linalg.norm(bs.T @ U[k] - s[k] * V[k]) > tol_b
            ):
                raise ValueError(
                    f"{bad}: neuron {k} is not a singular pair of "
                    "beta_star (β*v_k ≠ s_k u_k or β*ᵀu_k ≠ s_k v_k)"
                )
    for name, M in (("W0", U), ("V", V)):
        gram = M @ M.T
        off = gram - np.diag(np.diag(gram))
        if np.max(np.abs(off), initial=0.0) > rtol:
            what = "rows of W0" if name == "W0" else "rows of A0"
            raise ValueError(
                f"{bad}: the {what} (mode directions) are not pairwise orthogonal"
            )
    return U, V, alpha0, gamma0, s


def trajectory(t, A0, W0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""Exact (A(t), W(t)) for whitened data (Σxx = I, Σxy = β*), aligned start.

    Parameters
    ----------
    t : array_like
        Times ``t ≥ 0``, any shape.
    A0 : array of shape (h, c)
    W0 : array of shape (h, d)
        An aligned start (see :func:`aligned_modes`), e.g. the rows of W0 and A0
        along paired singular vectors of β*; any per-neuron imbalance δ_k.
    beta_star : array of shape (d, c)
        The whitened target Σxy.
    eta_a, eta_w : float
        Positive layer-wise learning rates.

    Returns
    -------
    A : ndarray of shape ``t.shape + (h, c)``
    W : ndarray of shape ``t.shape + (h, d)``

    Raises
    ------
    ValueError
        If the start is not aligned (no closed form is known then: the singular
        vectors of β rotate), or on bad shapes, times or rates.

    Warns
    -----
    RuntimeWarning
        If the start is aligned to within rtol 1e-9 but not to
        ``STRICT_ALIGNMENT`` (1e-12): the closed form is then that of the
        projected aligned start, while near a saddle the true flow from the
        given start can go elsewhere.

    Notes
    -----
    Domain: entries of A0, W0, β* in {0} ∪ [1e-150, 1e150] in magnitude, rates
    in [1e-6, 1e6], t·√(η_aη_w)·m_k² ≤ 1e305 with m_k = max(kγ₀, α₀/k, √|s_k|),
    k = (η_w/η_a)^¼ (``ValueError`` beyond): each mode is brought to unit scale.
    Each mode (α_k, γ_k) follows α̇ = −η_w γ(αγ − s_k), γ̇ = −η_a α(αγ − s_k),
    solved by the overflow-safe single-neuron form with d = 1
    (docs/math/single_neuron.md §5).
    """
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    U, V, alpha0, gamma0, s = aligned_modes(A0, W0, beta_star)
    try:
        aligned_modes(A0, W0, beta_star, rtol=STRICT_ALIGNMENT)
    except ValueError as exc:
        warnings.warn(
            f"the start is aligned only to within rtol 1e-9, not to rounding "
            f"({exc}): the result is the exact flow of the projected aligned "
            "start; from a start near a saddle the true flow can leave the "
            "aligned set and go elsewhere", RuntimeWarning, stacklevel=2)
    # each mode at unit scale by the scaling symmetry (as single_neuron): m_k a
    # power of two ≥ max(kγ₀, α₀/k, √|s|), time t·√(η_aη_w)·m², unit-product rates
    k, sign = (eta_w / eta_a) ** 0.25, np.where(s < 0, -1.0, 1.0)
    size = np.maximum(np.maximum(k * gamma0, alpha0 / k), np.sqrt(np.abs(s)))
    # m = 2^e > size; a mode at rest at zero (γ₀ = α₀ = s = 0) stays there at
    # every t: m = 1, so that its time is not refused at the domain's edge
    e = np.where(size > 0, np.frexp(np.where(size > 0, size, 1.0))[1], 0)
    with np.errstate(divide="ignore"):
        log_t = np.log(np.where(t > 0, t, 1.0))[..., None]
    if np.any((t[..., None] > 0) & (log_t + 0.5 * np.log(eta_a * eta_w) + 2 * e
                                    * np.log(2.0) > np.log(1e305))):
        raise ValueError("t is beyond the domain: t·√(eta_a·eta_w)·m² must be at "
                         "most 1e305, m = max(kγ₀, α₀/k, √|s|), k = (η_w/η_a)^¼")
    scaled_t = np.ldexp(t[..., None] * np.sqrt(eta_a) * np.sqrt(eta_w), 2 * e)
    kernel = generated_kernel(__package__, kernel="exact")
    gamma, p = kernel(scaled_t, np.ldexp(gamma0, -e), np.ldexp(sign * alpha0, -e), 0.0,
                      np.ldexp(np.abs(s), -2 * e), np.sqrt(eta_a / eta_w),
                      np.sqrt(eta_w / eta_a))
    return np.ldexp(gamma, e)[..., None] * V, np.ldexp(sign * p, e)[..., None] * U
