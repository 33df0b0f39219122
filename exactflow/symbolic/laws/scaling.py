r"""Rescaling symmetries of a loss, their Noether charges and invariants.

A one-parameter diagonal rescaling θ_i → c^{k_i} θ_i (k ∈ ℤⁿ over the parameter
symbols; constants untouched) leaves L invariant for every c > 0 iff the Euler
condition Σ_i k_i θ_i ∂L/∂θ_i ≡ 0 holds.  That condition is linear in k: the
coefficients of the numerator (after ``together``, expanded in every symbol but
k) give a homogeneous linear system over ℚ, whose nullspace is computed exactly.

**Basis convention.**  The returned basis is the reduced row-echelon form of
the nullspace (one vector per free direction, in the order of the symbols),
each row scaled to a primitive integer vector whose first non-zero entry is
positive.  The single neuron f = a wᵀx thus gets k_a = +1, k_w = −1,
(a, w) → (c·a, w/c), whose charge is +δ/(η_aη_w) with δ = η_w a² − η_a‖w‖²
(docs/math/single_neuron.md §2).  The basis spans the symmetries over ℚ (not necessarily
the
integer lattice of all of them).

**Noether charge.**  With layer-wise rates, Q = Σ_i k_i θ_i²/η_i is conserved:
dQ/dt = 2Σ_i k_i θ_i θ̇_i/η_i = −2Σ_i k_i θ_i ∂L/∂θ_i = 0.

**Invariants.**  The invariant monomials θ^m (m ≥ 0, m·k = 0 for every k) form a
monoid; :func:`invariant_monomials` returns its Hilbert basis up to a degree.
Symbols with equal exponent columns are interchangeable, so the basis is
computed on the (few) column types and then distributed over the symbols.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from functools import reduce
from math import gcd, lcm

import sympy as sp

from ..spec.model import Model

__all__ = ["ScalingSymmetry", "scaling_symmetries", "loss_symmetries",
           "noether_charge", "invariant_monomials", "InvariantSetup",
           "invariant_setup"]


@dataclass(frozen=True)
class ScalingSymmetry:
    """θ_i → c^{k_i} θ_i for the integer ``exponents`` k (symbol → k_i).

    ``groups`` names blocks of symbols shown together by :meth:`describe`
    (e.g. the components of a vector parameter ``w``).
    """

    exponents: dict[sp.Symbol, int]
    groups: tuple[tuple[str, tuple[sp.Symbol, ...]], ...] = field(default=())

    def __hash__(self) -> int:
        return hash(tuple(self.exponents.items()))

    def act(self, c: sp.Expr) -> dict[sp.Symbol, sp.Expr]:
        """The substitution θ_i → c^{k_i} θ_i."""
        return {x: c**k * x for x, k in self.exponents.items() if k}

    def describe(self) -> str:
        """Text such as ``(a, w) → (c·a, w/c)`` (untouched symbols omitted; the
        parameter is called λ when a symbol is named c)."""
        done, names, images = set(), [], []
        c = "λ" if any(x.name == "c" for x in self.exponents) else "c"
        uniform = {x: (n, s) for n, s in self.groups
                   if len({self.exponents.get(y, 0) for y in s}) == 1 for x in s}
        for x in self.exponents:
            name, syms = uniform.get(x, (str(x), (x,)))
            k = self.exponents.get(syms[0], 0)
            if k == 0 or done & set(syms):
                continue
            done |= set(syms)
            power = c if abs(k) == 1 else f"{c}^{abs(k)}"
            names.append(name)
            images.append(f"{power}·{name}" if k > 0 else f"{name}/{power}")
        if not names:
            return "identity"
        return f"({', '.join(names)}) → ({', '.join(images)})"


def _primitive(row) -> list[int]:
    den = reduce(lcm, (sp.Rational(x).q for x in row), 1)
    ints = [int(sp.Rational(x) * den) for x in row]
    g = reduce(gcd, ints, 0) or 1
    ints = [x // g for x in ints]
    first = next((x for x in ints if x), 1)
    return [x if first > 0 else -x for x in ints]


def loss_symmetries(loss: sp.Expr, symbols, groups=()) -> tuple[ScalingSymmetry, ...]:
    """A basis of the rescalings of ``symbols`` that leave ``loss`` invariant.

    See :func:`scaling_symmetries`; this works on any expression and symbols.
    """
    symbols = tuple(symbols)
    ks = [sp.Dummy(f"k{i}") for i in range(len(symbols))]
    euler = sum((k * x * sp.diff(loss, x) for k, x in zip(ks, symbols)), sp.S.Zero)
    num = sp.expand(sp.fraction(sp.together(euler))[0])
    rows: dict[sp.Expr, list] = {}
    for term in sp.Add.make_args(num):
        for i, k in enumerate(ks):
            if term.has(k):
                coeff, mono = (term / k).as_coeff_Mul()
                rows.setdefault(mono, [sp.S.Zero] * len(ks))[i] += coeff
                break
    if any(not isinstance(x, sp.Rational) for row in rows.values() for x in row):
        raise ValueError("loss_symmetries: the Euler condition has non-rational "
                         "coefficients; expand the loss first")
    matrix = sp.Matrix(list(rows.values())) if rows else sp.zeros(1, len(ks))
    basis = matrix.nullspace()
    if not basis:
        return ()
    echelon, _ = sp.Matrix.hstack(*basis).T.rref()
    out = []
    for i in range(echelon.rows):
        row = _primitive(list(echelon.row(i)))
        if any(row):
            out.append(ScalingSymmetry(dict(zip(symbols, row)), tuple(groups)))
    return tuple(out)


def scaling_symmetries(model: Model) -> tuple[ScalingSymmetry, ...]:
    """All diagonal rescalings θ → c^k θ of the parameters that leave the loss
    invariant, decided exactly (a basis; see the module docstring).

    Examples
    --------
    >>> from exactflow.derivations.single_neuron import model
    >>> (sym,) = scaling_symmetries(model(2, whitened=True))
    >>> sym.describe()
    '(a, w) → (c·a, w/c)'
    >>> [sym.exponents[x] for x in model(2, whitened=True).symbols]
    [1, -1, -1]
    """
    groups = tuple((g.name, g.symbols) for g in model.params if len(g.symbols) > 1)
    return loss_symmetries(model.loss, model.symbols, groups)


def noether_charge(sym: ScalingSymmetry, model) -> sp.Expr:
    """Q = Σ_i k_i θ_i²/η_i, conserved by the gradient flow with rates η_i.

    ``model`` is a :class:`Model` or a mapping symbol → learning rate.

    Examples
    --------
    >>> from exactflow.derivations.single_neuron import model
    >>> m = model(2, whitened=True)
    >>> noether_charge(scaling_symmetries(m)[0], m)
    a**2/eta_a - w0**2/eta_w - w1**2/eta_w
    """
    rates = model.rates if isinstance(model, Model) else dict(model)
    return sp.Add(*(k * x**2 / rates[x] for x, k in sym.exponents.items() if k))


def invariant_monomials(model, syms, max_degree: int = 4) -> tuple[sp.Expr, ...]:
    """The Hilbert basis (degree ≤ ``max_degree``) of the invariant monomials.

    θ^m is invariant under every symmetry in ``syms`` iff m·k = 0.  A symbol
    untouched by all of them is itself a generator.  ``model`` is a
    :class:`Model` or a sequence of symbols.  Ordered by degree, then by the
    symbols' order.

    Examples
    --------
    >>> from exactflow.derivations.single_neuron import model
    >>> m = model(3, whitened=True)
    >>> invariant_monomials(m, scaling_symmetries(m))
    (a*w0, a*w1, a*w2)
    """
    symbols = tuple(model.symbols if isinstance(model, Model) else model)
    if max_degree < 1:
        raise ValueError(f"max_degree must be ≥ 1, got {max_degree!r}")
    column = {x: tuple(s.exponents.get(x, 0) for s in syms) for x in symbols}
    types: list[tuple[int, ...]] = []
    for x in symbols:
        if column[x] not in types:
            types.append(column[x])
    members = {c: [x for x in symbols if column[x] == c] for c in types}
    # Hilbert basis on the column types: n irreducible iff no smaller generator ≤ n
    gens: list[tuple[int, ...]] = []
    for deg in range(1, max_degree + 1):
        for combo in itertools.combinations_with_replacement(range(len(types)), deg):
            n = tuple(combo.count(i) for i in range(len(types)))
            if any(sum(n[i] * types[i][j] for i in range(len(types)))
                   for j in range(len(syms))):
                continue
            if any(all(h[i] <= n[i] for i in range(len(n))) for h in gens):
                continue
            gens.append(n)
    out = []
    for n in gens:
        parts = [itertools.combinations_with_replacement(members[types[i]], n[i])
                 for i in range(len(types))]
        for choice in itertools.product(*parts):
            out.append(sp.Mul(*(x for part in choice for x in part)))
    order = {x: i for i, x in enumerate(symbols)}

    def key(mono):
        powers = mono.as_powers_dict()
        return (sp.Poly(mono, *symbols).total_degree(),
                sorted((order[x], -int(powers[x])) for x in powers))

    return tuple(sorted(out, key=key))


@dataclass(frozen=True)
class InvariantSetup:
    """What ``reduce_flow(..., coordinates="invariant")`` needs (see there)."""

    symmetries: tuple[ScalingSymmetry, ...]
    charges: dict[sp.Symbol, sp.Expr]        # new constant → Q in the model's symbols
    on_state: dict[sp.Symbol, sp.Expr]       # the same charges in the (slice) state
    coordinates: dict[sp.Symbol, sp.Expr]    # p_i → invariant monomial
    auxiliary: tuple[sp.Expr, ...]           # the halves of each charge, Y ≥ 0
    text: str


def _in_span(q: sp.Expr, others, state) -> bool:
    """Q = λ₀ + Σ λ_j O_j for constants λ (a polynomial identity in the state)."""
    lams = [sp.Dummy(f"l{j}") for j in range(len(others) + 1)]
    expr = q - lams[0] - sum((lam * o for lam, o in zip(lams[1:], others)),
                             sp.S.Zero)
    num = sp.expand(sp.fraction(sp.together(expr))[0])
    try:
        eqs = sp.Poly(num, *state).coeffs()
    except sp.PolynomialError:
        return False
    return sp.linsolve(eqs, lams) != sp.S.EmptySet


def _fresh(stem: str, taken: set[str]):
    i = 1
    while True:
        name = f"{stem}_{i}"
        i += 1
        if name not in taken:
            taken.add(name)
            yield sp.Symbol(name, real=True)


def invariant_setup(flow, sl, state, rhs, conserved: dict, taken: set[str],
                    max_degree: int = 4) -> InvariantSetup:
    """Symmetries, Noether charges and invariant coordinates of a (slice) flow.

    On a rotation slice ``sl`` the state is (scalars, u, r) and its flow is the
    gradient flow of the restricted loss L|slice (∂_u, ∂_r of L|slice are
    ∂_{w₀}L, ∂_{w₁}L there) with the rate of the sliced group for u and r, so
    the rescalings are those of L|slice.  A charge in u², r² is written in the
    model's symbols with u² = (w·b)²/‖b‖², r² = ‖w‖² − u².  Charges that are
    constant combinations of ``conserved`` (given on the state) or of earlier
    charges are not added.  New constants are named delta_1, delta_2, …, the
    coordinates p_1, p_2, … (skipping names in ``taken``).
    """
    model = flow.model
    rates = dict(model.rates)
    if sl is not None:
        loss = model.loss.xreplace(sl.on_slice)
        rates[sl.u] = rates[sl.r] = model.group(sl.group).rate
        groups = ((sl.group, (sl.u, sl.r)),)
    else:
        loss = model.loss
        groups = tuple((g.name, g.symbols) for g in model.params if len(g.symbols) > 1)
    syms = loss_symmetries(sp.expand(loss), state, groups)
    eq = dict(zip(state, rhs))
    names = _fresh("delta", taken)
    charges, on_state, kept, lines, aux = {}, {}, list(conserved.values()), [], []
    for sym in syms:
        q = noether_charge(sym, rates)
        dq = sp.expand(sum((sp.diff(q, x) * eq[x] for x in state), sp.S.Zero))
        if dq != 0:  # cannot happen for a true gradient flow of this loss
            raise ValueError(f"the Noether charge {q} of {sym.describe()} is not "
                             "conserved by this flow")
        half = [sp.Add(*(abs(k) * x**2 / rates[x] for x, k in sym.exponents.items()
                         if k * sign > 0)) for sign in (-1, 1)]
        aux += [h for h in (*half, half[0] + half[1]) if h != 0 and h not in aux]
        line = f"{sym.describe()}, Noether charge Q = {sp.sstr(q)}"
        if _in_span(q, kept, state):
            lines.append(line + " (a combination of the conserved quantities "
                         "already given)")
            continue
        c = next(names)
        kept.append(q)
        on_state[c] = q
        charges[c] = _lift(q, flow, sl)
        lines.append(line + f" =: {c}")
    monos = invariant_monomials(state, syms, max_degree)
    coords = dict(zip(_fresh("p", taken), monos))
    text = ("Rescalings θ_i → c^(k_i) θ_i with Σ k_i θ_i ∂L/∂θ_i ≡ 0 (decided "
            "exactly); each conserves Q = Σ k_i θ_i²/η_i.  "
            + ("; ".join(lines) if lines else "None.")
            + ".  Invariant coordinates (Hilbert basis of the invariant monomials, "
            f"degree ≤ {max_degree}): "
            + "; ".join(f"{p} = {sp.sstr(m)}" for p, m in coords.items()) + ".")
    return InvariantSetup(syms, charges, on_state, coords, tuple(aux), text)


def _lift(q: sp.Expr, flow, sl) -> sp.Expr:
    if sl is None:
        return q
    b2 = sum(x**2 for x in sl.b)
    wb2 = sum(w * b for w, b in zip(sl.w, sl.b))**2
    ww = sum(w**2 for w in sl.w)
    return sp.cancel(q.xreplace({sl.u**2: wb2 / b2, sl.r**2: ww - wb2 / b2}))
