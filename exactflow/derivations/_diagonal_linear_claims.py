"""The diagonal-network claims (theorems the verification checks) and the bundle."""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from ._bundle import Derivation, KernelExprs, SolveSetup
from ..symbolic.spec.flow import time_derivative
from ..symbolic.proof.verify import Claim, combine, identity_claim
from ..symbolic.proof.zero import is_identically_zero
from . import diagonal_linear as dl

__all__ = ["derivation", "claims"]

D = 3  # the dimension of the symbolic checks (coordinates couple through Σxx)


def _grad(d: int, whitened: bool = False) -> sp.Matrix:
    sy = dl.symbols(d)
    beta = dl.beta_of(sy["u"], sy["v"])
    if whitened:
        return beta - sp.Matrix(sy["beta_star"])
    return dl.sigma_xx(d) * beta - sp.Matrix(sy["sigma_xy"])


def _flow_form():
    sy, eq, g = dl.symbols(D), dl.flow(D).equations, _grad(D)
    out = [eq[u] + 2 * dl.eta_u * u * gi for u, gi in zip(sy["u"], g)]
    return out + [eq[v] - 2 * dl.eta_v * v * gi for v, gi in zip(sy["v"], g)]


def _symmetry():
    sy, m = dl.symbols(D), dl.model(D)
    out = []
    for i in range(D):
        for flip in (sy["u"][i], sy["v"][i]):
            sub = {flip: -flip}
            out += [m.forward.xreplace(sub) - m.forward, m.loss.xreplace(sub) - m.loss]
    return out


def _positive_orthant(d: int):
    """Positive stand-ins for u, v: the flow keeps the sign of every u_i, v_i
    (u̇_i ∝ u_i, v̇_i ∝ v_i) and is invariant under u_i → −u_i, v_i → −v_i."""
    sy = dl.symbols(d)
    pos = {s: sp.Symbol(f"{s.name}_pos", positive=True) for s in sy["u"] + sy["v"]}
    return pos


def _conserved():
    f = dl.flow(D)
    sy = dl.symbols(D)
    pos = _positive_orthant(D)
    out = []
    for i, (u, v) in enumerate(zip(sy["u"], sy["v"])):
        # general rates: u^{η_v} v^{η_u} on the positive orthant (|·| by symmetry)
        law = (u**dl.eta_v * v**dl.eta_u).xreplace(pos)
        rate = sum(sp.diff(law, pos[s]) * f.equations[s].xreplace(pos) for s in (u, v))
        out.append(sp.powsimp(sp.expand(rate)))
        # equal rates: the polynomial u_i v_i, every sign
        out.append(time_derivative(f, u * v).subs(dl.eta_v, dl.eta_u))
    return out


def _reduction():
    """u = u₀e^{−2η_uR}, v = v₀e^{2η_vR} solve the flow when Ṙ = g(β(t))."""
    sy, f = dl.symbols(D), dl.flow(D)
    state = dl.exact_map(D)
    g = _grad(D).xreplace(state)  # Ṙ = g(β(u(R), v(R)))
    out = []
    for s, rhs in f.equations.items():
        lhs = sum(sp.diff(state[s], r) * gr for r, gr in zip(sy["r"], g))
        out.append(lhs - rhs.xreplace(state))
    zero = {r: 0 for r in sy["r"]}
    out += [state[u].xreplace(zero) - u0 for u, u0 in zip(sy["u"], sy["u_init"])]
    out += [state[v].xreplace(zero) - v0 for v, v0 in zip(sy["v"], sy["v_init"])]
    # samples: Σxx = XᵀX, Σxy = Xᵀy make g = Xᵀρ, so R = Xᵀ∫ρ ∈ row(X)
    n = 2
    X = sp.Matrix(n, D, sp.symbols(f"X0:{n * D}", real=True))
    y = sp.Matrix(sp.symbols(f"y0:{n}", real=True))
    beta = dl.beta_of(sy["u"], sy["v"])
    G, h = X.T * X, X.T * y
    moments = {}
    for i in range(D):
        moments[sy["sigma_xy"][i]] = h[i]
        for j in range(i, D):
            moments[sp.Symbol(f"sigma_xx{i}{j}", real=True)] = G[i, j]
    out += list(_grad(D).xreplace(moments) - X.T * (X * beta - y))
    return out


