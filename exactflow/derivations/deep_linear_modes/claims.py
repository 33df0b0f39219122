"""The deep-linear-mode claims: the generic facts as data, then its own theorems.

The claims on learning times are in :mod:`.claims_time`; :func:`claims` lists
them all, in order.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from ...symbolic.proof.verify import Claim
from ...symbolic.spec.flow import time_derivative
from .._standard import (
    Conserved,
    FlowForm,
    Identity,
    Reference,
    SolvesFlow,
    StartsAt,
    standard_claims,
)
from ..single_neuron import maths as sn
from . import claims_time
from . import maths as dl
from .numeric import learning_time, trajectory

__all__ = ["claims"]

_DEPTHS = (1, 2, 3, 4)


def _flow_written():
    """ẇ_l = η_l (Σxy − Σxx u) ∏_{k≠l} w_k for general scalar moments."""
    out = []
    for n in _DEPTHS:
        sy = dl.symbols(n)
        u = dl.product(n)
        written = {}
        for i, (w, eta) in enumerate(zip(sy["w"], sy["eta"])):
            others = sp.Mul(*(v for j, v in enumerate(sy["w"]) if j != i))
            written[w] = eta * (dl.sigma_xy - dl.sigma_xx * u) * others
        out.append((dl.flow(n, whitened=False), written))
    return out


FLOW = FlowForm("chain flow equals −η⊙∇L (N = 1…4, general moments)",
                "ẇ_l = η_l (Σxy − Σxx u) ∏_{k≠l} w_k, u = w_N⋯w_1", _flow_written)
CONSERVED = Conserved(
    "consecutive differences conserved (N = 2…5)",
    "d/dt (w_{l+1}²/η_{l+1} − w_l²/η_l) ≡ 0, general moments and rates",
    lambda: [(dl.flow(n, whitened=False), dl.conserved_differences(n))
             for n in (2, 3, 4, 5)],
)


def _balanced_mode():
    """On w_l = σ_l √η_l r (all D_l = 0): u̇ = N (η_1⋯η_N)^{1/N} |u|^{2−2/N}(s − u).

    σ = (+, …, +) gives u > 0; σ = (−, +, …, +) gives u < 0 (the ODE has |u|).
    """
    r = sp.Symbol("r", positive=True)
    out = []
    for n in _DEPTHS:
        sy = dl.symbols(n)
        udot = time_derivative(dl.flow(n), dl.product(n))
        rates = sp.Mul(*sy["eta"])
        size = r**n * sp.sqrt(rates)  # |u| on the balanced set
        for sign in (1, -1):
            sub = {w: sp.sqrt(e) * r for w, e in zip(sy["w"], sy["eta"])}
            sub[sy["w"][0]] = sign * sub[sy["w"][0]]
            mode = n * rates ** sp.Rational(1, n) * size ** (2 - sp.Rational(2, n))
            out.append(udot.xreplace(sub) - mode * (dl.s - sign * size))
        # and the conserved differences vanish there
        out += [q.xreplace(sub) for q in dl.conserved_differences(n)]
    return out


BALANCED_MODE = Identity(
    "balanced mode ODE from the chain flow (N = 1…4, both signs of u)",
    "u̇ = N (η_1⋯η_N)^{1/N} |u|^{2−2/N}(s − u) on w_l = ±√η_l r",
    _balanced_mode,
)


def _sigmoid_solves():
    """τu̇ = 2u(s − u), u(0) = u₀ for the stable form; the u₀ < 0 branch too."""
    sr = sp.Symbol("s", real=True)  # the entire forms hold for every real s
    tt, tu = dl.t, dl.tau
    u_st = dl.sigmoid()
    u_pos = dl.mode_solution("nonneg", strength=sr)
    u_neg = dl.mode_solution("neg", strength=sr)
    return [
        tu * sp.diff(u_st, tt) - 2 * u_st * (dl.s - u_st),
        u_st.subs(tt, 0) - dl.u0,
        tu * sp.diff(u_pos, tt) - 2 * u_pos * (sr - u_pos),
        u_pos.subs(tt, 0) - dl.u0,
        tu * sp.diff(u_neg, tt) + 2 * u_neg * (sr - u_neg),
        u_neg.subs(tt, 0) - dl.u0,
    ]


SIGMOID = Identity(
    "depth-2 sigmoid solves τu̇ = 2u(s − u), u(0) = u₀ (and the u₀ < 0 branch)",
    "stable, entire (every s) and negative-branch forms",
    _sigmoid_solves,
)


def _orientations():
    """s u₀/(u₀ + (s−u₀)e^{−2st/τ}) = textbook = the entire (kernel) form."""
    return [
        dl.sigmoid() - dl.textbook_sigmoid(),
        dl.mode_solution("nonneg") - dl.sigmoid(),
    ]


ORIENTATION = Identity(
    "overflow-safe orientation equals the textbook form",
    "s u₀/(u₀ + (s−u₀)e^{−2st/τ}) = s e^{2st/τ}/(e^{2st/τ} − 1 + s/u₀)",
    _orientations,
)
SOLVES = SolvesFlow("balanced depth-2 chain solution: ODE residual ≡ 0",
                    "w_l(t) solves the depth-2 flow",
                    lambda: [(dl.solution(), dl.flow(2))])
STARTS = StartsAt("balanced depth-2 chain solution: initial condition", "θ(0) = θ₀",
                  lambda: [dl.solution()])
# the closed form's ODE residual and initial condition are one claim (as before)
SOLUTION = Identity(
    "balanced depth-2 chain solution: ODE residual ≡ 0 and initial condition",
    "w_l(t) = w_l(0)/√(e^{−2Gst} + 2G u₀ ∫₀ᵗ e^{−2Gsσ}dσ), G = √(η₁η₂)",
    lambda: SOLVES.residuals() + STARTS.residuals(),
)


def _single_neuron_map():
    """Depth-2 chain = single neuron d = 1: a = w2, w = w1, η_a = η2, η_w = η1."""
    w1, w2 = dl.symbols(2)["w"]
    eta1, eta2 = dl.symbols(2)["eta"]
    f = sn.flow(1, whitened=True).equations
    (w0,) = sn.symbols(1)["w"]
    (b0,) = sn.symbols(1)["beta_star"]
    sub = {sn.a: w2, w0: w1, sn.eta_a: eta2, sn.eta_w: eta1, b0: dl.s}
    mine = dl.flow(2).equations
    out = [f[sn.a].xreplace(sub) - mine[w2], f[w0].xreplace(sub) - mine[w1]]
    (d1,) = dl.conserved_differences(2)
    out.append(sn.delta(1).xreplace(sub) - eta1 * eta2 * d1)
    return out


SINGLE_NEURON = Identity(
    "unbalanced depth-2 chain = single neuron d = 1",
    "same flow with a = w2, w = w1, η_a = η2, η_w = η1; δ = η₁η₂ D₁",
    _single_neuron_map,
)


# docs, reference values: Saxe balanced mode, s = 2, u₀ = 1e-3, τ = 1
_REFERENCE = (
    (1, 0.0531731586), (2, 1.1971819822), (3, 1.9757334871), (4, 1.9995501856)
)


def _reference_values():
    ts = np.array([t for t, _ in _REFERENCE], dtype=float)
    got = trajectory(ts, 1e-3, 2.0)
    worst = float(np.max(np.abs(got - [v for _, v in _REFERENCE])))
    lt = float(learning_time(1e-3, 2.0 - 1e-3, 2.0))
    worst = max(worst, abs(lt - 3.8002011673), abs(np.log(2e3) / 2 - 3.8004512298))
    return worst, "6 numbers"


REFERENCE = Reference("trajectory and learning time match the reference values",
                      "s = 2, u₀ = 1e-3, τ = 1; |error| < 1e-9", _reference_values,
                      1e-9, "reference table (docs, reference values)")


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the chain's theorems."""
    return standard_claims(FLOW, CONSERVED, BALANCED_MODE, SIGMOID, ORIENTATION,
                           SOLUTION, *claims_time.FACTS, SINGLE_NEURON, REFERENCE)
