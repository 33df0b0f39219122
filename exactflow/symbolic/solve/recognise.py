r"""The structure recognisers of :mod:`.solve`: each decides exactly, by
polynomial algebra (normal forms, Gröbner bases, linear solves; no sampling),
whether a reduced system has one of the shapes listed in :mod:`.solve`, and
returns a :class:`Match` with the data its recipe needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .matrix_riccati import match_matrix_riccati
from .reduce import ReducedSystem

__all__ = ["Match", "STRUCTURES", "dsolve_fallback", "init_symbol", "recognise", "t"]

STRUCTURES = ("riccati", "linear", "matrix-riccati", "reparam-linear",
              "linear-radial", "separable",
              "curve-quadrature", "dsolve", "decoupled")
t = sp.Symbol("t", nonnegative=True)


def init_symbol(x: sp.Symbol) -> sp.Symbol:
    """The symbol of ``x``'s initial value, ``x_init``."""
    return sp.Symbol(f"{x.name}_init", **x.assumptions0)


@dataclass(frozen=True)
class Match:
    """A recognised structure, the data of its recipe and a one-line statement."""

    structure: str
    data: dict
    statement: str


def _is_const(e, zs) -> bool:
    return not (sp.sympify(e).free_symbols & set(zs)) and not sp.sympify(e).has(t)


def _polys(sys: ReducedSystem):
    zs = sys.coords
    out = []
    for f in sys.rhs:
        num, den = sp.fraction(sp.together(f))
        if den.free_symbols & set(zs):
            return None
        try:
            out.append(sp.Poly(sp.expand(num), *zs) * (1 / den))
        except sp.PolynomialError:
            return None
    return out


def _riccati(sys):
    if len(sys.coords) != 1 or sys.constraints:
        return None
    P = _polys(sys)
    if P is None or P[0].total_degree() > 2:
        return None
    z = sys.coords[0]
    A, B, C = (P[0].coeff_monomial(z**k) for k in range(3))
    return Match("riccati", {"A": A, "B": B, "C": C},
                 f"d{z}/dt = A + B {z} + C {z}², constant coefficients")


def _linear(sys):
    zs = sys.coords
    J = sp.Matrix(sys.rhs).jacobian(zs)
    if not all(_is_const(e, zs) for e in J):
        return None
    if any(sp.expand(f - (J[i, :] * sp.Matrix(zs))[0]) != 0
           for i, f in enumerate(sys.rhs)):
        return None
    return Match("linear", {"K": J}, "ż = K z with a constant matrix K")


def _reparam(sys):
    zs = sys.coords
    if len(zs) < 2:
        return None
    P = _polys(sys)
    if P is None or any(p.is_zero for p in P):
        return None
    g = P[0]
    for p in P[1:]:
        g = sp.gcd(g, p)
    if g.total_degree() == 0:
        return None
    lin = [sp.div(p, g)[0].as_expr() for p in P]
    J = sp.Matrix(lin).jacobian(zs)
    if not all(_is_const(e, zs) for e in J):
        return None
    if any(sp.expand(f - (J[i, :] * sp.Matrix(zs))[0]) != 0
           for i, f in enumerate(lin)):
        return None
    return Match("reparam-linear", {"g": g.as_expr(), "K": J},
                 f"ż = g(z) K z with g = {sp.sstr(sp.factor(g.as_expr()))} and a "
                 "constant K")


def _linear_radial(sys):
    zs = sys.coords
    n = len(zs)
    if n < 2 or sys.constraints:
        return None
    P = _polys(sys)
    if P is None:
        return None
    rels = [r for r in sys.relations if r.free_symbols & set(zs)]
    k = sp.Matrix(n, n, lambda i, j: sp.Dummy(f"k{i}{j}"))
    consts = set().union(*(e.free_symbols for e in sys.rhs), *(
        r.free_symbols for r in rels), set(k)) - set(zs)
    dom = sp.QQ.frac_field(*sorted(consts, key=sp.default_sort_key)) if consts \
        else sp.QQ
    gens = tuple(reversed(zs))
    G = sp.groebner(rels, *gens, order="lex", domain=dom) if rels else None

    def nf(e):
        e = sp.expand(e)
        return sp.expand(G.reduce(e)[1]) if G is not None else e

    z = sp.Matrix(zs)
    R = sp.Matrix([p.as_expr() for p in P]) - k * z
    eqs = []
    for i in range(n):
        for j in range(i + 1, n):
            e = nf(R[i] * zs[j] - R[j] * zs[i])
            eqs += sp.Poly(e, *zs).coeffs()
    sol = sp.solve(eqs, list(k), dict=True)
    if not sol:
        return None
    K = k.xreplace(sol[0]).xreplace({x: 0 for x in k})
    R = sp.Matrix([nf(p.as_expr()) for p in P]) - K * z
    if all(sp.expand(e) == 0 for e in R):
        return None  # linear, handled elsewhere
    psi = None
    for i in range(n):
        q, rem = sp.div(sp.expand(R[i]), zs[i], *zs)
        if rem == 0 and q != 0:
            psi = sp.expand(q)
            break
    if psi is None:
        return None
    p = sp.Poly(psi, *zs)
    c0 = p.coeff_monomial(1)
    psi_h = sp.expand(psi - c0)
    degs = {sum(m) for m in sp.Poly(psi_h, *zs).monoms()}
    if len(degs) != 1:
        return None
    K = K + c0 * sp.eye(n)
    for i in range(n):  # exact check of the decomposition, modulo I
        if nf(P[i].as_expr() - (K * z)[i] - psi_h * zs[i]) != 0:
            return None
    m = degs.pop()
    return Match("linear-radial", {"K": K, "psi": psi_h, "m": m},
                 f"ż = K z + ψ(z) z with constant K and ψ = {sp.sstr(psi_h)} "
                 f"homogeneous of degree {m}" + (" (on the level set of "
                                                 + ", ".join(map(str, sys.constants))
                                                 + ")" if rels else ""))