def _uniform_beta():
    """β(R) = −2α² sinh(4ηR) for u₀ = v₀ = α𝟙, η_u = η_v = η."""
    r = sp.Symbol("R", real=True)
    u = dl.alpha * sp.exp(-2 * dl.eta * r)
    v = dl.alpha * sp.exp(2 * dl.eta * r)
    out = [u**2 - v**2 + 2 * dl.alpha**2 * sp.sinh(4 * dl.eta * r)]
    # general init (positive orthant, c = u₀v₀, γ = log(u₀/v₀)): 2c sinh(γ − 4ηR)
    p, m = sp.symbols("p m", positive=True)
    general = 2 * p * m * sp.sinh(sp.log(p / m) - 4 * dl.eta * r)
    general = sp.expand(general.rewrite(sp.exp), power_exp=True)
    out.append(
        (p * sp.exp(-2 * dl.eta * r)) ** 2 - (m * sp.exp(2 * dl.eta * r)) ** 2 - general
    )
    return out


def _function_space():
    """β̇ = −4(η_u u² + η_v v²) ⊙ g, and 4η(u² + v²) = 4η√(β² + 4(uv)²)."""
    sy, f, g = dl.symbols(D), dl.flow(D), _grad(D)
    out = []
    for u, v, gi in zip(sy["u"], sy["v"], g):
        bdot = time_derivative(f, u**2 - v**2)
        out.append(bdot + 4 * (dl.eta_u * u**2 + dl.eta_v * v**2) * gi)
    pos = _positive_orthant(D)
    for u, v in zip(sy["u"], sy["v"]):
        up, vp = pos[u], pos[v]
        out.append(up**2 + vp**2 - sp.sqrt((up**2 - vp**2) ** 2 + 4 * up**2 * vp**2))
    return out


def _mirror():
    """d/dt arcsinh(β_i/(2c_i)) = −4η g_i with c_i = u_i v_i (equal rates η).

    With c_i conserved this integrates to arcsinh(β/(2c)) − arcsinh(β₀/(2c)) =
    −4ηR ∈ row(X); for u₀ = v₀ = α𝟙 it is ∇Q_α(β(t)) = −4ηR(t): the mirror flow
    d/dt ∇Q_α(β) = −4η∇L, and the minimiser of Q_α on {Xβ = y} is β(∞).
    """
    sy, f, g = dl.symbols(D), dl.flow(D), _grad(D)
    pos = _positive_orthant(D)
    out = []
    for u, v, gi in zip(sy["u"], sy["v"], g):
        mirror = sp.asinh((u**2 - v**2) / (2 * u * v))
        rate = time_derivative(f, mirror).subs(dl.eta_v, dl.eta_u)
        out.append((rate + 4 * dl.eta_u * gi).xreplace(pos))
    return out


def _q_facts():
    q = dl.q()
    beta = sp.symbols("b0:2", real=True)
    grad = dl.potential_gradient(beta)
    Qa = dl.potential(beta)
    out = [
        sp.diff(q, dl.z) - sp.asinh(dl.z / 2),  # q' = arcsinh(z/2)
        sp.diff(q, dl.z, 2) - 1 / sp.sqrt(4 + dl.z**2),  # q'' > 0: convex
        q.subs(dl.z, 0),
        q.subs(dl.z, -dl.z) - q,  # even
    ]
    out += [sp.diff(Qa, b) - gb for b, gb in zip(beta, grad)]
    # the Hessian of Q_α is 1/√(β² + 4α⁴): the metric of the mirror flow
    out += [sp.diff(Qa, b, 2) - 1 / sp.sqrt(b**2 + 4 * dl.alpha**4) for b in beta]
    return out


