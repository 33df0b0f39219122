"""A solver kernel against mpmath evaluations of the closed form it came from."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from exactflow.symbolic.functions import MPMATH_NAMESPACE


def assert_kernel_matches_mpmath(res, values: dict[str, float], times,
                                 rtol: float = 1e-9, atol: float = 1e-12) -> None:
    """``res.kernel()`` at ``times`` (up to 1e6: the growth-scaled form must not
    overflow) equals the closed form evaluated by mpmath at 60 digits, whose
    exponent range is unbounded.  ``values`` maps the other input names.

    The tolerance is ``rtol`` or 1e-14·t, whichever is larger: a factor
    e^{(R₁ − R₂)t} whose rates are equal is evaluated as e^{εRt} (R rounded), a
    relative error that grows like ε·R·t (measured: 1.8e-15·t for the single
    neuron, 1.8e-9 at t = 1e6).
    """
    kx = res.kernel_exprs()
    f = res.kernel()
    names = [str(x) for x in kx.inputs]
    ref = sp.lambdify(list(kx.inputs), [e for _, e in kx.outputs],
                      modules=[MPMATH_NAMESPACE, "mpmath"])
    times = np.asarray(times, dtype=float)
    got = f(*[times if n == "t" else values[n] for n in names])
    for i, tv in enumerate(times):
        with mpmath.workdps(60):
            want = ref(*[mpmath.mpf(tv) if n == "t" else mpmath.mpf(values[n])
                         for n in names])
        for (name, _), g, w in zip(kx.outputs, got, want):
            assert np.isfinite(g[i]), (name, tv)
            tol = atol + max(rtol, 1e-14 * tv) * abs(float(w))
            assert abs(g[i] - float(w)) <= tol, \
                (name, tv, g[i], float(w))
