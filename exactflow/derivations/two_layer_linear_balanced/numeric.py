r"""Vector-level λ-balanced two-layer linear functions on plain arrays (the docs).

:func:`trajectory` evaluates 𝒫(T) = e^{FT}Q₀[I + Q₀ᵀJ(T)Q₀]⁻¹Q₀ᵀe^{FT},
J(T) = ∫₀^T e^{2Fσ}dσ, in the eigenbasis F = VΛVᵀ (built from the SVD of Σyx,
the docs) without overflow at any T:

1. Y₀ = VᵀQ₀; its rows are visited by decreasing eigenvalue and an orthogonal
   column transform H (Householder reflections) makes each visited row's part in
   the not-yet-used columns a single pivot entry.  So column j of B = Y₀H vanishes
   on every row visited before its pivot row p_j, whose eigenvalue Λ_{p_j} is
   therefore the fastest growth rate in that column.  (A row whose remaining part
   is below the rounding of the rotation VᵀQ₀ is taken as exactly zero, so an
   initialisation on a saddle's stable manifold stays on it, as in exact
   arithmetic.)  This step does not depend on t.
2. With γ_j = max(Λ_{p_j}, 0)·T and the invertible T_m = H diag(e^{−γ}), the closed
   form is exactly 𝒫̃ = C S⁻¹ Cᵀ, C = e^{ΛT} B e^{−γ} (every exponent ≤ 0),
   S = T_mᵀ M T_m = diag(e^{−2γ}) + Σ_{Λᵢ>0} (∫₀^T e^{−2Λᵢσ}dσ) CᵢᵀCᵢ
   + Σ_{Λᵢ≤0} (∫₀^T e^{2Λᵢσ}dσ) B̃ᵢᵀB̃ᵢ, B̃ = B e^{−γ}: every weight is an entire
   ``intexp`` of a non-positive rate, bounded by min(T, 1/(2|Λᵢ|)), so S and C stay
   finite as T → ∞ and F may be singular.
"""

from __future__ import annotations

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import positive_scalar as _positive
from .._checks import tolerance as _tolerance
from .._renamed import reciprocal, renamed, transposed

__all__ = ["trajectory", "mode_trajectory", "balanced_init", "imbalance", "eigen_f"]

_EPS = np.finfo(np.float64).eps


def _intexp(k: np.ndarray, T: np.ndarray) -> np.ndarray:
    """∫₀^T e^{kσ}dσ = T φ₁(kT) for k ≤ 0 (or small kT), entire in k."""
    x = k * T
    small = x == 0
    safe = np.where(small, 1.0, x)
    return np.where(small, T, T * (np.expm1(safe) / safe))


def eigen_f(Syx, lam: float) -> tuple[np.ndarray, np.ndarray]:
    r"""Eigenvalues Λ and orthonormal eigenvectors V (columns) of F (the docs).

    Each singular triple (sᵢ, uᵢ, vᵢ) of Σyx spans a 2×2 block [[−λ/2, s],[s, λ/2]]
    with eigenvalues ±D/2, D = √(λ² + 4s²), and eigenvectors (c vᵢ, σ uᵢ),
    (−σ vᵢ, c uᵢ), c² = (D − λ)/2D, σ² = (D + λ)/2D (the smaller one through
    cσ = s/D); the remaining input directions have −λ/2, the output ones +λ/2.
    """
    Syx = np.asarray(Syx, dtype=np.float64)
    d_out, d_in = Syx.shape
    U, sv, Vt = np.linalg.svd(Syx)
    r = min(d_in, d_out)
    n = d_in + d_out
    vals = np.empty(n)
    vecs = np.zeros((n, n))
    for i in range(r):
        s = sv[i]
        D = np.hypot(lam, 2 * s)
        if D == 0:
            c, sn = 1.0, 0.0
        elif lam >= 0:
            sn = np.sqrt((D + lam) / (2 * D))
            c = s / (D * sn)
        else:
            c = np.sqrt((D - lam) / (2 * D))
            sn = s / (D * c)
        vals[2 * i], vals[2 * i + 1] = D / 2, -D / 2
        vecs[:d_in, 2 * i], vecs[d_in:, 2 * i] = c * Vt[i], sn * U[:, i]
        vecs[:d_in, 2 * i + 1], vecs[d_in:, 2 * i + 1] = -sn * Vt[i], c * U[:, i]
    k = 2 * r
    for i in range(r, d_in):
        vals[k], vecs[:d_in, k] = -lam / 2, Vt[i]
        k += 1
    for j in range(r, d_out):
        vals[k], vecs[d_in:, k] = lam / 2, U[:, j]
        k += 1
    return vals, vecs


