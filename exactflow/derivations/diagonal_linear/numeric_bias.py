"""The implicit bias of the diagonal network on plain arrays (the docs).

β(∞) of the flow when it interpolates — the minimiser of the mirror potential on
{Xβ = y} (Q_α for the uniform initialisation) — by Newton's method on the convex
dual, with NumPy only.
"""

from __future__ import annotations

import numpy as np

from .._checks import integer as _integer
from .._checks import tolerance as _tolerance
from .numeric import _beta_and_slope, _log_abs, _problem, _row_space

__all__ = ["implicit_bias"]


def implicit_bias(
    X,
    y,
    alpha=None,
    *,
    u0=None,
    v0=None,
    eta_u: float = 1.0,
    eta_v: float = 1.0,
    tol: float = 1e-13,
    max_iter: int = 5000,
):
    r"""β(∞) of the flow when it interpolates: the minimiser on {Xβ = y} of the
    mirror potential (Q_α(β) for u₀ = v₀ = α𝟙 and equal rates).

    Along the flow β = b(R) with R ∈ row(X) (the docs), so β(∞) = b(Xᵀμ) for
    the μ with X b(Xᵀμ) = y.  That μ minimises the convex dual
    J(μ) = Σᵢ F(Xᵀμ)ᵢ + yᵀμ with F(s) = u₀²e^{−4η_us}/(4η_u) + v₀²e^{4η_vs}/(4η_v)
    (F' = −b, F'' = 4(η_uu² + η_vv²) > 0), found by damped Newton with
    backtracking (overflow is treated as an infinite objective).  For the
    uniform initialisation b(R) = −2α² sinh(4ηR) and this is
    argmin_{Xβ=y} Q_α(β).  NumPy only.

    Parameters
    ----------
    X : array of shape (n, d)
    y : array of shape (n,), in the range of X
    alpha : float, optional
        Uniform initialisation scale (β₀ = 0).
    u0, v0 : arrays of shape (d,), optional
        General initialisation (instead of ``alpha``).
    eta_u, eta_v : float
        Layer rates (only their ratio matters).
    tol : float
        In (0, 1): stop when ‖Xβ − y‖ ≤ tol·(1 + ‖y‖) in the row-space
        coordinates.
    max_iter : int
        ≥ 1, the number of Newton steps allowed.

    Returns
    -------
    beta : ndarray of shape (d,)

    Notes
    -----
    Domain: X of shape (n, d) with entries of size 1e-2 … 1e2, y in the range
    of X, α in [1e-3, 1e3] or u0, v0 with entries ±[1e-2, 1e2], rates with
    η_u/η_v in [1e-4, 1e4]; ``ValueError`` naming the argument outside it
    (and ``RuntimeError`` where no interpolant is reachable, below).
    Accuracy: relative error ≤ 1e-10 against a 40-digit Newton solution of
    X b(Xᵀμ) = y (mpmath) at the default tol, from α = 1e-3 (rich) to 1e3
    (lazy), general starts and rate ratios 1e±4.

    Raises
    ------
    ValueError
        Bad shapes, non-positive α or rates, y outside the range of X, tol
        outside (0, 1), max_iter < 1 (each message names the argument).
    RuntimeError
        When Newton's method does not converge (e.g. coordinates initialised at
        u₀ᵢ = v₀ᵢ = 0 cannot move and no interpolant exists without them).
    """
    X, y, u0, v0, eta_u, eta_v = _problem(X, y, alpha, u0, v0, eta_u, eta_v)
    tol = _tolerance("tol", tol)
    max_iter = _integer("max_iter", max_iter)
    d = X.shape[1]
    if u0.ndim != 1:
        raise ValueError(
            "implicit_bias takes one initialisation: alpha scalar, "
            "u0 and v0 of shape (d,)"
        )
    A, _, c = _row_space(X, y)  # orthonormal rows spanning row(X)
    rank = len(c)
    if not np.allclose(X @ (A.T @ c), y, rtol=1e-10, atol=1e-12 * (1 + abs(y).max())):
        raise ValueError("y must be in the range of X: no interpolating β exists")
    beta0, _ = _beta_and_slope(np.zeros(d), u0, v0, eta_u, eta_v)
    if rank == 0:
        return beta0
    lp, lm = 2 * _log_abs(u0), 2 * _log_abs(v0)

    def dual(mu):
        # Σ F(s) − F(0) with expm1: no large constant to round the decrease away
        s = A.T @ mu
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.exp(lp) * np.expm1(-4 * eta_u * s) / (4 * eta_u) + np.exp(
                lm
            ) * np.expm1(4 * eta_v * s) / (4 * eta_v)
        return float(f.sum() + c @ mu)

    def residual(mu):
        with np.errstate(over="ignore", invalid="ignore"):  # trial points
            beta, slope = _beta_and_slope(A.T @ mu, u0, v0, eta_u, eta_v)
            return beta, slope, c - A @ beta  # ∇J = c − A b(Aᵀμ)

    mu = np.zeros(rank)
    beta, slope, grad = residual(mu)
    size = 1.0 + float(np.linalg.norm(c)) + float(np.linalg.norm(beta))
    for _ in range(max_iter):
        size = 1.0 + float(np.linalg.norm(c)) + float(np.linalg.norm(beta))
        gnorm = float(np.linalg.norm(grad))
        if gnorm <= tol * size:
            return beta
        H = (A * slope) @ A.T
        try:
            step = -np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = -np.linalg.lstsq(H, grad, rcond=None)[0]
        # exponentials change by at most e² per step: far from the solution the
        # Newton step of exp-type terms overshoots by orders of magnitude
        # (per coordinate, the term that grows along the step: u² where s falls,
        # v² where it rises — each at its own rate, so unequal rates do not
        # shrink the steps of the slow layer to those of the fast one)
        ds = A.T @ step
        grows = np.where(ds > 0, eta_v * np.isfinite(lm), eta_u * np.isfinite(lp))
        reach = 4 * float(np.max(grows * np.abs(ds)))
        if reach > 2.0:
            step = step * (2.0 / reach)
        j0, dec, lam = dual(mu), float(grad @ step), 1.0
        while lam > 1e-20:
            trial = mu + lam * step
            j1 = dual(trial)
            b1, s1, g1 = residual(trial)
            if np.isfinite(j1) and np.all(np.isfinite(g1)):
                # Armijo on J, or (where J's decrease is below its rounding, near
                # the solution) a decrease of the gradient norm
                with np.errstate(over="ignore"):
                    g1norm = float(np.linalg.norm(g1))
                if j1 <= j0 + 0.25 * lam * dec or g1norm <= (1 - 0.25 * lam) * gnorm:
                    break
            lam /= 2
        else:
            break
        if np.array_equal(trial, mu):  # no representable progress
            break
        mu, beta, slope, grad = trial, b1, s1, g1
    if np.linalg.norm(grad) <= 1e3 * tol * size:
        return beta
    raise RuntimeError(
        "implicit_bias: Newton's method on the dual did not converge; the flow may "
        "not interpolate (e.g. coordinates with u0 = v0 = 0 cannot move)"
    )
