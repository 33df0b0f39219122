r"""Change of variables on the level set of conserved quantities.

**Change of variables and conserved constants** (:func:`change_variables`).  New
coordinates z_i = e_i(θ) (polynomial, rational or √polynomial) and conserved
quantities Q_j(θ) = c_j give the ideal I = (z_i − e_i, Q_j − c_j) in ℚ(c)[θ, z];
its lexicographic Gröbner basis with θ > z decides, exactly, whether ż_i is a
function of z on the level set: the normal form of ż_i lies in ℚ(c)[z] iff
ż_i ≡ g(z) mod I.  A factor that is not a rational function of z (e.g. the speed
η_a b² + η_b a² of a two-layer chain) gets a new unknown Y; if I + (Y − factor)
contains a binomial Y^k − R(z) and the factor is non-negative, then the factor
equals R^{1/k}; a quadratic c₂Y² + c₁Y + c₀ with −c₀/c₂ ≥ 0 (decidable) gives
the larger root (the only non-negative one).  With ``auxiliary`` expressions
Y ≥ 0, a ż that is not a function of z by its factors may still be a rational
function of z and one Y over ℚ(c, z) (generic points), with Y a root as above.
Relations of the basis free of θ are reported as constraints.
"""

from __future__ import annotations

import sympy as sp

__all__ = ["change_variables", "NotReducible", "ReductionError"]


class ReductionError(ValueError):
    """The requested reduction does not hold (with the reason)."""


