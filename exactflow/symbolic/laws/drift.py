r"""Conservation laws under gradient descent: the exact change per step.

One GD step with the rates as step sizes, :math:`\theta'=\theta+h`,
:math:`h=-\eta\odot\nabla_\theta L(\theta)`, changes a polynomial law Q by the
finite Taylor sum

.. math:: Q(\theta')-Q(\theta)=\sum_{j=1}^{\deg Q}\frac1{j!}D^jQ(\theta)[h]^j .

The j = 1 term is :math:`-\nabla Q\cdot(\eta\odot\nabla L)=\dot Q`, zero for a
law, so the change is the sum from j = 2: a polynomial of order η²
(docs/math/conservation_laws.md §3: for the single neuron
:math:`\delta'-\delta=\eta_a\eta_w(\eta_a(w^\top g)^2-\eta_w a^2\lVert g\rVert^2)`).
:func:`gd_drift` returns these expressions (``h`` written through the model's
own loss) and the subspace of the span of the laws that one GD step conserves
*exactly* — the combinations :math:`\sum_ic_iQ_i`, :math:`c\in\mathbb Q(\eta)^k`,
whose change vanishes identically in θ and the data (and on every activation
pattern).  :func:`gd_iterates` runs GD in exact rational arithmetic to check
them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy as sp
from sympy.polys.domains import QQ
from sympy.polys.rings import PolyRing

from ..proof.verify import Claim, combine
from ..proof.zero import is_identically_zero
from ..spec.model import Model
from ..spec.steps import gd_step, taylor_change
from .conservation import ConservationLaws
from .echelon import independent_rows, nullspace
from .patterns import indicator_form, reduce_exponents, reduce_expr

__all__ = ["GDDrift", "gd_step", "gd_drift", "gd_iterates"]


def gd_iterates(model: Model, start: dict, steps: int) -> list[dict]:
    """GD iterates in exact arithmetic; ``start`` gives every parameter, rate and
    data symbol a Rational.  Returns ``steps + 1`` dicts of parameter values."""
    step = gd_step(model)
    missing = sorted(map(str, (set(model.symbols) | set(model.consts)) - set(start)))
    if missing:
        raise ValueError(f"start must give a value for every symbol; missing {missing}")
    fixed = {s: sp.Rational(v) for s, v in start.items() if s not in step}
    theta = {p: sp.Rational(start[p]) for p in model.symbols}
    out = [theta]
    for _ in range(steps):
        at = {**fixed, **theta}
        theta = {}
        for p, e in step.items():
            value = e.xreplace(at)
            if not value.is_Rational:
                raise ValueError(f"{model.name}: the GD step is not rational at "
                                 "rational points (non-polynomial model)")
            theta[p] = value
        out.append(theta)
    return out


@dataclass(frozen=True)
class GDDrift:
    """The one-step change of each law, and the laws GD conserves exactly.

    Attributes
    ----------
    laws : ConservationLaws
    first_order : tuple of sympy.Expr
        −∇Q·(η⊙∇L) for each law, with the loss in indicator form (identically
        zero on every pattern: see :meth:`claims`).
    changes : tuple of sympy.Expr
        Q(θ − η⊙∇L) − Q(θ) as the Taylor sum from order 2, in θ, the data and
        the rates (``∇L`` written out, not expanded).
    conserved : tuple of sympy.Expr
        A basis of the combinations of laws whose one-step change vanishes
        identically; empty when GD conserves none.
    in_steps : tuple of sympy.Expr
        The same changes in terms of the step ``Δθ = −η⊙∇L``, with one symbol
        ``Δ<name>`` per parameter (:attr:`steps`): for a quadratic law the
        change is the law evaluated at the step, ``Q(Δθ)``.
    steps : tuple of sympy.Symbol
        The step symbols, in the state order of the model.
    """

    laws: ConservationLaws
    first_order: tuple[sp.Expr, ...]
    changes: tuple[sp.Expr, ...]
    conserved: tuple[sp.Expr, ...]
    in_steps: tuple[sp.Expr, ...] = ()
    steps: tuple[sp.Symbol, ...] = ()

    def claims(self) -> tuple[Claim, ...]:
        """One claim per law: the first-order change vanishes identically."""
        form = indicator_form((self.laws.model.loss,))

        def check(expr):
            return combine([is_identically_zero(c)
                            for c in reduce_expr(expr, form).values()])

        return tuple(Claim(f"law {i + 1}: GD change is O(η²)",
                           "the first-order term −∇Q·(η⊙∇L) ≡ 0",
                           lambda e=e: check(e), ("symbolic",))
                     for i, e in enumerate(self.first_order))

    def predicted(self, values: dict) -> tuple[sp.Rational, ...]:
        """The change of every law for one step from ``values`` (exact)."""
        return tuple(sp.Rational(c.xreplace(values)) for c in self.changes)


def _taylor(q: sp.Expr, params, h, steps) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(first-order term, higher terms, higher terms in the step symbols)."""
    first, rest = taylor_change(q, params, steps)
    back = dict(zip(steps, h))
    return first.xreplace(back), rest.xreplace(back), rest


