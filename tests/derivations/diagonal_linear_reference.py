"""Independent references for the diagonal network (the docs).

Shares no code with the library: the raw (u, v) gradient flow written by hand
for scipy's integrators, Woodworth's q in its textbook form evaluated with mpmath
(at enough digits to survive its cancellation), the textbook cosh/sinh form of
the whitened Riccati solution at 50 digits, and min-ℓ₁ / min-ℓ₂ interpolants from
scipy's linprog and numpy's lstsq.
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import linprog


def raw_rhs(X, y, eta_u=1.0, eta_v=1.0, with_integral=False):
    """u̇ = −2η_u u⊙Xᵀρ, v̇ = 2η_v v⊙Xᵀρ, ρ = Xβ − y (and ṁ = ρ for ∫ρ)."""
    d = X.shape[1]

    def f(_t, state):
        u, v = state[:d], state[d : 2 * d]
        rho = X @ (u * u - v * v) - y
        g = X.T @ rho
        out = [-2 * eta_u * u * g, 2 * eta_v * v * g]
        if with_integral:
            out.append(rho)
        return np.concatenate(out)

    return f


def raw_jac(X, y, eta_u=1.0, eta_v=1.0):
    G, h = X.T @ X, X.T @ y
    d = X.shape[1]

    def jac(_t, state):
        u, v = state[:d], state[d:]
        g = G @ (u * u - v * v) - h
        J = np.empty((2 * d, 2 * d))
        J[:d, :d] = -2 * eta_u * (np.diag(g) + 2 * u[:, None] * G * u[None, :])
        J[:d, d:] = 4 * eta_u * u[:, None] * G * v[None, :]
        J[d:, :d] = 4 * eta_v * v[:, None] * G * u[None, :]
        J[d:, d:] = 2 * eta_v * (np.diag(g) - 2 * v[:, None] * G * v[None, :])
        return J

    return jac


def integrate(
    X,
    y,
    u0,
    v0,
    t_eval,
    eta_u=1.0,
    eta_v=1.0,
    with_integral=False,
    method="DOP853",
    rtol=1e-12,
    atol=1e-14,
):
    """The raw flow by solve_ivp; returns the state rows at ``t_eval``."""
    state0 = [u0, v0] + ([np.zeros(X.shape[0])] if with_integral else [])
    kw = {}
    if method in ("LSODA", "Radau", "BDF"):
        kw["jac"] = raw_jac(X, y, eta_u, eta_v)
    sol = solve_ivp(
        raw_rhs(X, y, eta_u, eta_v, with_integral),
        (0.0, float(t_eval[-1])),
        np.concatenate(state0),
        method=method,
        t_eval=t_eval,
        rtol=rtol,
        atol=atol,
        **kw,
    )
    assert sol.success, sol.message
    return sol.y.T


def q_term_mp(beta, alpha):
    """(α²q(β/α²), arcsinh(β/(2α²))) from the textbook q, at enough digits.

    2 − √(4 + z²) loses about 2|log₁₀ z| digits for small z; the working precision
    is raised by that much over 50.
    """
    b, a = mpmath.mpf(beta), mpmath.mpf(alpha)
    with mpmath.workdps(60):
        z = b / a**2
        extra = 0 if z == 0 else max(0, -int(mpmath.log10(abs(z))))
    with mpmath.workdps(60 + 2 * extra):
        z = b / a**2
        q = 2 - mpmath.sqrt(4 + z**2) + z * mpmath.asinh(z / 2)
        return a**2 * q, mpmath.asinh(z / 2)


def exact_map_mp(r, u0, v0, eta_u, eta_v, dps=50):
    """(u, v, β) = (u₀e^{−2η_uR}, v₀e^{2η_vR}, u² − v²) at ``dps`` digits."""
    with mpmath.workdps(dps):
        r, u0, v0, eta_u, eta_v = map(mpmath.mpf, (r, u0, v0, eta_u, eta_v))
        u = u0 * mpmath.exp(-2 * eta_u * r)
        v = v0 * mpmath.exp(2 * eta_v * r)
        return u, v, u * u - v * v


def whitened_mp(t, u0, v0, s, eta, dps=50):
    """Textbook Möbius form: w = e^{4R} = y₁/y₂, (y₁, y₂) = e^{τK}(1, 1)ᵀ."""
    with mpmath.workdps(dps):
        t, u0, v0, s, eta = map(mpmath.mpf, (t, u0, v0, s, eta))
        tau, p, m = eta * t, u0 * u0, v0 * v0
        D = mpmath.sqrt(s * s + 4 * p * m)
        C = mpmath.cosh(2 * D * tau)
        S = mpmath.sinh(2 * D * tau) / D if D else 2 * tau
        y1 = C + S * (2 * p - s)
        y2 = C + S * (2 * m + s)
        u = u0 * mpmath.sqrt(y2 / y1)
        v = v0 * mpmath.sqrt(y1 / y2)
        return u, v, u * u - v * v


def min_l1(X, y):
    """argmin ‖β‖₁ on Xβ = y by linprog (β = p − n, p, n ≥ 0)."""
    n, d = X.shape
    res = linprog(
        np.ones(2 * d),
        A_eq=np.hstack([X, -X]),
        b_eq=y,
        bounds=[(0, None)] * (2 * d),
        method="highs",
    )
    assert res.success
    return res.x[:d] - res.x[d:]


def min_l2(X, y):
    return np.linalg.lstsq(X, y, rcond=None)[0]


def sparse_problem(seed, n=5, d=12, k=2):
    """Gaussian design, k-sparse target with entries of both signs."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    beta = np.zeros(d)
    idx = rng.choice(d, size=k, replace=False)
    beta[idx] = rng.uniform(0.5, 1.5, size=k) * rng.choice([-1, 1], size=k)
    return X, X @ beta, beta
