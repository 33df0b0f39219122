"""Named closed forms that need controlled derivatives and printing.

``phi1(x) = (exp(x) - 1)/x`` (with ``phi1(0) = 1``) and
``intexp(k, t) = ∫_0^t exp(k σ) dσ = t·phi1(k t)`` are entire functions: writing a
solution through them keeps it one formula across ``k = 0`` (e.g. balanced
initialisation, δ = 0) and lets the printers emit the accurate ``expm1`` form.
"""

from __future__ import annotations

import mpmath
import sympy as sp
from mpmath.libmp import prec_to_dps
from sympy.codegen.cfunctions import expm1
from sympy.core.function import ArgumentIndexError

__all__ = ["phi1", "intexp", "logz", "MPMATH_NAMESPACE"]


def _evalf_mp(f, args, prec):
    """``f`` of numeric ``args`` in mpmath at ``prec`` bits (+ guard bits), or
    None (unevaluated) when an argument is not a real number."""
    values = [sp.sympify(a).evalf(prec_to_dps(prec) + 5) for a in args]
    if not all(v.is_Float or v.is_Rational for v in values):
        return None
    with mpmath.workprec(prec + 20):
        out = f(*(mpmath.mpf(sp.Float(v, prec_to_dps(prec) + 5)) for v in values))
    return sp.Float(out, prec_to_dps(prec))


class phi1(sp.Function):  # noqa: N801 - named like sympy's functions
    r"""φ₁(x) = (eˣ − 1)/x, continued by φ₁(0) = 1."""

    nargs = 1

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return sp.Integer(1)
        return None

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        x = self.args[0]
        return (sp.exp(x) - phi1(x)) / x

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return (sp.exp(x) - 1) / x

    def _eval_evalf(self, prec):
        return _evalf_mp(lambda x: mpmath.expm1(x) / x if x else mpmath.mpf(1),
                         self.args, prec)

    def _eval_is_positive(self):
        return True if self.args[0].is_extended_real else None

    def _latex(self, printer):
        return rf"\varphi_1\!\left({printer._print(self.args[0])}\right)"

    def _numpycode(self, printer):
        x = printer._print(self.args[0])
        where = printer._module_format(printer._module + ".where")
        em1 = printer._print(expm1(self.args[0]))
        return f"{where}({x} == 0, 1.0, {em1}/{where}({x} == 0, 1.0, {x}))"

    def _ccode(self, printer):
        x = printer._print(self.args[0])
        one = printer._print(sp.Float(1.0))
        return f"(({x}) == 0 ? {one} : {printer._print(expm1(self.args[0]))}/({x}))"

    def _mpmathcode(self, printer):
        x = printer._print(self.args[0])
        return f"(mpmath.expm1({x})/({x}) if {x} else mpmath.mpf(1))"


class intexp(sp.Function):  # noqa: N801
    r"""∫₀ᵗ e^{kσ} dσ = t·φ₁(k t); entire in k."""

    nargs = 2

    @classmethod
    def eval(cls, k, t):
        if t.is_zero:
            return sp.Integer(0)
        if k.is_zero:
            return t
        return None

    def fdiff(self, argindex=1):
        k, t = self.args
        if argindex == 2:
            return sp.exp(k * t)
        if argindex == 1:
            return (t * sp.exp(k * t) - intexp(k, t)) / k
        raise ArgumentIndexError(self, argindex)

    def _eval_rewrite_as_exp(self, k, t, **kwargs):
        return (sp.exp(k * t) - 1) / k

    def _eval_rewrite_as_phi1(self, k, t, **kwargs):
        return t * phi1(k * t)

    def _eval_evalf(self, prec):
        return _evalf_mp(lambda k, t: mpmath.expm1(k * t) / k if k else t,
                         self.args, prec)

    def _latex(self, printer):
        k, t = (printer._print(a) for a in self.args)
        return rf"\int_0^{{{t}}} e^{{{k}\sigma}}\,d\sigma"

    def _numpycode(self, printer):  # parenthesised: it may be a factor or a base
        return f"({printer._print(self.args[1] * phi1(self.args[0] * self.args[1]))})"

    def _ccode(self, printer):  # parenthesised: it may be a factor or a base
        return f"({printer._print(self.args[1] * phi1(self.args[0] * self.args[1]))})"

    def _mpmathcode(self, printer):  # parenthesised: it may be a factor or a base
        return f"({printer._print(self.args[1] * phi1(self.args[0] * self.args[1]))})"


class logz(sp.Function):  # noqa: N801
    r"""log x for x > 0, continued by −∞ at x = 0 (so that exp(logz(0)) = 0).

    Used where a logarithm of a magnitude that may vanish enters a log-sum-exp;
    printed branch-free, so no division-by-zero warning is raised at x = 0.
    """

    nargs = 1

    def fdiff(self, argindex=1):
        if argindex != 1:
            raise ArgumentIndexError(self, argindex)
        return 1 / self.args[0]

    def _eval_rewrite_as_log(self, x, **kwargs):
        return sp.log(x)

    def _eval_evalf(self, prec):  # −∞ at 0; negative arguments stay unevaluated
        x = self.args[0].evalf(prec_to_dps(prec) + 5)
        if x.is_zero:
            return sp.S.NegativeInfinity
        if not x.is_positive:
            return None
        return _evalf_mp(mpmath.log, (x,), prec)

    def _latex(self, printer):
        return rf"\log\left({printer._print(self.args[0])}\right)"

    def _numpycode(self, printer):
        x = printer._print(self.args[0])
        where = printer._module_format(printer._module + ".where")
        log = printer._module_format(printer._module + ".log")
        inf = printer._module_format(printer._module + ".inf")
        return f"{where}({x} > 0, {log}({where}({x} > 0, {x}, 1.0)), -{inf})"

    def _ccode(self, printer):
        x = printer._print(self.args[0])
        return f"(({x}) > 0 ? {printer._print(sp.log(self.args[0]))} : -INFINITY)"

    def _mpmathcode(self, printer):
        x = printer._print(self.args[0])
        return f"(mpmath.log({x}) if {x} > 0 else -mpmath.inf)"


#: mpmath implementations of the functions above, for ``lambdify``.
MPMATH_NAMESPACE = {
    "mpmath": mpmath,
    "phi1": lambda x: mpmath.expm1(x) / x if x else mpmath.mpf(1),
    "intexp": lambda k, t: t * (mpmath.expm1(k * t) / (k * t) if k * t else 1),
    "logz": lambda x: mpmath.log(x) if x > 0 else -mpmath.inf,
}