def _separable(sys):
    if len(sys.coords) != 1 or sys.constraints:
        return None
    return Match("separable", {}, f"d{sys.coords[0]}/dt = F({sys.coords[0]}), "
                 "autonomous scalar")


def _curve(sys):
    if len(sys.coords) != 2 or len(sys.constraints) != 1:
        return None
    return Match("curve-quadrature", {}, "two coordinates on a curve "
                 f"{sp.sstr(sys.constraints[0])} = 0 (the level set)")


def _matrix(sys, groups):
    if not groups or sys.constraints:
        return None
    found = match_matrix_riccati(sys, groups)
    if found is None:
        return None
    Q, F, gamma = found
    return Match("matrix-riccati", {"Q": Q, "F": F, "gamma": gamma},
                 f"Q̇ = F Q − γ Q Qᵀ Q with Q = {sp.sstr(Q.tolist())}, constant "
                 f"symmetric F = {sp.sstr(F.tolist())} and γ = {sp.sstr(gamma)}"
                 + (" (on the level set of " + ", ".join(map(str, sys.constants))
                    + ")" if sys.relations else ""))


RECOGNISERS = (_riccati, _linear, _matrix, _reparam, _linear_radial, _separable,
               _curve)


def recognise(sys: ReducedSystem, groups=None) -> Match | None:
    """The first structure of :data:`STRUCTURES` that ``sys`` has, or None.

    ``groups`` (``[(symbols, shape)]`` of the model's parameter groups) enables
    the ``matrix-riccati`` layout search.
    """
    if piecewise(sys):
        return None
    for rec in RECOGNISERS:
        try:
            m = rec(sys, groups) if rec is _matrix else rec(sys)
        except (sp.PolynomialError, NotImplementedError):
            continue  # e.g. a radical the polynomial tests cannot take as generator
        if m is not None:
            return m
    return None


def piecewise(sys: ReducedSystem) -> bool:
    """True when ż has activation-pattern switches (Heaviside, Max, Min, sign,
    Piecewise): the structures are smooth and would apply pattern by pattern.
    (|u| = √(u²) from a conserved relation is not a switch of the flow.)"""
    heads = (sp.Heaviside, sp.Max, sp.Min, sp.sign, sp.Piecewise)
    return any(sp.sympify(e).has(*heads) for e in sys.rhs)



def dsolve_fallback(sys: ReducedSystem) -> Match | None:
    """SymPy's ``dsolve`` as the last resort: a scalar ODE or a small affine
    system (constant Jacobian); dsolve is not tried on nonlinear systems, where
    it may not terminate in reasonable time."""
    if len(sys.coords) > 1:
        J = sp.Matrix(sys.rhs).jacobian(sys.coords)
        if not all(_is_const(e, sys.coords) for e in J):
            return None
    fs = [sp.Function(z.name)(t) for z in sys.coords]
    back = dict(zip(sys.coords, fs))
    eqs = [sp.Eq(f.diff(t), r.xreplace(back)) for f, r in zip(fs, sys.rhs)]
    ics = {f.subs(t, 0): init_symbol(z) for f, z in zip(fs, sys.coords)}
    try:
        sol = sp.dsolve(eqs[0] if len(eqs) == 1 else eqs, ics=ics)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return None
    sols = sol if isinstance(sol, list) else [sol]
    if len(sols) != len(fs) or any(not isinstance(q, sp.Eq) or q.lhs not in fs
                                   for q in sols):
        return None  # implicit or several branches: not used
    forms = {z: next(q.rhs for q in sols if q.lhs == f) for z, f in back.items()}
    consts = sorted({c for e in forms.values() for c in e.free_symbols
                     if c.name.startswith("C") and c.name[1:].isdigit()}, key=str)
    if consts:  # dsolve leaves the constants of systems: fix them at t = 0
        try:
            fixed = sp.solve([forms[z].subs(t, 0) - init_symbol(z) for z in forms],
                             consts, dict=True)
        except NotImplementedError:
            fixed = []
        if len(fixed) != 1:
            return None
        forms = {z: e.xreplace(fixed[0]) for z, e in forms.items()}
    if any(e.has(sp.Integral) or any(c.name.startswith("C") and c.name[1:].isdigit()
                                     for c in e.free_symbols)
           for e in forms.values()):
        return None
    return Match("dsolve", {"solution": forms}, "no structure of the list above; "
                 "SymPy's dsolve found an explicit solution (verified below)")
