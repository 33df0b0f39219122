r"""Structure recognition and exact solution of a reduced gradient flow.

:func:`solve` takes a :class:`~exactflow.symbolic.solve.reduce.ReducedSystem`, tries the
recognisers of :mod:`.recognise` in order, applies the first recipe that matches
and verifies the result (residual ≡ 0 and initial condition, by
:func:`~exactflow.symbolic.proof.zero.is_identically_zero`).  Every recogniser decides
exactly, by polynomial algebra (no sampling):

``riccati``            scalar ż = A + Bz + Cz²: ż is a polynomial of degree ≤ 2 in z
                       with coefficients free of z (A = C = 0: linear).
``linear``             ż = Kz: the Jacobian is free of z and ż − Kz ≡ 0.
``reparam-linear``     ż = g(z) K z: g = polynomial gcd of the components is not a
                       constant and ż/g is linear with constant K.  Then
                       z = e^{τK}z₀ and τ̇ = g(e^{τK}z₀), τ(0) = 0, is solved as a
                       scalar equation (if g(e^{τK}z₀) is a Laurent polynomial of
                       degree ≤ 1 in y = e^{kτ}, ẏ = k y g is a Riccati equation).
``linear-radial``      ż = Kz + ψ(z)z modulo the conserved relations I: the linear
                       conditions (ż − Kz) ∧ z ∈ I on the entries of K are solved
                       exactly (normal forms modulo a Gröbner basis of I); ψ must be
                       homogeneous of degree m ≥ 1 after a constant is moved into K.
                       Then z = λ e^{tK}z₀ with λ^{−m} = 1 − m∫₀ᵗψ(e^{σK}z₀)dσ.
``separable``          scalar ż = F(z): t(z) = ∫_{z₀}^{z} dv/F(v), evaluated when the
                       integrand is rational (after v = w^L) or rational in
                       √(quadratic) (Euler), inverted when SymPy can, else the
                       verified implicit solution.
``curve-quadrature``   two coordinates with one polynomial constraint P(z₁, z₂) = 0
                       (the level set): t(z₁) = ∫ dv/F₁(v, z₂(v)), z₂(v) the branch of
                       P = 0 through the initial point.
``dsolve``             scalar fallback: SymPy's ``dsolve``.
``decoupled``          no structure fits the whole system, but its coordinates split
                       into independent blocks (:mod:`.decouple`): each block is
                       solved and verified as a system of its own.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import itertools
import time as _time
from dataclasses import dataclass, field

import sympy as sp

from .decouple import block, components
from ..spec.kernels import KernelExprs
from ..spec.flow import GradientFlow
from .matrix_riccati import p_symbols, solve_matrix_riccati
from ..proof.pointwise import pointwise_zero
from .recipes import antiderivative, exp_integral, expm, riccati
from .recognise import (
    STRUCTURES,
    Match,
    dsolve_fallback,
    init_symbol,
    piecewise,
    recognise,
    t,
)
from .reduce import ReducedSystem
from ..proof.verify import ClaimResult, Solution, combine
from ..proof.zero import is_identically_zero

__all__ = ["SolveResult", "solve", "recognise", "STRUCTURES"]

@dataclass
class SolveResult:
    """Everything :func:`solve` found, step by step (see :mod:`.transcript`).

    ``reduced_solution`` maps each reduced coordinate to its closed form in t and
    the initial values ``{z: z_init}``; ``solution`` is the lift to the model's
    state (a :class:`Solution`) where one exists; ``quadrature`` is
    ``(t_expr, variable)``: t as an integral of the variable when no explicit
    form was found.
    """

    name: str
    system: ReducedSystem
    flow: GradientFlow | None = None
    match: Match | None = None
    recipe: list[tuple[str, str]] = field(default_factory=list)
    reduced_solution: dict[sp.Symbol, sp.Expr] | None = None
    solution: Solution | None = None
    quadrature: tuple[sp.Expr, sp.Symbol] | None = None
    checks: list[ClaimResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def structure(self) -> str | None:
        return self.match.structure if self.match else None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        """The ``exact`` kernel: the (lifted, else reduced) closed form."""
        if kernel != "exact":
            raise ValueError(f"kernel must be 'exact' for a solved model, got "
                             f"{kernel!r}")
        if self.solution is not None:
            state = self.solution.state
        elif self.reduced_solution is not None:
            state = self.reduced_solution
        else:
            raise ValueError(f"{self.name}: no closed form to generate a kernel from")
        free = set().union(*(e.free_symbols for e in state.values())) - {t}
        inputs = (t,) + tuple(sorted(free, key=sp.default_sort_key))
        outputs = tuple((str(x), e) for x, e in state.items())
        # t is the growth variable: e^{tF}-type growth that cancels in the
        # value is evaluated scaled (exactflow.codegen.growth), not overflowed
        return KernelExprs("exact", inputs, outputs,
                           doc=f"closed form found by exactflow.solve for {self.name}",
                           growth_variable=t)

    def kernel(self, target: str = "numpy", dtype: str = "float64"):
        from ..._build import load_kernel  # the one upward edge

        return load_kernel(self, "exact", target, dtype)

    def kernel_source(self, target: str = "numpy", dtype: str = "float64") -> str:
        from ..._build import kernel_source

        return kernel_source(self, "exact", target, dtype)


# ---------------------------------------------------------------------- recipes


def _scalar_in_exp(G: sp.Expr, tau: sp.Symbol):
    """(k, polynomial coefficients of k·y·G(y)) if G is Laurent in y = e^{kτ}."""
    G = sp.expand(G.rewrite(sp.exp))
    rates = set()
    for term in sp.Add.make_args(G):
        term = sp.powsimp(term, combine="exp")
        _, dep = term.as_independent(tau, as_Add=False)
        if dep == 1:
            continue
        if not isinstance(dep, sp.exp):
            return None
        rates.add(sp.factor(sp.diff(dep.args[0], tau)))
    if not rates:
        return None
    k0 = sorted(rates, key=sp.default_sort_key)[0]
    ratios = [sp.nsimplify(sp.cancel(r / k0)) for r in rates]
    if not all(q.is_Rational for q in ratios):
        return None
    den = 1
    for q in ratios:
        den = sp.ilcm(den, q.q)
    num = 0
    for q in ratios:
        num = sp.igcd(num, (q * den).p)
    k = k0 * sp.Rational(num, den)
    y = sp.Dummy("y", positive=True)
    H = sp.expand(sp.powsimp(G.subs(tau, sp.log(y) / k), force=True) * k * y)
    try:
        poly = sp.Poly(H, y)
    except sp.PolynomialError:
        return None
    if poly.degree() > 2 or any(c.has(tau) for c in poly.coeffs()):
        return None
    return k, tuple(poly.coeff_monomial(y**i) for i in range(3))


def _apply(match: Match, sys: ReducedSystem, z0: dict, res: SolveResult):
    zs = sys.coords
    z0v = sp.Matrix([z0[x] for x in zs])
    s, d = match.structure, match.data
    if s == "riccati":
        A, B, C = d["A"], d["B"], d["C"]
        sol = riccati(A, B, C, z0v[0], t)
        res.recipe.append(("Linearisation", f"{zs[0]} = N/M with (N, M) = e^(tH) "
                           f"({zs[0]}0, 1), H = [[B, A], [-C, 0]], "
                           f"A = {sp.sstr(A)}, B = {sp.sstr(B)}, C = {sp.sstr(C)}"))
        return {zs[0]: sol}
    if s == "linear":
        return dict(zip(zs, expm(d["K"], t) * z0v))
    if s == "linear-radial":
        K, psi, m = d["K"], d["psi"], d["m"]
        y = expm(K, t) * z0v
        integral = exp_integral(psi.xreplace(dict(zip(zs, y))), t)
        lam = (1 - m * integral) ** sp.Rational(-1, m)
        res.recipe.append((
            "Recipe", f"z = λ(t) e^(tK) z0 with K = {sp.sstr(K)}; λ obeys the "
            f"Bernoulli equation dλ/dt = ψ(e^(tK)z0) λ^{m + 1}, so λ^(-{m}) = 1 - "
            f"{m}∫0^t ψ(e^(σK) z0) dσ = {sp.sstr(1 - m * integral)}"))
        return {x: lam * yi for x, yi in zip(zs, y)}
    if s == "reparam-linear":
        K, g = d["K"], d["g"]
        tau = sp.Dummy("tau")
        y = expm(K, tau) * z0v
        G = g.xreplace(dict(zip(zs, y)))
        found = _scalar_in_exp(G, tau)
        res.recipe.append(("Recipe", f"z = e^(τK) z0 with K = {sp.sstr(K)} and the "
                           f"time change dτ/dt = g(e^(τK) z0), τ(0) = 0"))
        if found is None:
            res.quadrature = (sp.Integral(1 / G, (tau, 0, sp.Symbol("tau"))),
                              sp.Symbol("tau"))
            res.notes.append("the time change is left as a quadrature")
            return None
        k, (A, B, C) = found
        ysol = riccati(A, B, C, sp.Integer(1), t)
        d["time_change"] = (tau, G, k, (A, B, C), ysol)
        res.recipe.append(("Time change", f"y = e^(kτ) with k = {sp.sstr(k)} obeys "
                           f"the Riccati equation dy/dt = A + B y + C y², "
                           f"A = {sp.sstr(A)}, B = {sp.sstr(B)}, C = {sp.sstr(C)}, "
                           "y(0) = 1; linearised as in the scalar Riccati recipe"))
        tau_t = sp.log(ysol) / k
        return {x: sp.powsimp(yi.rewrite(sp.exp).subs(tau, tau_t))
                for x, yi in zip(zs, y)}
    if s == "dsolve":
        return dict(d["solution"])
    if s == "matrix-riccati":
        Q, F, gamma = d["Q"], d["F"], d["gamma"]
        Q0 = Q.applyfunc(lambda z: z0[z])
        out = solve_matrix_riccati(Q, F, gamma, Q0, t)
        res.recipe.append((
            "Linearisation", "𝒫 = Q Qᵀ obeys d𝒫/dt = F𝒫 + 𝒫F − 2γ𝒫²; with "
            "Z = e^(tF) Q0 and M = I + 2γ Q0ᵀ (∫0^t e^(2Fσ) dσ) Q0 (dZ/dt = FZ, "
            "dM/dt = 2γ ZᵀZ): 𝒫(t) = Z M⁻¹ Zᵀ" + (", and Q(t) = Z/√M (h = 1)"
                                                if Q.shape[1] == 1 else "")))
        if out is None:
            res.notes.append("e^(tF) has a block larger than 2×2: the solution is "
                             "left as the formula above")
            return None
        P, Qt, E, J, M = out
        d["parts"] = (E, J, M, P, Q0)
        if Qt is not None:
            return {z: Qt[i, j] for (i, j), z in zip(
                itertools.product(*map(range, Q.shape)), Q)}
        return None
    if s == "separable":
        return _quadrature(sys.coords[0], sys.rhs[0], z0v[0], res)
    if s == "curve-quadrature":
        x, other = zs
        v = sp.Symbol("v", real=True)
        F = sys.rhs[0]
        res.quadrature = (sp.Integral(1 / F.subs(x, v), (v, z0[x], x)), x)
        res.recipe.append((
            "Quadrature", f"t({x}) = ∫ from {x}0 to {x} of dv / F(v, {other}(v)), "
            f"F = {sp.sstr(F)}, where {other}(v) is the branch of "
            f"{sp.sstr(sys.constraints[0])} = 0 (with {x} = v) through the "
            "initial point"))
        return None
    return None


def _quadrature(z, F, z0, res):
    v = sp.Dummy(z.name, **z.assumptions0)
    T = antiderivative(1 / F.subs(z, v), v)
    Tsym = sp.Integral(1 / F.subs(z, v), (v, z0, z))
    if T is None:
        res.quadrature = (Tsym, z)
        res.recipe.append(("Quadrature", f"t({z}) = ∫ from {z}0 to {z} of dv/F(v), "
                           f"F(v) = {sp.sstr(F.subs(z, v))} (no elementary "
                           "antiderivative found)"))
        return None
    tz = sp.expand_log(T.subs(v, z) - T.subs(v, z0), force=True)
    res.quadrature = (tz, z)
    res.recipe.append(("Quadrature", f"t({z}) = ∫ dv/F(v) = {sp.sstr(tz)}"))
    # t(z) with a radical of z (Euler's substitution) is not inverted: SymPy's
    # solve on logs of √ terms runs for minutes and rarely succeeds
    radical = any(p.exp.is_Rational and p.exp.q > 1 and p.base.has(z)
                  for p in tz.atoms(sp.Pow))
    try:
        sols = [] if radical else sp.solve(sp.Eq(t, tz), z)
    except (NotImplementedError, ValueError):
        sols = []
    for cand in sols:
        if is_identically_zero(cand.subs(t, 0) - z0, points=3).is_zero:
            res.recipe.append(("Inversion", f"{z}(t) = {sp.sstr(cand)}"))
            return {z: cand}
    # not inverted: show t(z) real-valued on every branch (log|g|' = g'/g)
    tz = tz.replace(lambda e: isinstance(e, sp.log) and not e.args[0].is_positive
                    and not isinstance(e.args[0], sp.Abs),
                    lambda e: sp.log(sp.Abs(e.args[0])))
    res.quadrature = (tz, z)
    res.recipe[-1] = ("Quadrature", f"t({z}) = ∫ dv/F(v) = {sp.sstr(tz)}")
    res.notes.append(f"t({z}) could not be inverted in closed form: the solution "
                     f"is the implicit t({z}) above")
    res.checks.append(_claim(f"implicit solution: dt/d{z} · F({z}) = 1",
                             [sp.diff(tz, z) * F - 1], points=3, max_ops=20000))
    res.checks.append(_claim(f"implicit solution: t({z0}) = 0",
                             [tz.subs(z, z0)], points=3, max_ops=20000))
    return None


# --------------------------------------------------------------- orchestration


def _claim(name, exprs, **kw) -> ClaimResult:
    start = _time.perf_counter()
    passed, method, resid, detail = combine(
        [is_identically_zero(e, **{"max_ops": 0, **kw}) for e in exprs])
    return ClaimResult(name, passed, method, resid, _time.perf_counter() - start,
                       detail)


def _pointwise_claim(name, state, time_rhs, points=2) -> ClaimResult:
    """ẋ − F(x) ≡ 0 for the closed form ``state``, at random rational constants.

    The constants (everything but t) are fixed before differentiating, so the
    expressions stay small; each point is decided exactly in t.
    """
    start = _time.perf_counter()
    free = set().union(*(sp.sympify(e).free_symbols for e in state.values()))
    free |= set().union(*(sp.sympify(f).free_symbols for f in time_rhs.values()))
    symbols = sorted(free - {t} - set(state), key=sp.default_sort_key)

    def build(values):
        at = {x: e.xreplace(values) for x, e in state.items()}
        return [sp.diff(at[x], t) - f.xreplace(values).xreplace(at)
                for x, f in time_rhs.items()]

    check = pointwise_zero(build, symbols, points=points)
    return ClaimResult(name, check.is_zero, check.method, check.max_abs,
                       _time.perf_counter() - start, check.detail)


@functools.cache
def _riccati_lemma() -> tuple[sp.Expr, ...]:
    """riccati(A, B, C, 1, t) solves ẏ = A + By + Cy², y(0) = 1, for symbols A, B, C."""
    A, B, C = sp.symbols("A B C", real=True)
    y = riccati(A, B, C, sp.Integer(1), t)
    return (sp.diff(y, t) - (A + B * y + C * y**2), y.subs(t, 0) - 1)


def _structural_claims(match: Match, sys: ReducedSystem, z0v) -> list[ClaimResult]:
    """The lemmas from which the recipe's solution follows (small, exact)."""
    if match.structure == "reparam-linear" and "time_change" in match.data:
        tau, G, k, (A, B, C), ysol = match.data["time_change"]
        K = match.data["K"]
        E = expm(K, tau)
        y = sp.exp(k * tau)
        lemmas = list(E.diff(tau) - K * E) + list(E.subs(tau, 0) - sp.eye(K.shape[0]))
        lemmas += [k * y * G - (A + B * y + C * y**2)]
        lemmas += list(_riccati_lemma())  # ysol is riccati() at these A, B, C
        return [_claim(
            "structure: (e^(τK))' = K e^(τK), e^(0K) = I; k y g(e^(τK)z0) = A + B y "
            "+ C y² at y = e^(kτ); y(t) solves dy/dt = A + B y + C y², y(0) = 1 "
            "(so τ = log(y)/k has dτ/dt = g)", lemmas, max_ops=20000, points=2)]
    if match.structure != "linear-radial":
        return []
    K, psi, m = match.data["K"], match.data["psi"], match.data["m"]
    zs = sys.coords
    E = expm(K, t)
    y = E * z0v
    integral = exp_integral(psi.xreplace(dict(zip(zs, y))), t)
    c = sp.Dummy("c", positive=True)
    lemmas = list(E.diff(t) - K * E) + list(E.subs(t, 0) - sp.eye(len(zs)))
    lemmas += [sp.diff(integral, t) - psi.xreplace(dict(zip(zs, y))),
               integral.subs(t, 0),
               sp.expand(psi.xreplace({z: c * z for z in zs}) - c**m * psi)]
    return [_claim(
        "structure: (e^(tK))' = K e^(tK), e^(0K) = I; (∫ψ)' = ψ(e^(tK)z0); "
        f"ψ(cz) = c^{m} ψ(z)", lemmas, max_ops=20000, points=2)]


