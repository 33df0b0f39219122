"""The wide scalar-data network's claims: the generic facts as data, then its own
theorems."""

from __future__ import annotations

import random

import sympy as sp
from sympy.codegen.cfunctions import log1p

from ...symbolic.proof.verify import Claim, combine, identity_claim
from ...symbolic.proof.zero import is_identically_zero
from ...symbolic.spec.flow import time_derivative
from .._standard import (
    Conserved,
    FlowForm,
    Invariance,
    SolvesFlow,
    StartsAt,
    standard_claims,
)
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


def _rescaling():
    d = 3
    s = sp.Symbol("s", positive=True)
    sy = wl.symbols(d)
    sub = {**{u: u / s for u in sy["u"]}, **{w: s * w for w in sy["w"]}}
    return [(wl.model(d), sub)]


def _conserved_entries(d):
    Q = wl.conserved_matrix(d)
    return [Q[i, j] for i in range(d) for j in range(i, d)]


def _tau_form():
    """du/dτ = η_u w, dw/dτ = η_w u, p(τ) = P₊e^{2cτ} + P₋e^{−2cτ}, P± of §4.2."""
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
    # MATH.md's form P± = ½[p₀ ± ½(‖u₀‖²/ρ + ρ‖w₀‖²)]
    p0 = wl._dot(sy["u_init"], sy["w_init"])
    m0 = (wl._dot(sy["u_init"], sy["u_init"]) / wl.rho
          + wl.rho * wl._dot(sy["w_init"], sy["w_init"])) / 2
    out += [Pp - (p0 + m0) / 2, Pm - (p0 - m0) / 2]
    out += [sol[v].subs(wl.tau, 0) - v0 for v, v0 in zip(
        sy["u"] + sy["w"], sy["u_init"] + sy["w_init"])]
    return out


def _riccati():
    """τ̇ = κr(τ) ⇔ ẏ = b − Ae^y + Be^{−y}; y = log(N/M) solves it; MATH.md's form."""
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


def _ntk_identity():
    """Θ(x, x') = Σ η ∂f∂f = K x x'; K(τ) in the three forms of §4.2; ḟ = K r x."""
    d = 2
    sy = wl.symbols(d)
    m = wl.model(d)
    x2 = sp.Symbol("x2", real=True)
    fx, fx2 = m.forward, m.forward.xreplace({wl.x: x2})
    theta = sum(rate * sp.diff(fx, s) * sp.diff(fx2, s) for s, rate in m.rates.items())
    U, W = wl._dot(sy["u"], sy["u"]), wl._dot(sy["w"], sy["w"])
    K = wl.kappa**2 * (wl.eta_u * W + wl.eta_w * U)
    out = [theta - K * wl.x * x2]
    # along the τ-solution
    sol = wl.tau_solution(d)
    Kt = K.xreplace(sol)
    Pp, Pm = wl.initial_amplitudes(d)
    y = 2 * wl.c * wl.tau
    U0, W0 = wl._dot(sy["u_init"], sy["u_init"]), wl._dot(sy["w_init"], sy["w_init"])
    E0 = wl.eta_u * W0 + wl.eta_w * U0
    p0 = wl._dot(sy["u_init"], sy["w_init"])
    out.append(Kt - wl.kappa**2 * (E0 * sp.cosh(y) + 2 * wl.c * p0 * sp.sinh(y)))
    out.append(Kt - 2 * wl.c * wl.kappa**2 * (Pp * sp.exp(y) - Pm * sp.exp(-y)))
    # K² = 4c²κ⁴(p² + T²/4 + G) at every state; T, G conserved, −4P₊P₋ = G + T²/4
    p = wl._dot(sy["u"], sy["w"])
    T = U / wl.rho - wl.rho * W
    out.append(K**2 - 4 * wl.c**2 * wl.kappa**4 * (p**2 + T**2 / 4 + U * W - p**2))
    # function space: d(κp)/dt = K r
    f = wl.flow(d)
    r = wl.beta - wl.alpha * wl.kappa * p
    out.append(time_derivative(f, wl.kappa * p) - K * r)
    return out


def _mechanisms():
    """H = −4P₊P₋ = G + T²/4; N = √(p²+G), C = p/N: N dC = G/(p²+G) dp = d(√G atan)."""
    d = 2
    sy = wl.symbols(d)
    u0, w0 = sy["u_init"], sy["w_init"]
    Pp, Pm = wl.initial_amplitudes(d)
    U0, W0, p0 = wl._dot(u0, u0), wl._dot(w0, w0), wl._dot(u0, w0)
    G = U0 * W0 - p0**2
    T = U0 / wl.rho - wl.rho * W0
    out = [-4 * Pp * Pm - (G + T**2 / 4)]
    # T = c·tr Q
    Q = wl.conserved_matrix(d).xreplace(dict(zip(sy["u"] + sy["w"], u0 + w0)))
    out.append(T - wl.c * Q.trace())
    p, g = sp.Symbol("p", real=True), sp.Symbol("g", positive=True)  # g = √G
    N = sp.sqrt(p**2 + g**2)
    C = p / N
    out.append(N * sp.diff(C, p) - g**2 / (p**2 + g**2))
    out.append(C * sp.diff(N, p) - p**2 / (p**2 + g**2))
    out.append(sp.diff(g * sp.atan(p / g), p) - g**2 / (p**2 + g**2))
    return out


