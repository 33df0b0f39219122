r"""Exact solution of a reduced gradient flow: recognise, apply, verify, lift.

:func:`solve` takes a :class:`~.reduce.ReducedSystem`, tries the structures of
:data:`~.structures.STRUCTURES` in order, applies the first recipe that matches
and verifies the result (residual ≡ 0 and initial condition, by
:func:`~exactflow.symbolic.proof.zero.is_identically_zero`).  Each structure (its
match, recipe and lemmas) lives in its own module of :mod:`.structures`.
"""

from __future__ import annotations

import dataclasses
import hashlib

import sympy as sp

from ..proof.verify import Solution
from ..spec.flow import GradientFlow
from .branches import fixed_branch, rest_branch, zero_b_branch
from .checks import claim, pointwise_claim
from .reduce import ReducedSystem
from .result import SolveResult
from .structures import STRUCTURES, init_symbol, piecewise, recognise, t

__all__ = ["STRUCTURES", "SolveResult", "recognise", "solve"]


def solve(system: ReducedSystem, flow: GradientFlow | None = None,
          name: str = "solved") -> SolveResult:
    """Recognise the structure of ``system``, solve it and verify the solution.

    With ``flow`` (the model's flow the system was reduced from) the solution is
    lifted to the model's state (rotation slice, conserved constants replaced by
    their initial values) and verified against that flow.

    Verification: each residual (ż − F(z), and θ̇ − F(θ) for the lift) is decided
    at random rational constants, exactly in t (:mod:`..proof.pointwise`); the
    initial conditions are decided symbolically; the lemmas each structure's
    recipe rests on are checked as well (e.g. for ``linear-radial``:
    z = λ e^{tK}z₀ with λ^{−m} = 1 − m∫ψ solves ż = Kz + ψ(z)z because ψ is
    homogeneous of degree m, and ż = Kz + ψ(z)z equals the reduced right-hand
    side modulo the conserved relation, which the flow preserves).

    Examples
    --------
    >>> import sympy as sp
    >>> from exactflow.symbolic import Model, ParamGroup, gradient_flow
    >>> from exactflow.symbolic.solve.reduce import reduce_flow
    >>> a, b = sp.symbols("a b", real=True)
    >>> eta = sp.Symbol("eta", positive=True)
    >>> m = Model("lin", (ParamGroup("a", (a,), eta), ParamGroup("b", (b,), eta)),
    ...           (eta,), (a - b)**2/2 + (a + b)**2/2)
    >>> res = solve(reduce_flow(gradient_flow(m)), gradient_flow(m), "lin")
    >>> res.structure, res.verified
    ('linear', True)
    >>> res.reduced_solution[a]
    a_init*exp(-2*eta*t)
    """
    res = SolveResult(name, system, flow)
    groups = _groups(flow, system.slice) if flow else None
    res.match = recognise(system, groups)
    if res.match is None:
        res.notes.append(
            "the flow is piecewise (activation patterns switch along the "
            "trajectory): no structure is tried across switches; the reduced "
            "system is the result" if piecewise(system)
            else "reduced system, no closed form found")
        return res
    structure = res.match.structure
    z0 = {x: init_symbol(x) for x in system.coords}
    res.applied = applied = structure.apply(res.match, system, z0, res, solve=solve)
    sol = applied.solution
    if sol is None:
        structure.complete(res.match, applied, system, z0, res)
        if res.reduced_solution is not None:
            _name(res, name)
        return res
    res.reduced_solution = sol
    if getattr(structure, "verified_by_parts", False):
        # each part was verified by its own solve; check the lift on the flow
        _lift_checked(res, system, flow, sol, z0, points=1, residual=True)
        _name(res, name)
        return res
    # on the level set: each constant whose relation was used takes its value
    level = {c: q.xreplace(z0) for c, q in system.levels.items()}
    at = {x: e.xreplace(level) for x, e in sol.items()}
    lemmas = structure.lemmas(res.match, applied, system,
                              sp.Matrix([z0[x] for x in system.coords]))
    res.checks += lemmas
    # with the recipe's lemmas proven, one random point is further evidence
    rhs = {x: f.xreplace(level) for x, f in zip(system.coords, system.rhs)}
    reduced = pointwise_claim("reduced ODE residual ≡ 0", at, rhs,
                              points=1 if lemmas else 2)
    res.checks.append(reduced)
    res.checks.append(claim("reduced initial condition",
                            [at[x].subs(t, 0) - z0[x] for x in system.coords],
                            points=3, max_ops=20000))
    _lift_checked(res, system, flow, sol, z0, points=1 if lemmas else 2,
                  residual=system.slice is not None
                  or any(c not in system.values for c in system.constants),
                  proven=(at, rhs, reduced))
    _name(res, name)
    return res