def solve(system: ReducedSystem, flow: GradientFlow | None = None,
          name: str = "solved") -> SolveResult:
    """Recognise the structure of ``system``, solve it and verify the solution.

    With ``flow`` (the model's flow the system was reduced from) the solution is
    lifted to the model's state (rotation slice, conserved constants replaced by
    their initial values) and verified against that flow.

    Verification: each residual (ż − F(z), and θ̇ − F(θ) for the lift) is decided
    at random rational constants, exactly in t (:mod:`.pointwise`); the initial
    conditions are decided symbolically; for ``linear-radial`` the lemmas of the
    recipe are checked as well (z = λ e^{tK}z₀ with λ^{−m} = 1 − m∫ψ solves
    ż = Kz + ψ(z)z because ψ is homogeneous of degree m, and ż = Kz + ψ(z)z
    equals the reduced right-hand side modulo the conserved relation, which the
    flow preserves).

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
    if res.match is None and len(system.coords) <= 2 and not system.constraints \
            and not piecewise(system):
        res.match = dsolve_fallback(system)
    if res.match is None and not piecewise(system):
        parts = components(system)
        if len(parts) > 1:
            return _solve_blocks(res, system, flow, parts, name)
    if res.match is None:
        res.notes.append(
            "the flow is piecewise (activation patterns switch along the "
            "trajectory): no structure is tried across switches; the reduced "
            "system is the result" if piecewise(system)
            else "reduced system, no closed form found")
        return res
    z0 = {x: init_symbol(x) for x in system.coords}
    sol = _apply(res.match, system, z0, res)
    if sol is None and "parts" in res.match.data:
        _solve_p(res, system, z0)
        return res
    if sol is None:
        return res
    res.reduced_solution = sol
    # on the level set: each constant whose relation was used takes its value
    level = {c: q.xreplace(z0) for c, q in system.levels.items()}
    at = {x: e.xreplace(level) for x, e in sol.items()}
    lemmas = _structural_claims(res.match, system,
                                sp.Matrix([z0[x] for x in system.coords]))
    res.checks += lemmas
    # with the recipe's lemmas proven, one random point is further evidence
    res.checks.append(_pointwise_claim(
        "reduced ODE residual ≡ 0", at,
        {x: f.xreplace(level) for x, f in zip(system.coords, system.rhs)},
        points=1 if lemmas else 2))
    res.checks.append(_claim("reduced initial condition",
                             [at[x].subs(t, 0) - z0[x] for x in system.coords],
                             points=3, max_ops=20000))
    _lift_checked(res, system, flow, sol, z0, points=1 if lemmas else 2,
                  residual=system.slice is not None
                  or any(c not in system.values for c in system.constants))
    _name(res, name)
    return res


def _lift_checked(res, system, flow, sol, z0, points: int, residual: bool) -> None:
    """Lift ``sol`` to the model's state when the system is in its coordinates,
    and check the lift: initial condition, and (``residual``) the model flow."""
    if flow is None or system.coords != tuple(
            system.slice.state if system.slice else flow.model.symbols):
        return
    res.solution = _lift(system, flow, sol, z0)
    if residual:
        res.checks.append(_pointwise_claim(
            "model flow residual ≡ 0 (lifted solution)", res.solution.state,
            flow.equations, points=points))
    res.checks.append(_claim("model initial condition",
                             res.solution.initial_residuals(), points=3,
                             max_ops=20000))


def _name(res: SolveResult, name: str) -> None:
    """``name`` + a hash of the (lifted, else reduced) solution: the kernel's name
    (equal slice solutions of models of different sizes lift to different
    kernels)."""
    final = res.solution.state if res.solution is not None else \
        res.reduced_solution or {}
    digest = hashlib.sha256(sp.srepr(tuple(final.items())).encode()).hexdigest()[:8]
    res.name = f"{name}_{digest}"


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


def _solve_blocks(res: SolveResult, system: ReducedSystem, flow, parts, name):
    """Independent blocks (:mod:`.decouple`), each solved and verified alone."""
    subs = [solve(block(system, p), None, f"{name}_block{i}")
            for i, p in enumerate(parts)]
    labels = ["(" + ", ".join(map(str, s.system.coords)) + ")" for s in subs]
    res.match = Match("decoupled", {"blocks": subs},
                      "the coordinates split into independent blocks "
                      + ", ".join(labels) + ", each solved on its own")
    for label, s in zip(labels, subs):
        res.recipe.append((f"Block {label}", f"{s.structure}: {s.match.statement}"
                           if s.match else "no closed form found"))
        res.recipe += [(f"Block {label}: {h}", text) for h, text in s.recipe]
        res.checks += [dataclasses.replace(c, name=f"{label} {c.name}")
                       for c in s.checks]
        res.notes += [f"{label} {n}" for n in s.notes]
    if all(s.reduced_solution is not None for s in subs):
        sol = {z: e for s in subs for z, e in s.reduced_solution.items()}
        res.reduced_solution = sol
        # each block is verified alone; the lift is checked on the whole flow
        _lift_checked(res, system, flow, sol,
                      {x: init_symbol(x) for x in system.coords}, points=1,
                      residual=True)
    _name(res, name)
    return res


def _solve_p(res: SolveResult, system: ReducedSystem, z0) -> None:
    """𝒫 = QQᵀ of a matrix Riccati flow with h > 1: its solution and checks."""
    E, J, M, P, Q0 = res.match.data["parts"]
    F, gamma = res.match.data["F"], res.match.data["gamma"]
    level = {c: q.xreplace(z0) for c, q in system.levels.items()}
    n = P.shape[0]
    names = p_symbols(n)
    res.reduced_solution = {names[i, j]: P[i, j].xreplace(level)
                            for i in range(n) for j in range(i, n)}
    res.recipe.append(("𝒫 coordinates", ", ".join(
        f"{names[i, j]} = (QQᵀ)[{i},{j}]" for i in range(n) for j in range(i, n))))
    Fl = F.xreplace(level)
    Pm = sp.Matrix(n, n, lambda i, j: names[min(i, j), max(i, j)])
    rhs = Fl * Pm + Pm * Fl - 2 * gamma * Pm * Pm
    Qs = sp.Matrix(*res.match.data["Q"].shape, lambda i, j: sp.Dummy(f"q{i}{j}"))
    Qd = F * Qs - gamma * Qs * Qs.T * Qs
    lemmas = list(Qd * Qs.T + Qs * Qd.T - (F * Qs * Qs.T + Qs * Qs.T * F
                                             - 2 * gamma * (Qs * Qs.T) ** 2))
    lemmas += list(E.diff(t) - F * E) + list(E.subs(t, 0) - sp.eye(n))
    lemmas += list(J.diff(t) - E * E) + list(J.subs(t, 0))
    res.checks.append(_claim(
        "structure: Q̇ = FQ − γQQᵀQ ⇒ 𝒫̇ = F𝒫 + 𝒫F − 2γ𝒫²; (e^(tF))' = F e^(tF), "
        "e^(0F) = I; J' = e^(2tF), J(0) = 0", lemmas, max_ops=20000, points=2))
    res.checks.append(_pointwise_claim(
        "𝒫 residual ≡ 0 (d𝒫/dt = F𝒫 + 𝒫F − 2γ𝒫²)", res.reduced_solution,
        {names[i, j]: rhs[i, j] for i in range(n) for j in range(i, n)}, points=1))
    P0 = (Q0 * Q0.T).xreplace(level)
    res.checks.append(_claim("𝒫 initial condition", [
        res.reduced_solution[names[i, j]].subs(t, 0) - P0[i, j]
        for i in range(n) for j in range(i, n)], points=3, max_ops=20000))
    _name(res, res.name)


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
