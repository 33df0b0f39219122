"""Vector-level diagonal-network functions on plain arrays (the docs).

The data are samples X ∈ ℝⁿˣᵈ, y ∈ ℝⁿ with the catalog's loss (docs/conventions.md),
half the mean squared error L = ‖Xβ − y‖²/(2n) (Σxx = XᵀX/n, Σxy = Xᵀy/n).
Before exactflow 0.2 :func:`trajectory` used the sum ½‖Xβ − y‖², which runs n
times faster: the old result at time t is the new one at time n·t.

- :func:`trajectory`: an *exact reduction* with one numerical step.  The flow is
  u = u₀e^{−2η_uR}, v = v₀e^{2η_vR} exactly, with R(t) = Xᵀ∫₀ᵗρ the integrated
  residual; R itself has no closed form and is integrated numerically (the
  d-dimensional ODE Ṙ = Xᵀ(Xb(R) − y), R(0) = 0, with SciPy's ``solve_ivp``,
  imported on first use) and mapped to (u, v, β) by the generated ``exact`` kernel.
- :func:`whitened_trajectory`: the closed form for XᵀX = I (no integration).
- :func:`~.numeric_bias.implicit_bias` (in :mod:`.numeric_bias`): the limit
  t → ∞ (the minimiser of the mirror potential on {Xβ = y}; Q_α for the uniform
  initialisation) by Newton's method on the convex dual, with NumPy only.
- :func:`Q`, :func:`grad_Q`: Q_α(β) and ∇Q_α(β) from the generated ``potential``
  kernel.
"""

from __future__ import annotations

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _array
from .._checks import learning_rate as _rate
from .._checks import tolerance as _tolerance
from .numeric_residual import integrated_residual

__all__ = ["trajectory", "whitened_trajectory", "Q", "grad_Q"]


# ------------------------------------------------------------------ input checks
def _times(t) -> np.ndarray:
    t = _array("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the flow runs forward from t = 0)")
    return t


#: The smallest magnitude of a non-zero entry of X (the documented domain).
X_TINY = 1e-150


def _data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = _array("X", X, (2,))
    y = _array("y", y, (1,))
    if np.any((X != 0) & (np.abs(X) < X_TINY)):
        raise ValueError("X is outside the domain: a non-zero entry below 1e-150 in "
                         "magnitude (its singular values would overflow y/σ)")
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},) to match X, got {y.shape}")
    return X, y


def _init(d: int, alpha, u0, v0) -> tuple[np.ndarray, np.ndarray]:
    """(u₀, v₀) of shape (d,) or (B, d) from ``alpha`` or from ``u0``, ``v0``."""
    if alpha is not None:
        if u0 is not None or v0 is not None:
            raise ValueError("give either alpha or (u0, v0), not both")
        a = _array("alpha", alpha, (0, 1))
        if np.any(a <= 0):
            raise ValueError("alpha must be positive (the initialisation scale)")
        u = np.multiply.outer(a, np.ones(d))
        return u, u.copy()
    if u0 is None or v0 is None:
        raise ValueError("give alpha (u₀ = v₀ = α𝟙) or both u0 and v0")
    u = _array("u0", u0, (1, 2))
    v = _array("v0", v0, (1, 2))
    if u.shape[-1] != d:
        raise ValueError(f"u0 must have last dimension d = {d}, got shape {u.shape}")
    if v.shape != u.shape:
        raise ValueError(f"v0 must have the shape of u0 {u.shape}, got {v.shape}")
    return u, v


def _problem(X, y, alpha, u0, v0, eta_u, eta_v):
    """The checked data, initialisation and rates of :func:`trajectory` and
    :func:`~.numeric_bias.implicit_bias`: ``(X, y, u0, v0, eta_u, eta_v)``."""
    X, y = _data(X, y)
    eta_u, eta_v = _rate("eta_u", eta_u), _rate("eta_v", eta_v)
    u0, v0 = _init(X.shape[1], alpha, u0, v0)
    return X, y, u0, v0, eta_u, eta_v


