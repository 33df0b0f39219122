r"""Lie-algebra ranks for non-polynomial gradient fields (``tanh``, …).

The fields :math:`\eta\odot\nabla_\theta f_c(x;\theta)` at a few random
rational inputs x are SymPy vectors; brackets are symbolic and the values at a
point are computed with 50 significant digits.  Independence is decided by
Gram–Schmidt at 50 digits: a residual below 1e-25 of the vector's norm counts as
dependent (``method = "mpmath-50"``).  The sampled fields generate a sub-algebra
of Lie(W), so the rank is a lower bound (see ``lie``).
"""

from __future__ import annotations

import random

import mpmath
import sympy as sp

from .fields import GradientFields
from .patterns import reduce_expr

__all__ = ["SampledFields", "NumericSpan", "sampled_generators"]


class SampledFields:
    """Non-polynomial fields as SymPy vectors, values at 50 digits."""

    method = "mpmath-50"

    def __init__(self, params) -> None:
        self.params = params

    def tracker(self):
        return NumericSpan()

    def value(self, field, point):
        at = {p: sp.Rational(v.numerator, v.denominator)
              for p, v in zip(self.params, point)}
        with mpmath.workdps(50):
            return [mpmath.mpf(sp.N(e.xreplace(at), 60)) for e in field]

    def bracket(self, X, Y):
        return [sp.Add(*(X[j] * sp.diff(Y[i], p) - Y[j] * sp.diff(X[i], p)
                         for j, p in enumerate(self.params)))
                for i in range(len(X))]


class NumericSpan:
    """Gram–Schmidt at 50 digits; residuals below 1e-25 count as dependent."""

    def __init__(self) -> None:
        self.basis: list = []

    def __len__(self) -> int:
        return len(self.basis)

    def add(self, vec) -> bool:
        with mpmath.workdps(50):
            v = mpmath.matrix(vec)
            size = mpmath.norm(v)
            if size == 0:
                return False
            for q in self.basis:
                v -= (q.T * v)[0] * q
            res = mpmath.norm(v)
            if res <= mpmath.mpf(10) ** -25 * size:
                return False
            self.basis.append(v / res)
            return True


def sampled_generators(fields: GradientFields, eta: dict, rng: random.Random):
    """Fields at random rational inputs (non-polynomial models)."""
    if fields.model.forward.atoms(sp.core.function.AppliedUndef):
        raise ValueError(f"model {fields.model.name!r}: the forward map has an "
                         "undefined function; the count needs its values")
    scale = [sp.Rational(int(eta[r].numerator), int(eta[r].denominator))
             for r in fields.rates]
    D = len(fields.params)
    out = []
    for _ in range(D + 2):
        x = {s: sp.Rational(rng.randint(-97, 97), rng.randint(1, 97))
             for s in fields.inputs}
        for row in fields.grads:
            parts: dict = {}
            for p, g in enumerate(row):
                for key, coeff in reduce_expr(g.xreplace(x), fields.form).items():
                    parts.setdefault(key, [sp.Integer(0)] * D)[p] = scale[p] * coeff
            out += [v for _, v in sorted(parts.items())]
    return SampledFields(fields.params), out
