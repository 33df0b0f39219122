r"""The generic facts of every model class, proven by shared code from data.

A catalog entry declares *what* holds — the flow written as its paper writes
it, a symmetry as a substitution, its conserved quantities, its closed form,
its reference values — and the classes here turn each declaration into a
:class:`~exactflow.symbolic.proof.verify.Claim` with the same proof for every
model (as a Butcher tableau is data and one stepper runs them all):

=================  ===============================================  ============
declaration        proven                                           how
=================  ===============================================  ============
:class:`FlowForm`     θ̇ equals the written −η⊙∇L                    zero test
:class:`Invariance`   f and L unchanged by the substitution          zero test
:class:`Conserved`    dQ/dt ≡ 0 along the flow                       zero test
:class:`SolvesFlow`   θ̇(t) − F(θ(t)) ≡ 0 for the closed form         zero test
:class:`StartsAt`     θ(0) = θ₀                                      zero test
:class:`Reference`    max |computed − published| below a tolerance   numeric
:class:`Identity`     a model's own theorem: expressions ≡ 0         zero test
:class:`Check`        a model's own theorem with its own check        as it says
=================  ===============================================  ============

Each ``cases`` is a function (run when the claim is checked, never at import)
returning the instances to check, e.g. the flow at several sizes.  A model's
own ``claims.py`` then holds only its own theorems, each declared as data
(:class:`Identity`, :class:`Check`) right after the function that proves it,
and lists them in order with :func:`standard_claims`.

>>> import sympy as sp
>>> from exactflow.symbolic.spec.model import Model, ParamGroup
>>> from exactflow.symbolic.spec.flow import gradient_flow
>>> a, b = sp.symbols("a b", real=True)
>>> eta = sp.Symbol("eta", positive=True)
>>> m = Model("toy", (ParamGroup("a", (a,), eta), ParamGroup("b", (b,), eta)),
...           (eta,), (a * b - 1) ** 2 / 2)
>>> claim = Conserved("a² − b² conserved", "d/dt ≡ 0",
...                   lambda: [(gradient_flow(m), [a**2 - b**2])]).claim()
>>> claim.run().passed
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..symbolic.proof.verify import Claim, Solution, identity_claim
from ..symbolic.spec.flow import GradientFlow, time_derivative
from ..symbolic.spec.model import Model

__all__ = ["Check", "Conserved", "FlowForm", "Identity", "Invariance", "Reference",
           "SolvesFlow", "StartsAt", "standard_claims"]

Exprs = Sequence[sp.Expr]


@dataclass(frozen=True)
class FlowForm:
    """The flow equals −η⊙∇L as the paper writes it.

    ``cases()`` yields ``(flow, written)`` with ``written`` mapping state
    symbols to the written right-hand side.
    """

    name: str
    statement: str
    cases: Callable[[], Iterable[tuple[GradientFlow, Mapping[sp.Symbol, sp.Expr]]]]
    options: dict = field(default_factory=dict)

    def residuals(self) -> list[sp.Expr]:
        return [flow.equations[s] - rhs for flow, written in self.cases()
                for s, rhs in written.items()]

    def claim(self) -> Claim:
        return identity_claim(self.name, self.statement, self.residuals,
                              **self.options)


@dataclass(frozen=True)
class Invariance:
    """A substitution of the parameters leaves the forward map and the loss
    unchanged.  ``cases()`` yields ``(model, substitution)``."""

    name: str
    statement: str
    cases: Callable[[], Iterable[tuple[Model, Mapping[sp.Symbol, sp.Expr]]]]

    def residuals(self) -> list[sp.Expr]:
        out = []
        for model, sub in self.cases():
            if model.forward is not None:
                out.append(model.forward.xreplace(sub) - model.forward)
            out.append(model.loss.xreplace(sub) - model.loss)
        return out

    def claim(self) -> Claim:
        return identity_claim(self.name, self.statement, self.residuals)


@dataclass(frozen=True)
class Conserved:
    """Each quantity is conserved by its flow.  ``cases()`` yields
    ``(flow, quantities)``."""

    name: str
    statement: str
    cases: Callable[[], Iterable[tuple[GradientFlow, Exprs]]]
    options: dict = field(default_factory=dict)

    def residuals(self) -> list[sp.Expr]:
        return [time_derivative(flow, q) for flow, qs in self.cases() for q in qs]

    def claim(self) -> Claim:
        return identity_claim(self.name, self.statement, self.residuals,
                              **self.options)


@dataclass(frozen=True)
class SolvesFlow:
    """A closed form solves its flow.  ``cases()`` yields ``(solution, flow)``;
    ``options`` go to the zero test (e.g. ``max_ops=0, points=3``)."""

    name: str
    statement: str
    cases: Callable[[], Iterable[tuple[Solution, GradientFlow]]]
    options: dict = field(default_factory=dict)

    def residuals(self) -> list[sp.Expr]:
        return [r for sol, flow in self.cases() for r in sol.residuals(flow)]

    def claim(self) -> Claim:
        return identity_claim(self.name, self.statement, self.residuals,
                              **self.options)


@dataclass(frozen=True)
class StartsAt:
    """A closed form starts at its initial values.  ``cases()`` yields
    solutions."""

    name: str
    statement: str
    cases: Callable[[], Iterable[Solution]]
    options: dict = field(default_factory=dict)

    def residuals(self) -> list[sp.Expr]:
        return [r for sol in self.cases() for r in sol.initial_residuals()]

    def claim(self) -> Claim:
        return identity_claim(self.name, self.statement, self.residuals,
                              **self.options)


@dataclass(frozen=True)
class Reference:
    """Published values reproduced.  ``errors()`` returns ``(worst absolute
    error, detail)``; the claim holds when the error is below ``tolerance``
    (method ``method``, a numeric one)."""

    name: str
    statement: str
    errors: Callable[[], tuple[float, str]]
    tolerance: float
    method: str = "reference table"

    def claim(self) -> Claim:
        def check():
            worst, detail = self.errors()
            return worst < self.tolerance, self.method, worst, detail

        return Claim(self.name, self.statement, check, ("numeric",))


@dataclass(frozen=True)
class Identity:
    """A model's own theorem: every expression ``residuals()`` returns is
    identically zero (``options`` go to the zero test)."""

    name: str
    statement: str
    residuals: Callable[[], Exprs]
    options: dict = field(default_factory=dict)
    tags: tuple[str, ...] = ("symbolic",)

    def claim(self) -> Claim:
        return identity_claim(self.name, self.statement, self.residuals, self.tags,
                              **self.options)


@dataclass(frozen=True)
class Check:
    """A model's own theorem with its own check, which returns
    ``(passed, method, residual or max error, detail)``."""

    name: str
    statement: str
    check: Callable[[], tuple[bool, str, float, str]]
    tags: tuple[str, ...] = ("symbolic",)

    def claim(self) -> Claim:
        return Claim(self.name, self.statement, self.check, self.tags)


def standard_claims(*facts) -> tuple[Claim, ...]:
    """The claims of ``facts`` (declarations of this module), in order."""
    return tuple(f.claim() for f in facts)