def _kernel(name: str):
    return generated_kernel(__package__, kernel=name)


# ------------------------------------------------------------------ the exact map
def _log_abs(x: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, -np.inf)
    np.log(np.abs(x), out=out, where=x != 0)
    return out


def _beta_and_slope(r, u0, v0, eta_u, eta_v):
    """β = b(R) and |b'(R)| = 4(η_u u² + η_v v²), same stable form as the kernel.

    u² = exp(2 ln|u₀| − 4η_uR) (0 where u₀ = 0, never 0·∞), likewise v².
    """
    lu, lv = 2 * _log_abs(u0), 2 * _log_abs(v0)
    with np.errstate(over="ignore", invalid="ignore"):  # −∞ + ∞ only where u₀ = v₀ = 0
        u2 = np.exp(lu - 4 * eta_u * r)
        v2 = np.exp(lv + 4 * eta_v * r)
        dl = (lu - lv) / 2 - 2 * (eta_u + eta_v) * r
        beta = np.where(dl >= 0, -u2 * np.expm1(-2 * dl), v2 * np.expm1(2 * dl))
    beta = np.where(u0 == 0, -v2, np.where(v0 == 0, u2, beta))
    return beta, 4 * (eta_u * u2 + eta_v * v2)


def trajectory(
    t,
    X,
    y,
    alpha=None,
    *,
    u0=None,
    v0=None,
    eta_u: float = 1.0,
    eta_v: float = 1.0,
    rtol: float = 1e-12,
    atol: float = 1e-14,
    method: str = "auto",
):
    r"""(u(t), v(t), β(t)) of the diagonal network under gradient flow.

    An exact reduction: u = u₀e^{−2η_uR}, v = v₀e^{2η_vR} hold exactly (the
    docs), and the integrated residual R(t) = Xᵀ∫₀ᵗ(Xβ − y) lives in row(X).
    For a rank-one X (one sample, say) R(t) is a one-dimensional quadrature
    t(m) = ∫dm/f(m) inverted with controlled error; for rank ≥ 2, where no
    one-dimensional reduction exists, the r-dimensional flow of R is integrated
    by extrapolated linearly implicit Euler with the local error measured on β
    (:mod:`.numeric_residual`).  NumPy only; R is then mapped to (u, v, β) by
    the generated ``exact`` kernel.

    Parameters
    ----------
    t : array_like
        Times ``t ≥ 0``, any shape.
    X : array of shape (n, d)
    y : array of shape (n,)
        Data; the loss is half the mean squared error ‖Xβ − y‖²/(2n) (the
        catalog convention; pass X·√n, y·√n, or times n·t, for the sum
        ½‖Xβ − y‖² used before exactflow 0.2).
    alpha : float or array of shape (B,), optional
        Uniform initialisation u₀ = v₀ = α𝟙 (β₀ = 0).
    u0, v0 : arrays of shape (d,) or (B, d), optional
        General initialisation (instead of ``alpha``); any signs, zeros allowed.
    eta_u, eta_v : float
        Positive layer-wise learning rates.
    rtol : float
        Relative tolerance in (0, 1): of the time for rank one (the state
        returned is the exact state at a time within rtol·t of t), of β per
        step for rank ≥ 2.
    atol : float
        Absolute tolerance on β per step (rank ≥ 2), ≥ 0.
    method : {"auto", "quadrature", "extrapolation"}
        ``"auto"``: the quadrature for rank ≤ 1, extrapolation otherwise.

    Returns
    -------
    u, v, beta : ndarrays of shape ``t.shape + (d,)`` (or ``(B,) + t.shape + (d,)``)

    Notes
    -----
    Domain: finite X with non-zero entries ≥ 1e-150 in magnitude, finite y (y
    need not be in the range of X: then β converges to
    the least-squares solution reachable from the start), α or |u₀|, |v₀| in
    {0} ∪ [1e-100, 1e100], rates in [1e-3, 1e3], t ≥ 0 up to 1e300, and
    η·|R| < 700 along the path (so u, v stay in the float64 range).
    Accuracy: rank one, relative error of β ≤ 1e-10 against a DOP853
    integration of the raw (u, v) flow at rtol 1e-12 (the backward error in t
    is ≤ rtol); rank ≥ 2, ≤ 1e-8 at the default tolerances.
    Cost: rank one, milliseconds; rank ≥ 2, about 1–4 s a call for α in
    [1e-3, 1e3] (pure-Python steps), growing with the stiffness α²‖X‖²
    (minutes at α = 1e4).

    Raises
    ------
    ValueError
        Bad shapes, non-positive α or rates, tolerances outside their range, an
        unknown method (each message names the argument).
    """
    t = _times(t)
    X, y, u0, v0, eta_u, eta_v = _problem(X, y, alpha, u0, v0, eta_u, eta_v)
    rtol = _tolerance("rtol", rtol)
    atol = _tolerance("atol", atol, hi=np.inf, allow_zero=True)
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    X, y = X / np.sqrt(len(y)), y / np.sqrt(len(y))  # ½·mean loss
    if u0.ndim == 2:
        parts = [
            _one_trajectory(t, X, y, a, b, eta_u, eta_v, rtol, atol, method)
            for a, b in zip(u0, v0)
        ]
        return tuple(np.stack(p) for p in zip(*parts))
    return _one_trajectory(t, X, y, u0, v0, eta_u, eta_v, rtol, atol, method)


