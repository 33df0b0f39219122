r"""Reduction of a gradient flow by its symmetries and conserved quantities.

Two exact steps, each recorded for the transcript:

**Rotations about the data direction** (:func:`rotation_slice`).  When the loss
is invariant under the joint rotations of one vector parameter group w ∈ ℝᵈ and
one constant vector b ∈ ℝᵈ (checked exactly: X_{ij}L ≡ 0 for the generators
X_{ij} = Σ_v (v_i∂_{v_j} − v_j∂_{v_i})), every point can be rotated onto the slice
b = s e₁, w = u e₁ + r e₂ with s = ‖b‖, u = w·b/s, r = ‖Π⊥w‖; the flow commutes
with the rotations, so it is the flow on the slice (whose invariance is checked:
ẇ_k ≡ 0 there for k ≥ 2).  The lift back is w(t) = u(t) b/s + (r(t)/r₀) Π⊥w₀.

**Change of variables and conserved constants** (:func:`change_variables`).  New
coordinates z_i = e_i(θ) (polynomial, rational or √polynomial) and conserved
quantities Q_j(θ) = c_j give the ideal I = (z_i − e_i, Q_j − c_j) in ℚ(c)[θ, z];
its lexicographic Gröbner basis with θ > z decides, exactly, whether ż_i is a
function of z on the level set: the normal form of ż_i lies in ℚ(c)[z] iff
ż_i ≡ g(z) mod I.  A factor that is not a rational function of z (e.g. the speed
η_a b² + η_b a² of a two-layer chain) gets a new unknown Y; if I + (Y − factor)
contains a binomial Y^k − R(z) and the factor is non-negative, then the factor
equals R^{1/k}.  Relations of the basis free of θ are reported as constraints.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

import sympy as sp

from .flow import GradientFlow, time_derivative
from .model import Model

__all__ = ["ReducedSystem", "Slice", "rotation_slice", "reduce_flow",
           "change_variables", "ReductionError"]


class ReductionError(ValueError):
    """The requested reduction does not hold (with the reason)."""


@dataclass(frozen=True)
class ReducedSystem:
    """An autonomous system ż = F(z) obtained from a model's flow.

    Attributes
    ----------
    coords : tuple of Symbol
        The reduced coordinates z.
    rhs : tuple of Expr
        ż in the order of ``coords``; free symbols are z and constants.
    definitions : dict
        z_i as expressions of the model's state (after any slice).
    constants : dict
        Constant symbol → the conserved quantity it stands for.
    values : dict
        Constants fixed to a value (e.g. δ = 0 for balanced initialisation).
    relations : tuple of Expr
        Polynomials in z and constants that vanish on the level set
        (conserved quantities written in z, and constraints among z).
    slice : Slice or None
        The rotation reduction applied first, if any.
    steps : tuple of (str, str)
        (heading, text) of each reduction step, for the transcript.
    """

    coords: tuple[sp.Symbol, ...]
    rhs: tuple[sp.Expr, ...]
    definitions: dict[sp.Symbol, sp.Expr]
    constants: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    relations: tuple[sp.Expr, ...] = ()
    constraints: tuple[sp.Expr, ...] = ()
    slice: Slice | None = None
    steps: tuple[tuple[str, str], ...] = ()
    levels: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    @property
    def equations(self) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(self.coords, self.rhs))


@dataclass(frozen=True)
class Slice:
    """The rotation slice b = s e₁, w = u e₁ + r e₂ of one vector group."""

    group: str
    w: tuple[sp.Symbol, ...]
    b: tuple[sp.Symbol, ...]
    s: sp.Symbol
    u: sp.Symbol
    r: sp.Symbol
    state: tuple[sp.Symbol, ...]           # the slice state (scalars, u, r)
    rhs: tuple[sp.Expr, ...]
    on_slice: dict[sp.Symbol, sp.Expr]     # substitution onto the slice

    def initial(self, init: dict[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """Slice coordinates at t = 0 from the model's initial values."""
        s = sp.sqrt(sum(bi**2 for bi in self.b))
        w0 = [init[wi] for wi in self.w]
        u0 = sum(wi * bi for wi, bi in zip(w0, self.b)) / s
        r0 = sp.sqrt(sp.expand(sum(wi**2 for wi in w0) - u0**2))
        out = {x: init[x] for x in self.state if x in init}
        out.update({self.u: u0, self.r: r0})
        return out

    def lift(self, sol: dict[sp.Symbol, sp.Expr], init: dict[sp.Symbol, sp.Expr],
             r0: sp.Symbol) -> dict[sp.Symbol, sp.Expr]:
        """θ(t) from the slice solution; ``sol[r]/r0`` must cancel."""
        s = sp.sqrt(sum(bi**2 for bi in self.b))
        w0 = [init[wi] for wi in self.w]
        u0 = sum(wi * bi for wi, bi in zip(w0, self.b)) / s
        # r(t)/r0: a common factor r0 cancels in the product itself; cancel()
        # on a large closed form would expand it (minutes), so it is the fallback
        ratio = sol[self.r] / r0 if r0 != 0 else sp.Integer(1)
        if r0 != 0 and ratio.has(r0) and sp.count_ops(ratio) < 400:
            ratio = sp.cancel(ratio)
        out = {x: e for x, e in sol.items() if x not in (self.u, self.r)}
        for wi, w0i, bi in zip(self.w, w0, self.b):
            out[wi] = sol[self.u] * bi / s + ratio * (w0i - u0 * bi / s)
        return out


