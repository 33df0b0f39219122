"""Independent 50-digit reference for the single-neuron exact solution.

Evaluates the textbook unified form (cosh/sinh matrix exponential, docs §5)
with mpmath at 50 digits; shares no code with the generated kernel's stable form.
"""

from __future__ import annotations

import mpmath
import numpy as np


def exact_mp(t, a0, p0, r0, s, eta_a, eta_w, dps=50):
    """(a, p, g) at one point, computed at ``dps`` digits from the textbook form."""
    with mpmath.workdps(dps):
        t, a0, p0, r0, s, eta_a, eta_w = map(
            mpmath.mpf, (t, a0, p0, r0, s, eta_a, eta_w)
        )
        k = (eta_w / eta_a) ** mpmath.mpf(0.25)
        q0, u0, rho0 = k * a0, p0 / k, r0 / k
        dl = q0**2 - u0**2 - rho0**2
        tau = mpmath.sqrt(eta_a * eta_w) * t
        D = mpmath.sqrt(dl**2 + 4 * s**2)
        if D == 0:
            u, q = u0, q0
            lam = 1 + tau * (u0**2 + q0**2 + rho0**2)
        else:
            C, S = mpmath.cosh(D * tau / 2), mpmath.sinh(D * tau / 2)
            u = C * u0 + 2 * S / D * (-dl / 2 * u0 + s * q0)
            q = C * q0 + 2 * S / D * (s * u0 + dl / 2 * q0)
            quad = -dl / 2 * u0**2 + 2 * s * u0 * q0 + dl / 2 * q0**2
            ie = tau if dl == 0 else -mpmath.expm1(-dl * tau) / dl
            lam = (
                1
                + mpmath.sinh(D * tau) / D * (u0**2 + q0**2)
                + 2 * (mpmath.cosh(D * tau) - 1) / D**2 * quad
                + rho0**2 * ie
            )
        root = mpmath.sqrt(lam)
        return q / (k * root), k * u / root, mpmath.exp(-dl * tau / 2) / root


def random_case(rng: np.random.Generator, extreme: bool = True):
    """A random point of the accuracy domain of the issue.

    t ∈ [0, 1e4], |δ| ≤ 1e3, ‖β*‖ ∈ [1e-3, 1e2], η ∈ [1e-3, 1e3]; δ = 0 exactly,
    a0 = 0 and a0 < 0 occur with positive probability.
    """
    lo, hi = (-3, 3) if extreme else (-1, 1)
    while True:
        eta_a, eta_w = 10.0 ** rng.uniform(lo, hi, 2)
        s = 10.0 ** rng.uniform(-3, 2) if extreme else 10.0 ** rng.uniform(-1, 1)
        t = 10.0 ** rng.uniform(-3, 4) if extreme else rng.uniform(0, 5)
        if rng.random() < 0.05:
            t = 0.0
        nw = 10.0 ** rng.uniform(-2, 1)
        ang = rng.uniform(0, np.pi)
        p0, r0 = nw * np.cos(ang), nw * np.sin(ang)
        kind = rng.random()
        if kind < 0.15:
            delta = 0.0
        elif kind < 0.25:
            delta = -eta_a * nw**2  # a0 = 0
        else:
            delta = rng.choice([-1, 1]) * 10.0 ** rng.uniform(-3, 3 if extreme else 1)
        a0sq = (delta + eta_a * nw**2) / eta_w
        if a0sq < 0 or abs(delta) > 1e3:
            continue
        a0 = np.sqrt(a0sq) * rng.choice([-1.0, 1.0])
        return t, a0, p0, r0, s, eta_a, eta_w
