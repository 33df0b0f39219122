r"""Numeric time course of a ``curve-quadrature`` result of :func:`~.solve.solve`.

For two coordinates (x, y) on a curve P(x, y) = 0, :func:`~.solve.solve` gives
the time as the exact quadrature ``t(x) = ∫_{x0}^{x} dv / F(v, y(v))``
(``SolveResult.quadrature``), where y(v) is the real branch of the curve through
the initial point.  :func:`quadrature_time` evaluates it: y(v) is followed along
the path from x0 (at each step the real root of the polynomial P(v, ·) nearest
the continued previous value, the step halved when the choice is ambiguous) and
each piece of the integral is computed by :func:`mpmath.quad`.

Example (the three-layer chain of ``examples/chain3.py``, u = abc, B = b²):

>>> import sympy as sp
>>> from exactflow.symbolic import Model, ParamGroup, gradient_flow
>>> from exactflow.symbolic.solve.reduce import reduce_flow
>>> from exactflow.symbolic.solve import solve
>>> a, b, c = sp.symbols("a b c", real=True)
>>> ea, eb, ec = sp.symbols("eta_a eta_b eta_c", positive=True)
>>> s = sp.Symbol("s", positive=True)
>>> d1, d2 = sp.symbols("delta1 delta2", real=True)
>>> u, B = sp.Symbol("u", real=True), sp.Symbol("B", nonnegative=True)
>>> model = Model("chain3", (ParamGroup("a", (a,), ea), ParamGroup("b", (b,), eb),
...                          ParamGroup("c", (c,), ec)), (ea, eb, ec, s),
...               (s - c * b * a) ** 2 / 2)
>>> flow = gradient_flow(model)
>>> res = solve(reduce_flow(flow, {u: a * b * c, B: b**2},
...                         {d1: a**2 / ea - b**2 / eb, d2: b**2 / eb - c**2 / ec}),
...             flow, "chain3")
>>> res.structure
'curve-quadrature'
>>> a0, b0, c0 = 0.9, 0.2, -0.3
>>> consts = {"eta_a": 1.0, "eta_b": 0.5, "eta_c": 2.0, "s": 1.5,
...           "delta1": a0**2 / 1.0 - b0**2 / 0.5, "delta2": b0**2 / 0.5 - c0**2 / 2.0}
>>> times = quadrature_time(res, [0.0, 0.5, 1.4], consts,
...                         {"u": a0 * b0 * c0, "B": b0**2})
>>> [round(float(x), 6) for x in times]  # t at which u = abc reaches 0, 0.5, 1.4
[0.7255, 2.270266, 2.980409]
>>> quadrature_time(res, 1.6, consts, {"u": a0 * b0 * c0, "B": b0**2})
Traceback (most recent call last):
...
ValueError: u=1.6 is not reached: F vanishes between u=1.497 and 1.548
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import numpy as np
import sympy as sp

from .structures.curve_quadrature import CurveQuadrature

__all__ = ["quadrature_time"]


def _lookup(table: Mapping, sym: sp.Symbol):
    """table[sym], accepting a Symbol key or its name; KeyError if absent."""
    for key, val in table.items():
        if key == sym or (isinstance(key, str) and key == sym.name) or (
                isinstance(key, sp.Symbol) and key.name == sym.name):
            return val
    raise KeyError(sym.name)


def _real(val, what: str) -> mpmath.mpf:
    try:
        out = mpmath.mpmathify(complex(val) if isinstance(val, sp.Basic) else val)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{what}={val!r} is not a number") from err
    if isinstance(out, mpmath.mpc):
        if out.imag != 0:
            raise ValueError(f"{what}={val!r} is not real")
        out = out.real
    if not mpmath.isfinite(out):
        raise ValueError(f"{what}={val!r} is not finite")
    return out


class _Branch:
    """The real root y(v) of P(v, y) = 0 continued from (x0, y0)."""

    def __init__(self, coeffs, name: str, xname: str):
        self.coeffs = coeffs  # v -> polynomial coefficients in y, highest first
        self.name, self.xname = name, xname

    def real_roots(self, v):
        cs = [mpmath.mpf(c) for c in self.coeffs(v)]
        while cs and cs[0] == 0:
            cs.pop(0)
        if len(cs) < 2:
            raise ValueError(f"the curve is degenerate in {self.name} at "
                             f"{self.xname}={mpmath.nstr(v, 8)}")
        if len(cs) == 2:
            return [-cs[1] / cs[0]]
        try:
            roots = mpmath.polyroots(cs, maxsteps=200, extraprec=40)
        except mpmath.libmp.NoConvergence:
            roots = [mpmath.mpc(r) for r in np.roots([float(c) for c in cs])]
        scale = max(1, max(abs(r) for r in roots))
        return [mpmath.re(r) for r in roots if abs(mpmath.im(r)) <= 1e-9 * scale]

    def polish(self, v, guess):
        """Newton's method on P(v, ·) from guess; the nearest root if it stalls."""
        cs = [mpmath.mpf(c) for c in self.coeffs(v)]
        y = guess
        tol = mpmath.eps * 16 * (1 + abs(guess))
        for _ in range(30):
            p, dp = mpmath.polyval(cs, y, derivative=True)
            if dp == 0:
                break
            step = p / dp
            y -= step
            if abs(step) <= tol:
                return y
        return self.nearest(v, guess)[0]

    def nearest(self, v, guess):
        """(root nearest guess, distance to the next real root)."""
        roots = sorted(self.real_roots(v), key=lambda r: abs(r - guess))
        if not roots:
            raise ValueError(f"{self.xname}={mpmath.nstr(v, 8)} is not reached: the "
                             f"real branch of the curve in {self.name} ends before it")
        gap = abs(roots[1] - roots[0]) if len(roots) > 1 else mpmath.inf
        return roots[0], gap


