"""The single-neuron claims: the generic facts as data, then its own theorems."""

from __future__ import annotations

import random

import numpy as np
import sympy as sp

from ...symbolic.proof.verify import Claim, combine
from ...symbolic.proof.zero import is_identically_zero
from ...symbolic.spec.flow import time_derivative
from .._standard import (
    Check,
    Conserved,
    FlowForm,
    Identity,
    Invariance,
    Reference,
    SolvesFlow,
    StartsAt,
    standard_claims,
)
from . import maths as sn
from . import numeric, numeric_bias

__all__ = ["claims"]


def _flow_written():
    """ȧ = −η_a wᵀ(Σxxβ − Σxy), ẇ = −η_w a(Σxxβ − Σxy) at d = 3."""
    d = 3
    sy = sn.symbols(d)
    w = sp.Matrix(sy["w"])
    g = sn._sigma_xx(d) * sn.a * w - sp.Matrix(sy["sigma_xy"])  # ∇_β L
    written = {sn.a: -sn.eta_a * (w.T * g)[0, 0]}
    written.update({wi: -sn.eta_w * sn.a * gi for wi, gi in zip(sy["w"], g)})
    return [(sn.flow(d), written)]


FLOW = FlowForm("flow equals −η⊙∇L (d = 3)",
                "ȧ = −η_a wᵀ(Σxxβ − Σxy), ẇ = −η_w a(Σxxβ − Σxy)", _flow_written)


def _rescaling():
    d = 3
    c = sp.Symbol("c", positive=True)
    scale = {wi: c * wi for wi in sn.symbols(d)["w"]}
    return [(sn.model(d), {sn.a: sn.a / c, **scale})]


SYMMETRY = Invariance("rescaling symmetry leaves f and L invariant",
                      "f(x; a/c, c w) = f(x; a, w)", _rescaling)
CONSERVED = Conserved("δ = η_w a² − η_a‖w‖² conserved, d = 1…4",
                      "dδ/dt ≡ 0 for general Σxx, Σxy, η_a, η_w",
                      lambda: [(sn.flow(d), [sn.delta(d)]) for d in (1, 2, 3, 4)])


def _preconditioner():
    out = []
    for d in (2, 3):
        f = sn.flow(d)
        sy = sn.symbols(d)
        w = sp.Matrix(sy["w"])
        beta = sn.a * w
        grad = sn._sigma_xx(d) * beta - sp.Matrix(sy["sigma_xy"])
        M = sn.preconditioner(beta, sn.delta(d))
        bdot = sp.Matrix([time_derivative(f, b) for b in beta])
        out += list(bdot + M * grad)
    return out


PRECONDITIONER = Identity("function-space flow β̇ = −M∇_βL, M of Eq. 4 (d = 2, 3)",
                          "M = (κ+δ)/2 I + (κ−δ)/2 β̂β̂ᵀ", _preconditioner)


def _rate_map():
    """Unit-rate flow in (ã, w̃, τ) ⇔ general-rate flow in (a, w, t), docs §4."""
    d = 3
    f = sn.flow(d, whitened=True)
    sy = sn.symbols(d)
    k = (sn.eta_w / sn.eta_a) ** sp.Rational(1, 4)
    c = sp.sqrt(sn.eta_a * sn.eta_w)
    b = sp.Matrix(sy["beta_star"])
    at, wt = k * sn.a, sp.Matrix(sy["w"]) / k
    unit_a = (wt.T * b)[0, 0] - at * (wt.T * wt)[0, 0]
    unit_w = at * b - at**2 * wt
    eq = f.equations
    out = [k * eq[sn.a] / c - unit_a]
    out += [eq[wi] / (k * c) - uw for wi, uw in zip(sy["w"], unit_w)]
    out.append(sn.delta(d) / c - (at**2 - (wt.T * wt)[0, 0]))
    return out


RATE_MAP = Identity("rate reduction to unit rates is exact",
                    "ã = (η_w/η_a)^¼ a, w̃ = (η_a/η_w)^¼ w, τ = √(η_aη_w) t", _rate_map)


