"""The two-layer ReLU claims: the generic facts as data, then its own theorems.

Every identity is proven on every activation pattern at once: it is written in
the pattern form of the model (σ(w_kᵀx_i) = c_ki w_kᵀx_i with
c_ki = χ_ki + (1 − χ_ki)γ and the indicators χ_ki as free symbols), reduced
modulo χ² = χ, and each coefficient is decided by the zero test.  The link
between the pattern form and the model's own flow (with σ′ written through
Heaviside) is checked exactly, in rational arithmetic, on each of the 2^{hn}
patterns.
"""

from __future__ import annotations

import itertools
import random

import sympy as sp

from ...symbolic.laws.patterns import reduce_expr
from ...symbolic.proof.verify import Claim, combine
from ...symbolic.proof.zero import is_identically_zero
from ...symbolic.spec.flow import time_derivative
from .._standard import Check, Conserved, FlowForm, Invariance, standard_claims
from . import maths as m

__all__ = ["claims"]

#: the sizes (d, h, n) at which the identities are proven
SIZES = ((2, 2, 2), (3, 2, 3))


def _on_every_pattern(exprs_by_size):
    """Zero checks of every χ-coefficient of each expression (χ² = χ)."""
    checks = []
    for (d, h, n), exprs in exprs_by_size:
        form = m.pattern_form(d, h, n)
        for e in exprs:
            checks += [is_identically_zero(c) for c in reduce_expr(e, form).values()]
    return combine(checks)


def _flow_written():
    out = []
    for d, h, n in SIZES:
        sy = m.symbols(d, h, n)
        xi = m.drive(d, h, n)
        written = {}
        for k in range(h):
            w = sy["W"][k, :].T
            written[sy["a"][k]] = -m.eta_a * (w.T * xi[k])[0, 0]
            for j in range(d):
                written[sy["W"][k, j]] = -m.eta_w * sy["a"][k] * xi[k][j]
        out.append((m.pattern_flow(d, h, n), written))
    return out


def _rescaling():
    d, h, n = 2, 2, 2
    sy = m.symbols(d, h, n)
    c = sp.Symbol("c", positive=True)
    sub = {}
    for k in range(h):
        sub[sy["a"][k]] = sy["a"][k] / c
        sub.update({v: c * v for v in sy["W"][k, :]})
    return [(m.model(d, h, n), sub)]


def _rational_pattern_point(d, h, n, pattern, rng, gamma):
    """Exact rational (θ, data) with sign(w_kᵀx_i) = pattern[k][i] (n ≤ d)."""
    sy = m.symbols(d, h, n)
    while True:
        X = sp.Matrix(n, d, lambda i, j: sp.Rational(rng.randint(-9, 9), 7))
        if X.rank() == n:
            break
    values = {v: X[i, j] for (i, j), v in zip(itertools.product(range(n), range(d)),
                                               sy["X"])}
    pinv = X.T * (X * X.T).inv()  # w = X⁺ s hits the prescribed signs exactly
    for k in range(h):
        s = sp.Matrix([(1 if pattern[k][i] else -1)
                       * sp.Rational(rng.randint(1, 9), 5) for i in range(n)])
        w = pinv * s
        values.update(dict(zip(sy["W"][k, :], w)))
        values[sy["a"][k]] = sp.Rational(rng.randint(-9, 9), 4)
    values.update({v: sp.Rational(rng.randint(-9, 9), 3) for v in sy["y"]})
    values.update({m.eta_a: sp.Rational(rng.randint(1, 9), 4),
                   m.eta_w: sp.Rational(rng.randint(1, 9), 4), m.gamma: gamma})
    return values


def _pattern_bridge():
    """The model's flow equals the pattern flow at χ_ki = 1[w_kᵀx_i > 0], at an
    exact rational point of every pattern (d = h = n = 2: 16 patterns), for
    ReLU (γ = 0) and a leaky slope."""
    d, h, n = 2, 2, 2
    rng = random.Random(13)
    real, pattern = m.flow(d, h, n), m.pattern_flow(d, h, n)
    chi = m.symbols(d, h, n)["chi"]
    worst, count = sp.Integer(0), 0
    for gamma in (sp.Integer(0), sp.Rational(1, 10), sp.Rational(3, 7)):
        for bits in itertools.product((0, 1), repeat=h * n):
            pat = [bits[k * n:(k + 1) * n] for k in range(h)]
            at = _rational_pattern_point(d, h, n, pat, rng, gamma)
            at_chi = {**at, **{chi[k, i]: pat[k][i] for k in range(h)
                               for i in range(n)}}
            for e_real, e_pat in zip(real.rhs, pattern.rhs):
                diff = e_real.xreplace(at) - e_pat.xreplace(at_chi)
                worst = max(worst, abs(diff))
            count += 1
    ok = worst == 0
    return ok, "exact-rational", float(worst), (
        f"{count} points, one per pattern and slope" if ok else "differs")


