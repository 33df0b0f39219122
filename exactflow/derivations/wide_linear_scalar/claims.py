"""The wide scalar-data network's claims: the generic facts as data, then its own
theorems.

The claims on the NTK, the mechanisms and the regime rule are in
:mod:`.claims_regimes`; :func:`claims` lists them all, in order.
"""

from __future__ import annotations

import random

import sympy as sp
from sympy.codegen.cfunctions import log1p

from ...symbolic.proof.verify import Claim, combine
from ...symbolic.proof.zero import is_identically_zero
from .._standard import (
    Check,
    Conserved,
    FlowForm,
    Identity,
    Invariance,
    SolvesFlow,
    StartsAt,
    standard_claims,
)
from . import claims_regimes
from . import maths as wl

__all__ = ["claims"]

# abstract Riccati coefficients for the proofs: ẏ = b − A e^y + B e^{−y}
_A, _B = sp.symbols("A B", positive=True)
_b = sp.Symbol("b", real=True)
_bp = sp.Symbol("b", positive=True)  # the branch b > 0
_D = sp.sqrt(_b**2 + 4 * _A * _B)


def _as_log(expr: sp.Expr) -> sp.Expr:
    return expr.replace(lambda e: isinstance(e, log1p), lambda e: sp.log(1 + e.args[0]))


def _flow_written():
    """u̇ = η_u κ w r, ẇ = η_w κ u r with r = β − ακ u·w, at d = 3."""
    d = 3
    sy = wl.symbols(d)
    r = wl.beta - wl.alpha * wl.kappa * wl._dot(sy["u"], sy["w"])
    written = {u: wl.eta_u * wl.kappa * w * r for u, w in zip(sy["u"], sy["w"])}
    written.update({w: wl.eta_w * wl.kappa * u * r for u, w in zip(sy["u"], sy["w"])})
    return [(wl.flow(d), written)]


FLOW = FlowForm("flow equals −η⊙∇L (d = 3)",
                "u̇ = η_u κ w r, ẇ = η_w κ u r, r = β − ακ u·w", _flow_written)


def _rescaling():
    d = 3
    s = sp.Symbol("s", positive=True)
    sy = wl.symbols(d)
    sub = {**{u: u / s for u in sy["u"]}, **{w: s * w for w in sy["w"]}}
    return [(wl.model(d), sub)]


SYMMETRY = Invariance("rescaling symmetry leaves f and L invariant",
                      "f(x; u/s, s w) = f(x; u, w)", _rescaling)


def _conserved_entries(d):
    Q = wl.conserved_matrix(d)
    return [Q[i, j] for i in range(d) for j in range(i, d)]


CONSERVED = Conserved("Q = uuᵀ/η_u − wwᵀ/η_w conserved entrywise, d = 1…3", "dQ/dt ≡ 0",
                      lambda: [(wl.flow(d), _conserved_entries(d)) for d in (1, 2, 3)])
GRAM = Conserved("Gram determinant ‖u‖²‖w‖² − (u·w)² conserved, d = 2, 3", "dG/dt ≡ 0",
                 lambda: [(wl.flow(d), [wl.gram_determinant(d)]) for d in (2, 3)])


def _tau_form():
    """du/dτ = η_u w, dw/dτ = η_w u, p(τ) = P₊e^{2cτ} + P₋e^{−2cτ}, P± of docs §2."""
    d = 3
    sy = wl.symbols(d)
    sol = wl.tau_solution(d)
    out = []
    for u, w in zip(sy["u"], sy["w"]):
        out.append(sp.diff(sol[u], wl.tau) - wl.eta_u * sol[w])
        out.append(sp.diff(sol[w], wl.tau) - wl.eta_w * sol[u])
    Pp, Pm = wl.initial_amplitudes(d)
    p = wl._dot([sol[u] for u in sy["u"]], [sol[w] for w in sy["w"]])
    y = 2 * wl.c * wl.tau
    out.append(p - (Pp * sp.exp(y) + Pm * sp.exp(-y)))
    # the docs' form P± = ½[p₀ ± ½(‖u₀‖²/ρ + ρ‖w₀‖²)]
    p0 = wl._dot(sy["u_init"], sy["w_init"])
    m0 = (wl._dot(sy["u_init"], sy["u_init"]) / wl.rho
          + wl.rho * wl._dot(sy["w_init"], sy["w_init"])) / 2
    out += [Pp - (p0 + m0) / 2, Pm - (p0 - m0) / 2]
    out += [sol[v].subs(wl.tau, 0) - v0 for v, v0 in zip(
        sy["u"] + sy["w"], sy["u_init"] + sy["w_init"])]
    return out


TAU_FORM = Identity("τ-form solution: residual in τ, p(τ), P± and τ = 0 (d = 3)",
                    "u = u₀cosh cτ + ρw₀ sinh cτ, w = w₀cosh cτ + u₀ sinh cτ/ρ",
                    _tau_form)


