r"""The gradient fields η ⊙ ∇θ f(x; θ) of a model, as exact polynomials.

Both the discovery of conservation laws (``conservation``) and their count
(``lie``) work on the partial derivatives :math:`\partial_{\theta_p} f_c(x;\theta)`
of every output component :math:`f_c`.  Here they are computed once, with

* piecewise atoms (ReLU, leaky ReLU, |·|, …) replaced by pattern indicators
  (``patterns``), so one polynomial covers every activation pattern;
* every remaining non-polynomial sub-expression (``tanh(v*x)``, an undefined
  ``sigma(v*x)`` and its derivative, ``1/θ``) replaced, *after*
  differentiation, by a fresh indeterminate ("atom").  An identity that holds
  for independent indeterminates holds for the actual functions, so laws found
  this way are laws; the search is complete when the atoms are algebraically
  independent over ℚ(θ, x) (one ``tanh``, a generic σ and σ′: yes).

The result is a ring ``ℚ[θ, x, χ, T]`` and the polynomials ``∂_p f_c`` in it,
reduced modulo the indicator relations.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyElement, PolyRing

from ..spec.model import Model
from .patterns import IndicatorForm, indicator_form, reduce_exponents

__all__ = ["GradientFields", "gradient_fields", "output_components"]


def output_components(model: Model) -> tuple[sp.Expr, ...]:
    """The output components of ``model.forward`` (a scalar or a matrix)."""
    f = model.forward
    if f is None:
        raise ValueError(f"model {model.name!r} has no forward map; conservation "
                         "laws need f(x; θ) (Model(forward=...))")
    if isinstance(f, sp.MatrixBase):
        return tuple(sp.sympify(e) for e in f)
    if isinstance(f, (tuple, list)):
        return tuple(sp.sympify(e) for e in f)
    return (sp.sympify(f),)


def _atoms(expr: sp.Expr, gens: frozenset) -> set[sp.Expr]:
    """Maximal sub-expressions of ``expr`` that are not polynomial in ``gens``."""
    if expr.is_Rational or expr in gens:
        return set()
    if expr.is_Add or expr.is_Mul:
        out: set[sp.Expr] = set()
        for arg in expr.args:
            out |= _atoms(arg, gens)
        return out
    if expr.is_Pow and expr.exp.is_Integer and expr.exp >= 0:
        return _atoms(expr.base, gens)
    return {expr}


@dataclass(frozen=True)
class GradientFields:
    """∂θ f of every output component, exactly, in ``ℚ[θ, x, χ, T]``.

    Attributes
    ----------
    model : Model
    params, rates : tuple of sympy.Symbol
        The parameters θ in state order and the rate of each.
    inputs : tuple of sympy.Symbol
    form : IndicatorForm
        The output components with piecewise atoms replaced by indicators.
    grads : tuple of tuple of sympy.Expr
        ``grads[c][p]`` = ∂f_c/∂θ_p (indicator form, atoms kept as expressions).
    atoms : tuple of (sympy.Dummy, sympy.Expr)
        The indeterminates standing for non-polynomial sub-expressions.
    ring : PolyRing
        ``ℚ[θ, x, χ, T]`` in that order of generators.
    polys : tuple of tuple of PolyElement
        ``grads`` in ``ring``, indicator monomials reduced.
    """

    model: Model
    params: tuple[sp.Symbol, ...]
    rates: tuple[sp.Symbol, ...]
    inputs: tuple[sp.Symbol, ...]
    form: IndicatorForm
    grads: tuple[tuple[sp.Expr, ...], ...]
    atoms: tuple[tuple[sp.Symbol, sp.Expr], ...]
    ring: PolyRing = field(repr=False)
    polys: tuple[tuple[PolyElement, ...], ...] = field(repr=False)

    @property
    def polynomial(self) -> bool:
        """True when no non-polynomial atom was needed."""
        return not self.atoms

    @property
    def unique_rates(self) -> tuple[sp.Symbol, ...]:
        """The distinct rate symbols, in order of first use."""
        return tuple(dict.fromkeys(self.rates))

    @property
    def indicator_slots(self) -> tuple[tuple[int, ...], ...]:
        """Ring positions of each atom's indicators."""
        k = len(self.params) + len(self.inputs)
        out = []
        for g in self.form.groups:
            out.append(tuple(range(k, k + len(g))))
            k += len(g)
        return tuple(out)


