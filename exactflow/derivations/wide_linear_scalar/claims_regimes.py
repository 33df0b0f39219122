"""The wide scalar-data network's claims on its NTK, the mechanisms (alignment,
rescaling) and the regime rule of :mod:`.numeric`; part of the claims of
:mod:`.claims`, in its order.
"""

from __future__ import annotations

import sympy as sp

from ...symbolic.proof.verify import Claim
from ...symbolic.proof.zero import is_identically_zero
from ...symbolic.spec.flow import time_derivative
from .._standard import Check, Identity, standard_claims
from . import maths as wl

__all__ = ["FACTS", "claims"]


def _ntk_identity():
    """Θ(x, x') = Σ η ∂f∂f = K x x'; K(τ) in the three forms of docs §2; ḟ = K r x."""
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


NTK = Identity("NTK: Θ = K xx', K = κ²(E₀cosh 2cτ + 2cp₀ sinh 2cτ) = 2cκ²√(p² − 4P₊P₋)",
               "and d(κp)/dt = K r", _ntk_identity)


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


MECHANISMS = Identity(
    "mechanisms: H = G + T²/4 = −4P₊P₋, dp = N dC + C dN, angular part",
    "A = √G[atan(p/√G)]",
    _mechanisms,
)


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


REGIME = Check(
    "regime rule (typical init): Δ_K = √(1+q²) − 1 and its limits",
    "NTK scaling, mean field, large σ, κ, η ratio → kernel; σ → 0: rescaling",
    _regime_limits,
)

#: this module's declarations, in verification order (:mod:`.claims` lists them)
FACTS = (NTK, MECHANISMS, REGIME)


def claims() -> tuple[Claim, ...]:
    """The NTK, mechanism and regime claims, in verification order."""
    return standard_claims(*FACTS)