def _graded_columns(Y0: np.ndarray, vals: np.ndarray):
    """(B, g): B = Y₀H with the staircase of step 1, g_j = max(Λ_{p_j}, 0)."""
    n, h = Y0.shape
    B = Y0.copy()
    g = np.zeros(h)
    tol = 16 * max(n, h) * _EPS * np.linalg.norm(Y0)
    k = 0
    for i in np.argsort(-vals, kind="stable"):
        if k == h:
            break
        row = B[i, k:]
        norm = np.linalg.norm(row)
        if norm <= tol:
            B[i, k:] = 0.0
            continue
        v = row.copy()
        v[0] += np.copysign(norm, row[0]) if row[0] != 0 else norm
        v /= np.linalg.norm(v)
        B[:, k:] -= 2.0 * np.outer(B[:, k:] @ v, v)
        B[i, k + 1 :] = 0.0
        g[k] = max(vals[i], 0.0)
        k += 1
    return B, g


def imbalance(W1_0, W2_0) -> tuple[float, float]:
    """(λ, ‖W₂ᵀW₂ − W₁W₁ᵀ − λI‖_F) with λ = tr(W₂ᵀW₂ − W₁W₁ᵀ)/h."""
    G = W2_0.T @ W2_0 - W1_0 @ W1_0.T
    h = G.shape[0]
    lam = float(np.trace(G)) / h
    return lam, float(np.linalg.norm(G - lam * np.eye(h)))


@renamed(Syx=("beta_star", transposed("Syx")), tau=("eta", reciprocal("tau")))
def trajectory(t, W1_0, W2_0, beta_star, *, eta: float = 1.0,
               balance_tol: float = 1e-9):
    r"""Exact (W₂W₁, W₁ᵀW₁, W₂W₂ᵀ)(t) of a λ-balanced two-layer linear network.

    Whitened inputs, equal layer rates η = 1/τ: Ẇ₁ = ηW₂ᵀ(Σyx − W₂W₁),
    Ẇ₂ = η(Σyx − W₂W₁)W₁ᵀ with Σyx = β*ᵀ, from a λ-balanced start
    W₂ᵀW₂ − W₁W₁ᵀ = λI_h.

    Parameters
    ----------
    t : array_like
        Times t ≥ 0, any shape (finite; ηt up to 1e8 and beyond is fine).
    W1_0 : array of shape (h, d_in)
    W2_0 : array of shape (d_out, h)
        A λ-balanced initialisation (see :func:`balanced_init`); any λ, any shapes
        for which one exists (λ > 0 needs h ≤ d_out, λ < 0 needs h ≤ d_in).
    beta_star : array of shape (d_in, d_out)
        The whitened target β* = Σxy = E[xyᵀ] (the transpose of the former
        ``Syx``, which is still accepted as a keyword); may be rank-deficient
        or zero.
    eta : float
        Positive learning rate, keyword only (Saxe's time constant τ = 1/η;
        the deprecated ``tau=`` is still accepted).
    balance_tol : float
        Accepted imbalance ‖W₂ᵀW₂ − W₁W₁ᵀ − λI‖_F relative to ‖W₁‖²_F + ‖W₂‖²_F.

    Returns
    -------
    beta : ndarray of shape ``t.shape + (d_out, d_in)``, the network map W₂W₁
    K1 : ndarray of shape ``t.shape + (d_in, d_in)``, W₁ᵀW₁
    K2 : ndarray of shape ``t.shape + (d_out, d_out)``, W₂W₂ᵀ

    Notes
    -----
    Domain (fuzzed, with exact balance from :func:`balanced_init`): entries of
    W1_0, W2_0 and beta_star, and λ, in {0} ∪ [1e-30, 1e30] in magnitude,
    η in [1e-6, 1e6], ηt ≤ 1e8; every result is finite there.
    Accuracy: every entry of (W₂W₁, W₁ᵀW₁, W₂W₂ᵀ) to 1e-10 of the largest
    entry so far, against DOP853 (rtol 1e-13) on the raw (W₁, W₂) flow, also
    at rest (ηt = 1e8), from saddle escapes (1e-30 starts), lazy λ = 1e30,
    λ = −1e3, β* = 0 and rank-deficient β*.  "So far": from a start far
    larger than where the flow goes, the error stays at ~1e-16 of the start's
    size (β = 0 instead of 0.5 at t = 1 from 1e30·I, λ = 1e-30, β* = 0).

    Raises
    ------
    ValueError
        Naming the argument: negative or non-finite t, shapes that do not match,
        a non-positive eta, or W1_0, W2_0 that are not λ-balanced (the message
        gives the measured imbalance).
    """
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    W1_0 = _finite("W1_0", W1_0, ndim=(2,))
    W2_0 = _finite("W2_0", W2_0, ndim=(2,))
    h, d_in = W1_0.shape
    d_out = W2_0.shape[0]
    if W2_0.shape[1] != h:
        raise ValueError(
            f"W2_0 must have shape (d_out, h) with h = {h} (the rows of W1_0), "
            f"got {W2_0.shape}"
        )
    beta_star = _finite("beta_star", beta_star, ndim=(2,))
    if beta_star.shape != (d_in, d_out):
        raise ValueError(
            f"beta_star must have shape (d_in, d_out) = {(d_in, d_out)} to match "
            f"W1_0 and W2_0 (β* = Σxy, the transpose of the former Syx), got "
            f"{beta_star.shape}"
        )
    Syx = beta_star.T
    tau = 1.0 / _positive("eta", eta)
    balance_tol = _tolerance("balance_tol", balance_tol)
    lam, imb = imbalance(W1_0, W2_0)
    scale = float(np.sum(W1_0**2) + np.sum(W2_0**2))
    if imb > balance_tol * scale:
        raise ValueError(
            "W1_0, W2_0 must be λ-balanced (W2_0ᵀW2_0 − W1_0W1_0ᵀ = λ·I_h): measured "
            f"imbalance ‖W2ᵀW2 − W1W1ᵀ − λI‖_F = {imb:.3e} at λ = {lam:.6g}, above "
            f"balance_tol·(‖W1_0‖² + ‖W2_0‖²) = {balance_tol * scale:.3e}"
        )
    vals, V = eigen_f(Syx, lam)
    B, g = _graded_columns(V.T @ np.vstack([W1_0.T, W2_0]), vals)
    T = (t / tau).reshape(-1, 1)  # (m, 1)
    grow = vals > 0
    scale_g = np.exp(-g * T)  # (m, h), e^{−γ}
    expo = np.minimum((vals[:, None] - g[None, :]) * T[:, :, None], 0.0)  # (m, n, h)
    C = B * np.exp(expo)
    Bt = B * scale_g[:, None, :]
    w = _intexp(-2 * np.abs(vals), T)  # ∫₀^T e^{−2|Λᵢ|σ}dσ, shape (m, n)
    Cw = np.where(grow[None, :, None], C, Bt)  # rows entering S
    S = np.einsum("mi,mij,mik->mjk", w, Cw, Cw)
    S[:, np.arange(len(g)), np.arange(len(g))] += scale_g**2
    Pt = C @ np.linalg.solve(S, np.swapaxes(C, 1, 2))
    P = V @ Pt @ V.T
    P = 0.5 * (P + np.swapaxes(P, 1, 2))
    shape = t.shape
    beta = P[:, d_in:, :d_in].reshape(shape + (d_out, d_in))
    K1 = P[:, :d_in, :d_in].reshape(shape + (d_in, d_in))
    K2 = P[:, d_in:, d_in:].reshape(shape + (d_out, d_out))
    return beta, K1, K2