def _riccati():
    """τ̇ = κr(τ) ⇔ ẏ = b − Ae^y + Be^{−y}; y = log(N/M) solves it; the docs' form."""
    A, B, b, _ = wl.riccati_coefficients()
    yv = sp.Symbol("y", real=True)
    p_of_y = wl.P_plus * sp.exp(yv) + wl.P_minus * sp.exp(-yv)
    out = [2 * wl.c * wl.kappa * (wl.beta - wl.alpha * wl.kappa * p_of_y)
           - (b - A * sp.exp(yv) + B * sp.exp(-yv))]
    y = wl.textbook_y(_A, _B, _b, _D)
    out.append(sp.diff(y, wl.t) - (_b - _A * sp.exp(y) + _B * sp.exp(-y)))
    out.append(y.subs(wl.t, 0))
    z = sp.exp(y)
    zp, zm = (_b + _D) / (2 * _A), (_b - _D) / (2 * _A)
    out.append((z - zp) * (1 - zm) - (1 - zp) * (z - zm) * sp.exp(-_D * wl.t))
    return out


RICCATI = Identity(
    "τ(t) Riccati ODE: residual, τ(0) = 0, the (z − z₊)/(z − z₋) form",
    "ẏ = b − Ae^y + Be^{−y}, y = 2cτ = log(N/M)",
    _riccati,
)


def _composition():
    """u(τ(t)), w(τ(t)) solve the flow when τ̇ = κ r(τ) (chain rule).

    d = 1 suffices with the τ-form claim (d = 3): the flow couples the
    components only through p, whose τ-form holds at every width.
    """
    d = 1
    T = sp.Function("T")(wl.t)
    sol = {k: v.xreplace({wl.tau: T}) for k, v in wl.tau_solution(d).items()}
    Pp, Pm = wl.initial_amplitudes(d)
    y = 2 * wl.c * T
    p = Pp * sp.exp(y) + Pm * sp.exp(-y)
    tdot = wl.kappa * (wl.beta - wl.alpha * wl.kappa * p)
    out = []
    for v, rhs in wl.flow(d).equations.items():
        res = sp.diff(sol[v], wl.t) - rhs.xreplace(sol)
        res = res.subs(sp.Derivative(T, wl.t), tdot)
        out.append(res.xreplace({T: wl.tau}))
    return out


COMPOSITION = Identity(
    "closed form in t: u(τ(t)), w(τ(t)) solve the flow given τ̇ = κr(τ)",
    "chain rule with the τ-form and p(τ) (d = 1)",
    _composition,
)
SOLVES = SolvesFlow("closed form in t (textbook e^{2cτ} = N/M): ODE residual (d = 1)",
                    "Derivation.solution checked end to end",
                    lambda: [(wl.solution(1), wl.flow(1))],
                    {"exact": False, "points": 2})
STARTS = StartsAt("closed form in t: initial condition (d = 1, 2, 3)", "θ(0) = θ₀",
                  lambda: [wl.solution(d) for d in (1, 2, 3)])


def _stable_branches():
    """Each branch of the overflow-safe y(t) and ẏ(t) equals the textbook form."""
    checks = []
    for branch, b in (("pos", _bp), ("neg", -_bp)):
        D = sp.sqrt(b**2 + 4 * _A * _B)
        z = sp.exp(wl.textbook_y(_A, _B, b, D))
        ydot = sp.diff(wl.textbook_y(_A, _B, b, D), wl.t)
        for case in ("up", "down"):
            y = _as_log(wl.stable_y(_A, _B, b, D, branch, case))
            checks.append(is_identically_zero(sp.exp(y) - z))
        yd = wl.stable_ydot(_A, _B, b, D, branch, "up")  # the same for "down"
        checks.append(is_identically_zero(yd - ydot))
    # escapes: A = 0, b ≥ 0 (σ₋ = 0) and B = 0, b ≤ 0 (σ₊ = 0); D = |b|
    for case, A, B, b in (("escape_up", 0, _B, _bp), ("escape_down", _A, 0, -_bp)):
        D = _bp
        ty = wl.textbook_y(A, B, b, D)
        branch = "pos" if case == "escape_up" else "neg"
        y = _as_log(wl.stable_y(A, B, b, D, branch, case))
        checks.append(is_identically_zero(sp.exp(y) - sp.exp(ty)))
        yd = wl.stable_ydot(A, B, b, D, branch, case)
        checks.append(is_identically_zero(yd - sp.diff(ty, wl.t)))
    return combine(checks)


STABLE_BRANCHES = Check(
    "overflow-safe y(t), ẏ(t) branches equal the textbook form",
    "b ≥ 0 / b < 0 × g₀ ≥ 0 / g₀ < 0, and the escapes σ₋ = 0, σ₊ = 0",
    _stable_branches,
)