def _vector_consts(model: Model, d: int) -> list[tuple[sp.Symbol, ...]]:
    by_base: dict[str, dict[int, sp.Symbol]] = {}
    for c in model.consts:
        m = re.fullmatch(r"(.*?)(\d+)", c.name)
        if m:
            by_base.setdefault(m.group(1), {})[int(m.group(2))] = c
    return [tuple(v[i] for i in range(d)) for v in by_base.values()
            if set(v) == set(range(d))]


def _invariant(expr: sp.Expr, vectors) -> bool:
    d = len(vectors[0])
    for i, j in itertools.combinations(range(d), 2):
        x = sum(v[i] * sp.diff(expr, v[j]) - v[j] * sp.diff(expr, v[i])
                for v in vectors)
        if sp.expand(x) != 0:
            return False
    return True


def rotation_slice(flow: GradientFlow) -> Slice | None:
    """The rotation reduction of :mod:`this module <exactflow.symbolic.reduce>`.

    Applies when the model has exactly one vector group (shape ``(d,)``, d ≥ 2),
    every other group is a scalar, and a constant vector b (symbols
    ``<name>0 … <name>{d−1}``) makes the loss invariant under joint rotations of
    (w, b).  Returns None otherwise.
    """
    model = flow.model
    vec = [g for g in model.params if len(g.shape) == 1 and g.shape[0] >= 2]
    if len(vec) != 1 or any(g.shape not in ((), (1,)) for g in model.params
                            if g is not vec[0]):
        return None
    g = vec[0]
    d = g.shape[0]
    for b in _vector_consts(model, d):
        if not _invariant(model.loss, [g.symbols, b]):
            continue
        s = sp.Symbol("s", positive=True)
        u = sp.Symbol("u", real=True)
        r = sp.Symbol("r", nonnegative=True)
        on = {b[0]: s, g.symbols[0]: u, g.symbols[1]: r}
        on.update({x: 0 for x in b[1:]})
        on.update({x: 0 for x in g.symbols[2:]})
        eq = flow.equations
        for k in range(2, d):
            if sp.expand(eq[g.symbols[k]].xreplace(on)) != 0:
                return None
        scalars = tuple(x for x in model.symbols if x not in g.symbols)
        state = scalars + (u, r)
        rhs = tuple(sp.expand(eq[x].xreplace(on)) for x in scalars)
        rhs += (sp.expand(eq[g.symbols[0]].xreplace(on)),
                sp.expand(eq[g.symbols[1]].xreplace(on)))
        return Slice(g.name, g.symbols, b, s, u, r, state, rhs, on)
    return None


def _domain(symbols) -> sp.polys.domains.Domain:
    symbols = sorted(symbols, key=sp.default_sort_key)
    return sp.QQ.frac_field(*symbols) if symbols else sp.QQ