class NotReducible(ReductionError):
    """The flow does not reduce to the requested (or invariant) coordinates: a
    result about the model, not an error in the input."""


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
                     positive_factor=_nonnegative, auxiliary=()):
    """ż for ``coordinates`` = {z: e(state)}, exactly on the variety of ``relations``.

    ``auxiliary`` are non-negative expressions Y(state) (e.g. the two halves of
    a Noether charge): when ż is not a function of z by its factors, it may
    still be a rational function of z and one Y whose relation over ℚ(c, z) is
    binomial or quadratic (:func:`_extension`).

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
    if any(sp.sympify(f).has(sp.Piecewise, sp.Heaviside, sp.Max, sp.Min, sp.Abs,
                             sp.sign, sp.DiracDelta) for f in rhs):
        raise ReductionError("the flow is piecewise (activation patterns, or "
                             "DiracDelta terms of a discontinuous loss), and a "
                             "change of variables needs a rational flow")
    G = sp.groebner(rels, *gens, order="lex", domain=dom)
    constraints = tuple(g for g in G.exprs if not (g.free_symbols & set(state)))
    out, notes = [], []

    def nf(expr):
        return sp.expand(G.reduce(sp.expand(expr))[1])

    for z, e in coordinates.items():
        num, den = sp.fraction(_derivative(state, rhs, z, e))
        try:
            value, more = _by_factors(G, rels, gens, state, zs, dom, z, num, den,
                                      nf, positive_factor)
        except ReductionError as err:
            found = _extension(state, rels, zs, consts, num, den, auxiliary,
                               positive_factor) if auxiliary else None
            if found is None:
                if auxiliary:
                    raise ReductionError(
                        f"{err}, nor a rational function of "
                        f"{', '.join(map(str, zs))} and one of "
                        f"{', '.join(map(sp.sstr, auxiliary))} with a binomial or "
                        "quadratic relation") from None
                raise
            value, more = found
        out.append(value)
        notes += [n for n in more if n not in notes]
    return tuple(out), constraints, tuple(notes)


def _by_factors(G, rels, gens, state, zs, dom, z, num, den, nf, positive):
    n_num, n_den = nf(num), nf(den)
    if not (n_den.free_symbols & set(state)) and \
            not (n_num.free_symbols & set(state)):
        return sp.factor(n_num / n_den), []
    if n_den.free_symbols & set(state):
        raise ReductionError(f"d{z}/dt: the denominator {den} is not a function "
                             f"of {', '.join(map(str, zs))} on the level set")
    coeff, factors = sp.factor_list(num, *state)
    value, notes = coeff / n_den, []
    for fac, mult in factors:
        n_fac = nf(fac)
        if not (n_fac.free_symbols & set(state)):
            value *= n_fac**mult
            continue
        root = _radical(G, rels, gens, state, zs, dom, fac, positive)
        if root is None:
            raise ReductionError(
                f"d{z}/dt is not a function of {', '.join(map(str, zs))} on the "
                f"level set: its factor {fac} is not (nor a radical of one)")
        notes.append(root[1])
        value *= root[0]**mult
    return value, notes


def _root(h, Y, fac):
    """The non-negative root of the relation h(Y) = 0 of ``fac`` ≥ 0, or None.

    Binomial c·Y^k − R: Y = R^(1/k).  Quadratic c₂Y² + c₁Y + c₀ with
    −c₀/c₂ ≥ 0 (decided by :func:`_nonnegative` on its numerator and
    denominator): the roots have product c₀/c₂ ≤ 0, so Y is the larger one,
    (−p + √(p² − 4q))/2 with p = c₁/c₂, q = c₀/c₂ (unique when q < 0; at q = 0
    the larger of 0 and −p).  Returns ``(value, note)``.
    """
    poly = sp.Poly(h, Y)
    k, terms = poly.degree(), poly.terms()
    if k == 1:
        c1, c0 = poly.all_coeffs()
        value = sp.factor(-c0 / c1)
        return value, f"{fac} = {sp.sstr(value)} on the level set"
    if len(terms) == 2 and terms[1][0] == (0,):
        R = sp.factor(-terms[1][1] / terms[0][1])
        return (sp.Pow(R, sp.Rational(1, k)),
                f"{fac} ≥ 0 and ({fac})^{k} = {sp.sstr(R)} on the level set, so "
                f"{fac} = ({sp.sstr(R)})^(1/{k})")
    if k != 2:
        return None
    c2, c1, c0 = poly.all_coeffs()
    num, den = sp.fraction(sp.factor(-c0 / c2))
    if not ((_nonnegative(num) and _nonnegative(den))
            or (_nonnegative(-num) and _nonnegative(-den))):
        return None
    p, q = sp.factor(c1 / c2), sp.factor(c0 / c2)
    value = (-p + sp.sqrt(sp.factor(p**2 - 4 * q))) / 2
    return value, (f"{fac} ≥ 0 and Y = {fac} satisfies {sp.sstr(h.subs(Y, 'Y'))} = 0 "
                   f"on the level set, whose roots have product {sp.sstr(q)} ≤ 0; "
                   f"so {fac} is the larger root {sp.sstr(value)}")


def _radical(G, rels, gens, state, zs, dom, fac, positive):
    if not positive(fac):
        return None
    Y = sp.Dummy("Y")
    H = sp.groebner(rels + [Y - fac], *state, Y, *zs, order="lex", domain=dom)
    cands = [h for h in H.exprs if h.has(Y) and not (h.free_symbols & set(state))]
    for h in sorted(cands, key=lambda h: sp.degree(h, Y)):
        found = _root(h, Y, fac)
        if found is not None:
            return found
    return None


def _extension(state, rels, zs, consts, num, den, auxiliary, positive):
    """ż = num/den as a rational function of z and one auxiliary Y ≥ 0.

    Works over the field ℚ(c, z) (generic points of the level set): modulo the
    lex Gröbner basis (state > Y) of the relations and Y − aux, the normal forms
    of num and den are free of the state iff ż ∈ ℚ(c, z)[Y] there; Y is then the
    root (:func:`_root`) of its relation, the basis element free of the state.
    Returns ``(value, notes)`` or None.
    """
    dom = _domain(consts | set(zs))
    Y = sp.Dummy("Y")
    for aux in (None, *auxiliary):
        if aux is not None and not positive(aux):
            continue
        extra = [] if aux is None else [Y - aux]
        gens = state if aux is None else (*state, Y)
        H = sp.groebner(list(rels) + extra, *gens, order="lex", domain=dom)
        if H.exprs == [1]:
            return None
        n_num, n_den = (sp.expand(H.reduce(sp.expand(x))[1]) for x in (num, den))
        if ((n_num.free_symbols | n_den.free_symbols) & set(state)) or n_den == 0:
            continue
        value = n_num / n_den
        if aux is None or not value.has(Y):
            return sp.factor(value), []
        rel = [h for h in H.exprs if not (h.free_symbols & set(state))]
        found = _root(rel[0], Y, aux) if len(rel) == 1 else None
        if found is not None:
            return sp.factor(value.subs(Y, found[0])), [found[1]]
    return None
