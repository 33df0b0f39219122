"""Gradient flow with layer-wise learning rates, θ̇_g = −η_g ∇_{θ_g} L."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .model import Model

__all__ = ["GradientFlow", "gradient_flow", "time_derivative"]


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


def time_derivative(flow: GradientFlow, expr: sp.Expr) -> sp.Expr:
    """d/dt of ``expr`` along the flow, by the chain rule."""
    expr = sp.sympify(expr)
    return sp.Add(
        *(sp.diff(expr, s) * r for s, r in flow.equations.items() if expr.has(s))
    )