def _check_forward(model: Model, comps: tuple[sp.Expr, ...]) -> None:
    allowed = set(model.symbols) | set(model.inputs)
    used = set().union(*(c.free_symbols for c in comps))
    extra = sorted(map(str, used - allowed))
    if extra:
        raise ValueError(
            f"model {model.name!r}: the forward map uses {extra}, which are neither "
            "parameters nor inputs; substitute numbers (sympy.Rational) for them")
    if any(c.atoms(sp.Float) for c in comps):
        raise ValueError(f"model {model.name!r}: the forward map contains floats; "
                         "write exact numbers (sympy.Rational) instead")


def _reduce(poly: PolyElement, form: IndicatorForm, offset: int) -> PolyElement:
    """``poly`` modulo χ² = χ and χ_iχ_j = 0 (indicators from ``offset`` on)."""
    if not form.groups:
        return poly
    slots, k = [], offset
    for g in form.groups:
        slots.append(tuple(range(k, k + len(g))))
        k += len(g)
    out: dict = {}
    for mon, c in poly.items():
        red = reduce_exponents(mon, tuple(slots))
        if red is not None:
            out[red] = out.get(red, QQ.zero) + c
    return poly.ring({m: c for m, c in out.items() if c})


def gradient_fields(model: Model) -> GradientFields:
    """The gradient fields of ``model`` (cached per model when it is hashable;
    a mutable ``sympy.Matrix`` forward map is not).

    Raises
    ------
    ValueError
        If the model has no forward map, or its forward map uses symbols other
        than parameters and inputs, or floats.
    """
    try:
        hash(model)
    except TypeError:
        return _gradient_fields(model)
    return _cached(model)


def _cache_clear() -> None:
    _cached.cache_clear()


gradient_fields.cache_clear = _cache_clear  # type: ignore[attr-defined]


@functools.lru_cache(maxsize=64)
def _cached(model: Model) -> GradientFields:
    return _gradient_fields(model)


def _gradient_fields(model: Model) -> GradientFields:
    comps = output_components(model)
    _check_forward(model, comps)
    params = model.symbols
    rates = tuple(model.rates[p] for p in params)
    form = indicator_form(comps)
    base = params + tuple(model.inputs) + form.indicators
    gens = frozenset(base)
    if not any(_atoms(sp.expand(fc), gens) for fc in form.exprs):
        # polynomial: differentiate in the ring (much faster than sp.diff)
        ring = PolyRing(base, QQ)
        polys = tuple(tuple(_reduce(ring(sp.expand(fc)).diff(g), form, len(params)
                                    + len(model.inputs))
                            for g in ring.gens[:len(params)]) for fc in form.exprs)
        grads = tuple(tuple(p.as_expr() for p in row) for row in polys)
        return GradientFields(model, params, rates, tuple(model.inputs), form,
                              grads, (), ring, polys)
    grads = tuple(tuple(sp.diff(fc, p) for p in params) for fc in form.exprs)
    found: set[sp.Expr] = set()
    for row in grads:
        for g in row:
            found |= _atoms(sp.expand(g), gens)
    atoms = tuple((sp.Dummy(f"T{i}"), a)
                  for i, a in enumerate(sorted(found, key=sp.default_sort_key)))
    ring = PolyRing(base + tuple(t for t, _ in atoms), QQ)
    inverse = {a: t for t, a in atoms}
    offset = len(params) + len(model.inputs)

    def convert(expr: sp.Expr) -> PolyElement:
        return _reduce(ring(sp.expand(expr).xreplace(inverse)), form, offset)

    polys = tuple(tuple(convert(g) for g in row) for row in grads)
    return GradientFields(model, params, rates, tuple(model.inputs), form, grads,
                          atoms, ring, polys)
