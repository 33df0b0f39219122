r"""Normal forms modulo the conserved relations, in a sparse polynomial ring.

The matchers of ``matrix-riccati`` and ``linear-radial`` decide an identity *on
the level set* of the conserved quantities: a polynomial vanishes there when its
normal form modulo a Gröbner basis of the relations is zero.  :class:`LevelSet`
computes the basis once and reduces in SymPy's sparse ring (``PolyRing`` over
ℚ or the field of rational functions of the constants), without building an
expression for each intermediate polynomial.

The unknown coefficients the matchers solve for (K, F, γ) enter linearly, so
they stay out of the ring: :meth:`LevelSet.linear_equations` combines normal
forms with symbolic multipliers and returns one linear equation per monomial.

>>> import sympy as sp
>>> x, y, c = sp.symbols("x y c")
>>> red = LevelSet([x**2 + y**2 - c], (x, y), {c}, "grevlex")
>>> red.nf(x**2 * y).as_expr()
c*y - y**3
>>> k = sp.Symbol("k")
>>> red.linear_equations([(1, red.nf(x**2)), (k, red.nf(y**2))])
[c, k - 1]
"""

from __future__ import annotations

from collections.abc import Iterable

import sympy as sp
from sympy.polys.groebnertools import groebner
from sympy.polys.rings import PolyRing

__all__ = ["LevelSet"]


class LevelSet:
    """Reduction modulo ``relations`` = 0, polynomials in ``gens`` over the field
    of the ``constants``; ``order`` is a monomial order (``"lex"``, ``"grevlex"``).

    ``exprs`` are the expressions that will be reduced: when one of them (or a
    relation) has a coefficient outside that field (√2, √c, e^c), the ring's
    coefficients are SymPy expressions (``EX``) instead.  :meth:`element` raises
    :class:`ValueError` for an expression that is not a polynomial in ``gens``.
    """

    def __init__(self, relations: Iterable[sp.Expr], gens, constants, order: str,
                 exprs: Iterable[sp.Expr] = ()):
        constants = sorted(constants, key=sp.default_sort_key)
        self.gens = tuple(gens)
        relations = [sp.sympify(r) for r in relations]
        domain = sp.QQ.frac_field(*constants) if constants else sp.QQ
        self.ring = PolyRing(self.gens, domain, order)
        self.domain = domain
        try:
            for e in list(exprs) + relations:
                self.ring.from_expr(sp.sympify(e))
        except ValueError:
            self.domain = sp.EX
            self.ring = PolyRing(self.gens, sp.EX, order)
        rels = [self.element(r) for r in relations]
        self.basis = groebner([r for r in rels if r], self.ring) if rels else []

    def element(self, expr) -> sp.polys.rings.PolyElement:
        """``expr`` as an element of the ring (ValueError when it is not one)."""
        try:
            p = self.ring.from_expr(sp.sympify(expr))
        except sp.polys.polyerrors.CoercionFailed as exc:
            raise ValueError(str(exc)) from exc
        if self.domain == sp.EX and any(
                c.ex.free_symbols & set(self.gens) for c in p.coeffs()):
            raise ValueError(f"{expr} is not a polynomial in {self.gens}")
        return p

    def nf(self, p):
        """The normal form of ``p`` (an expression or a ring element)."""
        if getattr(p, "ring", None) != self.ring:
            p = self.element(p)
        return p.rem(self.basis) if self.basis else p

    def constant(self, expr):
        """``expr`` (free of the generators) as a coefficient of the ring."""
        return self.domain.from_sympy(sp.sympify(expr))

    def linear_equations(self, terms) -> list[sp.Expr]:
        """Σ cᵢ pᵢ = 0 coefficient by coefficient, for ``terms`` = [(cᵢ, pᵢ)]
        with symbolic multipliers cᵢ and ring elements pᵢ: one expression per
        monomial of the pᵢ, zero ones dropped."""
        by_monomial: dict[tuple, list] = {}
        for c, p in terms:
            for monom, coeff in p.terms():
                by_monomial.setdefault(monom, []).append(
                    c * self.domain.to_sympy(coeff))
        eqs = [sp.Add(*parts) for _, parts in sorted(by_monomial.items())]
        return [e for e in eqs if e != 0]
