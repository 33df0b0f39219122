r"""One gradient-descent step and the exact change of a quantity along it.

One GD step with the rates as step sizes is
:math:`\theta'=\theta+h`, :math:`h=-\eta\odot\nabla_\theta L(\theta)`.  A
polynomial Q changes by the finite Taylor sum

.. math:: Q(\theta')-Q(\theta)=\sum_{j=1}^{\deg Q}\frac1{j!}D^jQ(\theta)[h]^j ,

whose j = 1 term is :math:`-\nabla Q\cdot(\eta\odot\nabla L)=\dot Q`: zero for a
conserved quantity, so the change of a law is the sum from j = 2, written
without the O(1) terms that would cancel in floating point.

>>> import sympy as sp
>>> a, b, h, k = sp.symbols("a b h k", real=True)
>>> taylor_change(a * b, (a, b), (h, k))
(a*k + b*h, h*k)
"""

from __future__ import annotations

import sympy as sp

from .model import Model

__all__ = ["gd_step", "taylor_change"]


def gd_step(model: Model, loss: sp.Expr | None = None) -> dict[sp.Symbol, sp.Expr]:
    """θ ↦ θ − η ⊙ ∇θ L for the model's loss (or ``loss``)."""
    loss = model.loss if loss is None else sp.sympify(loss)
    rates = model.rates
    return {p: p - rates[p] * sp.diff(loss, p) for p in model.symbols}


def taylor_change(q: sp.Expr, params, steps) -> tuple[sp.Expr, sp.Expr]:
    """``(first-order term, higher terms)`` of Q(θ + step) − Q(θ).

    ``q`` must be a polynomial in ``params`` (its coefficients may be any
    expressions free of them, e.g. rational in the rates); ``steps`` are the
    step symbols, one per parameter.

    Raises
    ------
    ValueError
        When ``q`` is not a polynomial in ``params``.
    """
    eps = sp.Dummy("eps")
    shifted = sp.expand(q.xreplace({p: p + eps * d for p, d in zip(params, steps)}))
    try:
        poly = sp.Poly(shifted, eps)
    except sp.PolynomialError:
        raise ValueError(f"{q} is not a polynomial in the parameters") from None
    first = poly.coeff_monomial(eps)
    rest = sp.Add(*(c * eps**k for (k,), c in poly.terms() if k >= 2)).subs(eps, 1)
    return first, rest