def _function_space(sizes=SIZES):
    """β̇_k = −M_k ξ_k, β_k = a_k w_k."""
    out = []
    for d, h, n in sizes:
        sy, f = m.symbols(d, h, n), m.pattern_flow(d, h, n)
        xi = m.drive(d, h, n)
        res = []
        for k in range(h):
            beta = sy["a"][k] * sy["W"][k, :].T
            bdot = sp.Matrix([time_derivative(f, b) for b in beta])
            res += list(bdot + m.preconditioner(k, d, h) * xi[k])
        out.append(((d, h, n), res))
    return _on_every_pattern(out)


def _ntk():
    """ḟ(x_i) = −(1/n) Σ_j K_ij (f(x_j) − y_j); K_ij = Σ_p η_p ∂_pf(x_i)∂_pf(x_j);
    K = η_a AAᵀ + η_w (D diag(a²) Dᵀ) ⊙ XXᵀ with A_ik = σ(w_kᵀx_i), D_ik = σ′."""
    out = []
    for d, h, n in ((2, 2, 2), (3, 2, 2)):
        sy, f = m.symbols(d, h, n), m.pattern_flow(d, h, n)
        model = m.pattern_model(d, h, n)
        K = m.ntk(d, h, n)
        c = m.slopes(d, h, n)
        X, y, a, W = sy["X"], sy["y"], sy["a"], sy["W"]
        fx = [sum(a[k] * c[k, i] * (W[k, :] * X[i, :].T)[0, 0] for k in range(h))
              for i in range(n)]
        res = [time_derivative(f, fx[i])
               + sum(K[i, j] * (fx[j] - y[j]) for j in range(n)) / n
               for i in range(n)]
        grads = [[sp.diff(fi, p) for p in model.symbols] for fi in fx]
        rates = [model.rates[p] for p in model.symbols]
        A = sp.Matrix(n, h, lambda i, k: c[k, i] * (W[k, :] * X[i, :].T)[0, 0])
        D = sp.Matrix(n, h, lambda i, k: c[k, i])
        G = X * X.T
        compact = m.eta_a * A * A.T + m.eta_w * (
            D * sp.diag(*[v**2 for v in a]) * D.T).multiply_elementwise(G)
        for i in range(n):
            for j in range(n):
                res.append(K[i, j] - sum(r * gi * gj for r, gi, gj in
                                         zip(rates, grads[i], grads[j])))
                res.append(K[i, j] - compact[i, j])
        out.append(((d, h, n), res))
    return _on_every_pattern(out)


def _neuron(d: int):
    """One neuron driven by a free ξ: ȧ = −η_a wᵀξ, ẇ = −η_w a ξ (the per-neuron
    form of the flow, proven on every pattern by the flow claim)."""
    sy = m.symbols(d, 1, 1)
    a, w = sy["a"][0], sy["W"][0, :].T
    xi = sp.Matrix(sp.symbols(f"xi0:{d}", real=True))
    rates = {a: -m.eta_a * (w.T * xi)[0, 0]}
    rates.update({v: -m.eta_w * a * x for v, x in zip(w, xi)})

    def dot(expr):
        return sp.Add(*(sp.diff(expr, s) * r for s, r in rates.items()))

    return a, w, xi, dot


def _spherical():
    """μ̇ = −κβ̂ᵀξ, β̂̇ = −(κ+δ)/(2μ)(I − β̂β̂ᵀ)ξ, M_k = (κ+δ)/2 I + (κ−δ)/2 β̂β̂ᵀ
    and a_k σ(w_kᵀx) = μ_k σ(β̂_kᵀx) on a pattern (c the slope), for every ξ
    (needs a_k ≠ 0, w_k ≠ 0), d = 2, 3."""
    res = []
    for d in (2, 3):
        a, w, xi, dot = _neuron(d)
        mu, bh = m.spherical(0, d, 1)
        dl = m.delta(0, d, 1)
        kap = m.kappa(dl, mu)
        proj = sp.eye(d) - bh * bh.T
        res.append(dot(mu) + kap * (bh.T * xi)[0, 0])
        res += list(bh.applyfunc(dot) + (kap + dl) / (2 * mu) * proj * xi)
        res += list(m.preconditioner(0, d, 1) - m.spherical_preconditioner(dl, mu, bh))
        x, c = sp.Matrix(sp.symbols(f"x0:{d}", real=True)), sp.Symbol("c", real=True)
        res.append(a * c * (w.T * x)[0, 0] - mu * c * (bh.T * x)[0, 0])
    return combine([is_identically_zero(e) for e in res])