#: the ways of obtaining R(t) (:mod:`.numeric_residual`)
METHODS = ("auto", "quadrature", "extrapolation")


def _row_space(X, y):
    """(A, S, c): X = U·diag(S)·A with orthonormal rows A (rank r), c = S⁻¹Uᵀy."""
    n, d = X.shape
    U, sv, Vt = np.linalg.svd(X, full_matrices=False)
    rank = int(np.sum(sv > sv[0] * max(n, d) * np.finfo(float).eps)) if sv[0] else 0
    A, S = Vt[:rank], sv[:rank]
    c = (U[:, :rank].T @ y) / S
    return A, S, c


def _one_trajectory(t, X, y, u0, v0, eta_u, eta_v, rtol, atol, method):
    times, where = np.unique(t.ravel(), return_inverse=True)
    A, _, _ = _row_space(X, y)
    if method == "quadrature" and len(A) > 1:
        raise ValueError(f"method='quadrature' needs a rank-one X, got rank {len(A)}")
    row_space = _row_space
    if method == "extrapolation" and len(A) == 1:
        def row_space(X, y):  # the same flow, through the r-dimensional integrator
            A, S, c = _row_space(X, y)
            return (np.vstack([A, np.zeros_like(A)]), np.append(S, 0.0),
                    np.append(c, 0.0))
    r = integrated_residual(times, X, y, u0, v0, eta_u, eta_v, rtol, atol,
                            _beta_and_slope, row_space)
    r = r[where.ravel()].reshape(t.shape + (len(u0),))
    with np.errstate(over="ignore"):
        out = _kernel("exact")(r, u0, v0, eta_u, eta_v)
    if not all(np.all(np.isfinite(o)) for o in out):
        raise ValueError("X, y, u0, v0 drive u or v beyond the float64 range along "
                         "the flow (η·|R| > 700): outside the domain")
    return out


