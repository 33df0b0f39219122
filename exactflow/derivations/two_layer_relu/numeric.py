r"""Vector-level functions of the two-layer (leaky) ReLU network on plain arrays.

Shapes: data ``X`` (n, d), ``y`` (n,); readouts ``a`` (..., h); first layer
``W`` (..., h, d) with rows w_k; leading axes of ``a`` and ``W`` are a batch
of networks (broadcast against each other).  The loss is the project's
L = (1/2n) Σ_i (f(x_i) − y_i)²; σ(z) = max(z, γz) with 0 ≤ γ < 1 and the
activation pattern 1[w_kᵀx_i ≥ 0] (σ′(0) = 1, a convention: the flow is not
defined on a switching surface).  Every function evaluates an exact identity
at the given parameters; there is no closed-form trajectory.

Domain (every function): finite real entries in {0} ∪ ±[1e-3, 1e3] (the range
checked; the identities are polynomial, larger entries are evaluated the same
way while their products stay in float64, but are not checked), widths and
dimensions ≥ 1, γ ∈ [0, 1), rates η_a, η_w in [1e-3, 1e3].  NaN, ±inf, complex,
text, empty or mis-shaped input, γ outside [0, 1) or a rate ≤ 0 raise
``ValueError``/``TypeError`` naming the argument; finite entries so large that
a product overflows (a pre-activation, or the result) raise ``ValueError``
naming the arguments instead of giving ±inf or NaN.

The pre-activations z_ki = w_kᵀx_i are sums of individually rounded products
(no fused multiply-add), so a z whose products cancel in pairs (x_i = 0,
w_k = 0, w_k ⟂ x_i along pairs of axes) is exactly 0 and takes the slope
σ′(0) = 1; any other z has the sign of its float64 value, correct whenever
|z| > d ulp of Σ_p|w_kp x_ip|.  Accuracy is stated per function against the
identity evaluated in 40-digit mpmath on the same inputs (checked at the
corners by ``tests/derivations/test_domain_corners_b.py``), in ulp (2⁻⁵²) of
"the terms' size": the expression with every factor replaced by its absolute
value and each |z_ki| by Σ_p|w_kp||x_ip|.
"""

from __future__ import annotations

import numpy as np

from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .._checks import real_scalar as _real
from .._range import refuse_overflow

SCALES = "entries up to 1e3 are the checked domain"

__all__ = [
    "activation_slopes",
    "forward",
    "imbalance",
    "spherical",
    "preconditioner",
    "drive",
    "ntk",
    "kernel_distance",
    "flow_rhs",
    "spherical_rhs",
]


def _gamma(gamma) -> float:
    g = _real("gamma", gamma)
    if not 0.0 <= g < 1.0:
        raise ValueError(f"gamma must be in [0, 1) (the leaky slope), got {g}")
    return g


def _net(a, W) -> tuple[np.ndarray, np.ndarray]:
    a = _finite("a", a, min_ndim=1)
    W = _finite("W", W, min_ndim=2)
    if a.shape[-1] != W.shape[-2]:
        raise ValueError(f"a and W must have the same width h, got a of shape "
                         f"{a.shape} and W of shape {W.shape}")
    try:
        np.broadcast_shapes(a.shape[:-1], W.shape[:-2])
    except ValueError:
        raise ValueError(f"the batch axes of a {a.shape} and W {W.shape} do not "
                         "broadcast together") from None
    return a, W


def _data(X, W, y=None, labels=False):
    X = _finite("X", X, ndim=(2,))
    if X.shape[1] != W.shape[-1]:
        raise ValueError(f"X must have d = {W.shape[-1]} columns (W has shape "
                         f"{W.shape}), got shape {X.shape}")
    if y is None and not labels:
        return X
    y = _finite("y", y, ndim=(1,))  # labels required: None is refused, naming y
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"y must have n = {X.shape[0]} entries, got {y.shape[0]}")
    return X, y