def _kernel():
    return generated_kernel(__package__)


@renamed(s="beta_star", tau=("eta", reciprocal("tau")))
def mode_trajectory(t, beta_star, lam, u0, *, eta: float = 1.0):
    r"""One mode of an aligned λ-balanced initialisation: (u, a², b²)(t).

    With W₁(0) = R S₁Vᵀ, W₂(0) = U S₂Rᵀ sharing the singular vectors U, V of Σyx
    (:func:`balanced_init` of a product U diag(u₀) Vᵀ), each mode evolves alone:
    u = the singular value of W₂W₁, a² of W₁ᵀW₁ and b² of W₂W₂ᵀ along it.  All
    arguments broadcast; the mode's target s = ``beta_star`` ≥ 0 (a singular
    value of Σxy; formerly ``s``), any λ and u₀, the rate η > 0 (keyword only;
    Saxe's τ = 1/η, the deprecated ``tau=`` is still accepted), t ≥ 0.
    Evaluated by the generated ``exact`` kernel.  Domain (fuzzed): s, |λ|, |u₀|
    in {0} ∪ [1e-30, 1e30], η in [1e-6, 1e6], ηt ≤ 1e8; ``ValueError`` naming the
    argument for NaN, ±inf, negative t, s < 0 or η ≤ 0, and if a result overflows.
    Accuracy: against DOP853 (rtol 1e-13) on the raw scalar flow
    ȧ = ηb(s − ab), ḃ = ηa(s − ab) (b² − a² = λ, u = ab): u to 1e-10 of
    max(|u|, |u₀|, s), a² and b² to 1e-10 relative, checked for |λ| ≤ 1e-30
    only (s from 1e-30 to 1e30, u₀ in {0, ±1e-30, 1, 1e30}, η = 1e±6); for
    larger |λ| the accuracy is not yet verified.
    """
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    s = _finite("beta_star", beta_star)
    if np.any(s < 0):
        raise ValueError("beta_star must be a non-negative singular value")
    lam = _finite("lam", lam)
    u0 = _finite("u0", u0)
    tau = 1.0 / _positive_array("eta", eta)
    try:  # named here: the kernel knows its inputs as s and tau
        np.broadcast_shapes(t.shape, s.shape, lam.shape, u0.shape, tau.shape)
    except ValueError:
        raise ValueError(
            f"t, beta_star, lam, u0, eta do not broadcast together: t {t.shape}, "
            f"beta_star {s.shape}, lam {lam.shape}, u0 {u0.shape}, eta {tau.shape}"
        ) from None
    with np.errstate(over="ignore"):  # e^{x} of a branch not taken (finite result)
        out = _kernel()(t, s, lam, u0, tau)
    if not all(np.all(np.isfinite(x)) for x in out):
        raise ValueError("t, beta_star, lam, u0 are outside the domain: a value "
                         "overflows float64 (see the docstring)")
    return out