def _structure():
    """The lemmas behind the unified solution, valid for every d (unit rates).

    (L1) z = e^{τA} z₀ solves ż = A z; (L2) Λ̇ = u² + q² + r², Λ(0) = 1;
    (L3) δ̃ Λ = q² − u² − r²; (L4) with L1–L3, ã = q/√Λ, w̃ = (u e₁ + r e₂)/√Λ
    solves the unit-rate whitened flow (β* = s e₁, e₂ ⊥ e₁; w stays in the plane
    span{β*, Π⊥w₀}, since the flow moves w only along β* and w itself).
    """
    tau, dl = sp.Symbol("tau", nonnegative=True), sp.Symbol("delta", real=True)
    s = sp.Symbol("s", positive=True)
    u0, q0 = sp.symbols("u0 q0", real=True)
    r0 = sp.sqrt(q0**2 - u0**2 - dl)  # the δ̃ constraint, r₀ ≥ 0
    D = sp.sqrt(dl**2 + 4 * s**2)
    A = sp.Matrix([[-dl / 2, s], [s, dl / 2]])
    z0 = sp.Matrix([u0, q0])
    z = sp.cosh(D * tau / 2) * z0 + 2 * sp.sinh(D * tau / 2) / D * A * z0
    r = r0 * sp.exp(-dl * tau / 2)
    lam = (
        1
        + sp.sinh(D * tau) / D * (u0**2 + q0**2)
        + 2 * (sp.cosh(D * tau) - 1) / D**2 * (z0.T * A * z0)[0, 0]
        + r0**2 * sn.intexp(-dl, tau)
    )
    out = list(z.diff(tau) - A * z) + list(z.subs(tau, 0) - z0)
    out += [lam.diff(tau) - (z[0] ** 2 + z[1] ** 2 + r**2), lam.subs(tau, 0) - 1]
    out.append(dl * lam - (z[1] ** 2 - z[0] ** 2 - r**2))
    # L4 with abstract u, q, r, Λ: their derivatives from L1, L2, and δ̃ from L3
    U, Q, R, L = sp.symbols("U Q R L", positive=True)
    dlt = (Q**2 - U**2 - R**2) / L
    dU, dQ, dR = -dlt / 2 * U + s * Q, s * U + dlt / 2 * Q, -dlt / 2 * R
    dL = U**2 + Q**2 + R**2
    rt = sp.sqrt(L)
    a_, w1, w2 = Q / rt, U / rt, R / rt

    def dot(x, dx):  # d/dτ of an expression in U, Q, R, L
        return sum(sp.diff(x, v) * dv for v, dv in ((U, dU), (Q, dQ), (R, dR), (L, dL)))

    out += [
        dot(a_, None) - (s * w1 - a_ * (w1**2 + w2**2)),
        dot(w1, None) - (a_ * s - a_**2 * w1),
        dot(w2, None) - (-(a_**2) * w2),
    ]
    return out


STRUCTURE = Identity("unified solution: structural proof, every d",
                     "lemmas L1–L4 of the matrix-exponential form", _structure)
SOLVES = SolvesFlow(
    "unified solution: ODE residual ≡ 0 (d = 1, 2)",
    "general rates, every δ, every a₀",
    lambda: [(sn.solution(d), sn.flow(d, whitened=True)) for d in (1, 2)],
    {"max_ops": 0, "points": 3},
)
STARTS = StartsAt("unified solution: initial condition (d = 1, 2, 3)", "θ(0) = θ₀",
                  lambda: [sn.solution(d) for d in (1, 2, 3)])


def _kernel_sampler(branch):
    def sample(rng: random.Random):
        while True:
            v = {
                sn.kt: rng.uniform(0, 3),
                sn.ka0: rng.uniform(-2, 2),
                sn.kp0: rng.uniform(-2, 2),
                sn.kr0: rng.uniform(0, 2),
                sn.ks: rng.uniform(0.1, 2),
                sn.eta_a: rng.uniform(0.2, 3),
                sn.eta_w: rng.uniform(0.2, 3),
            }
            dl = v[sn.eta_w] * v[sn.ka0] ** 2 - v[sn.eta_a] * (
                v[sn.kp0] ** 2 + v[sn.kr0] ** 2
            )
            if (dl >= 0) == (branch == "pos"):
                return v

    return sample