def _limits():
    """Per coordinate (Q_α is a sum, q is even, so β > 0 suffices):
    4α²·α²q(β/α²) → β² (α → ∞) and α²q(β/α²)/ln(1/α²) → β (α → 0⁺)."""
    b = sp.Symbol("b", positive=True)
    term = dl.alpha**2 * dl.q(b / dl.alpha**2)
    lazy = sp.limit(4 * dl.alpha**2 * term, dl.alpha, sp.oo)
    rich = sp.limit(term / sp.log(1 / dl.alpha**2), dl.alpha, 0, "+")
    even = sp.simplify(dl.q(-dl.z) - dl.q(dl.z))
    ok = sp.simplify(lazy - b**2) == 0 and sp.simplify(rich - b) == 0 and even == 0
    return ok, "symbolic", 0.0, f"sympy.limit: lazy {lazy}, rich {rich}"


def _limits_mpmath():
    """The same limits at 50 digits, and the slow logarithmic rate of the ℓ₁ one."""
    worst = mpmath.mpf(0)
    with mpmath.workdps(50):

        def term(b, a):  # textbook q: needs z² ≫ 1e-50 at 50 digits
            zz = b / a**2
            return a**2 * (2 - mpmath.sqrt(4 + zz**2) + zz * mpmath.asinh(zz / 2))

        for b in (mpmath.mpf("0.3"), mpmath.mpf(2), mpmath.mpf("-1.7")):
            a = mpmath.mpf(10) ** 6  # 4α²·α²q(b/α²) = b²(1 − b²/(48α⁴) + …)
            lazy = 4 * a**2 * term(b, a)
            worst = max(worst, abs(lazy - b**2) / b**2)
            a = mpmath.mpf(10) ** -100  # ratio = |b|(1 + O(log|b|/log(1/α²)))
            rich = term(b, a) / mpmath.log(1 / a**2)
            bound = (abs(mpmath.log(abs(b))) + 1) / mpmath.log(1 / a**2)
            if abs(rich / abs(b) - 1) > bound:
                return False, "mpmath-50", float(abs(rich / abs(b) - 1)), "rich limit"
    return worst < 1e-20, "mpmath-50", float(worst), "ℓ₂ at α = 1e6, ℓ₁ at α = 1e-100"


def _kunin():
    x = sp.Symbol("x", real=True)
    ad = sp.Symbol("abs_delta", positive=True)  # |δ| > 0
    half = dl.alpha**2 * dl.q(x / dl.alpha**2) / 2
    return [dl.kunin_q(x, ad) - half.subs(dl.alpha, sp.sqrt(ad) / 2)]


def _potential_kernel_forms():
    """The kernel's hypot form equals α²q(β/α²) (branch |x| ≤ 1e8, symbolic)."""
    textbook = dl.alpha**2 * dl.q(dl.kbeta / dl.alpha**2)
    plain = dict(dl.potential_kernel(stable=False))
    return [
        plain["q"] - textbook,
        plain["grad"] - sp.asinh(dl.kbeta / (2 * dl.alpha**2)),
    ]


def _asinh_switch():
    """|arcsinh x − sign(x) log 2|x|| ≤ 1/(4x²) for |x| ≥ 1e8 (mpmath-50)."""
    worst = 0.0
    with mpmath.workdps(50):
        for e in (8, 8.5, 12, 50, 150, 300):
            for sgn in (1, -1):
                x = sgn * mpmath.mpf(10) ** e
                err = abs(mpmath.asinh(x) - sgn * mpmath.log(2 * abs(x)))
                if err > 1 / (4 * x**2):
                    return False, "mpmath-50", float(err), f"x = {x}"
                worst = max(worst, float(err * 4 * x**2))
    return True, "mpmath-50", 0.0, f"error/(1/(4x²)) ≤ {worst:.3f}"


