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
from .maths import NAME, kernels

__all__ = ["trajectory", "whitened_trajectory", "Q", "grad_Q"]


# ------------------------------------------------------------------ input checks
def _times(t) -> np.ndarray:
    t = _array("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the flow runs forward from t = 0)")
    return t


def _data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X = _array("X", X, (2,))
    y = _array("y", y, (1,))
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
    return generated_kernel(NAME, kernels, kernel=name)


# ------------------------------------------------------------------ the exact map
def _log_abs(x: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, -np.inf)
    np.log(np.abs(x), out=out, where=x != 0)
    return out


def _beta_and_slope(r, u0, v0, eta_u, eta_v):
    """β = b(R) and |b'(R)| = 4(η_u u² + η_v v²), same stable form as the kernel."""
    u = u0 * np.exp(-2 * eta_u * r)
    v = v0 * np.exp(2 * eta_v * r)
    u2, v2 = u * u, v * v
    with np.errstate(invalid="ignore"):  # −∞ + ∞ only where u₀ = v₀ = 0
        dl = _log_abs(u0) - _log_abs(v0) - 2 * (eta_u + eta_v) * r
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
    method: str = "LSODA",
):
    r"""(u(t), v(t), β(t)) of the diagonal network under gradient flow.

    This is an exact reduction with R integrated numerically: u = u₀e^{−2η_uR},
    v = v₀e^{2η_vR} hold exactly (the docs), and the integrated residual
    R(t) = Xᵀ∫₀ᵗ(Xβ − y) — which has no closed form in general — is obtained by
    integrating the d-dimensional ODE Ṙ = Xᵀ(X b(R) − y), R(0) = 0, with
    ``scipy.integrate.solve_ivp`` (SciPy is imported here, on first use; it is
    not a core dependency of exactflow).  R lives in row(X) and is integrated in
    its coordinates (no drift along null(X)); the default LSODA method with the
    exact Jacobian copes with the stiffness of long runs (t up to 1e8) and of
    large or small α (checked for α from 1e-3 to 1e8).

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
    rtol, atol : float
        Tolerances of the integration of R.
    method : str
        ``solve_ivp`` method; implicit methods get the exact Jacobian.

    Returns
    -------
    u, v, beta : ndarrays of shape ``t.shape + (d,)`` (or ``(B,) + t.shape + (d,)``)

    Raises
    ------
    ImportError
        When SciPy is not installed.
    """
    t = _times(t)
    X, y, u0, v0, eta_u, eta_v = _problem(X, y, alpha, u0, v0, eta_u, eta_v)
    X, y = X / np.sqrt(len(y)), y / np.sqrt(len(y))  # ½·mean loss
    if u0.ndim == 2:
        parts = [
            _one_trajectory(t, X, y, a, b, eta_u, eta_v, rtol, atol, method)
            for a, b in zip(u0, v0)
        ]
        return tuple(np.stack(p) for p in zip(*parts))
    return _one_trajectory(t, X, y, u0, v0, eta_u, eta_v, rtol, atol, method)


def _row_space(X, y):
    """(A, S, c): X = U·diag(S)·A with orthonormal rows A (rank r), c = S⁻¹Uᵀy.

    Raises ValueError when y is not in the range of X (no interpolant).
    """
    n, d = X.shape
    U, sv, Vt = np.linalg.svd(X, full_matrices=False)
    rank = int(np.sum(sv > sv[0] * max(n, d) * np.finfo(float).eps)) if sv[0] else 0
    A, S = Vt[:rank], sv[:rank]
    c = (U[:, :rank].T @ y) / S
    return A, S, c