def _lift_checked(res, system, flow, sol, z0, points: int, residual: bool,
                  proven=None) -> None:
    """Lift ``sol`` to the model's state when the system is in its coordinates,
    and check the lift: initial condition, and (``residual``) the model flow.

    ``proven`` is ``(state, rhs, result)`` of the reduced residual check: when
    the lift and the model's flow are those very expressions (no slice, every
    constant at its initial value), the lifted residual is the same identity and
    that result is reported for it, with its method."""
    if flow is None or system.coords != tuple(
            system.slice.state if system.slice else flow.model.symbols):
        return
    res.solution = _lift(system, flow, sol, z0)
    name = "model flow residual ≡ 0 (lifted solution)"
    if residual and proven is not None and proven[0] == res.solution.state \
            and proven[1] == dict(flow.equations):
        done = proven[2]
        res.checks.append(dataclasses.replace(
            done, name=name, seconds=0.0, detail=f"{done.detail}; the same closed "
            "form and right-hand side as the reduced ODE residual"))
    elif residual:
        res.checks.append(pointwise_claim(name, res.solution.state, flow.equations,
                                          points=points))
    res.checks.append(claim("model initial condition",
                            res.solution.initial_residuals(), points=3,
                            max_ops=20000))
    _branches(res, system, flow, sol, z0)


def _branches(res, system, flow, sol, z0) -> None:
    """The verified closed forms where the lift is 0/0 (:mod:`.branches`)."""
    init = res.solution.initial
    if system.slice is not None:
        branch, why = zero_b_branch(system, flow, sol, z0, init)
        if branch is None:
            res.notes.append(f"no closed form at b = 0 ({why}): the kernel refuses "
                             "inputs with b = 0")
        else:
            res.branches.append(branch)
    fixed = fixed_branch(system, flow, init) if system.slice is not None \
        else rest_branch(flow, init)
    if fixed is not None:
        res.branches.append(fixed)
    for branch in res.branches:
        res.checks += branch.checks


def _name(res: SolveResult, name: str) -> None:
    """``name`` + a hash of the (lifted, else reduced) solution: the kernel's name
    (equal slice solutions of models of different sizes lift to different
    kernels)."""
    final = res.solution.state if res.solution is not None else \
        res.reduced_solution or {}
    res.name = f"{name}_{structural_digest(tuple(final.items()))[:8]}"


def structural_digest(expr: sp.Basic) -> str:
    """SHA-256 of ``expr``'s structure, each distinct subexpression hashed once
    (``srepr`` writes the tree out: seconds for a closed form whose DAG shares
    its subexpressions, 8 s for the 2×2×2 two-layer net's)."""
    memo: dict = {}

    def digest(e) -> str:
        if e not in memo:
            text = (f"{type(e).__name__}({','.join(digest(a) for a in e.args)})"
                    if e.args else sp.srepr(e))
            memo[e] = hashlib.sha256(text.encode()).hexdigest()
        return memo[e]

    return digest(sp.sympify(expr))


def _groups(flow: GradientFlow, sl) -> list[tuple[tuple, tuple]]:
    """``(symbols, shape)`` per parameter group; on a rotation slice the sliced
    group is (u, r) with its row or column orientation kept."""
    out = []
    for g in flow.model.params:
        if sl is not None and g.name == sl.group:
            shape = (1, 2) if len(g.shape) == 1 or g.shape[0] == 1 else (2, 1)
            out.append(((sl.u, sl.r), shape))
        else:
            out.append((g.symbols, g.shape))
    return out


def _lift(system: ReducedSystem, flow: GradientFlow, sol, z0) -> Solution:
    model = flow.model
    init = {x: init_symbol(x) for x in model.symbols}
    sl = system.slice
    at0 = sl.initial(init) if sl is not None else dict(init)
    # the conserved constants take their values at t = 0
    consts = {c: sp.expand(q.xreplace(sl.on_slice) if sl else q).xreplace(
        {x: at0[x] for x in at0}) for c, q in system.constants.items()
        if c not in system.values}
    sub0 = {z0[x]: at0[x] for x in system.coords}
    if sl is not None:
        sub0[sl.s] = sp.sqrt(sum(b**2 for b in sl.b))
    state = {x: e.xreplace(consts) for x, e in sol.items()}
    if sl is not None:
        r0 = z0[sl.r]
        state = sl.lift(state, init, r0)
    state = {x: e.xreplace(consts).xreplace(sub0).xreplace(sub0)
             for x, e in state.items()}
    return Solution(t, {x: state[x] for x in model.symbols}, init,
                    domain="generic initial values (where the closed form is finite)")