def _exact_kernel_forms():
    """The kernel's expm1 branches equal u² − v², for the general log-ratio and for
    the |u₀| = |v₀| shortcut (positive u₀, v₀; signs enter only squared or |·|)."""
    p, m = sp.symbols("p m", positive=True)
    shift = -2 * (dl.eta_u + dl.eta_v) * dl.kr
    checks = []
    for a, b, ratio in ((p, m, sp.log(p) - sp.log(m) + shift), (p, p, shift)):
        u, v = a * sp.exp(-2 * dl.eta_u * dl.kr), b * sp.exp(2 * dl.eta_v * dl.kr)
        generic = dl._beta(u, v, ratio).args[-1][0]  # the branch u₀v₀ ≠ 0
        for branch, _ in generic.args:
            e = branch.replace(dl.expm1, lambda x: sp.exp(x) - 1)
            e = sp.expand(sp.expand_log(e, force=True), power_exp=True)
            e = sp.powsimp(sp.expand(sp.powdenest(e)))
            checks.append(is_identically_zero(e - (u**2 - v**2)))
    # and the kernel is built from exactly these pieces
    ref = dl._beta(
        dl.ku0 * sp.exp(-2 * dl.eta_u * dl.kr),
        dl.kv0 * sp.exp(2 * dl.eta_v * dl.kr),
        dl._log_ratio_plus(shift),
    )
    checks.append(is_identically_zero(dict(dl.exact_kernel())["beta"] - ref))
    return combine(checks)


def _whitened_solution():
    """(L1) w = ŷ₁/ŷ₂ solves ẇ = 4(u₀² − s w − v₀² w²) in τ = ηt, w(0) = 1;
    (L2) for any such w, u = u₀w^{−½}, v = v₀w^{½} solve the whitened flow at
    rate η (coordinates decouple: g_i = β_i − β*_i).  Together: the closed form."""
    tau = sp.Symbol("tau", nonnegative=True)
    u0, v0, s = sp.symbols("u_init v_init s", real=True)
    y1, y2 = dl.riccati_pair(tau, u0, v0, s)
    w = y1 / y2
    out = [sp.diff(w, tau) - 4 * (u0**2 - s * w - v0**2 * w**2), w.subs(tau, 0) - 1]
    W = sp.Symbol("W", positive=True)  # L2 with w abstract, ẇ from the Riccati law
    wdot = 4 * (u0**2 - s * W - v0**2 * W**2)
    u, v = u0 / sp.sqrt(W), v0 * sp.sqrt(W)
    g = u**2 - v**2 - s
    out += [sp.diff(u, W) * wdot + 2 * u * g, sp.diff(v, W) * wdot - 2 * v * g]
    # and the Solution object's state is exactly this map (d = 2, τ = η_u t)
    sol, sy = dl.solution(2), dl.symbols(2)
    for i in range(2):
        a, b = dl.riccati_pair(
            dl.eta_u * dl.t, sy["u_init"][i], sy["v_init"][i], sy["beta_star"][i]
        )
        out.append(sol.state[sy["u"][i]] - sy["u_init"][i] * sp.sqrt(b / a))
        out.append(sol.state[sy["v"][i]] - sy["v_init"][i] * sp.sqrt(a / b))
    return out


def _whitened_initial():
    return dl.solution(2).initial_residuals()


def _whitened_stable():
    """Kernel pair (D ∓ s as 4u₀²v₀²/(D ± s)) equals the plain pair, both signs of
    s, and ŷ₂ − ŷ₁ = 4(s + v₀² − u₀²)I (the log1p form of log(ŷ₂/ŷ₁))."""
    tau = sp.Symbol("tau", nonnegative=True)
    u0, v0 = sp.symbols("u_init v_init", real=True)
    sp_, sn = sp.Symbol("s", positive=True), sp.Symbol("s", negative=True)
    out = []
    for s in (sp_, sn):
        plain = dl.riccati_pair(tau, u0, v0, s)
        stable = dl.riccati_pair(tau, u0, v0, s, stable=True)
        out += [a - b for a, b in zip(stable, plain)]  # the Piecewise resolves
        D = sp.sqrt(s**2 + 4 * u0**2 * v0**2)
        gap = 4 * (s + v0**2 - u0**2) * dl.intexp(-4 * D, tau)
        out.append(plain[1] - plain[0] - gap)
    return out


