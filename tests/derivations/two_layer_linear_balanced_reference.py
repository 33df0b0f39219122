"""Independent references for the λ-balanced two-layer linear network.

``integrate`` runs scipy's DOP853 on the raw (W₁, W₂) ODE; ``mode_mp`` evaluates the
textbook 2×2 closed form (cosh/sinh, the docs) at high precision with mpmath.
Neither shares code with the library's factored forms.
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.integrate import solve_ivp


def integrate(W1, W2, Syx, tau, t_eval):
    """(β, W₁ᵀW₁, W₂W₂ᵀ) at ``t_eval`` from τẆ₁ = W₂ᵀ(Σ − W₂W₁), τẆ₂ = (Σ − W₂W₁)W₁ᵀ."""
    h, d_in = W1.shape
    d_out = W2.shape[0]

    def rhs(_t, y):
        A = y[: h * d_in].reshape(h, d_in)
        B = y[h * d_in :].reshape(d_out, h)
        R = Syx - B @ A
        return np.concatenate([(B.T @ R).ravel(), (R @ A.T).ravel()]) / tau

    sol = solve_ivp(
        rhs,
        (0.0, float(t_eval[-1])),
        np.concatenate([W1.ravel(), W2.ravel()]),
        method="DOP853",
        rtol=1e-12,
        atol=1e-14,
        t_eval=t_eval,
    )
    assert sol.success
    A = sol.y[: h * d_in].T.reshape(-1, h, d_in)
    B = sol.y[h * d_in :].T.reshape(-1, d_out, h)
    return B @ A, np.swapaxes(A, 1, 2) @ A, B @ np.swapaxes(B, 1, 2)


def mode_mp(t, s, lam, u0, tau, dps=40):
    """(u, a², b²) of one aligned mode from 𝒫 = Eq₀q₀ᵀE/(1 + q₀ᵀJq₀), textbook form."""
    t, s, lam, u0, tau = (float(x) for x in (t, s, lam, u0, tau))
    D = float(np.hypot(lam, 2 * s))
    extra = int(D * t / tau) + 10  # digits lost to the e^{±DT/2} of the textbook form
    with mpmath.workdps(dps + extra):
        t, s, lam, u0, tau = map(mpmath.mpf, (t, s, lam, u0, tau))
        T = t / tau
        D = mpmath.sqrt(lam**2 + 4 * s**2)
        k0 = mpmath.sqrt(lam**2 + 4 * u0**2)
        a0 = mpmath.sqrt((k0 - lam) / 2)
        b0 = mpmath.sqrt((k0 + lam) / 2) * (-1 if u0 < 0 else 1)
        F = mpmath.matrix([[-lam / 2, s], [s, lam / 2]])
        if D == 0:
            C, Sh, J1, J2 = 1, T, T, T**2
        else:
            C, Sh = mpmath.cosh(D * T / 2), 2 * mpmath.sinh(D * T / 2) / D
            J1, J2 = mpmath.sinh(D * T) / D, 2 * (mpmath.cosh(D * T) - 1) / D**2
        E = C * mpmath.eye(2) + Sh * F
        J = J1 * mpmath.eye(2) + J2 * F
        q0 = mpmath.matrix([a0, b0])
        z = E * q0
        den = 1 + (q0.T * J * q0)[0]
        return z[1] * z[0] / den, z[0] ** 2 / den, z[1] ** 2 / den


def random_mode_case(rng: np.random.Generator):
    """t/τ ≥ 0 with D t/τ ≤ 2000, s ∈ {0} ∪ [1e-3, 10], |λ| ∈ {0} ∪ [1e-3, 100],
    |u₀| ∈ {0} ∪ [1e-4, 10] of either sign, τ ∈ [0.1, 10]."""
    s = 0.0 if rng.random() < 0.1 else 10.0 ** rng.uniform(-3, 1)
    lam = (
        0.0 if rng.random() < 0.2 else rng.choice([-1, 1]) * 10.0 ** rng.uniform(-3, 2)
    )
    u0 = 0.0 if rng.random() < 0.1 else rng.choice([-1, 1]) * 10.0 ** rng.uniform(-4, 1)
    tau = 10.0 ** rng.uniform(-1, 1)
    D = np.hypot(lam, 2 * s)
    T = 0.0 if rng.random() < 0.05 else 10.0 ** rng.uniform(-3, 3)
    if D * T > 2000:
        T = 2000 / D * rng.random()
    return T * tau, s, lam, u0, tau
