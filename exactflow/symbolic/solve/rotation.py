r"""Rotation reduction about the data direction.

**Rotations about the data direction** (:func:`rotation_slice`).  When the loss
is invariant under the joint rotations of one vector parameter group w ∈ ℝᵈ and
one constant vector b ∈ ℝᵈ (checked exactly: X_{ij}L ≡ 0 for the generators
X_{ij} = Σ_v (v_i∂_{v_j} − v_j∂_{v_i})), every point can be rotated onto the slice
b = s e₁, w = u e₁ + r e₂ with s = ‖b‖, u = w·b/s, r = ‖Π⊥w‖; the flow commutes
with the rotations, so it is the flow on the slice (whose invariance is checked:
ẇ_k ≡ 0 there for k ≥ 2).  The lift back is w(t) = u(t) b/s + (r(t)/r₀) Π⊥w₀.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import sympy as sp

from ..spec.flow import GradientFlow
from ..spec.model import Model

__all__ = ["Slice", "rotation_slice"]


@dataclass(frozen=True)
class Slice:
    """The rotation slice b = s e₁, w = u e₁ + r e₂ of one vector group."""

    group: str
    w: tuple[sp.Symbol, ...]
    b: tuple[sp.Symbol, ...]
    s: sp.Symbol
    u: sp.Symbol
    r: sp.Symbol
    state: tuple[sp.Symbol, ...]           # the slice state (scalars, u, r)
    rhs: tuple[sp.Expr, ...]
    on_slice: dict[sp.Symbol, sp.Expr]     # substitution onto the slice

    def initial(self, init: dict[sp.Symbol, sp.Expr]) -> dict[sp.Symbol, sp.Expr]:
        """Slice coordinates at t = 0 from the model's initial values."""
        s = sp.sqrt(sum(bi**2 for bi in self.b))
        w0 = [init[wi] for wi in self.w]
        u0 = sum(wi * bi for wi, bi in zip(w0, self.b)) / s
        r0 = sp.sqrt(sp.expand(sum(wi**2 for wi in w0) - u0**2))
        out = {x: init[x] for x in self.state if x in init}
        out.update({self.u: u0, self.r: r0})
        return out

    def lift(self, sol: dict[sp.Symbol, sp.Expr], init: dict[sp.Symbol, sp.Expr],
             r0: sp.Symbol) -> dict[sp.Symbol, sp.Expr]:
        """θ(t) from the slice solution; ``sol[r]/r0`` must cancel."""
        s = sp.sqrt(sum(bi**2 for bi in self.b))
        w0 = [init[wi] for wi in self.w]
        u0 = sum(wi * bi for wi, bi in zip(w0, self.b)) / s
        # r(t)/r0: a common factor r0 cancels in the product itself; cancel()
        # on a large closed form would expand it (minutes), so it is the fallback
        ratio = sol[self.r] / r0 if r0 != 0 else sp.Integer(1)
        if r0 != 0 and ratio.has(r0) and sp.count_ops(ratio) < 400:
            ratio = sp.cancel(ratio)
        out = {x: e for x, e in sol.items() if x not in (self.u, self.r)}
        for wi, w0i, bi in zip(self.w, w0, self.b):
            out[wi] = sol[self.u] * bi / s + ratio * (w0i - u0 * bi / s)
        return out


def _vector_consts(model: Model, d: int) -> list[tuple[sp.Symbol, ...]]:
    """Families of d constants whose names differ in one integer index 0…d−1.

    ``b0 … b{d−1}`` and the rows/columns of a matrix of constants
    (``S_0_0, S_0_1`` or ``S_0_0, S_1_0``) qualify.
    """
    families: dict[tuple, dict[int, sp.Symbol]] = {}
    for c in model.consts:
        parts = re.split(r"(\d+)", c.name)
        for k in range(1, len(parts), 2):
            key = tuple(parts[:k]) + ("#",) + tuple(parts[k + 1:])
            families.setdefault(key, {})[int(parts[k])] = c
    out = []
    for v in families.values():
        vec = tuple(v[i] for i in range(d)) if set(v) == set(range(d)) else None
        if vec is not None and vec not in out:
            out.append(vec)
    return out


def _is_scalar(shape: tuple[int, ...]) -> bool:
    return all(n == 1 for n in shape)


def _is_vector(shape: tuple[int, ...]) -> bool:
    """A column, a row or a plain vector with at least two entries."""
    return sum(n > 1 for n in shape) == 1 and max(shape) >= 2


def _invariant(expr: sp.Expr, vectors) -> bool:
    d = len(vectors[0])
    for i, j in itertools.combinations(range(d), 2):
        x = sum(v[i] * sp.diff(expr, v[j]) - v[j] * sp.diff(expr, v[i])
                for v in vectors)
        if sp.expand(x) != 0:
            return False
    return True


def rotation_slice(flow: GradientFlow) -> Slice | None:
    """The rotation reduction of :mod:`this module <exactflow.symbolic.solve.reduce>`.

    Applies when the model has exactly one vector group (shape ``(d,)``, ``(1, d)``
    or ``(d, 1)``, d ≥ 2), every other group is a scalar, and a constant vector b
    (symbols ``<name>0 … <name>{d−1}``, or a row or column of a matrix of
    constants ``<name>_i_j``) makes the loss invariant under joint rotations of
    (w, b).  Returns None otherwise.
    """
    model = flow.model
    vec = [g for g in model.params if _is_vector(g.shape)]
    if len(vec) != 1 or any(not _is_scalar(g.shape) for g in model.params
                            if g is not vec[0]):
        return None
    g = vec[0]
    d = max(g.shape)
    for b in _vector_consts(model, d):
        if not _invariant(model.loss, [g.symbols, b]):
            continue
        s = sp.Symbol("s", positive=True)
        u = sp.Symbol("u", real=True)
        r = sp.Symbol("r", nonnegative=True)
        on = {b[0]: s, g.symbols[0]: u, g.symbols[1]: r}
        on.update({x: 0 for x in b[1:]})
        on.update({x: 0 for x in g.symbols[2:]})
        eq = flow.equations
        for k in range(2, d):
            if sp.expand(eq[g.symbols[k]].xreplace(on)) != 0:
                return None
        scalars = tuple(x for x in model.symbols if x not in g.symbols)
        state = scalars + (u, r)
        rhs = tuple(sp.expand(eq[x].xreplace(on)) for x in scalars)
        rhs += (sp.expand(eq[g.symbols[0]].xreplace(on)),
                sp.expand(eq[g.symbols[1]].xreplace(on)))
        return Slice(g.name, g.symbols, b, s, u, r, state, rhs, on)
    return None