def _relation(z: sp.Symbol, e: sp.Expr) -> sp.Expr:
    if isinstance(e, sp.Pow) and e.exp == sp.Rational(1, 2):
        num, _ = sp.fraction(sp.together(e.base))
        den = sp.fraction(sp.together(e.base))[1]
        return sp.expand(z**2 * den - num)
    num, den = sp.fraction(sp.together(e))
    return sp.expand(z * den - num)


def _derivative(state, rhs, z, e):
    eq = dict(zip(state, rhs))

    def ddt(x):
        return sp.Add(*(sp.diff(x, s) * eq[s] for s in state if x.has(s)))

    if isinstance(e, sp.Pow) and e.exp == sp.Rational(1, 2):
        return sp.together(ddt(e.base) / (2 * z))
    return sp.together(ddt(e))


def _nonnegative(expr: sp.Expr) -> bool:
    """Sufficient: a sum of positive constants × even monomials (exact)."""
    expr = sp.expand(expr)
    for term in sp.Add.make_args(expr):
        coeff, rest = term.as_independent(*[s for s in term.free_symbols
                                            if not s.is_positive])
        if coeff.is_positive is not True:
            return False
        for base, exp in rest.as_powers_dict().items():
            if not (base.is_nonnegative or (exp.is_integer and exp.is_even)):
                return False
    return True


def change_variables(state, rhs, coordinates: dict, relations=(),
                     positive_factor=_nonnegative):
    """ż for ``coordinates`` = {z: e(state)}, exactly on the variety of ``relations``.

    Returns ``(rhs_z, constraints, notes)``; raises :class:`ReductionError` when a
    derivative is not a function of z there.
    """
    state = tuple(state)
    zs = tuple(coordinates)
    rels = [_relation(z, e) for z, e in coordinates.items()] + list(relations)
    free = set().union(*(sp.sympify(r).free_symbols for r in rels))
    free |= set().union(*(sp.sympify(f).free_symbols for f in rhs))
    consts = free - set(state) - set(zs)
    dom = _domain(consts)
    gens = state + zs
    G = sp.groebner(rels, *gens, order="lex", domain=dom)
    constraints = tuple(g for g in G.exprs if not (g.free_symbols & set(state)))
    out, notes = [], []

    def nf(expr):
        return sp.expand(G.reduce(sp.expand(expr))[1])

    for z, e in coordinates.items():
        num, den = sp.fraction(_derivative(state, rhs, z, e))
        n_num, n_den = nf(num), nf(den)
        if not (n_den.free_symbols & set(state)) and \
                not (n_num.free_symbols & set(state)):
            out.append(sp.factor(n_num / n_den))
            continue
        if n_den.free_symbols & set(state):
            raise ReductionError(f"d{z}/dt: the denominator {den} is not a function "
                                 f"of {', '.join(map(str, zs))} on the level set")
        coeff, factors = sp.factor_list(num, *state)
        value = coeff / n_den
        for fac, mult in factors:
            n_fac = nf(fac)
            if not (n_fac.free_symbols & set(state)):
                value *= n_fac**mult
                continue
            root = _radical(G, rels, gens, state, zs, dom, fac, positive_factor)
            if root is None:
                raise ReductionError(
                    f"d{z}/dt is not a function of {', '.join(map(str, zs))} on the "
                    f"level set: its factor {fac} is not (nor a radical of one)")
            notes.append(f"{fac} ≥ 0 and ({fac})^{root[1]} = {sp.sstr(root[2])} "
                         f"on the level set, so {fac} = ({sp.sstr(root[2])})^(1/"
                         f"{root[1]})")
            value *= root[0]**mult
        out.append(value)
    return tuple(out), constraints, tuple(notes)


def _radical(G, rels, gens, state, zs, dom, fac, positive):
    if not positive(fac):
        return None
    Y = sp.Dummy("Y")
    H = sp.groebner(rels + [Y - fac], *state, Y, *zs, order="lex", domain=dom)
    cands = [h for h in H.exprs if h.has(Y) and not (h.free_symbols & set(state))]
    for h in sorted(cands, key=lambda h: sp.degree(h, Y)):
        poly = sp.Poly(h, Y)
        k = poly.degree()
        terms = poly.terms()
        if len(terms) == 2 and terms[1][0] == (0,):
            lead, const = terms[0][1], terms[1][1]
            R = sp.factor(-const / lead)
            return sp.Pow(R, sp.Rational(1, k)), k, R
    return None