def gd_drift(laws: ConservationLaws, *, seed: int = 0) -> GDDrift:
    """Exact one-step GD change of every law and the exactly conserved span.

    Parameters
    ----------
    laws : ConservationLaws
        From :func:`~exactflow.symbolic.laws.conservation.discover_laws`; the model's
        loss defines the step.
    seed : int
        Seed of the random rates used to pick independent conditions.
    """
    model = laws.model
    params = model.symbols
    step = gd_step(model)
    h = [step[p] - p for p in params]
    steps = tuple(sp.Symbol(f"Δ{p.name}", real=True) for p in params)
    parts = [_taylor(q, params, h, steps) for q in laws.laws]
    chi_step = gd_step(model, indicator_form((model.loss,)).exprs[0])
    chi_h = [chi_step[p] - p for p in params]
    first = tuple(_taylor(q, params, chi_h, steps)[0] for q in laws.laws)
    conserved = _exact_span(laws, seed) if laws.laws else ()
    return GDDrift(laws, first, tuple(p[1] for p in parts), conserved,
                   tuple(p[2] for p in parts), steps)


def _exact_span(laws: ConservationLaws, seed: int) -> tuple[sp.Expr, ...]:
    model = laws.model
    params = model.symbols
    rates = tuple(dict.fromkeys(model.rates.values()))
    form = indicator_form((model.loss,))
    loss = form.exprs[0]
    data = tuple(sorted(loss.free_symbols - set(params) - set(rates)
                        - set(form.indicators), key=str))
    gens = params + data + form.indicators + rates
    ring = PolyRing(gens, QQ)
    n0 = len(params) + len(data)
    slots, k = [], n0
    for g in form.groups:
        slots.append(tuple(range(k, k + len(g))))
        k += len(g)
    nrate = len(rates)
    shift = []
    for p in params:
        grad = ring(sp.expand(sp.diff(loss, p)))
        shift.append((ring(p), ring(p) - ring(model.rates[p]) * grad))
    # rows: one per monomial in (θ, data, χ); entries: polynomials in η
    rows: dict[tuple, dict[int, dict]] = {}
    for i, q in enumerate(laws.laws):
        qp = ring(q)
        delta = qp.compose(shift) - qp
        for mon, c in delta.items():
            red = reduce_exponents(mon, tuple(slots))
            if red is None:
                continue
            key, emon = red[:len(red) - nrate], red[len(red) - nrate:]
            entry = rows.setdefault(key, {}).setdefault(i, {})
            entry[emon] = entry.get(emon, QQ.zero) + c
    rng = random.Random(seed)
    star = [QQ(rng.randint(1, 997), rng.randint(1, 997)) for _ in rates]

    def at_star(poly: dict):
        acc = QQ.zero
        for emon, c in poly.items():
            term = c
            for v, e in zip(star, emon):
                term *= v**e
            acc += term
        return acc

    rows_q = [{i: at_star(p) for i, p in row.items()} for row in rows.values()]
    n = len(laws.laws)
    if not nullspace(rows_q, n):  # none at η*, hence none for generic η
        return ()
    K = QQ.frac_field(*rates)
    gens_k = [K.from_sympy(r) for r in rates]

    def in_k(poly: dict):
        acc = K.zero
        for emon, c in poly.items():
            term = K.convert(c)
            for g, e in zip(gens_k, emon):
                term *= g**e
            acc += term
        return acc

    rows_k = [{i: in_k(p) for i, p in row.items()} for row in rows.values()]
    chosen = independent_rows(rows_q, n)
    kernel = nullspace([rows_k[i] for i in chosen], n, K)
    for row in rows_k:  # exact check of every condition over ℚ(η)
        for vec in kernel:
            if sum((v * vec[i] for i, v in row.items() if i in vec), K.zero):
                raise RuntimeError("special random rates; change the seed")
    out = []
    for vec in kernel:
        expr = sp.Add(*(K.to_sympy(c) * laws.laws[i] for i, c in vec.items()))
        out.append(sp.factor(sp.together(expr)))
    return tuple(out)