def _pre(X, W):
    """z_ki = w_kᵀx_i, shape (..., h, n): each product rounded, then summed.

    Not ``W @ X.T``: a BLAS dot product may fuse a multiply with the add, so that
    terms cancelling exactly (w_k ⟂ x_i) leave the rounding error of one of them,
    ±tiny instead of 0, and a pattern that flips (σ′(0) = 1 is the convention).
    """
    rows = max(1, (1 << 22) // max(1, W.size))  # at most 32 MB of products
    with np.errstate(over="ignore", invalid="ignore"):
        z = np.concatenate([np.sum(W[..., :, None, :] * X[i:i + rows], axis=-1)
                            for i in range(0, X.shape[0], rows)] or [W @ X.T],
                           axis=-1)
    if not np.all(np.isfinite(z)):  # the slopes would follow a NaN's sign
        raise ValueError("X, W are beyond the float64 range: a pre-activation "
                         f"w_kᵀx_i overflows ({SCALES})")
    return z


@refuse_overflow("X, W", SCALES)
def activation_slopes(X, W, gamma=0.0) -> np.ndarray:
    """c_ki = σ′(w_kᵀx_i) ∈ {1, γ}, shape (..., h, n).

    Domain: the module's.  Accuracy: exact (1 or γ) for the pattern of the
    float64 pre-activation; an exactly cancelling one gives 1 (module notes).
    """
    W = _finite("W", W, min_ndim=2)
    X = _data(X, W)
    return np.where(_pre(X, W) >= 0, 1.0, _gamma(gamma))


@refuse_overflow("X, a, W", SCALES)
def forward(X, a, W, gamma=0.0) -> np.ndarray:
    """f(x_i) = Σ_k a_k σ(w_kᵀx_i), shape (..., n).

    Domain: the module's.  Accuracy: within 4 ulp of Σ_k|a_k|Σ_p|w_kp||x_ip|.
    """
    a, W = _net(a, W)
    X = _data(X, W)
    z = _pre(X, W)
    return np.einsum("...k,...ki->...i", a, np.where(z >= 0, z, _gamma(gamma) * z))


@refuse_overflow("a, W", SCALES)
def imbalance(a, W, eta_a=1.0, eta_w=1.0) -> np.ndarray:
    """δ_k = η_w a_k² − η_a‖w_k‖², shape (..., h): conserved by the flow.

    Domain: the module's.  Accuracy: within 2 ulp of η_w a_k² + η_a‖w_k‖².
    """
    a, W = _net(a, W)
    return _rate("eta_w", eta_w) * a**2 - _rate("eta_a", eta_a) * np.sum(W**2, -1)


@refuse_overflow("a, W", SCALES)
def spherical(a, W) -> tuple[np.ndarray, np.ndarray]:
    """Signed spherical coordinates (μ_k, β̂_k) = (a_k‖w_k‖, w_k/‖w_k‖).

    μ_k = sgn(a_k)‖β_k‖ and β̂_k = sgn(a_k)β_k/‖β_k‖ for β_k = a_k w_k; needs
    every w_k ≠ 0.

    Domain: the module's, with no zero row of W (ValueError naming W).
    Accuracy: μ_k within 2 ulp of |μ_k|, each entry of β̂_k within 2 ulp.
    """
    a, W = _net(a, W)
    norm = np.linalg.norm(W, axis=-1)
    if np.any(norm == 0):
        raise ValueError("W must have no zero row (β̂_k = w_k/‖w_k‖ needs w_k ≠ 0)")
    return a * norm, W / norm[..., None]


@refuse_overflow("a, W", SCALES)
def preconditioner(a, W, eta_a=1.0, eta_w=1.0) -> np.ndarray:
    """M_k = η_w a_k² I + η_a w_k w_kᵀ, shape (..., h, d, d).

    Domain: the module's.  Accuracy: each entry within 2 ulp of the terms' size.
    """
    a, W = _net(a, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    eye = np.eye(W.shape[-1])
    return (eta_w * a[..., None, None] ** 2 * eye
            + eta_a * W[..., :, None] * W[..., None, :])


@refuse_overflow("X, y, a, W", SCALES)
def drive(X, y, a, W, gamma=0.0) -> np.ndarray:
    """ξ_k = (1/n) Σ_i c_ki x_i (f(x_i) − y_i), shape (..., h, d).

    Domain: the module's (labels ``y`` required).  Accuracy: each entry within
    8 ulp of (1/n)Σ_i|x_i|(Σ_k|a_k|Σ_p|w_kp||x_ip| + |y_i|).
    """
    a, W = _net(a, W)
    X, y = _data(X, W, y, labels=True)
    g = _gamma(gamma)
    z = _pre(X, W)
    c = np.where(z >= 0, 1.0, g)
    r = np.einsum("...k,...ki->...i", a, c * z) - y
    return (c * r[..., None, :]) @ X / X.shape[0]


@refuse_overflow("X, a, W", SCALES)
def ntk(X, a, W, gamma=0.0, eta_a=1.0, eta_w=1.0) -> np.ndarray:
    """The NTK on the training set, in its compact form (shape (..., n, n)).

    K = η_a AAᵀ + η_w (D diag(a²) Dᵀ) ⊙ XXᵀ with A_ik = σ(w_kᵀx_i) and
    D_ik = σ′(w_kᵀx_i), equal to Σ_k c_ki x_iᵀM_kx_j c_kj and to
    Σ_p η_p ∂_pf(x_i) ∂_pf(x_j); no n × h(d+1) Jacobian is formed.

    Domain: the module's.  Accuracy: each entry within 8 ulp of the terms' size,
    against Σ_p η_p ∂_pf(x_i)∂_pf(x_j) with the gradients written out.
    """
    a, W = _net(a, W)
    X = _data(X, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    g = _gamma(gamma)
    z = np.swapaxes(_pre(X, W), -1, -2)  # (..., n, h)
    D = np.where(z >= 0, 1.0, g)
    A = D * z
    Da = D * a[..., None, :]
    return (eta_a * A @ np.swapaxes(A, -1, -2)
            + eta_w * (Da @ np.swapaxes(Da, -1, -2)) * (X @ X.T))


@refuse_overflow("K0, K1", SCALES)
def kernel_distance(K0, K1) -> np.ndarray:
    """S = 1 − ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F) over the last two axes, evaluated as
    ½‖K₀/‖K₀‖ − K₁/‖K₁‖‖² (no cancellation for small S).

    Domain: the module's entries, K₀ and K₁ non-zero (ValueError naming them
    otherwise).  Accuracy: within 4 ulp of √S + 4 ulp², so relative to √S
    (S = 0 exactly for K₁ = cK₀, c > 0 a power of two).
    """
    K0 = _finite("K0", K0, min_ndim=2)
    K1 = _finite("K1", K1, min_ndim=2)
    n0 = np.linalg.norm(K0, axis=(-2, -1))
    n1 = np.linalg.norm(K1, axis=(-2, -1))
    if np.any(n0 == 0) or np.any(n1 == 0):
        raise ValueError("K0 and K1 must be non-zero (S is undefined for K = 0)")
    diff = K0 / n0[..., None, None] - K1 / n1[..., None, None]
    return 0.5 * np.sum(diff * diff, axis=(-2, -1))


@refuse_overflow("X, y, a, W", SCALES)
def flow_rhs(X, y, a, W, gamma=0.0, eta_a=1.0, eta_w=1.0):
    """(ȧ, Ẇ) = (−η_a ∂L/∂a, −η_w ∂L/∂W): ȧ_k = −η_a w_kᵀξ_k, ẇ_k = −η_w a_kξ_k.

    Domain: that of :func:`drive`.  Accuracy: each entry within 8 ulp of the
    terms' size (ξ_k's size of :func:`drive` times η_a|w_k|, resp. η_w|a_k|).
    """
    a, W = _net(a, W)
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    xi = drive(X, y, a, W, gamma)
    return -eta_a * np.sum(W * xi, -1), -eta_w * a[..., None] * xi


@refuse_overflow("mu, beta_hat, delta, xi", SCALES)
def spherical_rhs(mu, beta_hat, delta, xi, eta_a=1.0, eta_w=1.0):
    """(μ̇_k, β̂̇_k) of the signed spherical coordinates, given the drive ξ_k.

    μ̇ = −κ β̂ᵀξ and β̂̇ = −(κ + δ)/(2μ) (I − β̂β̂ᵀ) ξ with
    κ = √(δ² + 4η_aη_w μ²); needs μ ≠ 0.  Shapes: ``mu``, ``delta`` (..., h);
    ``beta_hat``, ``xi`` (..., h, d).

    Domain: μ_k ≠ 0 (ValueError naming mu) and the module's entries, δ_k in
    {0} ∪ ±[1e-3, 1e3], rows β̂_k of unit norm (assumed, not checked).
    Accuracy: μ̇_k within 4 ulp of κ_k Σ|β̂_k||ξ_k|; β̂̇_k within 8 ulp of
    |κ_k + δ_k|/(2|μ_k|)·(|ξ_k| + |β̂_k| Σ|β̂_k||ξ_k|), also for δ_k ≪ 0, where
    κ + δ = 4η_aη_wμ²/(κ − δ) avoids the cancellation, and at δ_k = 0.
    """
    mu = _finite("mu", mu, min_ndim=1)
    delta = _finite("delta", delta, min_ndim=1)
    beta_hat = _finite("beta_hat", beta_hat, min_ndim=2)
    xi = _finite("xi", xi, min_ndim=2)
    if xi.shape != beta_hat.shape:
        raise ValueError(f"xi must have the shape of beta_hat {beta_hat.shape}, "
                         f"got {xi.shape}")
    for name, v in (("mu", mu), ("delta", delta)):
        if v.shape[-1:] != beta_hat.shape[-2:-1] or np.broadcast_shapes(
                v.shape, beta_hat.shape[:-1]) != beta_hat.shape[:-1]:
            raise ValueError(f"{name} must have shape (..., h) to match beta_hat "
                             f"{beta_hat.shape}, got {v.shape}")
    if np.any(mu == 0):
        raise ValueError("mu must be non-zero (β̂̇ has μ in its denominator)")
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    kappa = np.sqrt(delta**2 + 4 * eta_a * eta_w * mu**2)
    along = np.sum(beta_hat * xi, -1)
    # κ + δ cancels for δ ≪ 0 (κ ≈ |δ|): there use κ + δ = 4η_aη_wμ²/(κ − δ)
    coeff = np.where(delta >= 0, (kappa + delta) / (2 * mu),
                     2 * eta_a * eta_w * mu / np.where(delta >= 0, 1.0,
                                                       kappa - delta))
    return (-kappa * along,
            -coeff[..., None] * (xi - along[..., None] * beta_hat))