def _positive_array(name, value):
    value = _finite(name, value)
    if np.any(value <= 0):
        raise ValueError(f"{name} must be positive")
    return value


def balanced_init(product, lam: float, h: int, R=None):
    r"""A λ-balanced (W₁, W₂) with W₂W₁ = ``product`` (the docs).

    With the full SVD product = U Σ Vᵀ: W₂ = U S₂ Rᵀ, W₁ = R S₁ Vᵀ, zero-padded, with
    S₂² = (√(λ² + 4σ²) + λ)/2 and S₁² = (√(λ² + 4σ²) − λ)/2 per singular value σ
    (so S₂² − S₁² = λ and S₁S₂ = σ), computed without cancellation.

    Parameters
    ----------
    product : array of shape (d_out, d_in)
        The initial network map, of rank ≤ h.
    lam : float
        The imbalance λ of W₂ᵀW₂ − W₁W₁ᵀ = λI_h.
    h : int
        Hidden width; λ > 0 needs h ≤ d_out and λ < 0 needs h ≤ d_in.
    R : array of shape (h, h), optional
        Orthogonal gauge (default identity).

    Returns
    -------
    W1 : ndarray of shape (h, d_in)
    W2 : ndarray of shape (d_out, h)

    Notes
    -----
    Domain: entries of ``product`` and λ in {0} ∪ [1e-30, 1e30] in magnitude;
    ``ValueError`` naming the argument for a product of rank > h, a λ whose
    sign h does not allow, a non-orthogonal R, NaN or ±inf.
    Accuracy: W₂W₁ = product and W₂ᵀW₂ − W₁W₁ᵀ = λI to 8 ulp of
    |λ| + ‖product‖₂ per entry (40-digit mpmath).
    """
    product = _finite("product", product, ndim=(2,))
    lam = float(_finite("lam", lam, ndim=(0,)))
    if isinstance(h, bool) or not isinstance(h, (int, np.integer)) or h < 1:
        raise ValueError(f"h must be a positive integer, got {h!r}")
    h = int(h)
    d_out, d_in = product.shape
    if R is None:
        R = np.eye(h)
    R = _finite("R", R, ndim=(2,))
    if R.shape != (h, h) or not np.allclose(R.T @ R, np.eye(h), atol=1e-10):
        raise ValueError(f"R must be an orthogonal ({h}, {h}) matrix")
    if lam > 0 and h > d_out:
        raise ValueError(
            f"lam = {lam} > 0 needs h ≤ d_out = {d_out} (W2ᵀW2 = λI + W1W1ᵀ has "
            f"full rank h), got h = {h}"
        )
    if lam < 0 and h > d_in:
        raise ValueError(
            f"lam = {lam} < 0 needs h ≤ d_in = {d_in} (W1W1ᵀ = W2ᵀW2 − λI has "
            f"full rank h), got h = {h}"
        )
    U, sv, Vt = np.linalg.svd(product)
    if len(sv) > h and sv[h] > 16 * max(d_in, d_out) * _EPS * max(sv[0], 1e-300):
        raise ValueError(f"product must have rank ≤ h = {h}, got singular values {sv}")
    sigma = np.zeros(h)
    m = min(h, len(sv))
    sigma[:m] = sv[:m]
    kappa = np.hypot(lam, 2 * sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        a2 = np.where(lam > 0, 2 * sigma**2 / (kappa + lam), (kappa - lam) / 2)
        b2 = np.where(lam < 0, 2 * sigma**2 / (kappa - lam), (kappa + lam) / 2)
    S1 = np.zeros((h, d_in))
    S2 = np.zeros((d_out, h))
    k1, k2 = min(h, d_in), min(h, d_out)
    S1[np.arange(k1), np.arange(k1)] = np.sqrt(a2[:k1])
    S2[np.arange(k2), np.arange(k2)] = np.sqrt(b2[:k2])
    return R @ S1 @ Vt, U @ S2 @ R.T