def _stable_equals_textbook():
    textbook = dict(sn.textbook_kernel())
    checks = []
    for branch in ("pos", "neg"):
        for form, exact in (
            (sn.exact_kernel(branch, "direct"), True),
            (sn.exact_kernel(branch, "log"), False),
            (sn.scaled_kernel(branch), True),
        ):
            for name, expr in form:
                checks.append(
                    is_identically_zero(
                        expr - textbook[name],
                        sampler=_kernel_sampler(branch),
                        exact=exact,
                    )
                )
    return combine(checks)


STABLE_FORMS = Check(
    "overflow-safe kernel forms equal the unified form",
    "the kernel's direct and log-scaled forms and the e^{Dτ}-scaled form, "
    "branches δ ≥ 0, δ < 0",
    _stable_equals_textbook,
)


def _limit():
    """t → ∞ of the overflow-safe form (proven equal to the solution above)."""
    checks = []
    delta = sn.eta_w * sn.ka0**2 - sn.eta_a * (sn.kp0**2 + sn.kr0**2)
    D = sp.sqrt(delta**2 + 4 * sn.eta_a * sn.eta_w * sn.ks**2)
    _, P = sn.limit(sn.ka0, sn.ks * sn.kp0, sn.ks, delta)
    for branch in ("pos", "neg"):
        a_inf = dict(sn.scaled_kernel(branch, asymptotic=True))["a"]
        sample = _kernel_sampler(branch)
        # η_w a∞² = (D + δ)/2, and a∞·|P| = P·|a∞|: a∞ has the sign of P
        checks.append(
            is_identically_zero(sn.eta_w * a_inf**2 - (D + delta) / 2, sampler=sample)
        )
        checks.append(
            is_identically_zero(
                a_inf * sp.Abs(P) - P * sp.sqrt((D + delta) / (2 * sn.eta_w)),
                sampler=sample,
            )
        )
    return combine(checks)


LIMIT = Check("t → ∞: η_w a∞² = (D+δ)/2 and sign a∞ = sign P (basin rule)",
              "P = η_a w₀ᵀβ* + a₀(δ+D)/2", _limit)


def _kernel_distance_identity():
    d = 2
    a0, a1 = sp.symbols("a_0 a_1", real=True)
    w0 = sp.Matrix(sp.symbols("v0:2", real=True))
    w1 = sp.Matrix(sp.symbols("u0:2", real=True))
    ea, ew = sn.eta_a, sn.eta_w
    M0 = ew * a0**2 * sp.eye(d) + ea * w0 * w0.T
    M1 = ew * a1**2 * sp.eye(d) + ea * w1 * w1.T
    frob = sum(M0.multiply_elementwise(M1))
    n0 = sp.sqrt(sum(M0.multiply_elementwise(M0)))
    n1 = sp.sqrt(sum(M1.multiply_elementwise(M1)))
    N0, N1 = (w0.T * w0)[0, 0], (w1.T * w1)[0, 0]
    formula_inner = (
        d * ew**2 * a0**2 * a1**2
        + ea * ew * (a0**2 * N1 + a1**2 * N0)
        + ea**2 * (w0.T * w1)[0, 0] ** 2
    )
    formula_n0 = sp.sqrt(d * ew**2 * a0**4 + 2 * ea * ew * a0**2 * N0 + ea**2 * N0**2)
    formula_n1 = sp.sqrt(d * ew**2 * a1**4 + 2 * ea * ew * a1**2 * N1 + ea**2 * N1**2)
    return [frob - formula_inner, n0**2 - formula_n0**2, n1**2 - formula_n1**2]


KERNEL_DISTANCE = Identity(
    "kernel distance formula equals the Frobenius definition",
    "S = 1 − ⟨M₀,M_t⟩/(‖M₀‖‖M_t‖)",
    _kernel_distance_identity,
)


