r"""Growth scaling: evaluate a closed form as e^{R·t}·S with S bounded.

Exact solutions are ratios and roots of exponential polynomials in the time t
whose growth cancels: Q(t) = e^{tF}Q₀/√(1 + Q₀ᵀJ(t)Q₀) has a numerator growing
like e^{ρt} and a denominator like e^{2ρt}.  Written as it stands, the kernel
overflows to inf/inf = NaN once ρt ≳ 709 although the value converges.

:func:`scale_growth` rewrites every node N of the expression, bottom-up and once
per distinct node, as a pair (R, S) with N = e^{R·t}·S, where the rate R does not
depend on t and S stays bounded for t ≥ 0:

- e^{at + b} → (a, e^b); φ₁(at) → (max(a, 0), φ₁(−|a|t));
  expm1(at) → (M, expm1(at − Mt) − expm1(−Mt)) with M = max(a, 0);
  cosh(at) → (|a|, (1 + e^{−2|a|t})/2); sinh(at) → (|a|, sign(a)(1 − e^{−2|a|t})/2);
- products add rates; a power with a t-free exponent p scales the rate by p;
- a sum groups its terms by rate and takes R = max of the rates, each group
  entering as e^{(Rᵢ − R)t}·Sᵢ (exponent ≤ 0: no overflow, the log-sum-exp trick);
- log(e^{Rt}S) = Rt + log S, log1p likewise, |e^{Rt}S| = e^{Rt}|S|; any other
  function gets its
  arguments evaluated as e^{Rt}·S.

The result e^{R·t}·S equals the input wherever the input is finite (exactly, as
expressions: each step is an identity for real rates and t ≥ 0), and overflows
only when the value itself does.  Intended for kernels of solver results
(:class:`~exactflow.symbolic.solve.SolveResult`); run after the removable-
singularity rules, which turn ``intexp`` and sinh(x)/x into φ₁ forms.

Examples
--------
>>> import sympy as sp
>>> t = sp.Symbol("t", nonnegative=True)
>>> k = sp.Symbol("k", positive=True)
>>> scale_growth(sp.exp(k * t) / (1 + sp.exp(k * t)), t)
1/(1 + exp(-k*t))
"""

from __future__ import annotations

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p

from ..symbolic.spec.functions import phi1

__all__ = ["scale_growth"]

_ZERO = sp.Integer(0)