def integrated_residual(t, X, y, u0, v0, eta_u, eta_v, rtol, atol, method):
    """R(t) on the sorted unique times ``t`` (1-D), by ``solve_ivp``.

    R = Xᵀ∫ρ lies in row(X) = span of the rows of A (X = U·diag(S)·A), so it is
    integrated in those coordinates, R = Aᵀm: ṁ = S²(A b(Aᵀm) − c) with
    c = S⁻¹Uᵀy — which equals A Xᵀ(X b(R) − y) for every y, and keeps R exactly
    in row(X) (no drift along null(X) from rounding over long runs).
    """
    try:
        from scipy.integrate import solve_ivp
    except ImportError:  # pragma: no cover - scipy ships with the test extra
        raise ImportError(
            "diagonal_linear.trajectory integrates the integrated residual R(t) with "
            "scipy.integrate.solve_ivp; install SciPy (pip install scipy, or the "
            "exactflow[test] extra), or use implicit_bias / whitened_trajectory, "
            "which need NumPy only"
        ) from None
    A, S, c = _row_space(X, y)
    # the part of y outside range(X) adds a constant −Xᵀy_⊥ = 0 to Ṙ: nothing
    S2 = S * S

    def rhs(_s, m):
        beta, _ = _beta_and_slope(A.T @ m, u0, v0, eta_u, eta_v)
        return S2 * (A @ beta - c)

    def jac(_s, m):
        _, slope = _beta_and_slope(A.T @ m, u0, v0, eta_u, eta_v)
        return -(S2[:, None] * (A * slope)) @ A.T  # b' = −slope

    r = np.zeros((len(t), len(u0)))
    if t[-1] > 0 and len(S):
        kw = {"jac": jac} if method in ("Radau", "BDF", "LSODA") else {}
        # a first step well inside the fastest initial time scale 1/(S²|b'(0)|)
        _, slope0 = _beta_and_slope(np.zeros(len(u0)), u0, v0, eta_u, eta_v)
        fastest = float(S2.max() * max(slope0.max(), 1.0))
        kw["first_step"] = min(float(t[-1]), 1e-6 / fastest)
        with np.errstate(over="ignore", invalid="ignore"):  # rejected trial steps
            sol = solve_ivp(
                rhs,
                (0.0, float(t[-1])),
                np.zeros(len(S)),
                method=method,
                t_eval=t,
                rtol=rtol,
                atol=atol,
                **kw,
            )
        if not sol.success or not np.all(np.isfinite(sol.y)):
            raise RuntimeError(f"integration of R(t) failed: {sol.message}")
        r = sol.y.T @ A
    return r


def _one_trajectory(t, X, y, u0, v0, eta_u, eta_v, rtol, atol, method):
    times, where = np.unique(t.ravel(), return_inverse=True)
    r = integrated_residual(times, X, y, u0, v0, eta_u, eta_v, rtol, atol, method)
    r = r[where.ravel()].reshape(t.shape + (len(u0),))
    return _kernel("exact")(r, u0, v0, eta_u, eta_v)


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
    """
    t = _times(t)
    s = _array("beta_star", beta_star, (1,))
    eta = _rate("eta", eta)
    u0, v0 = _init(s.shape[0], alpha, u0, v0)
    if u0.ndim == 2:
        u0 = u0.reshape((u0.shape[0],) + (1,) * t.ndim + u0.shape[1:])
        v0 = v0.reshape(u0.shape)
    return _kernel("whitened")(t[..., None], u0, v0, s, eta)


# ------------------------------------------------------------------ the potential
def Q(beta, alpha):  # noqa: N802 - the paper's name
    r"""Q_α(β) = α² Σᵢ q(βᵢ/α²), summed over the last axis (overflow-safe).

    Valid for α ∈ [1e-150, 1e150] and finite β (|β| up to ~1e300).
    """
    beta, alpha = _potential_args(beta, alpha)
    return _kernel("potential")(beta, alpha[..., None])[0].sum(axis=-1)


def grad_Q(beta, alpha):  # noqa: N802
    r"""∇Q_α(β) = arcsinh(β/(2α²)), elementwise (overflow-safe, α ≥ 1e-150)."""
    beta, alpha = _potential_args(beta, alpha)
    return _kernel("potential")(beta, alpha[..., None])[1]


def _potential_args(beta, alpha):
    beta = _array("beta", beta)
    if beta.ndim == 0:
        raise ValueError("beta must be an array with the coordinates on its last axis")
    alpha = _array("alpha", alpha)
    if np.any(alpha <= 0):
        raise ValueError("alpha must be positive")
    return beta, alpha
