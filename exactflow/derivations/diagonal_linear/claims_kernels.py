"""The diagonal-network claims on its kernels and its whitened closed form.

The generated kernels' overflow-safe forms equal the textbook expressions of
:mod:`.maths`, and the whitened closed form solves the flow; part of the claims
of :mod:`.claims`, in its order.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from ...symbolic.proof.verify import Claim, combine
from ...symbolic.proof.zero import is_identically_zero
from .._standard import Check, Identity, StartsAt, standard_claims
from . import maths as dl

__all__ = ["FACTS", "claims"]


def _potential_kernel_forms():
    """The kernel's hypot form equals α²q(β/α²) (branch |x| ≤ 1e8, symbolic)."""
    textbook = dl.alpha**2 * dl.q(dl.kbeta / dl.alpha**2)
    plain = dict(dl.potential_kernel(stable=False))
    return [
        plain["q"] - textbook,
        plain["grad"] - sp.asinh(dl.kbeta / (2 * dl.alpha**2)),
    ]


POTENTIAL_FORMS = Identity(
    "potential kernel (hypot form) equals α²q(β/α²) and arcsinh(β/(2α²))",
    "branch |β|/(2α²) ≤ 1e8",
    _potential_kernel_forms,
)


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


ASINH_SWITCH = Check(
    "potential kernel large-|x| branch: |arcsinh x − log 2|x|| ≤ 1/(4x²)",
    "|x| ≥ 1e8: relative error ≤ 2.5e-17",
    _asinh_switch,
    ("numeric",),
)


def _exact_kernel_forms():
    """The kernel's −sign(δ)·max(u², v²)·expm1(−2|δ|) equals u² − v² on both
    sides of δ = log|u/v| = 0, for the general log-ratio and for the |u₀| = |v₀|
    shortcut (positive u₀, v₀; signs enter only squared or |·|).  On δ ≥ 0,
    |u| ≥ |v|, so sign(δ) = 1, |δ| = δ, max(u², v²) = u²; on δ < 0 they are −1,
    −δ and v² (the cases substituted, each then an identity)."""
    p, m = sp.symbols("p m", positive=True)
    shift = -2 * (dl.eta_u + dl.eta_v) * dl.kr
    checks = []
    for a, b, ratio in ((p, m, sp.log(p) - sp.log(m) + shift), (p, p, shift)):
        u, v = a * sp.exp(-2 * dl.eta_u * dl.kr), b * sp.exp(2 * dl.eta_v * dl.kr)
        delta = sp.Dummy("delta", real=True)
        generic = dl._beta(u, v, delta).args[-1][0]  # the branch u₀v₀ ≠ 0
        cases = ((1, delta, u**2), (-1, -delta, v**2))  # δ ≥ 0, δ < 0
        for sign, size, top in cases:
            branch = generic.xreplace({sp.sign(delta): sign, sp.Abs(delta): size,
                                       sp.Max(u**2, v**2): top})
            if branch.has(sp.sign, sp.Abs, sp.Max):
                raise ValueError(f"unexpected form of the kernel's β: {generic}")
            e = branch.subs(delta, ratio).replace(dl.expm1, lambda x: sp.exp(x) - 1)
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


EXACT_KERNEL_FORMS = Check("exact-map kernel (sign·max·expm1 form) equals u² − v²",
                           "δ = log|u/v| ≥ 0 and < 0", _exact_kernel_forms)


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


WHITENED_SOLUTION = Identity(
    "whitened closed form solves the flow (η_u = η_v)",
    "Riccati lemma L1 and reduction lemma L2, every init and β*",
    _whitened_solution,
)
STARTS = StartsAt("whitened closed form: initial condition", "θ(0) = θ₀",
                  lambda: [dl.solution(2)])


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


WHITENED_STABLE = Identity(
    "whitened kernel pair (cancellation-free D ∓ s) equals the plain pair",
    "s > 0 and s < 0",
    _whitened_stable,
)


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


WHITENED_KERNEL = Check("whitened kernel equals the closed form (u, v, β)",
                        "Piecewise/log1p/expm1 form; random points, 30% with u₀ = v₀",
                        _whitened_kernel, ("numeric",))

#: this module's declarations, in verification order (:mod:`.claims` lists them)
FACTS = (POTENTIAL_FORMS, ASINH_SWITCH, EXACT_KERNEL_FORMS, WHITENED_SOLUTION, STARTS,
         WHITENED_KERNEL, WHITENED_STABLE)


def claims() -> tuple[Claim, ...]:
    """The kernel-form and whitened-closed-form claims, in verification order."""
    return standard_claims(*FACTS)
