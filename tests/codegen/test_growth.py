"""Growth scaling (exactflow.codegen.growth): an identity, and finite where the
value is, against mpmath evaluations of the unscaled expression (60 digits, whose
exponent range is unbounded)."""

from __future__ import annotations

import warnings

import mpmath
import numpy as np
import pytest
import sympy as sp

from exactflow.codegen import KernelSpec, load
from exactflow.codegen.growth import scale_growth
from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.spec.functions import MPMATH_NAMESPACE, intexp, phi1

t = sp.Symbol("t", nonnegative=True)
k = sp.Symbol("k", real=True)
a = sp.Symbol("a", real=True)
b = sp.Symbol("b", real=True)

CASES = {
    # logistic with a rate of either sign
    "logistic": sp.exp(k * t) / (1 + sp.exp(k * t)),
    # a Riccati-type ratio of cosh/sinh, growth cancels
    "cosh_ratio": (sp.cosh(a * t) + b * sp.sinh(a * t))
    / sp.sqrt(1 + b**2 + sp.sinh(a * t) ** 2),
    # intexp growth inside a root (linear-radial denominators)
    "radial": sp.exp(k * t) / sp.sqrt(1 + b**2 * intexp(2 * k, t)),
    # two rates in one sum, one negative
    "two_rates": (sp.exp(a * t) + sp.exp(-(a**2) * t)) / (1 + sp.exp(a * t)),
    "phi1": t * phi1(k * t) / (1 + t * phi1(k * t)),
    "log": sp.log(1 + sp.exp(k * t)) - k * t,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_scaled_form_is_an_identity(name):
    expr = CASES[name]
    scaled = scale_growth(expr, t)
    check = is_identically_zero(scaled - expr, points=4, exact=False)
    assert check.is_zero, (name, check)


def _reference(expr, values):
    f = sp.lambdify(list(values), expr, modules=[MPMATH_NAMESPACE, "mpmath"])
    with mpmath.workdps(60):
        return float(f(*(mpmath.mpf(v) for v in values.values())))


@pytest.mark.parametrize("sign", [1, -1])
@pytest.mark.parametrize("name", sorted(CASES))
def test_kernel_finite_and_accurate_at_large_t(name, sign):
    """Rates of one sign (growing, then decaying): the scaled kernel is finite and
    within 1e-9 of mpmath at t up to 1e6; the unscaled one overflows to NaN/inf
    somewhere for growing rates (which is why the pass exists)."""
    expr = CASES[name]
    inputs = tuple(sorted(expr.free_symbols, key=str))
    spec = KernelSpec("f", f"growth_{name}", inputs, (("y", expr),),
                      growth_variable=t)
    plain = KernelSpec("f", f"plain_{name}", inputs, (("y", expr),))
    f, g = load(spec), load(plain)
    rng = np.random.default_rng(1)
    overflowed = 0
    for tv in (0.0, 0.3, 40.0, 1e3, 1e6):
        values = {s: (tv if s == t else sign * float(rng.uniform(0.2, 2)))
                  for s in inputs}
        ref = _reference(expr, values)
        (got,) = f(*values.values())
        assert np.isfinite(got) and got == pytest.approx(ref, rel=1e-9, abs=1e-12), \
            (name, values, got, ref)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (unscaled,) = g(*values.values())
        overflowed += not np.isfinite(unscaled)
    # φ₁ is printed as expm1(x)/x, and the existing growth-ratio rule already
    # handles the one-exponential ratio two_rates: those two stay finite anyway
    if sign == 1 and name not in ("phi1", "two_rates"):
        assert overflowed > 0, "the unscaled form was expected to overflow"


def test_growth_variable_must_be_an_input():
    x = sp.Symbol("x")
    with pytest.raises(ValueError, match="growth_variable"):
        KernelSpec("f", "demo", (x,), (("y", x),), growth_variable=t)