def _regime_limits():
    """The typical-init rule: Δ_K = √(1+q²) − 1 and its limits (SymPy ``limit``)."""
    d, sig, rho, kap = sp.symbols("d sigma rho kappa", positive=True)
    al, be = wl.alpha, sp.Symbol("beta", positive=True)
    n = d * sig**2
    H = (n * (rho + 1 / rho) / 2) ** 2  # −4P₊P₋ at ‖u₀‖² = ‖w₀‖² = dσ², p₀ = 0
    target = be / (al * kap)
    q = 2 * target / (n * (rho + 1 / rho))
    dK = sp.sqrt(target**2 + H) / sp.sqrt(H) - 1  # the rule at p₀ = 0, p∞ = p*
    ok = [is_identically_zero(dK - (sp.sqrt(1 + q**2) - 1)).is_zero]
    # Δ_K is increasing in |q|: kernel ⇔ q → 0, feature learning ⇔ q large
    qs = q.subs(kap, 1 / sp.sqrt(d))
    ok.append(sp.limit(qs, d, sp.oo) == 0)  # NTK scaling → kernel
    lim = sp.limit(d * qs**2 / 2, d, sp.oo)  # Δ_K ≈ q²/2 ∝ 1/d
    expected = 2 * be**2 / (al**2 * sig**4 * (rho + 1 / rho) ** 2)
    ok.append(is_identically_zero(lim - expected).is_zero)
    ok.append(sp.diff(q.subs(kap, 1 / d), d) == 0)  # mean field: width-independent
    ok.append(sp.limit(q, sig, sp.oo) == 0)  # large init → kernel
    ok.append(sp.limit(q, kap, sp.oo) == 0)  # large output scale → kernel
    ok.append(sp.limit(q, rho, sp.oo) == 0 and sp.limit(q, rho, 0) == 0)  # rates
    ok.append(sp.limit(q, sig, 0) == sp.oo)  # small init → feature learning
    # angular share atan(q')/q' → 0 as q' = β/(ακdσ²) → ∞ (σ → 0): rescaling
    x = sp.Symbol("x", positive=True)
    ok.append(sp.limit(sp.atan(x) / x, x, sp.oo) == 0)
    passed = all(ok)
    return passed, "symbolic", 0.0, f"{sum(ok)}/{len(ok)} limits"


FLOW = FlowForm(
    "flow equals −η⊙∇L (d = 3)",
    "u̇ = η_u κ w r, ẇ = η_w κ u r, r = β − ακ u·w",
    _flow_written,
)
SYMMETRY = Invariance(
    "rescaling symmetry leaves f and L invariant",
    "f(x; u/s, s w) = f(x; u, w)",
    _rescaling,
)
CONSERVED = Conserved(
    "Q = uuᵀ/η_u − wwᵀ/η_w conserved entrywise, d = 1…3",
    "dQ/dt ≡ 0",
    lambda: [(wl.flow(d), _conserved_entries(d)) for d in (1, 2, 3)],
)
GRAM = Conserved(
    "Gram determinant ‖u‖²‖w‖² − (u·w)² conserved, d = 2, 3",
    "dG/dt ≡ 0",
    lambda: [(wl.flow(d), [wl.gram_determinant(d)]) for d in (2, 3)],
)
SOLVES = SolvesFlow(
    "closed form in t (textbook e^{2cτ} = N/M): ODE residual (d = 1)",
    "Derivation.solution checked end to end",
    lambda: [(wl.solution(1), wl.flow(1))],
    {"exact": False, "points": 2},
)
STARTS = StartsAt(
    "closed form in t: initial condition (d = 1, 2, 3)",
    "θ(0) = θ₀",
    lambda: [wl.solution(d) for d in (1, 2, 3)],
)


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the network's own theorems."""
    ic = identity_claim
    return (
        *standard_claims(FLOW, SYMMETRY, CONSERVED, GRAM),
        ic("τ-form solution: residual in τ, p(τ), P± and τ = 0 (d = 3)",
           "u = u₀cosh cτ + ρw₀ sinh cτ, w = w₀cosh cτ + u₀ sinh cτ/ρ", _tau_form),
        ic("τ(t) Riccati ODE: residual, τ(0) = 0, MATH.md's (z − z₊)/(z − z₋) form",
           "ẏ = b − Ae^y + Be^{−y}, y = 2cτ = log(N/M)", _riccati),
        ic("closed form in t: u(τ(t)), w(τ(t)) solve the flow given τ̇ = κr(τ)",
           "chain rule with the τ-form and p(τ) (d = 1)", _composition),
        *standard_claims(SOLVES, STARTS),
        Claim("overflow-safe y(t), ẏ(t) branches equal the textbook form",
              "b ≥ 0 / b < 0 × g₀ ≥ 0 / g₀ < 0, and the escapes σ₋ = 0, σ₊ = 0",
              _stable_branches, ("symbolic",)),
        Claim("exact kernel expressions equal the textbook forms",
              "τ, g±, p, r, NTK at random points incl. P± = 0, β = 0, t = 0",
              _kernel_equals_textbook, ("numeric",)),
        Claim("τ(∞) = log(σ₊/σ₋)/(2c) = log z₊/(2c), where p = β/(ακ)",
              "finite unless σ₊ or σ₋ = 0", _limit, ("symbolic",)),
        ic("NTK: Θ = K xx', K = κ²(E₀cosh 2cτ + 2cp₀ sinh 2cτ) = 2cκ²√(p² − 4P₊P₋)",
           "and d(κp)/dt = K r", _ntk_identity),
        ic("mechanisms: H = G + T²/4 = −4P₊P₋, dp = N dC + C dN, angular part",
           "A = √G[atan(p/√G)]", _mechanisms),
        Claim("regime rule (typical init): Δ_K = √(1+q²) − 1 and its limits",
              "NTK scaling, mean field, large σ, κ, η ratio → kernel; σ → 0: rescaling",
              _regime_limits, ("symbolic",)),
    )