def whitened_trajectory(
    t, beta_star, alpha=None, *, u0=None, v0=None, eta: float = 1.0
):
    r"""Closed-form (u, v, β)(t) for whitened data, XᵀX = I, Xᵀy = β*, rates η.

    Each coordinate follows a Riccati equation in e^{4R} (the docs model,
    solution of :func:`~exactflow.derivations.diagonal_linear.solution`); no
    integration, overflow-safe for any t ≥ 0.

    Parameters
    ----------
    t : array_like, any shape, ``t ≥ 0``
    beta_star : array of shape (d,)
        The target Σxy = Xᵀy.
    alpha, u0, v0 : as in :func:`trajectory`
    eta : float
        The common learning rate η_u = η_v = η.

    Returns
    -------
    u, v, beta : ndarrays of shape ``t.shape + (d,)`` (or ``(B,) + t.shape + (d,)``)

    Notes
    -----
    Domain: α or |u0|, |v0| in {0} ∪ [1e-60, 1e60], |β*| in {0} ∪ [1e-2, 1e2],
    η in [1e-3, 1e3], t up to 1e299 time units 1/(η·max(α², u0², v0², |β*|));
    ``ValueError`` naming the argument outside it.
    Accuracy: against the 60–180-digit time integral of each coordinate's
    flow β̇ = −4η√(β² + 4(u₀v₀)²)(β − β*): error of β ≤ 1e-12·|β| + 16 ulp of
    u² + v² (β is a difference next to u² + v²) for scales up to 1e20, and
    ≤ 1e-10 of u² + v² up to 1e60 (2.2e-11 measured at 1e40 and 1e60); uv and
    u² − v² = β to a few ulp of u² + v².

    Raises
    ------
    ValueError
        Bad shapes or values (naming the argument); t beyond the domain (about
        1e300 time units 1/(η·max(α², u0², v0², |β*|))), where a value would
        overflow, instead of returning NaN.
    """
    t = _times(t)
    s = _array("beta_star", beta_star, (1,))
    eta = _rate("eta", eta)
    u0, v0 = _init(s.shape[0], alpha, u0, v0)
    if u0.ndim == 2:
        u0 = u0.reshape((u0.shape[0],) + (1,) * t.ndim + u0.shape[1:])
        v0 = v0.reshape(u0.shape)
    with np.errstate(over="ignore", invalid="ignore"):
        out = _kernel("whitened")(t[..., None], u0, v0, s, eta)
    if not all(np.all(np.isfinite(o)) for o in out):
        raise ValueError("t is beyond the domain of the closed form for these "
                         "alpha/u0/v0, beta_star, eta (a value overflows)")
    return out


# ------------------------------------------------------------------ the potential
def Q(beta, alpha):  # noqa: N802 - the paper's name
    r"""Q_α(β) = α² Σᵢ q(βᵢ/α²), summed over the last axis (overflow-safe).

    Valid for α ∈ [1e-150, 1e150] and finite β (|β| up to ~1e300).

    Notes
    -----
    Domain: α in [1e-150, 1e150], |β| in {0} ∪ [1e-300, 1e300], any number of
    coordinates on the last axis; ``ValueError`` naming the argument for
    α ≤ 0, NaN, ±inf or a 0-d β.  (β/α² may overflow inside the kernel, which
    takes the logarithmic branch there: no warning, a finite result.)
    Accuracy: relative error ≤ 1e-14 per coordinate and of the sum (terms of
    one sign) against 40-digit mpmath, α from 1e-150 to 1e150.
    """
    beta, alpha = _potential_args(beta, alpha)
    with np.errstate(over="ignore"):  # β/α² = inf selects the log branch
        return _kernel("potential")(beta, alpha[..., None])[0].sum(axis=-1)


def grad_Q(beta, alpha):  # noqa: N802
    r"""∇Q_α(β) = arcsinh(β/(2α²)), elementwise (overflow-safe, α ≥ 1e-150).

    Notes
    -----
    Domain: that of :func:`Q`.  Accuracy: relative error ≤ 1e-14 per entry
    against 40-digit mpmath.
    """
    beta, alpha = _potential_args(beta, alpha)
    with np.errstate(over="ignore"):  # β/α² = inf selects the log branch
        return _kernel("potential")(beta, alpha[..., None])[1]


def _potential_args(beta, alpha):
    beta = _array("beta", beta)
    if beta.ndim == 0:
        raise ValueError("beta must be an array with the coordinates on its last axis")
    alpha = _array("alpha", alpha)
    if np.any(alpha <= 0):
        raise ValueError("alpha must be positive")
    return beta, alpha