def _whitened_kernel_sample(rng):
    def signed():
        return rng.uniform(0.1, 2) * rng.choice([-1, 1])

    u0 = signed()
    return {
        dl.kt: rng.uniform(0, 3),
        dl.ku0: u0,
        dl.kv0: u0 if rng.random() < 0.3 else signed(),
        dl.ks: rng.uniform(-2, 2),
        dl.eta: rng.uniform(0.2, 3),
    }


def _whitened_kernel():
    """The whitened kernel (all its branches assembled) equals the closed form."""
    out = dict(dl.whitened_kernel())
    y1, y2 = dl.riccati_pair(dl.eta * dl.kt, dl.ku0, dl.kv0, dl.ks)
    u, v = dl.ku0 * sp.sqrt(y2 / y1), dl.kv0 * sp.sqrt(y1 / y2)
    checks = [
        is_identically_zero(
            out[k] - ref, sampler=_whitened_kernel_sample, exact=False, points=8
        )
        for k, ref in (("u", u), ("v", v), ("beta", u**2 - v**2))
    ]
    return combine(checks)


# ------------------------------------------------------------------ numeric claims
def _sparse_problem(seed: int = 0, n: int = 3, d: int = 6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    beta_star = np.zeros(d)
    beta_star[:2] = (1.0, -0.5)
    return X, X @ beta_star


def _bias_equals_flow():
    """GF (exact reduction, R integrated) at t = 300 equals argmin Q_α on Xβ = y."""
    X, y = _sparse_problem(n=2, d=4)
    _, _, beta = dl.trajectory(np.array([300.0]), X, y, alpha=0.5)
    err = float(np.abs(beta[0] - dl.implicit_bias(X, y, 0.5)).max())
    return err < 1e-9, "numeric: LSODA (rtol 1e-12) vs dual Newton", err, "α = 0.5"


def _kkt():
    """The argmin satisfies KKT: Xβ = y and ∇Q_α(β) ∈ row(X)."""
    X, y = _sparse_problem(1)
    P = np.linalg.pinv(X) @ X  # projector onto row(X)
    worst = 0.0
    for a in (0.05, 0.5, 3.0):
        b = dl.implicit_bias(X, y, a)
        g = np.arcsinh(b / (2 * a * a))
        worst = max(
            worst, float(np.abs(X @ b - y).max()), float(np.abs(g - P @ g).max())
        )
    return worst < 1e-10, "numeric: KKT residual", worst, "α = 0.05, 0.5, 3"


def claims() -> tuple[Claim, ...]:
    ic = identity_claim
    return (
        ic(
            "flow equals −η⊙∇L (d = 3)",
            "u̇ = −2η_u u⊙g, v̇ = +2η_v v⊙g, g = Σxxβ − Σxy",
            _flow_form,
        ),
        ic(
            "sign flips u_i → −u_i, v_i → −v_i leave f and L invariant",
            "β depends on u_i², v_i² only",
            _symmetry,
        ),
        ic(
            "per-coordinate laws conserved (d = 3)",
            "|u_i|^{η_v}|v_i|^{η_u} (general rates), u_i v_i (equal rates)",
            _conserved,
        ),
        ic(
            "exact reduction to the integrated residual R (d = 3)",
            "u = u₀e^{−2η_uR}, v = v₀e^{2η_vR} solve the flow iff Ṙ = g(β); "
            "R(0) = 0; g = Xᵀρ for samples, so R = Xᵀ∫ρ ∈ row(X)",
            _reduction,
        ),
        ic(
            "β(t) = −2α² sinh(4ηR(t)) (uniform), 2c sinh(γ − 4ηR(t)) (general)",
            "u₀ = v₀ = α𝟙 resp. c = u₀v₀, γ = log(u₀/v₀); η_u = η_v = η",
            _uniform_beta,
        ),
        ic(
            "function-space flow β̇ = −4(η_u u² + η_v v²)⊙g",
            "and u² + v² = √(β² + 4(uv)²)",
            _function_space,
        ),
        ic(
            "mirror identity d/dt arcsinh(β/(2uv)) = −4η g (equal rates)",
            "∇Q_α(β(t)) = −4ηR(t) stays in row(X) (uniform init)",
            _mirror,
        ),
        ic(
            "q' = arcsinh(z/2), q'' = 1/√(4+z²), q(0) = 0, q even; ∇Q_α, ∇²Q_α",
            "q(z) = 2 − √(4+z²) + z arcsinh(z/2), Q_α = α²Σq(β_i/α²)",
            _q_facts,
        ),
        Claim(
            "limits: 4α²Q_α(β) → ‖β‖₂² (α → ∞), Q_α/ln(1/α²) → ‖β‖₁ (α → 0)",
            "sympy.limit per coordinate, q even",
            _limits,
            ("symbolic",),
        ),
        Claim(
            "limits at 50 digits (α = 1e6, 1e-100)",
            "relative error of the ℓ₂ limit < 1e-20; ℓ₁ within its log rate",
            _limits_mpmath,
            ("numeric",),
        ),
        ic(
            "Kunin's q_δ(x) = ½α²q(x/α²) with α² = |δ|/4 (MATH.md §2.6)",
            "δ ≠ 0",
            _kunin,
        ),
        ic(
            "potential kernel (hypot form) equals α²q(β/α²) and arcsinh(β/(2α²))",
            "branch |β|/(2α²) ≤ 1e8",
            _potential_kernel_forms,
        ),
        Claim(
            "potential kernel large-|x| branch: |arcsinh x − log 2|x|| ≤ 1/(4x²)",
            "|x| ≥ 1e8: relative error ≤ 2.5e-17",
            _asinh_switch,
            ("numeric",),
        ),
        Claim(
            "exact-map kernel (expm1 branches) equals u² − v²",
            "δ = log|u/v| ≥ 0 and < 0",
            _exact_kernel_forms,
            ("symbolic",),
        ),
        ic(
            "whitened closed form solves the flow (η_u = η_v)",
            "Riccati lemma L1 and reduction lemma L2, every init and β*",
            _whitened_solution,
        ),
        ic("whitened closed form: initial condition", "θ(0) = θ₀", _whitened_initial),
        Claim(
            "whitened kernel equals the closed form (u, v, β)",
            "Piecewise/log1p/expm1 form; random points, 30% with u₀ = v₀",
            _whitened_kernel,
            ("numeric",),
        ),
        ic(
            "whitened kernel pair (cancellation-free D ∓ s) equals the plain pair",
            "s > 0 and s < 0",
            _whitened_stable,
        ),
        Claim(
            "GF limit equals argmin_{Xβ=y} Q_α (n = 2, d = 4, 2-sparse)",
            "|error| < 1e-9",
            _bias_equals_flow,
            ("numeric",),
        ),
        Claim(
            "argmin Q_α satisfies KKT (Xβ = y, ∇Q_α(β) ∈ row X)",
            "residual < 1e-10",
            _kkt,
            ("numeric",),
        ),
    )


def _sections():
    return (
        (
            "Model",
            r"f(x) &= \beta^\top x,\quad \beta = u\odot u - v\odot v,"
            r"\quad \mathcal L = \tfrac12\|X\beta - y\|^2",
        ),
        (
            "Gradient flow",
            r"\dot u &= -2\eta_u\,u\odot X^\top\rho,\quad"
            r" \dot v = 2\eta_v\,v\odot X^\top\rho,\quad \rho = X\beta - y",
        ),
        (
            "Conserved quantities",
            r"c_i &= |u_i|^{\eta_v}|v_i|^{\eta_u}"
            r"\quad(u_iv_i \text{ at equal rates})",
        ),
        (
            "Exact reduction",
            r"u(t) &= u_0\odot e^{-2\eta_u R(t)},\quad"
            r" v(t) = v_0\odot e^{2\eta_v R(t)},\quad R(t) = X^\top\!\int_0^t\rho\\"
            r"\beta(t) &= -2\alpha^2\sinh(4\eta R(t))\quad(u_0=v_0=\alpha\mathbf 1)",
        ),
        (
            "Implicit bias",
            r"\beta(\infty) &= \arg\min_{X\beta=y} Q_\alpha(\beta),"
            r"\quad Q_\alpha = \alpha^2\sum_i q(\beta_i/\alpha^2),"
            r"\quad q(z) = 2-\sqrt{4+z^2}+z\operatorname{arcsinh}\tfrac z2\\"
            r"\nabla Q_\alpha(\beta(t)) &= "
            r"\operatorname{arcsinh}\tfrac{\beta}{2\alpha^2}"
            r" = -4\eta R(t)\in\operatorname{row}(X)",
        ),
        (
            "Limits",
            r"4\alpha^2Q_\alpha(\beta) &\to \|\beta\|_2^2\ (\alpha\to\infty),"
            r"\quad Q_\alpha(\beta)/\ln(1/\alpha^2)\to\|\beta\|_1\ (\alpha\to0)",
        ),
        (
            "Whitened closed form",
            r"e^{4R} &= \hat y_1/\hat y_2,\quad"
            r" \hat y_{1,2} = e^{-4D\tau} + 2(D\mp s + 2u_0^2|2v_0^2)"
            r"\tfrac{1-e^{-4D\tau}}{4D},\quad D = \sqrt{s^2+4u_0^2v_0^2}",
        ),
    )


def _kernels():
    return (
        KernelExprs(
            "exact",
            (dl.kr, dl.ku0, dl.kv0, dl.eta_u, dl.eta_v),
            dl.exact_kernel(),
            "diagonal network exact map per coordinate: (u, v, β) from R, u₀, v₀",
        ),
        KernelExprs(
            "potential",
            (dl.kbeta, dl.alpha),
            dl.potential_kernel(),
            "per coordinate: α²q(β/α²) and ∂Q_α/∂β = arcsinh(β/(2α²))",
        ),
        KernelExprs(
            "whitened",
            (dl.kt, dl.ku0, dl.kv0, dl.ks, dl.eta),
            dl.whitened_kernel(),
            "whitened closed form per coordinate: (u, v, β)(t), equal rates η",
        ),
    )


@functools.cache
def _solve_setup() -> SolveSetup:
    """One coordinate, whitened, equal rates: u·v is conserved and β = u² − v²
    obeys β̇ = 4η√(β² + 4c²)(β* − β), separable (Euler's substitution)."""
    from ..symbolic.spec.model import Model, ParamGroup

    base = dl.model(1, whitened=True)
    eta = sp.Symbol("eta", positive=True)
    u, v = base.symbols
    model = Model("diagonal_linear", tuple(ParamGroup(g.name, g.symbols, eta, g.shape)
                                           for g in base.params),
                  (eta,) + tuple(c for c in base.consts if c not in (dl.eta_u,
                                                                     dl.eta_v)),
                  base.loss, base.inputs, base.forward,
                  assumptions="whitened inputs, d = 1, equal rates η_u = η_v = η",
                  references=base.references)
    beta = sp.Symbol("beta", real=True)
    return SolveSetup(model, {sp.Symbol("c", real=True): u * v},
                      "whitened inputs, one coordinate, equal rates η_u = η_v = η",
                      coordinates={beta: u**2 - v**2})


def derivation() -> Derivation:
    """The diagonal-network derivation bundle."""
    d = 2
    return Derivation(
        solve_setup=_solve_setup,
        name="diagonal_linear",
        title="Diagonal linear network β = u⊙u − v⊙v (Woodworth et al. 2020)",
        model=dl.model(d),
        flow=dl.flow(d),
        conserved=dl.conserved(d),
        solution=dl.solution(d),
        claims=claims(),
        references=dl.REFERENCES,
        sections=_sections(),
        kernels=_kernels,
    )
