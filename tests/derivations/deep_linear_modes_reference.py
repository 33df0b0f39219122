"""Independent 40-digit references for the balanced deep-linear mode (the docs).

Shares no code with the library: the learning time is the Gauss-hypergeometric
antiderivative evaluated by mpmath (not the roots-of-unity sum the library
uses), and u(t) is found from it by mpmath's bracketing root finder.
"""

from __future__ import annotations

import mpmath


def time_mp(u0, uf, s, depth, tau=1.0, dps=40):
    """(τ/N) ∫_{u0}^{uf} du / (|u|^{2−2/N}(s − u)) for u0, uf on one trajectory."""
    with mpmath.workdps(dps):
        u0, uf, s, tau = map(mpmath.mpf, (u0, uf, s, tau))
        n = mpmath.mpf(depth)
        p = 2 - 2 / n
        a = 1 - p
        if depth == 1:
            return tau * mpmath.log((s - u0) / (s - uf))
        if depth == 2:
            return tau / (2 * s) * mpmath.log(uf * (s - u0) / (u0 * (s - uf))) * (
                1 if u0 > 0 else -1
            )
        c = tau * s ** (-p) / n
        if 0 < u0 < s:
            F = lambda z: z**a / a * mpmath.hyp2f1(1, a, a + 1, z)  # noqa: E731
            return c * (F(uf / s) - F(u0 / s))
        if u0 > s:
            G = lambda y: y**p / p * mpmath.hyp2f1(1, p, p + 1, y)  # noqa: E731
            return c * (G(s / uf) - G(s / u0))
        H = lambda z: z**a / a * mpmath.hyp2f1(1, a, a + 1, -z)  # noqa: E731
        return c * (H(-u0 / s) - H(-uf / s))


def quad_mp(u0, uf, s, depth, tau=1.0, dps=40):
    """The same integral by mpmath quadrature (a second, cruder reference)."""
    with mpmath.workdps(dps):
        u0, uf, s, tau = map(mpmath.mpf, (u0, uf, s, tau))
        p = 2 - mpmath.mpf(2) / depth
        return mpmath.quad(lambda u: tau / (depth * abs(u) ** p * (s - u)), [u0, uf])


def _variable(u0, s):
    """(x ↦ u, x₀, dx/dt as a function of u): x grows without bound on the flow."""
    if 0 < u0 < s:
        return (lambda x: s / (1 + mpmath.exp(-x))), mpmath.log(u0 / (s - u0))
    if u0 > s:
        return (lambda x: s / (1 - mpmath.exp(-x))), mpmath.log(u0 / (u0 - s))
    return (lambda x: -s * mpmath.exp(-x)), mpmath.log(-s / u0)


def trajectory_mp(t, u0, s, depth, tau=1.0, guess=None, dps=30):
    """u(t) solving time_mp(u0, u, s) = t.

    Newton's method on time_mp in the variable x of :func:`_variable`, with
    dt/dx from the mode ODE; ``guess`` (e.g. a float answer to be checked)
    only starts the iteration, whose converged root is that of time_mp.
    Falls back to bracketing when Newton does not settle.
    """
    with mpmath.workdps(dps):
        t, u0, s, tau = map(mpmath.mpf, (t, u0, s, tau))
        if t == 0 or u0 == 0 or u0 == s:
            return u0
        n = mpmath.mpf(depth)
        p = 2 - 2 / n
        to_u, x0 = _variable(u0, s)

        def g(x):
            # enough digits that 1 − u/s ≈ e^{−x} survives (u → s for x → ∞)
            extra = dps + int(abs(x) / 2)
            with mpmath.workdps(extra):
                return time_mp(u0, to_u(x), s, depth, tau, extra) - t

        def rate(x):  # dx/dt along τu̇ = N|u|^p (s − u)
            u = to_u(x)
            z = abs(u) / s
            r = n * s**p / tau * z ** (p - 1)
            return r * (1 + z) if u < 0 else r

        guess = None if guess is None else mpmath.mpf(guess)
        inside = guess is not None and (
            (0 < u0 < s and u0 < guess < s)
            or (u0 > s and s < guess < u0)
            or (u0 < 0 and u0 < guess < 0)
        )
        if guess is not None and not inside:
            raise ValueError("guess must lie strictly between u0 and the attractor")
        if inside:
            x = _x_of(guess, u0, s)
            for _ in range(30):
                step = g(x) * rate(x)
                x -= step
                if abs(step) < mpmath.mpf(10) ** (-dps + 5) * max(1, abs(x)):
                    return to_u(x)
        step = mpmath.mpf(1)
        while g(x0 + step) < 0:
            step *= 2
        lo = x0 if step == 1 else x0 + step / 2
        return to_u(mpmath.findroot(g, (lo, x0 + step), solver="anderson"))


def _x_of(u, u0, s):
    if 0 < u0 < s:
        return mpmath.log(u / (s - u))
    if u0 > s:
        return mpmath.log(u / (u - s))
    return mpmath.log(-s / u)
