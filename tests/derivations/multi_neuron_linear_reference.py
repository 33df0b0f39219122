"""Independent references for the multi-neuron linear network.

A hand-written right-hand side of the raw (A, W) flow for scipy's DOP853, and a
50-digit evaluation of one aligned mode built from mpmath's matrix exponential
(``mpmath.expm``) and an eigen-decomposition for ∫e^{2σM}dσ — it shares no code or
formula layout with the library's overflow-safe kernel.
"""

from __future__ import annotations

import mpmath
import numpy as np
from scipy.integrate import solve_ivp


def raw_rhs(h, d, c, sxx, sxy, eta_a, eta_w):
    """Ẇ = −η_w A Rᵀ, Ȧ = −η_a W R with R = Σxx WᵀA − Σxy; state = (W, A) flat."""

    def f(_t, y):
        W = y[: h * d].reshape(h, d)
        A = y[h * d :].reshape(h, c)
        R = sxx @ (W.T @ A) - sxy
        return np.concatenate(((-eta_w * A @ R.T).ravel(), (-eta_a * W @ R).ravel()))

    return f


def integrate(A0, W0, sxx, sxy, eta_a, eta_w, t_eval, rtol=1e-12, atol=1e-14):
    """(A(t), W(t)) at ``t_eval`` (shape (T, h, c), (T, h, d)) by DOP853."""
    h, c = A0.shape
    d = W0.shape[1]
    sol = solve_ivp(
        raw_rhs(h, d, c, sxx, sxy, eta_a, eta_w),
        (0.0, float(t_eval[-1])),
        np.concatenate((W0.ravel(), A0.ravel())),
        method="DOP853",
        rtol=rtol,
        atol=atol,
        t_eval=t_eval,
        dense_output=True,
    )
    assert sol.success
    y = sol.y.T
    return y[:, h * d :].reshape(-1, h, c), y[:, : h * d].reshape(-1, h, d), sol


def mode_mp(t, gamma0, alpha0, s, eta_a, eta_w, dps=50):
    """(γ(t), α(t)) of α̇ = −η_w γ(αγ − s), γ̇ = −η_a α(αγ − s) at ``dps`` digits.

    Unit-rate coordinates γ̃ = (η_w/η_a)^{1/4}γ, α̃ = (η_a/η_w)^{1/4}α, τ = √(η_aη_w)t;
    z = (α̃, γ̃)·√Λ solves ż = M z, M = [[−δ̃/2, s], [s, δ̃/2]], Λ' = |z|²/… i.e.
    Λ = 1 + z₀ᵀ(∫₀^τ e^{2σM}dσ)z₀.
    """
    with mpmath.workdps(dps):
        t, g0, a0, s, ea, ew = map(mpmath.mpf, (t, gamma0, alpha0, s, eta_a, eta_w))
        k = (ew / ea) ** mpmath.mpf(0.25)
        q0, u0 = k * g0, a0 / k
        dl = q0**2 - u0**2
        tau = mpmath.sqrt(ea * ew) * t
        M = mpmath.matrix([[-dl / 2, s], [s, dl / 2]])
        z0 = mpmath.matrix([u0, q0])
        z = mpmath.expm(tau * M) * z0
        E, Q = mpmath.eigsy(M)
        integral = mpmath.matrix(2, 2)
        for i in range(2):
            lam = E[i]
            w = tau if lam == 0 else mpmath.expm1(2 * lam * tau) / (2 * lam)
            integral += w * Q[:, i] * Q[:, i].T
        lam_ = 1 + (z0.T * integral * z0)[0]
        root = mpmath.sqrt(lam_)
        return z[1] / (k * root), k * z[0] / root


def spectra_mp(sigma, delta, eta_a, eta_w, dps=50):
    with mpmath.workdps(dps):
        sigma, delta, ea, ew = map(mpmath.mpf, (sigma, delta, eta_a, eta_w))
        kappa = mpmath.sqrt(delta**2 + 4 * ea * ew * sigma**2)
        return (kappa + delta) / 2, (kappa - delta) / 2