def _rate(arg: sp.Expr, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """(a, b) with arg = a·t + b, a and b free of t; None otherwise."""
    a = sp.diff(arg, t)  # free of t: then arg = a·t + arg(0) exactly
    return None if a.has(t) else (a, arg.subs(t, 0))


def _nonnegative(a: sp.Expr) -> bool:
    """Known ≥ 0 for real evaluation: positive factors and square roots."""
    if a.is_nonnegative:
        return True
    return a.is_Mul and all(_nonnegative(f) for f in a.args) or (
        a.is_Pow and a.exp == sp.Rational(1, 2))


def _abs(a: sp.Expr) -> sp.Expr:
    # not sp.Abs: SymPy rewrites |√x| as √|x| and |x|² with conjugate(x)
    if _nonnegative(a):
        return a
    if _nonnegative(-a):
        return -a
    return sp.Max(a, -a, evaluate=False)


def _sign(a: sp.Expr) -> sp.Expr:
    if _nonnegative(a):
        return sp.Integer(1)
    if _nonnegative(-a):
        return sp.Integer(-1)
    return sp.sign(a)


def _finish(R: sp.Expr, S: sp.Expr, t: sp.Symbol) -> sp.Expr:
    return S if R == 0 else sp.exp(R * t) * S


class _Scaler:
    def __init__(self, t: sp.Symbol) -> None:
        self.t = t
        self.cache: dict[sp.Basic, tuple[sp.Expr, sp.Expr]] = {}

    def __call__(self, e: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        if e not in self.cache:
            self.cache[e] = self._split(e)
        return self.cache[e]

    def _split(self, e: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        t = self.t
        if not e.has(t) or e == t:
            return _ZERO, e
        if isinstance(e, sp.exp):
            ab = _rate(e.args[0], t)
            return (ab[0], sp.exp(ab[1])) if ab else self._opaque(e)
        if isinstance(e, expm1):
            ab = _rate(e.args[0], t)
            if ab is None or ab[1] != 0:
                return self._opaque(e)
            # e^{at} − 1 = e^{Mt}(expm1(at − Mt) − expm1(−Mt)), M = max(a, 0):
            # one of the two terms is exactly 0, the other accurate
            M = sp.Max(ab[0], 0)
            return M, expm1((ab[0] - M) * t) - expm1(-M * t)
        if isinstance(e, (phi1, sp.cosh, sp.sinh)):
            ab = _rate(e.args[0], t)
            if ab is None or ab[1] != 0:
                return self._opaque(e)
            a = ab[0]
            mag = _abs(a)
            decay = sp.exp(-2 * mag * t)
            if isinstance(e, phi1):
                return (a if _nonnegative(a) else sp.Max(a, 0)), phi1(-mag * t)
            if isinstance(e, sp.cosh):
                return mag, (1 + decay) / 2
            return mag, _sign(a) * (1 - decay) / 2
        if e.is_Mul:
            parts = [self(f) for f in e.args]
            return sp.Add(*(R for R, _ in parts)), sp.Mul(*(S for _, S in parts))
        if e.is_Pow and not e.exp.has(t):
            R, S = self(e.base)
            return (_ZERO if R == 0 else e.exp * R), S**e.exp
        if e.is_Add:
            return self._sum(e)
        if isinstance(e, log1p):
            Rx, Sx = self(e.args[0])
            if Rx == 0:
                return _ZERO, log1p(Sx)
            # log(1 + x) = Mt + log1p(expm1(−Mt) + e^{(Rx − M)t}·Sx), M = max(0, Rx)
            M = sp.Max(Rx, 0)
            return _ZERO, M * t + log1p(expm1(-M * t) + sp.exp((Rx - M) * t) * Sx)
        if isinstance(e, sp.log):
            R, S = self(e.args[0])
            return _ZERO, (R * t + sp.log(S) if R != 0 else sp.log(S))
        if isinstance(e, sp.Abs):
            R, S = self(e.args[0])
            return R, sp.Abs(S)
        return self._opaque(e)

    def _sum(self, e: sp.Add) -> tuple[sp.Expr, sp.Expr]:
        groups: dict[sp.Expr, list[sp.Expr]] = {}
        for term in e.args:
            R, S = self(term)
            groups.setdefault(R, []).append(S)
        if len(groups) == 1:
            ((R, Ss),) = groups.items()
            return R, sp.Add(*Ss)
        # evaluated Max drops rates it can order (max(0, k) = k for k > 0), but
        # compares every pair: only for small rates
        small = all(sp.count_ops(R) < 20 for R in groups)
        top = sp.Max(*groups, evaluate=small)
        t = self.t
        return top, sp.Add(*(sp.exp((R - top) * t) * sp.Add(*Ss)
                             for R, Ss in groups.items()))

    def _opaque(self, e: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        args = [_finish(*self(a), self.t) if isinstance(a, sp.Expr) else a
                for a in e.args]
        if all(x is y for x, y in zip(args, e.args)):
            return _ZERO, e
        if isinstance(e, (sp.Max, sp.Min, sp.Piecewise)):
            return _ZERO, e.func(*args, evaluate=False)
        return _ZERO, e.func(*args)


def scale_growth(exprs, t: sp.Symbol):
    """``exprs`` (one expression or a list sharing one cache) rewritten as
    e^{R·t}·S (see the module docstring).

    Parameters
    ----------
    exprs : sympy.Expr or list of sympy.Expr
        Closed forms in ``t`` (and constants), after the removable-singularity
        rewrites and SymPy's ``optims_c99``.
    t : sympy.Symbol
        The time, t ≥ 0.
    """
    scaler = _Scaler(t)
    if isinstance(exprs, (list, tuple)):
        return [_finish(*scaler(sp.sympify(e)), t) for e in exprs]
    return _finish(*scaler(sp.sympify(exprs)), t)
