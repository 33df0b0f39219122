"""The conserved quantities a :class:`~exactflow.simulate.FlowKernels` evaluates.

Either discovered (every polynomial law of degree ≤ 2,
``symbolic.conservation.discover_laws``) or declared by the user, in which case
each is checked to be conserved by the flow, dQ/dt ≡ 0
(``symbolic.zero.is_identically_zero``): the GD drift expressions of
``symbolic.drift.gd_drift`` start at order two, which is the exact one-step
change only for a conserved quantity.
"""

from __future__ import annotations

import sympy as sp

from ..symbolic.laws.conservation import ConservationLaws, discover_laws
from ..symbolic.proof.zero import is_identically_zero
from ..symbolic.spec.flow import GradientFlow, time_derivative
from ..symbolic.spec.model import Model

__all__ = ["resolve_laws"]


def resolve_laws(model: Model, conserved, flow: GradientFlow
                 ) -> tuple[tuple[str, ...], ConservationLaws]:
    """``(names, laws)``: discovered when ``conserved`` is None, else checked.

    Parameters
    ----------
    model : Model
    conserved : None, sequence of expressions, or mapping name -> expression
        Declared quantities; names default to ``law0, law1, ...``.
    flow : GradientFlow
        The model's flow, for the check dQ/dt ≡ 0.

    Raises
    ------
    ValueError
        For a bad name, an undeclared symbol, a quantity that is not a
        polynomial in the parameters or not conserved, or no quantity at all.
    """
    if conserved is None:
        laws = discover_laws(model)
        names = tuple(f"law{i}" for i in range(len(laws)))
    else:
        if isinstance(conserved, dict):
            names = tuple(conserved)
            exprs = tuple(sp.sympify(e) for e in conserved.values())
        else:
            exprs = tuple(sp.sympify(e) for e in conserved)
            names = tuple(f"law{i}" for i in range(len(exprs)))
        for n, q in zip(names, exprs):
            if not (isinstance(n, str) and n.isidentifier()) or n.startswith("_"):
                raise ValueError(f"conserved: name {n!r} is not a public identifier")
            extra = q.free_symbols - set(model.symbols) - set(model.consts)
            if extra:
                raise ValueError(f"conserved[{n!r}] uses undeclared symbols "
                                 f"{sorted(map(str, extra))}")
            try:
                sp.Poly(q, *model.symbols)
            except sp.PolynomialError:
                raise ValueError(f"conserved[{n!r}] = {q} must be a polynomial in "
                                 "the parameters") from None
            if not is_identically_zero(time_derivative(flow, q)):
                raise ValueError(f"conserved[{n!r}] = {q} is not conserved by the "
                                 "gradient flow")
        degree = max((sp.Poly(q, *model.symbols).total_degree() for q in exprs),
                     default=1)
        laws = ConservationLaws(model, max(degree, 1), exprs, "declared")
    if not laws.laws:
        raise ValueError(f"model {model.name!r} has no conserved quantities to "
                         "evaluate (pass conserved=...)")
    return names, laws
