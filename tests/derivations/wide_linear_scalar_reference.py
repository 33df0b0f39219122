"""Independent high-precision reference for the wide scalar-data network.

Evaluates the *textbook* linearisation of the Riccati equation, z = e^{2cτ} = N/M
with (N, M) = e^{tH}(1, 1) written with cosh/sinh (docs §2), in mpmath with a
working precision raised by the cancellation the cosh/sinh form suffers
(up to Dt nats); shares no code with the overflow-safe kernel.  The residual uses
the Wronskian identity N Ṁ − M Ṅ = A − b − B (trace H = 0), so r needs no
cancellation either.
"""

from __future__ import annotations

import mpmath
import numpy as np

NAMES = ("tau", "g_plus", "g_minus", "p", "r", "ntk", "tau_inf")


def exact_mp(t, P_plus, P_minus, kappa, alpha, beta, eta_u, eta_w, dps=50):
    """The seven kernel outputs at one point, to about ``dps`` digits."""
    with mpmath.workdps(30):
        args = [mpmath.mpf(v) for v in (t, P_plus, P_minus, kappa, alpha, beta,
                                        eta_u, eta_w)]
        t_, Pp, Pm, k, a, b_, eu, ew = args
        c = mpmath.sqrt(eu * ew)
        A, B, b = 2 * c * a * k**2 * Pp, -2 * c * a * k**2 * Pm, 2 * c * k * b_
        D = mpmath.sqrt(b**2 + 4 * A * B)
        extra = int(1.25 * D * t_ / mpmath.log(10)) + 60
    with mpmath.workdps(dps + extra):
        t_, Pp, Pm, k, a, b_, eu, ew = [mpmath.mpf(v) for v in (
            t, P_plus, P_minus, kappa, alpha, beta, eta_u, eta_w)]
        c = mpmath.sqrt(eu * ew)
        A, B, b = 2 * c * a * k**2 * Pp, -2 * c * a * k**2 * Pm, 2 * c * k * b_
        D = mpmath.sqrt(b**2 + 4 * A * B)
        C = mpmath.cosh(D * t_ / 2)
        S = mpmath.sinh(D * t_ / 2) / (D / 2) if D != 0 else t_
        N = C + S * (b / 2 + B)
        M = C + S * (A - b / 2)
        y = mpmath.log(N) - mpmath.log(M)
        z = N / M
        ydot = (b + B - A) / (N * M)
        p = Pp * z + Pm / z
        if A > 0:
            y_inf = mpmath.log((b + D) / (2 * A))
        elif b > 0 or (b == 0 and B > 0):
            y_inf = mpmath.inf
        elif b < 0 and B > 0:  # A = 0: B e^{-y} = -b
            y_inf = mpmath.log(B / -b)
        elif B == 0 and b == 0:
            y_inf = mpmath.mpf(0)
        else:
            y_inf = -mpmath.inf
        if B == 0 and b < 0:  # P₋ = 0, β < 0: escapes downwards
            y_inf = -mpmath.inf
        return (
            y / (2 * c),
            mpmath.sqrt(Pp * z),
            mpmath.sqrt(-Pm / z),
            p,
            ydot / (2 * c * k),
            2 * c * k**2 * (Pp * z - Pm / z),
            y_inf / (2 * c) if mpmath.isfinite(y_inf) else y_inf,
        )


def random_case(rng: np.random.Generator, extreme: bool = True):
    """A random point of the documented accuracy domain (Dt ≤ 1e4).

    t ∈ [0, 1e4], P₊, −P₋ ∈ {0} ∪ [1e-3, 1e2], κ, α ∈ [1e-2, 1e2], |β| ∈ {0} ∪
    [1e-3, 1e2], η ∈ [1e-3, 1e3]; exact zeros of P₊, P₋, β occur with positive
    probability (the escaping and fixed-point cases).
    """
    lo, hi = (-3, 3) if extreme else (-1, 1)
    while True:
        eta_u, eta_w = 10.0 ** rng.uniform(lo, hi, 2)
        kappa, alpha = 10.0 ** rng.uniform(-2 if extreme else -1,
                                           2 if extreme else 1, 2)
        P_plus = 0.0 if rng.random() < 0.15 else 10.0 ** rng.uniform(-3, 2)
        P_minus = 0.0 if rng.random() < 0.15 else -(10.0 ** rng.uniform(-3, 2))
        beta = 0.0 if rng.random() < 0.1 else (
            rng.choice([-1.0, 1.0]) * 10.0 ** rng.uniform(-3, 2))
        t = 0.0 if rng.random() < 0.05 else (
            10.0 ** rng.uniform(-3, 4) if extreme else rng.uniform(0, 5))
        c = np.sqrt(eta_u * eta_w)
        A = 2 * c * alpha * kappa**2 * P_plus
        B = -2 * c * alpha * kappa**2 * P_minus
        b = 2 * c * kappa * beta
        if np.sqrt(b * b + 4 * A * B) * t > 1e4:
            continue
        return t, P_plus, P_minus, kappa, alpha, beta, eta_u, eta_w
