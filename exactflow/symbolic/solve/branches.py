r"""Closed forms for the initial values where the generic lift is 0/0.

The rotation lift w(t) = u(t) b/s + (r(t)/r₀) Π⊥w₀ divides by s = ‖b‖.  Two
kinds of start need a closed form of their own (a :class:`Branch`, with its own
verified claims and its own kernel):

* **no data direction, b = 0** (:func:`zero_b_branch`).  Every rotation fixes b,
  the flow commutes with all of them, so w stays on the ray of w₀ and the slice
  solution at s = 0, u₀ = ‖w₀‖, r₀ = 0 lifts to w(t) = (u(t)/u₀) w₀.  The slice
  solution at s = 0 has removable 0/0s (e.g. √(δ²)/δ at balance): each
  conserved constant c is taken as positive while the form is simplified
  (√(c²) = c, cosh/sinh as exponentials, quotients expanded), and the result is
  then verified on the model's flow at b = 0 for every value of the constants
  (residual ≡ 0 and initial condition, the same checks as the generic lift).
* **fixed points** (:func:`fixed_branch`): the smallest set of slice
  coordinates whose vanishing makes the slice flow vanish identically (decided
  symbolically; for the single neuron a = 0 and u = w·b/s = 0, a saddle), where
  the lift of the constant slice solution is θ(t) ≡ θ₀; without a rotation
  slice, the start at rest θ₀ = 0 when F(0) ≡ 0 (:func:`rest_branch`).  The
  generic form is 0·∞ there at long times (its growing mode has zero weight).

``SolveResult.kernel()`` evaluates each branch's closed form where its
conditions (polynomials in the kernel's inputs) are exactly zero, and the
generic kernel elsewhere.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp

from ..proof.verify import ClaimResult, Solution
from .checks import claim, pointwise_claim
from .symbols import t

__all__ = ["Branch", "fixed_branch", "rest_branch", "zero_b_branch"]


@dataclass(frozen=True)
class Branch:
    """A verified closed form valid where the polynomials ``zero`` all vanish.

    ``kernel`` is the kernel role of the form (``SolveResult.kernel_exprs``),
    ``where`` the condition in words; ``solution`` maps every state symbol to its
    closed form; ``safe`` are inputs that, set to 1, move a point off the
    branch's set to where the generic form is finite (the kernel evaluates the
    generic form there and discards it).
    """

    kernel: str
    where: str
    zero: tuple[sp.Expr, ...]
    solution: Solution
    checks: tuple[ClaimResult, ...]
    safe: tuple[sp.Symbol, ...] = ()

    @property
    def constant(self) -> bool:
        """True when θ(t) ≡ θ₀ (no kernel is generated: the start is returned)."""
        return all(e == self.solution.initial[x]
                   for x, e in self.solution.state.items())


def _checked(kernel, where, zero, solution, equations, safe=()):
    checks = []
    if equations is not None:
        checks.append(claim(f"model flow residual ≡ 0 ({where})",
                            [sp.diff(e, t) - equations[x].xreplace(solution.state)
                             for x, e in solution.state.items()], points=2,
                            max_ops=20000))
        if not checks[-1].passed:  # too large for the exact tests: pointwise
            checks[-1] = pointwise_claim(f"model flow residual ≡ 0 ({where})",
                                         solution.state, equations, points=2)
    checks.append(claim(f"model initial condition ({where})",
                        solution.initial_residuals(), points=3, max_ops=20000))
    return Branch(kernel, where, tuple(zero), solution, tuple(checks), tuple(safe))


def rest_branch(flow, init) -> Branch | None:
    """θ(t) ≡ 0 from θ₀ = 0, when F(0) ≡ 0 (None otherwise)."""
    origin = {x: sp.Integer(0) for x in flow.model.symbols}
    if any(sp.expand(f.xreplace(origin)) != 0 for f in flow.equations.values()):
        return None
    starts = tuple(init[x] for x in flow.model.symbols)
    sol = Solution(t, dict(origin), dict(origin), domain="the start at rest, θ₀ = 0")
    branch = _checked("exact_at_rest", "start at rest, θ₀ = 0", starts, sol,
                      flow.equations, safe=starts)
    return branch if all(c.passed for c in branch.checks) else None


def fixed_branch(system, flow, init) -> Branch | None:
    """θ(t) ≡ θ₀ where the fewest slice coordinates whose vanishing makes the
    slice flow vanish identically are zero (None when no such set exists)."""
    sl = system.slice
    for k in range(1, len(sl.state) + 1):
        for S in itertools.combinations(sl.state, k):
            on = {x: sp.Integer(0) for x in S}
            if all(sp.expand(f.xreplace(on)) == 0 for f in sl.rhs):
                break
        else:
            continue
        break
    else:
        return None
    dot = sp.expand(sum(init[w] * b for w, b in zip(sl.w, sl.b)))
    norms = sp.expand(sum(init[w]**2 for w in sl.w) * sum(b**2 for b in sl.b))
    zero = tuple(dot if x == sl.u else sp.expand(norms - dot**2) if x == sl.r
                 else init[x] for x in S)
    safe = tuple(init[x] for x in S if x not in (sl.u, sl.r)) or \
        tuple(init[w] for w in sl.w)
    names = ", ".join(map(str, S))
    where = "fixed points: " + ", ".join(f"{z} = 0" for z in zero)
    solution = Solution(t, {x: init[x] for x in flow.model.symbols}, dict(init),
                        domain=where)
    proof = claim(f"slice flow ≡ 0 at {names} = 0 (so θ(t) ≡ θ₀ there)",
                  [f.xreplace(on) for f in sl.rhs], max_ops=20000)
    start = claim(f"model initial condition ({where})",
                  solution.initial_residuals())
    branch = Branch("exact_fixed", where, zero, solution, (proof, start), safe)
    return branch if proof.passed else None


def zero_b_branch(system, flow, sol, z0, init) -> tuple[Branch | None, str]:
    """The lift at b = 0 of the slice solution ``sol`` (None and the reason when
    it does not reduce to a form free of 0/0 or fails its checks)."""
    sl = system.slice
    free = [c for c in system.constants if c not in system.values]
    pos = {c: sp.Dummy(c.name, positive=True) for c in free}
    back = {p: c for c, p in pos.items()}
    n0 = sp.sqrt(sum(init[wi]**2 for wi in sl.w))

    def simple(e):
        e = e.xreplace({sl.s: sp.Integer(0), z0[sl.r]: sp.Integer(0)}).xreplace(pos)
        e = e.rewrite([sp.sinh, sp.cosh], sp.exp)
        return sp.powsimp(sp.expand(e, deep=False)).xreplace(back)

    scalars = {x: simple(e) for x, e in sol.items() if x not in (sl.u, sl.r)}
    ratio = sp.cancel(simple(sol[sl.u]) / z0[sl.u])
    if ratio.xreplace({z0[sl.u]: 0}).has(sp.nan, sp.zoo, sp.oo, -sp.oo):
        return None, "u(t)/u₀ at s = 0 has a pole at u₀ = 0"
    # the slice's initial values at b = 0 and the constants' values there
    at0 = {x: init[x] for x in sl.state if x in init}
    at0.update({sl.u: n0, sl.r: sp.Integer(0)})
    values = {c: sp.expand(system.constants[c].xreplace(sl.on_slice)).xreplace(
        {sl.s: 0}).xreplace(at0) for c in free}
    sub0 = {z0[x]: v for x, v in at0.items()}
    state = {x: e.xreplace(values).xreplace(sub0) for x, e in scalars.items()}
    ratio = ratio.xreplace(values).xreplace(sub0)
    state.update({wi: ratio * init[wi] for wi in sl.w})
    if any(e.has(sp.nan, sp.zoo, sp.oo, -sp.oo) for e in state.values()):
        return None, "the slice solution at s = 0 is not finite"
    nob = {b: sp.Integer(0) for b in sl.b}
    equations = {x: f.xreplace(nob) for x, f in flow.equations.items()}
    solution = Solution(t, {x: state[x] for x in flow.model.symbols}, dict(init),
                        domain="no data direction, ‖b‖ = 0")
    names = ", ".join(map(str, sl.b))
    branch = _checked("exact_zero_b", f"b = 0: {names} = 0", sl.b, solution,
                      equations, safe=sl.b)
    if not all(c.passed for c in branch.checks):
        return None, "its closed form at b = 0 did not pass its checks"
    return branch, ""