# docs, reference values: whitened single neuron, unit rates, β* = (0, 1), β₀ = (−1, 0)
_REFERENCE = (
    (-2, 1, 0.1721155620, (-1.3946560667, 0.2907889652)),
    (-2, 5, 0.4676174082, (-0.9716992922, 1.1289227281)),
    (0, 1, 0.7901885275, (-0.5120850523, 0.6018029647)),
    (0, 5, 0.9995010219, (-0.0134685584, 0.9994102715)),
    (2, 1, 1.5345639076, (-0.0659351502, 0.5920632926)),
    (2, 5, 1.5537737021, (-4.315e-6, 0.6435935963)),
)

# docs, reference values: low-rank implicit bias, x = (0.5, 1), β₀ = (0.4, 0.05)
_BIAS_UNIT = (
    (-4, (1.5510769402, 0.3244615299)),
    (-2, (1.3644442143, 0.4177778928)),
    (-1, (1.1881748621, 0.5059125690)),
    (0, (0.9430043232, 0.6284978384)),
    (1, (0.8033964787, 0.6983017607)),
    (2, (0.7656889460, 0.7171555270)),
    (4, (0.7478825463, 0.7260587269)),
)
_BIAS_RATES = (
    (-4, (1.7894322918, 0.4802838541)),
    (-1, (1.3454455796, 0.7022772102)),
    (-0.2, (1.1507827042, 0.7996086479)),
    (0, (1.1045197662, 0.8227401169)),
    (0.3, (1.0443116656, 0.8528441672)),
    (1, (0.9539658319, 0.8980170841)),
    (4, (0.8672778268, 0.9413610866)),
)


def _reference_values():
    worst = 0.0
    for dl, t, a_ref, w_ref in _REFERENCE:
        a0 = np.sqrt((dl + np.sqrt(dl * dl + 4.0)) / 2)
        a, w = numeric.trajectory(
            np.array(float(t)), a0, np.array([-1.0, 0.0]) / a0, np.array([0.0, 1.0])
        )
        worst = max(worst, abs(float(a) - a_ref), *np.abs(w - w_ref))
    return worst, "6 rows"


REFERENCE = Reference("exact trajectory matches the reference table",
                      "|error| < 1e-9", _reference_values, 1e-9,
                      "reference table (docs, reference values)")


def _implicit_bias_values():
    x = np.array([[0.5, 1.0]])
    beta0 = np.array([0.4, 0.05])
    worst = 0.0
    for y, rates, table in (
        ([1.1], (1.0, 1.0), _BIAS_UNIT),
        ([1.375], (0.5, 3.0), _BIAS_RATES),
    ):
        for dl, ref in table:
            got = numeric.implicit_bias(x, np.array(y), beta0, dl, *rates)
            worst = max(worst, *np.abs(got - ref))
    # the closed form on a 2-D null space (along the projection of ∇Ψ(β₀)) equals
    # the minimiser of Theorem 3.1's objective found by damped Newton, and the
    # lifted problem reproduces the 1-D closed form
    x3 = np.array([[0.5, 1.0, 0.0]])
    b0 = np.array([0.4, 0.05, 0.0])
    null = np.linalg.svd(x3)[2][1:].T
    bmn = np.linalg.pinv(x3) @ np.array([1.1])
    for dl, _ in _BIAS_UNIT:
        closed = numeric.implicit_bias(x, np.array([1.1]), beta0, dl)
        lifted = numeric.implicit_bias(x3, np.array([1.1]), b0, dl)
        nb0 = np.linalg.norm(b0)
        g0 = numeric_bias._radial_slope(nb0, dl) * b0 / nb0
        newton = numeric_bias._newton(bmn, null, g0, dl, 1e-14, 200)
        worst = max(worst, *np.abs(newton - lifted), *np.abs(lifted[:2] - closed),
                    abs(lifted[2]))
    return worst, "14 rows"


BIAS = Reference("implicit bias (Theorem 3.1) matches the reference values and Newton",
                 "|error| < 1e-9", _implicit_bias_values, 1e-9,
                 "reference table + Newton")


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the single neuron's theorems."""
    return standard_claims(FLOW, SYMMETRY, CONSERVED, PRECONDITIONER, RATE_MAP,
                           STRUCTURE, SOLVES, STARTS, STABLE_FORMS, LIMIT,
                           KERNEL_DISTANCE, REFERENCE, BIAS)