def _limits():
    """Upstream δ → +∞: M − δI → 0, κ/δ → 1, (κ+δ)/(2δ) → 1; downstream
    δ → −∞: (κ+δ)/(2μ) → 0 (β̂ frozen), M − |δ|β̂β̂ᵀ → 0, κ/|δ| → 1; balanced
    δ = 0: M = √(η_aη_w)|μ|(I + β̂β̂ᵀ), μ̇ = −2√(η_aη_w)|μ|β̂ᵀξ,
    β̂̇ = −√(η_aη_w) sgn(μ)(I − β̂β̂ᵀ)ξ."""
    dl = sp.Symbol("delta", real=True)
    mu = sp.Symbol("mu", real=True, nonzero=True)
    d = 2
    bh = sp.Matrix(sp.symbols(f"bhat0:{d}", real=True))
    M = m.spherical_preconditioner(dl, mu, bh)
    kap = m.kappa(dl, mu)
    limits = [(e, sp.oo, 0) for e in M - dl * sp.eye(d)]
    limits += [(kap / dl, sp.oo, 1), ((kap + dl) / (2 * dl), sp.oo, 1)]
    limits += [(e, -sp.oo, 0) for e in M + dl * bh * bh.T]
    limits += [((kap + dl) / (2 * mu), -sp.oo, 0), (kap / -dl, -sp.oo, 1)]
    worst = 0.0
    for expr, where, value in limits:
        got = sp.limit(expr, dl, where)
        if sp.simplify(got - value) != 0:
            return False, "symbolic", 1.0, f"limit of {expr} at {where} is {got}"
    root = sp.sqrt(m.eta_a * m.eta_w)
    k0 = kap.subs(dl, 0)
    balanced = list(M.subs(dl, 0) - root * sp.Abs(mu) * (sp.eye(d) + bh * bh.T))
    balanced += [k0 - 2 * root * sp.Abs(mu),
                 (k0 + 0) / (2 * mu) - root * sp.Abs(mu) / mu]
    checks = [is_identically_zero(e) for e in balanced]
    ok, method, worst, detail = combine(checks)
    return ok, method, worst, f"{len(limits)} limits (sympy.limit); " + detail


FLOW = FlowForm(
    "flow equals −η⊙∇L on every activation pattern (d, h, n) = (2, 2, 2), (3, 2, 3)",
    "ȧ_k = −η_a w_kᵀξ_k, ẇ_k = −η_w a_k ξ_k, ξ_k = (1/n)Σ_i c_ki x_i (f(x_i) − y_i)",
    _flow_written,
)
BRIDGE = Check(
    "the model's flow equals the pattern flow on each of the 2^{hn} patterns",
    "θ̇ with σ′ = Heaviside equals the flow at χ_ki = 1[w_kᵀx_i > 0] (γ = 0, "
    "1/10, 3/7)",
    _pattern_bridge,
    ("numeric",),
)
SYMMETRY = Invariance(
    "rescaling a_k → a_k/c, w_k → c w_k (c > 0) leaves f and L invariant",
    "σ is positively homogeneous: σ(cz) = cσ(z)",
    _rescaling,
)
CONSERVED = Conserved(
    "δ_k = η_w a_k² − η_a‖w_k‖² conserved on every activation pattern",
    "dδ_k/dt ≡ 0 for every k, every χ, every γ, rates and data",
    lambda: [(m.pattern_flow(d, h, n), [m.delta(k, d, h) for k in range(h)])
             for d, h, n in SIZES + ((2, 3, 2),)],
)
FUNCTION_SPACE = Check(
    "function-space flow β̇_k = −M_k ξ_k on every pattern",
    "M_k = η_w a_k² I + η_a w_k w_kᵀ, β_k = a_k w_k",
    _function_space,
)
NTK = Check(
    "NTK K_ij = Σ_k c_ki x_iᵀM_kx_j c_kj drives f, equals Σ_p η_p ∂_pf ∂_pf and its "
    "compact form",
    "ḟ(x_i) = −(1/n)Σ_j K_ij (f(x_j) − y_j); K = η_a AAᵀ + η_w (D diag(a²)Dᵀ)⊙XXᵀ",
    _ntk,
)
SPHERICAL = Check(
    "signed spherical coordinates: μ̇_k, β̂̇_k and M_k in (δ_k, μ_k, β̂_k) on every "
    "pattern",
    "μ = a‖w‖, β̂ = w/‖w‖, κ = √(δ² + 4η_aη_wμ²): μ̇ = −κβ̂ᵀξ, "
    "β̂̇ = −(κ+δ)/(2μ)(I − β̂β̂ᵀ)ξ",
    _spherical,
)
LIMITS = Check(
    "upstream (δ → +∞), balanced (δ = 0) and downstream (δ → −∞) limits",
    "M → δI; M = √(η_aη_w)|μ|(I + β̂β̂ᵀ); β̂̇ → 0 and M → |δ|β̂β̂ᵀ",
    _limits,
)


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the network's own theorems."""
    return standard_claims(FLOW, BRIDGE, SYMMETRY, CONSERVED, FUNCTION_SPACE, NTK,
                           SPHERICAL, LIMITS)