def quadrature_time(result, u, constants: Mapping, initial: Mapping):
    """t(u) = ∫_{u0}^{u} dv / F(v, y(v)) of a ``curve-quadrature`` result.

    Parameters
    ----------
    result : SolveResult
        Returned by :func:`~.solve.solve` with ``structure == "curve-quadrature"``.
    u : float or array_like
        Values of the quadrature variable (``result.quadrature[1]``).
    constants : mapping
        Values of every constant of the integrand and the curve (rates, data,
        conserved levels); keys are Symbols or their names.
    initial : mapping
        Initial values of both coordinates (keys Symbols or names), e.g.
        ``{"u": u0, "B": B0}``; the second selects the branch of the curve.

    Returns a float for scalar ``u``, else a float array of the shape of ``u``.
    Raises ValueError naming the argument when the result is not a
    curve-quadrature, a constant or initial value is missing, the initial point
    is not on the curve, or a target is not reached for t ≥ 0 (behind u0, past a
    zero of F, or beyond the end of the real branch).
    """
    match = getattr(result, "match", None)
    if not isinstance(getattr(match, "structure", None), CurveQuadrature) or \
            getattr(result, "quadrature", None) is None:
        got = getattr(result, "structure", result)
        raise ValueError("result must be a SolveResult with structure "
                         f"{CurveQuadrature.name!r}, got {got!r}")
    integral, x = result.quadrature
    v = integral.limits[0][0]
    (other,) = [z for z in result.system.coords if z != x]
    curve = result.system.constraints[0]
    try:
        x0 = _real(_lookup(initial, x), f"initial[{x.name!r}]")
        y0 = _real(_lookup(initial, other), f"initial[{other.name!r}]")
    except KeyError as err:
        raise ValueError(f"initial needs values of {x.name} and {other.name}; "
                         f"missing {err.args[0]}") from None
    free = (integral.function.free_symbols | curve.free_symbols) - {v, x, other}
    vals = {}
    for sym in sorted(free, key=sp.default_sort_key):
        try:
            vals[sym] = sp.Float(float(_real(_lookup(constants, sym),
                                             f"constants[{sym.name!r}]")), 30)
        except KeyError:
            raise ValueError(f"constants is missing {sym.name} (needed: "
                             f"{', '.join(sorted(s.name for s in free))})") from None
    y = sp.Dummy(other.name)
    P = curve.xreplace(vals).xreplace({x: v, other: y})
    try:
        poly = sp.Poly(sp.expand(P), y)
    except sp.PolynomialError:
        raise ValueError(f"result: the curve {sp.sstr(curve)} is not polynomial in "
                         f"{other.name}") from None
    coeffs = sp.lambdify(v, poly.all_coeffs(), "mpmath")
    branch = _Branch(coeffs, other.name, x.name)
    f = sp.lambdify((v, y), integral.function.xreplace(vals).xreplace({other: y}),
                    "mpmath")

    # the initial point must lie on the curve
    terms = sp.Add.make_args(sp.expand(P.subs(v, x0)))
    scale = sum(abs(float(term.subs(y, y0))) for term in terms) or 1.0
    if abs(float(P.subs({v: x0, y: y0}))) > 1e-8 * scale:
        raise ValueError(f"initial: ({x.name}, {other.name}) = ({float(x0)}, "
                         f"{float(y0)}) is not on the curve {sp.sstr(curve)} = 0")
    y0 = branch.nearest(x0, y0)[0]

    arr = np.asarray(u, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"u must be finite, got {u!r}")
    targets = [mpmath.mpf(float(q)) for q in arr.ravel()]
    try:
        direction = mpmath.sign(f(x0, y0))  # f = 1/F has the sign of F
    except ZeroDivisionError:
        direction = 0
    if direction == 0:
        raise ValueError(f"initial: F vanishes at {x.name}0={float(x0)}, a fixed "
                         "point (t(u) is undefined)")
    for q in targets:
        if (q - x0) * direction < 0:
            raise ValueError(f"u={float(q):g} is not reached for t ≥ 0: the flow moves "
                             f"{x.name} {'up' if direction > 0 else 'down'} from "
                             f"{x.name}0={float(x0):g}")

    with mpmath.workdps(max(mpmath.mp.dps, 20)):
        order = sorted(set(targets), key=lambda q: (q - x0) * direction)
        span = max([abs(q - x0) for q in order] + [mpmath.mpf(0)])
        hmax = span / 32 if span else mpmath.mpf(1)
        times = {}
        total, xa, ya = mpmath.mpf(0), x0, y0
        for q in order:
            while xa != q:
                h = min(hmax, abs(q - xa))
                while True:  # shorten the step until the branch choice is clear
                    xb = q if h >= abs(q - xa) else xa + direction * h
                    yb, gap = branch.nearest(xb, ya)
                    if abs(yb - ya) <= gap / 4 or h < 1e-12 * (1 + abs(xa)):
                        break
                    h /= 2
                try:
                    fb = f(xb, yb)
                except ZeroDivisionError:
                    fb = mpmath.nan
                if not mpmath.isfinite(fb) or mpmath.sign(fb) != direction:
                    raise ValueError(
                        f"u={float(order[-1]):g} is not reached: F vanishes between "
                        f"{x.name}={mpmath.nstr(xa, 4)} and {mpmath.nstr(xb, 4)}")
                total += _piece(f, branch, xa, ya, xb, yb)
                xa, ya = xb, yb
            times[q] = total
    out = np.array([float(times[q]) for q in targets]).reshape(arr.shape)
    return float(out) if out.ndim == 0 else out


def _piece(f, branch: _Branch, xa, ya, xb, yb):
    """∫_{xa}^{xb} f(v, y(v)) dv, y continued from the chord between the ends."""
    def integrand(w):
        guess = ya + (yb - ya) * (w - xa) / (xb - xa)
        return f(w, branch.polish(w, guess))

    return mpmath.quad(integrand, [xa, xb])

