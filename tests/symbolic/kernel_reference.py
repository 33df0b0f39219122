"""Solver results against independent references: a kernel against mpmath
evaluations of its closed form, an implicit t(z) against integrator output."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from exactflow.symbolic.spec.functions import MPMATH_NAMESPACE


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


def assert_implicit_time(t_of, values, times, limit, rtol: float = 1e-8) -> None:
    """An implicit solution t(z) returns t_k at z(t_k) = ``values[k]`` (from an
    integrator), real-valued; points already at the limit (|z − limit| < 1e-9,
    where t(z) is ill-conditioned) are skipped."""
    for z, tk in zip(values, times):
        if abs(z - limit) < 1e-9:
            continue
        got = complex(t_of(z))
        assert abs(got.imag) < 1e-12, (z, got)
        assert abs(got.real - tk) <= rtol * abs(tk), (z, got.real, tk)