def _kernel_sampler(rng: random.Random):
    """Random points of the kernel domain, with exact zeros of P₊, P₋, β."""
    v = {
        wl.t: rng.choice([0, rng.uniform(0, 3)]),
        wl.P_plus: rng.choice([0, rng.uniform(0.01, 2), rng.uniform(0.01, 2)]),
        wl.P_minus: rng.choice([0, -rng.uniform(0.01, 2), -rng.uniform(0.01, 2)]),
        wl.kappa: rng.uniform(0.2, 2),
        wl.alpha: rng.uniform(0.2, 2),
        wl.beta: rng.choice([0, rng.uniform(-2, 2), rng.uniform(-2, 2)]),
        wl.eta_u: rng.uniform(0.2, 3),
        wl.eta_w: rng.uniform(0.2, 3),
    }
    return v


def _kernel_equals_textbook():
    """The ``exact`` kernel's expressions equal the textbook forms at 50 digits.

    One joint mpmath evaluation of both sides at random points of the kernel
    domain, including P₊ = 0, P₋ = 0, β = 0 and t = 0 (not a proof: the kernel's
    Piecewise/logz/sign selections are outside the exact stages' reach; each
    branch is proven separately by the claim on the overflow-safe branches).
    """
    import mpmath

    from ...symbolic.spec.functions import MPMATH_NAMESPACE

    A, B, b, D = wl.riccati_coefficients()
    y = wl.textbook_y(A, B, b, D)
    z = sp.exp(y)
    Pp, Pm = wl.P_plus, wl.P_minus
    ref = {
        "tau": y / (2 * wl.c),
        "g_plus": sp.sqrt(Pp * z),
        "g_minus": sp.sqrt(-Pm / z),
        "p": Pp * z + Pm / z,
        "r": sp.diff(y, wl.t) / (2 * wl.c * wl.kappa),
        "ntk": 2 * wl.c * wl.kappa**2 * (Pp * z - Pm / z),
    }
    kernel = dict(wl.exact_kernel())
    names = list(ref)
    args = [wl.t, Pp, Pm, wl.kappa, wl.alpha, wl.beta, wl.eta_u, wl.eta_w]
    modules = [MPMATH_NAMESPACE, "mpmath"]
    rng = random.Random(5)
    worst = mpmath.mpf(0)
    with mpmath.workdps(50):
        f_kernel = sp.lambdify(args, [kernel[n] for n in names], modules=modules)
        f_ref = sp.lambdify(args, [ref[n] for n in names], modules=modules)
        done = 0
        while done < 12:
            v = _kernel_sampler(rng)
            Av, Bv, bv = (float(e.subs(v)) for e in (A, B, b))
            if bv * bv + 4 * Av * Bv == 0:  # textbook 0/0 (D = 0): its limit
                continue
            point = [mpmath.mpf(v[a]) for a in args]
            for got, want in zip(f_kernel(*point), f_ref(*point)):
                worst = max(worst, abs(got - want) / max(abs(want), 1))
            done += 1
    passed = worst < mpmath.mpf(10) ** -40
    return passed, "mpmath-50", float(worst), "12 points, 6 outputs"


KERNEL_FORMS = Check("exact kernel expressions equal the textbook forms",
                     "τ, g±, p, r, NTK at random points incl. P± = 0, β = 0, t = 0",
                     _kernel_equals_textbook, ("numeric",))


def _limit():
    """t → ∞: e^{y∞} = σ₊/σ₋ = z₊ and the residual vanishes there (p = β/(ακ))."""
    checks = []
    for branch, b in (("pos", _bp), ("neg", -_bp)):
        D = sp.sqrt(b**2 + 4 * _A * _B)
        sp_, sm, g0, _, _ = wl.stable_parts(_A, _B, b, D, branch)
        zp = (b + D) / (2 * _A)
        checks.append(is_identically_zero(sp_ / sm - zp))
        checks.append(is_identically_zero(_A * zp - _B / zp - b))
        # the "up" form at E = 0, h = 1/D is log(1 + g₀/σ₋) = log(σ₊/σ₋)
        checks.append(is_identically_zero(1 + g0 / sm - sp_ / sm))
    # and r = 0 ⇔ p = β/(ακ) in the model's variables
    A, B, b, _ = wl.riccati_coefficients()
    zs = sp.Symbol("z", positive=True)
    p = wl.P_plus * zs + wl.P_minus / zs
    checks.append(is_identically_zero(
        (b - A * zs + B / zs) - 2 * wl.c * wl.kappa * wl.alpha * wl.kappa
        * (wl.beta / (wl.alpha * wl.kappa) - p)))
    return combine(checks)


LIMIT = Check("τ(∞) = log(σ₊/σ₋)/(2c) = log z₊/(2c), where p = β/(ακ)",
              "finite unless σ₊ or σ₋ = 0", _limit)


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the network's own theorems."""
    return standard_claims(FLOW, SYMMETRY, CONSERVED, GRAM, TAU_FORM, RICCATI,
                           COMPOSITION, SOLVES, STARTS, STABLE_BRANCHES, KERNEL_FORMS,
                           LIMIT, *claims_regimes.FACTS)
