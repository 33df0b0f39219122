r"""The aligned start's modes and the exact trajectory (whitened data).

Part of :mod:`.numeric` (re-exported there), kept apart for length.
"""

from __future__ import annotations

import warnings

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._checks import tolerance as _tolerance

__all__ = ["STRICT_ALIGNMENT", "aligned_modes", "trajectory"]


def _weights(A, W, a="A", w="W") -> tuple[np.ndarray, np.ndarray]:
    """(A, W) as finite arrays with the same number h of rows (named a, w)."""
    A = _finite(a, A, min_ndim=2)
    W = _finite(w, W, min_ndim=2)
    if A.shape[-2] != W.shape[-2]:
        raise ValueError(
            f"{a} and {w} must have the same number of rows h (neurons), got {a} of "
            f"shape {A.shape} and {w} of shape {W.shape}"
        )
    return A, W


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

    Notes
    -----
    Domain: entries of A0, W0, β* in {0} ∪ [1e-100, 1e100] in magnitude, rtol
    a positive tolerance; alignment is judged to rtol·‖β*‖₂ (ValueError naming
    A0, W0 and beta_star when not aligned).  Accuracy: α_k, γ_k, s_k within 2
    ulp of themselves and u_k, v_k within 2 ulp, against 40-digit mpmath.
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
    Accuracy: relative error ≤ 1e-12 per mode (of ‖(α_k(t), γ_k(t))‖) against a
    40-digit evaluation of the mode's linearising lift, at entries 1e±150,
    rates 1e±6, times up to the domain's edge, a mode at the saddle and one on
    its stable manifold included; and ≤ 1e-10 absolute against the raw flow
    integrated by DOP853 (rtol 1e-12) at unit scale.
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
    # m = 2^e > size (the domain is checked with size itself: the scaled time,
    # up to 4e305, stays finite); a mode at rest at zero (γ₀ = α₀ = s = 0)
    # stays there at every t: it is not refused at the domain's edge, and is
    # computed at time 0
    e = np.where(size > 0, np.frexp(np.where(size > 0, size, 1.0))[1], 0)
    with np.errstate(divide="ignore"):
        log_t = np.log(np.where(t > 0, t, 1.0))[..., None]
    moving = size > 0
    if np.any((t[..., None] > 0) & moving & (
            log_t + 0.5 * np.log(eta_a * eta_w)
            + 2 * np.log(np.where(moving, size, 1.0)) > np.log(1e305))):
        raise ValueError("t is beyond the domain: t·√(eta_a·eta_w)·m² must be at "
                         "most 1e305, m = max(kγ₀, α₀/k, √|s|), k = (η_w/η_a)^¼")
    with np.errstate(over="ignore"):  # only where a mode at rest is not scaled
        scaled_t = np.where(moving, np.ldexp(
            t[..., None] * np.sqrt(eta_a) * np.sqrt(eta_w), 2 * e), 0.0)
    kernel = generated_kernel(__package__, kernel="exact")
    gamma, p = kernel(scaled_t, np.ldexp(gamma0, -e), np.ldexp(sign * alpha0, -e), 0.0,
                      np.ldexp(np.abs(s), -2 * e), np.sqrt(eta_a / eta_w),
                      np.sqrt(eta_w / eta_a))
    return np.ldexp(gamma, e)[..., None] * V, np.ldexp(sign * p, e)[..., None] * U