def reduce_flow(flow: GradientFlow, coordinates: dict | None = None,
                conserved: dict | None = None, values: dict | None = None,
                rotations: bool = True) -> ReducedSystem:
    """Reduce ``flow``: rotation slice, then change of variables on the level set.

    Parameters
    ----------
    flow : GradientFlow
    coordinates : dict, optional
        ``{z: expression}`` in the model's symbols (or in the slice symbols u, r, s
        when the rotation slice applies); default: keep the (slice) state.
    conserved : dict, optional
        ``{c: Q}`` conserved quantities; each is checked (dQ/dt ≡ 0) and its value
        enters as the constant c.
    values : dict, optional
        ``{c: value}`` fixes constants, e.g. ``{delta: 0}`` (balanced).
    rotations : bool
        Try the rotation slice first.
    """
    conserved = dict(conserved or {})
    values = {sp.sympify(k): sp.sympify(v) for k, v in (values or {}).items()}
    steps: list[tuple[str, str]] = []
    for c, q in conserved.items():
        if sp.expand(time_derivative(flow, q)) != 0:
            raise ReductionError(f"{c} = {q} is not conserved: dQ/dt ≢ 0")
    unknown = set(values) - set(conserved)
    if unknown:
        raise ReductionError(f"values given for {sorted(map(str, unknown))}, which "
                             "are not conserved quantities")
    sl = rotation_slice(flow) if rotations else None
    state, rhs = flow.model.symbols, tuple(flow.rhs)
    cons = dict(conserved)
    if sl is not None:
        state, rhs = sl.state, sl.rhs
        cons = {c: sp.expand(q.xreplace(sl.on_slice)) for c, q in conserved.items()}
        steps.append((
            "Symmetry reduction",
            f"The loss is invariant under joint rotations of {sl.group} = "
            f"({', '.join(map(str, sl.w))}) and the data vector "
            f"({', '.join(map(str, sl.b))}) (X_ij L ≡ 0 for every generator), so the "
            f"flow commutes with them.  Rotate onto the slice {sl.b[0]} = s, "
            f"{sl.group} = u e1 + r e2 with s = ‖b‖, u = {sl.group}·b/s, "
            f"r = ‖Π⊥{sl.group}‖ ≥ 0; the slice is invariant, and the lift is "
            f"{sl.group}(t) = u(t) b/s + (r(t)/r0) Π⊥{sl.group}(0)."))
    relations = []
    for c, q in cons.items():
        target = values.get(c, c)
        relations.append(sp.expand(q - target))
    if cons:
        steps.append((
            "Conserved quantities",
            "; ".join(f"{c} = {sp.sstr(q)}" + (f" = {values[c]}" if c in values else
                                               " (a constant)")
                      for c, q in cons.items())))
    notes: tuple[str, ...] = ()
    constraints: tuple[sp.Expr, ...] = ()
    if coordinates:
        coordinates = {sp.sympify(z): sp.sympify(e) for z, e in coordinates.items()}
        zs = tuple(coordinates)
        new_rhs, constraints, notes = change_variables(state, rhs, coordinates,
                                                       relations)
        definitions = dict(coordinates)
        rel_z = tuple(g for g in constraints)
        steps.append((
            "Change of variables",
            "; ".join(f"{z} = {sp.sstr(e)}" for z, e in coordinates.items())
            + ".  ż is reduced modulo the Gröbner basis (lex, state > new "
            "coordinates) of the definitions and conserved quantities."
            + ("  " + "  ".join(notes) if notes else "")))
        if constraints:
            steps.append(("Constraints on the level set",
                          "; ".join(f"{sp.sstr(g)} = 0" for g in constraints)))
        coords, rhs_out = zs, new_rhs
    else:
        coords, rhs_out = tuple(state), tuple(rhs)
        definitions = {x: x for x in state}
        rel_z = tuple(relations)
    rhs_out = tuple(sp.sympify(e).xreplace(values) for e in rhs_out)
    # constants whose relation the recognisers may use: c as a function of z
    levels = {} if coordinates else {c: q for c, q in cons.items()
                                     if c not in values}
    return ReducedSystem(coords, rhs_out, definitions, conserved, values,
                         rel_z, constraints, sl, tuple(steps), levels)
