"""Gradient flow with layer-wise learning rates, θ̇_g = −η_g ∇_{θ_g} L."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sympy as sp

from .model import Model

__all__ = ["GradientFlow", "flow_of", "gradient_flow", "time_derivative"]


@dataclass(frozen=True)
class GradientFlow:
    """The right-hand side of the flow, one expression per parameter symbol."""

    model: Model
    rhs: tuple[sp.Expr, ...]

    @property
    def equations(self) -> dict[sp.Symbol, sp.Expr]:
        """``{θ_i: θ̇_i}`` in the state order of the model."""
        return dict(zip(self.model.symbols, self.rhs))

    def latex(self) -> str:
        """One ``\\dot θ_i = …`` line per component."""
        return r" \\ ".join(
            rf"\dot{{{sp.latex(s)}}} &= {sp.latex(e)}"
            for s, e in self.equations.items()
        )


def gradient_flow(model: Model) -> GradientFlow:
    """θ̇ = −η ⊙ ∇θ L for the model's loss, expanded."""
    rates = model.rates
    rhs = tuple(sp.expand(-rates[s] * sp.diff(model.loss, s)) for s in model.symbols)
    return GradientFlow(model, rhs)


def flow_of(model_factory):
    """The cached ``flow(*sizes)``: :func:`gradient_flow` of
    ``model_factory(*sizes)`` (a catalog entry's ``flow`` beside its ``model``).

    >>> import sympy as sp
    >>> from exactflow.symbolic.spec.model import Model, ParamGroup
    >>> eta, x = sp.Symbol("eta", positive=True), sp.Symbol("x", real=True)
    >>> def model(scale=1):
    ...     return Model("m", (ParamGroup("x", (x,), eta),), (eta,), scale * x**2)
    >>> flow = flow_of(model)
    >>> flow(3).equations
    {x: -6*eta*x}
    """

    @functools.cache
    @functools.wraps(model_factory)
    def flow(*args, **kwargs) -> GradientFlow:
        return gradient_flow(model_factory(*args, **kwargs))

    flow.__doc__ = (f"θ̇ = −η ⊙ ∇L of :func:`{model_factory.__name__}` "
                    "(same arguments).")
    flow.__name__ = flow.__qualname__ = "flow"
    return flow


def time_derivative(flow: GradientFlow, expr: sp.Expr) -> sp.Expr:
    """d/dt of ``expr`` along the flow, by the chain rule."""
    expr = sp.sympify(expr)
    return sp.Add(
        *(sp.diff(expr, s) * r for s, r in flow.equations.items() if expr.has(s))
    )
