r"""Activation patterns of piecewise forward maps, as polynomial indicators.

A piecewise-linear activation makes the forward map polynomial on each
activation region.  Instead of enumerating the :math:`2^h` patterns of ``h``
units, every piecewise atom with branches :math:`B_1,\dots,B_r` is replaced by

.. math:: \sum_{j<r}\chi_j B_j + \Big(1-\sum_{j<r}\chi_j\Big) B_r ,

with indicator symbols :math:`\chi_j\in\{0,1\}`, at most one of them 1.  A
polynomial identity then has to hold at every admissible indicator value; after
the reduction :math:`\chi^2=\chi` and :math:`\chi_i\chi_j=0` (same atom) a
polynomial vanishes at all of them iff all its coefficients vanish, so
"holds on every pattern" becomes "is zero as a polynomial in θ, x and χ".

Recognised atoms: ``Max``, ``Min`` (branches: the arguments), ``Abs`` (z, −z),
``Heaviside`` (1, 0), ``sign`` (1, −1) and ``Piecewise`` (the branch values;
conditions are ignored).  ReLU is ``Max(0, z)``, leaky ReLU ``Max(z, alpha*z)``,
ReLU^k ``Max(0, z)**k``.  Nested atoms (deep ReLU nets) are replaced innermost
first.  Each branch is assumed to be taken on an open set of (θ, x), which holds
when every unit's pre-activation can take either sign; atoms are treated as
independent even when two of them share a pre-activation, which can only add
conditions (a law found is a law; see ``conservation``).

>>> import sympy as sp
>>> z = sp.Symbol("z", real=True)
>>> form = indicator_form((sp.Max(0, z) + 1,))
>>> chi, = form.indicators
>>> [form.exprs[0].subs(chi, v) for v in (0, 1)], form.patterns
([z + 1, 1], 2)
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["PIECEWISE", "IndicatorForm", "indicator_form", "branches",
           "reduce_exponents", "reduce_expr"]

PIECEWISE = (sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.Piecewise)


def branches(atom: sp.Expr) -> tuple[sp.Expr, ...]:
    """The values a piecewise atom takes on its regions."""
    if isinstance(atom, (sp.Max, sp.Min)):
        out = atom.args
    elif isinstance(atom, sp.Abs):
        out = (atom.args[0], -atom.args[0])
    elif isinstance(atom, sp.Heaviside):
        out = (sp.Integer(1), sp.Integer(0))
    elif isinstance(atom, sp.sign):
        out = (sp.Integer(1), sp.Integer(-1))
    elif isinstance(atom, sp.Piecewise):
        out = tuple(e for e, _ in atom.args)
    else:
        raise TypeError(f"not a piecewise atom: {atom}")
    unique: list[sp.Expr] = []
    for b in out:
        if b not in unique:
            unique.append(b)
    return tuple(unique)


@dataclass(frozen=True)
class IndicatorForm:
    """Expressions with every piecewise atom replaced by its indicator sum.

    Attributes
    ----------
    exprs : tuple of sympy.Expr
        The rewritten expressions, polynomial in the indicators.
    groups : tuple of tuple of sympy.Dummy
        The indicators of each atom (``r − 1`` for ``r`` branches).
    atoms : tuple of sympy.Expr
        The replaced atoms, in the order of ``groups`` (inner atoms first).
    """

    exprs: tuple[sp.Expr, ...]
    groups: tuple[tuple[sp.Symbol, ...], ...]
    atoms: tuple[sp.Expr, ...]

    @property
    def indicators(self) -> tuple[sp.Symbol, ...]:
        return tuple(s for g in self.groups for s in g)

    @property
    def patterns(self) -> int:
        """Number of indicator assignments (activation patterns)."""
        n = 1
        for g in self.groups:
            n *= len(g) + 1
        return n


def indicator_form(exprs: tuple[sp.Expr, ...]) -> IndicatorForm:
    """Replace the piecewise atoms of ``exprs`` by indicator polynomials."""
    exprs = tuple(sp.sympify(e) for e in exprs)
    groups: list[tuple[sp.Symbol, ...]] = []
    atoms: list[sp.Expr] = []
    while True:
        found: set[sp.Expr] = set()
        for e in exprs:
            found |= e.atoms(*PIECEWISE)
        inner = sorted((a for a in found
                        if not any(arg.atoms(*PIECEWISE) for arg in a.args)),
                       key=sp.default_sort_key)
        if not inner:
            break
        mapping = {}
        for atom in inner:
            bs = branches(atom)
            if len(bs) == 1:
                mapping[atom] = bs[0]
                continue
            chis = tuple(sp.Dummy(f"chi{len(groups)}_{j}") for j in range(len(bs) - 1))
            groups.append(chis)
            atoms.append(atom)
            rest = 1 - sp.Add(*chis)
            mapping[atom] = sp.Add(*(c * b for c, b in zip(chis, bs))) + rest * bs[-1]
        exprs = tuple(e.xreplace(mapping) for e in exprs)
    return IndicatorForm(exprs, tuple(groups), tuple(atoms))


def reduce_exponents(exps: tuple[int, ...],
                     slots: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | None:
    """Reduce a monomial's indicator exponents; ``None`` when it vanishes.

    ``slots`` lists, per atom, the positions of its indicators in ``exps``.
    """
    out = list(exps)
    for group in slots:
        hit = 0
        for i in group:
            if out[i]:
                out[i] = 1
                hit += 1
        if hit > 1:
            return None
    return tuple(out)


def reduce_expr(expr: sp.Expr, form: IndicatorForm) -> dict[tuple, sp.Expr]:
    """Coefficients of ``expr`` on the reduced indicator monomials.

    ``expr`` vanishes on every pattern iff every returned coefficient is zero.
    """
    chis = form.indicators
    if not chis:
        return {(): sp.expand(expr)}
    slots, k = [], 0
    for g in form.groups:
        slots.append(tuple(range(k, k + len(g))))
        k += len(g)
    out: dict[tuple, sp.Expr] = {}
    poly = sp.Poly(sp.expand(expr), *chis)
    for exps, coeff in poly.terms():
        red = reduce_exponents(exps, tuple(slots))
        if red is not None:
            out[red] = out.get(red, sp.Integer(0)) + coeff
    return out
