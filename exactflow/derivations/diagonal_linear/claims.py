"""The diagonal-network claims: the generic facts as data, then its own theorems.

The claims on the kernels and the whitened closed form are in
:mod:`.claims_kernels`; :func:`claims` lists them all, in order.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from ...symbolic.proof.verify import Claim
from ...symbolic.spec.flow import time_derivative
from .._standard import Check, FlowForm, Identity, Invariance, standard_claims
from . import claims_kernels
from . import maths as dl
from .numeric import trajectory
from .numeric_bias import implicit_bias

__all__ = ["claims"]

D = 3  # the dimension of the symbolic checks (coordinates couple through Σxx)


def _grad(d: int, whitened: bool = False) -> sp.Matrix:
    sy = dl.symbols(d)
    beta = dl.beta_of(sy["u"], sy["v"])
    if whitened:
        return beta - sp.Matrix(sy["beta_star"])
    return dl.sigma_xx(d) * beta - sp.Matrix(sy["sigma_xy"])


def _flow_written():
    sy, g = dl.symbols(D), _grad(D)
    written = {u: -2 * dl.eta_u * u * gi for u, gi in zip(sy["u"], g)}
    written.update({v: 2 * dl.eta_v * v * gi for v, gi in zip(sy["v"], g)})
    return [(dl.flow(D), written)]


FLOW = FlowForm("flow equals −η⊙∇L (d = 3)",
                "u̇ = −2η_u u⊙g, v̇ = +2η_v v⊙g, g = Σxxβ − Σxy", _flow_written)


def _sign_flips():
    sy, m = dl.symbols(D), dl.model(D)
    return [(m, {flip: -flip}) for i in range(D) for flip in (sy["u"][i], sy["v"][i])]


SYMMETRY = Invariance("sign flips u_i → −u_i, v_i → −v_i leave f and L invariant",
                      "β depends on u_i², v_i² only", _sign_flips)


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


CONSERVED = Identity("per-coordinate laws conserved (d = 3)",
                     "|u_i|^{η_v}|v_i|^{η_u} (general rates), u_i v_i (equal rates)",
                     _conserved)


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


REDUCTION = Identity(
    "exact reduction to the integrated residual R (d = 3)",
    "u = u₀e^{−2η_uR}, v = v₀e^{2η_vR} solve the flow iff Ṙ = g(β); "
    "R(0) = 0; g = Xᵀρ for samples, so R = Xᵀ∫ρ ∈ row(X)",
    _reduction,
)


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


UNIFORM_BETA = Identity(
    "β(t) = −2α² sinh(4ηR(t)) (uniform), 2c sinh(γ − 4ηR(t)) (general)",
    "u₀ = v₀ = α𝟙 resp. c = u₀v₀, γ = log(u₀/v₀); η_u = η_v = η",
    _uniform_beta,
)


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


FUNCTION_SPACE = Identity("function-space flow β̇ = −4(η_u u² + η_v v²)⊙g",
                          "and u² + v² = √(β² + 4(uv)²)", _function_space)


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


MIRROR = Identity("mirror identity d/dt arcsinh(β/(2uv)) = −4η g (equal rates)",
                  "∇Q_α(β(t)) = −4ηR(t) stays in row(X) (uniform init)", _mirror)


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


Q_FACTS = Identity("q' = arcsinh(z/2), q'' = 1/√(4+z²), q(0) = 0, q even; ∇Q_α, ∇²Q_α",
                   "q(z) = 2 − √(4+z²) + z arcsinh(z/2), Q_α = α²Σq(β_i/α²)", _q_facts)


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


LIMITS = Check("limits: 4α²Q_α(β) → ‖β‖₂² (α → ∞), Q_α/ln(1/α²) → ‖β‖₁ (α → 0)",
               "sympy.limit per coordinate, q even", _limits)


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


LIMITS_MPMATH = Check("limits at 50 digits (α = 1e6, 1e-100)",
                      "relative error of the ℓ₂ limit < 1e-20; ℓ₁ within its log rate",
                      _limits_mpmath, ("numeric",))


def _kunin():
    x = sp.Symbol("x", real=True)
    ad = sp.Symbol("abs_delta", positive=True)  # |δ| > 0
    half = dl.alpha**2 * dl.q(x / dl.alpha**2) / 2
    return [dl.kunin_q(x, ad) - half.subs(dl.alpha, sp.sqrt(ad) / 2)]


KUNIN = Identity("Kunin's q_δ(x) = ½α²q(x/α²) with α² = |δ|/4", "δ ≠ 0",
                 _kunin)


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
    _, _, beta = trajectory(np.array([300.0]), X, y, alpha=0.5)
    err = float(np.abs(beta[0] - implicit_bias(X, y, 0.5)).max())
    return err < 1e-9, "numeric: LSODA (rtol 1e-12) vs dual Newton", err, "α = 0.5"


BIAS = Check("GF limit equals argmin_{Xβ=y} Q_α (n = 2, d = 4, 2-sparse)",
             "|error| < 1e-9", _bias_equals_flow, ("numeric",))


def _kkt():
    """The argmin satisfies KKT: Xβ = y and ∇Q_α(β) ∈ row(X)."""
    X, y = _sparse_problem(1)
    P = np.linalg.pinv(X) @ X  # projector onto row(X)
    worst = 0.0
    for a in (0.05, 0.5, 3.0):
        b = implicit_bias(X, y, a)
        g = np.arcsinh(b / (2 * a * a))
        worst = max(
            worst, float(np.abs(X @ b - y).max()), float(np.abs(g - P @ g).max())
        )
    return worst < 1e-10, "numeric: KKT residual", worst, "α = 0.05, 0.5, 3"


KKT = Check("argmin Q_α satisfies KKT (Xβ = y, ∇Q_α(β) ∈ row X)", "residual < 1e-10",
            _kkt, ("numeric",))


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the diagonal network's theorems."""
    return standard_claims(FLOW, SYMMETRY, CONSERVED, REDUCTION, UNIFORM_BETA,
                           FUNCTION_SPACE, MIRROR, Q_FACTS, LIMITS, LIMITS_MPMATH,
                           KUNIN, *claims_kernels.FACTS, BIAS, KKT)
