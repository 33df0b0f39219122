"""The spectral condition's claims: the generic facts of the layer model, then
each step of the derivation, the table, and the width exponents of the exact wide
linear network."""

from __future__ import annotations

import sympy as sp

from ...symbolic.proof.verify import Claim
from .._standard import (
    Check,
    Conserved,
    FlowForm,
    Identity,
    Invariance,
    standard_claims,
)
from . import claims_numeric as cn
from . import maths as ss
from . import widths
from .table import LAYERS, MUP_TABLE, first_step_ratios, same_order, table

__all__ = ["claims"]


def _flow_written():
    """Ẇ_l = −η_l (W_{>l})ᵀ G (W_{<l})ᵀ, G = ∂L/∂(W3W2W1) = βᵀΣxx − Σxyᵀ."""
    out = []
    for d, width in ((2, 2), (1, 3)):
        sy = ss.symbols(d, width)
        W1, W2, W3 = ss._matrices(d, width)
        sxx = ss.symmetric_matrix(sy["sigma_xx"], d)
        G = W3 * W2 * W1 * sxx - sp.Matrix(sy["sigma_xy"]).T  # 1 × d
        grads = ((W2.T * W3.T) * G, W3.T * G * W1.T, G * (W2 * W1).T)
        rates = (ss.eta_W1, ss.eta_W2, ss.eta_W3)
        written = {}
        for W, g, eta in zip((W1, W2, W3), grads, rates):
            written.update({s: -eta * gi for s, gi in zip(W, g)})
        out.append((ss.flow(d, width), written))
    return out


def _symmetry():
    """W1 → A W1, W2 → W2 A⁻¹ for an invertible A (width 2)."""
    d, width = 2, 2
    p, q, r = sp.symbols("p q r", positive=True)
    A = sp.Matrix([[p, q], [0, r]])
    W1, W2, _ = ss._matrices(d, width)
    new1, new2 = A * W1, W2 * A.inv()
    sub = dict(zip(W1, new1)) | dict(zip(W2, new2))
    return [(ss.model(d, width), sub)]


def _balance(d, width):
    out = []
    for C in ss.balance(d, width):
        out += [C[i, j] for i in range(width) for j in range(i, width)]
    return out


# ------------------------------------------------------------ derivation steps


def _rms_identity():
    """‖Wx‖_RMS/‖x‖_RMS = √(n_in/n_out)‖Wx‖/‖x‖ (every W, x), and for a rank-one
    W = uvᵀ the supremum √(n_in/n_out)‖W‖_* is attained at x = v, with
    ‖uvᵀ‖_*² = ‖u‖²‖v‖² (WᵀW = ‖u‖²vvᵀ)."""
    out = []
    for rows, cols in ((2, 3), (3, 2)):
        W = sp.Matrix(rows, cols, sp.symbols(f"w0:{rows * cols}", real=True))
        x = sp.Matrix(sp.symbols(f"x0:{cols}", real=True))
        lhs = (ss.rms(W * x) / ss.rms(x)) ** 2
        out.append(lhs - sp.Rational(cols, rows) * (W * x).dot(W * x) / x.dot(x))
        u = sp.Matrix(sp.symbols(f"u0:{rows}", real=True))
        v = sp.Matrix(sp.symbols(f"v0:{cols}", real=True))
        R = u * v.T
        nu, nv = u.dot(u), v.dot(v)
        out += list(R.T * R - nu * v * v.T)  # WᵀW = ‖u‖² vvᵀ: top eigenvalue ‖u‖²‖v‖²
        out.append((ss.rms(R * v) / ss.rms(v)) ** 2
                   - sp.Rational(cols, rows) * nu * nv)
    return out


def _desideratum():
    """With ‖h_l‖ = c_l√n_l (RMS Θ(1)) and the bound ‖h_l‖ ≤ ‖W_l‖_*‖h_{l−1}‖
    attained, ‖W_l‖_* = (c_l/c_{l−1})√(n_l/n_{l−1}); each term of
    Δh_l = ΔW h + W Δh + ΔW Δh is then c√n_l."""
    c0, c1, c2 = sp.symbols("c0 c1 c2", positive=True)
    target = ss.spectral_target(ss.n_in, ss.n_out)
    h_in, h_out = c0 * sp.sqrt(ss.n_in), c1 * sp.sqrt(ss.n_out)
    out = [h_out / h_in - c1 / c0 * target]
    W, dW, dh = c1 * target, c2 * target, c2 * sp.sqrt(ss.n_in)  # Θ-sized terms
    root = sp.sqrt(ss.n_out)
    out += [dW * h_in - c0 * c2 * root, W * dh - c1 * c2 * root,
            dW * dh - c2**2 * root]
    return out


def _rank_one():
    """Batch size 1, any activation φ: ∇_{W_l}ℓ = (∂ℓ/∂z_l) h_{l−1}ᵀ, so every
    2×2 minor vanishes (rank one), and ΔW = g hᵀ has ‖ΔW h‖ = ‖ΔW‖_F‖h‖ with
    ‖ΔW‖_F = ‖ΔW‖_* (rank one): the update attains the bound on h."""
    phi = sp.Function("phi")
    x = sp.Matrix(sp.symbols("x0:2", real=True))
    y = sp.Matrix(sp.symbols("y0:2", real=True))
    W1 = sp.Matrix(3, 2, sp.symbols("a0:6", real=True))
    W2 = sp.Matrix(2, 3, sp.symbols("b0:6", real=True))
    z1 = W1 * x
    h1 = z1.applyfunc(phi)
    f = W2 * h1
    loss = (f - y).dot(f - y) / 2
    out = []
    for W in (W1, W2):
        G = W.applyfunc(lambda s: sp.diff(loss, s))
        rows, cols = G.shape
        out += [sp.expand(G[i, j] * G[k, m] - G[i, m] * G[k, j])
                for i in range(rows) for k in range(i + 1, rows)
                for j in range(cols) for m in range(j + 1, cols)]
    g = sp.Matrix(sp.symbols("g0:3", real=True))
    h = sp.Matrix(sp.symbols("h0:2", real=True))
    dW = g * h.T
    fro2 = sum(e**2 for e in dW)
    out += [(dW * h).dot(dW * h) - fro2 * h.dot(h), fro2 - g.dot(g) * h.dot(h)]
    return out


def _init_std():
    """σ* = √(n_out/n_in)/(√n_out + √n_in) solves σ(√n_out + √n_in) = √(n_out/n_in),
    and σ*/σ with σ = n_in^{−1/2} min(1, √(n_out/n_in)) lies in [½, 1) for every
    n_in, n_out > 0: with r = √(n_out/n_in) the ratio is 1/(1 + r) for r ≤ 1 and
    r/(1 + r) for r ≥ 1; writing r = 1/(1 + s) or r = 1 + s (s ≥ 0) makes both
    bounds sign-definite rational functions of s."""
    exact = ss.exact_init_std(ss.n_in, ss.n_out)
    ok = [sp.simplify(ss.gaussian_norm(exact, ss.n_in, ss.n_out)
                      - ss.spectral_target(ss.n_in, ss.n_out)) == 0]
    r, s = sp.Symbol("r", positive=True), sp.Symbol("s", nonnegative=True)
    ratio = sp.simplify((exact / (1 / sp.sqrt(ss.n_in))).subs(ss.n_out, r**2 * ss.n_in))
    for branch, low_side, sub in ((1 / (1 + r), r, 1 / (1 + s)),
                                  (r / (1 + r), 1, 1 + s)):
        # on the branch min(1, r) is r (r ≤ 1) or 1 (r ≥ 1)
        ok.append(sp.simplify(ratio / low_side - branch) == 0)
        low = sp.factor(branch.subs(r, sub) - sp.Rational(1, 2))
        high = sp.factor(1 - branch.subs(r, sub))
        ok += [low.is_nonnegative is True, high.is_positive is True]
    return all(ok), "symbolic", 0.0, f"{sum(ok)}/{len(ok)} steps"


def _sgd_rate():
    """The backward bound telescopes, ∏_{k>l} √(n_k/n_{k−1}) = √(n_L/n_l) (depths
    2…5), and target/‖ΔW‖ at unit rate simplifies to n_out/n_in."""
    out = []
    for depth in range(2, 6):
        ns = sp.symbols(f"m0:{depth}", positive=True)
        out.append(ss.backward_norm(ns) - sp.sqrt(ns[-1] / ns[0]))
    out.append(ss.learning_rate(ss.n_in, ss.n_out, "sgd") - ss.n_out / ss.n_in)
    return out


def _adam_sign():
    """Adam's first bias-corrected step is m̂/√v̂ = g/|g| = sign g (ε = 0, any β₁,
    β₂); for a rank-one g = abᵀ, sign g = sign(a) sign(b)ᵀ, a ±1 rank-one matrix
    with ‖·‖_*² = ‖·‖_F² = n_out n_in; the rate is then 1/n_in."""
    g = sp.Symbol("g", nonzero=True, real=True)
    b1, b2 = sp.symbols("beta1 beta2", positive=True)
    m_hat = (1 - b1) * g / (1 - b1)
    v_hat = (1 - b2) * g**2 / (1 - b2)
    out = [sp.simplify(m_hat / sp.sqrt(v_hat) - sp.sign(g))]
    sa = sp.Matrix(sp.symbols("sa0:3", real=True))
    sb = sp.Matrix(sp.symbols("sb0:2", real=True))
    ones = {s: 1 for s in list(sa) + list(sb)}  # s² = 1 for a sign
    S = sa * sb.T
    fro2 = sum(e**2 for e in S)
    out.append(sp.expand(fro2).subs({s**2: 1 for s in ones}) - 3 * 2)
    out.append(sp.simplify(ss.learning_rate(ss.n_in, ss.n_out, "adam") - 1 / ss.n_in))
    return out


def _table_equals_mup():
    ok, detail = [], []
    for opt in ss.OPTIMIZERS:
        t = table(list(MUP_TABLE), optimizer=opt, kinds=("mup",))
        for layer, ref in MUP_TABLE.items():
            for col, key in (("init_var", "init_var"), ("lr", opt)):
                same = same_order(t["mup", layer][col], ref[key])
                ok.append(same)
                if not same:
                    detail.append(f"{opt} {layer} {col}")
    return all(ok), "symbolic", 0.0, "; ".join(detail) or f"{len(ok)} limits"


def _bias():
    """A bias as a layer of fan-in 1: init Θ(1), SGD rate Θ(n), Adam rate Θ(1)."""
    fi, fo = LAYERS["bias"]
    sgd = ss.parametrization(fi, fo, "sgd")
    adam = ss.parametrization(fi, fo, "adam")
    ok = [same_order(sgd["init_std"], 1), same_order(sgd["lr"], ss.n),
          same_order(adam["lr"], 1)]
    return all(ok), "symbolic", 0.0, f"{sum(ok)}/3 limits"


def _standard_breaks():
    """First-step ratios ‖ΔW_l‖_*/√(n_l/n_{l−1}) (:func:`.table.first_step_ratios`):
    Θ(1) in every layer under μP; SP overshoots (SGD: hidden √n, output n; Adam:
    hidden and output n); NTK with SGD freezes the input and hidden layers (1/√n)."""
    r = sp.sqrt(ss.n)
    expect = {
        ("sp", "sgd"): (1 / r, r, ss.n), ("sp", "adam"): (1, ss.n, ss.n),
        ("ntk", "sgd"): (1 / r, 1 / r, 1), ("ntk", "adam"): (1, r, r),
        ("mup", "sgd"): (1, 1, 1), ("mup", "adam"): (1, 1, 1),
    }
    ok, bad = [], []
    for (kind, opt), refs in expect.items():
        got = first_step_ratios(kind, opt)
        for layer, ref in zip(("input", "hidden", "output"), refs):
            ok.append(same_order(got[layer], ref))
            if not ok[-1]:
                bad.append(f"{kind} {opt} {layer}: {got[layer]}")
    return all(ok), "symbolic", 0.0, "; ".join(bad) or f"{len(ok)} limits"


def _width_derivation():
    """The exponents of :func:`.widths.derivation`, and the Piecewise checked
    against a direct ``sympy.limit`` of log Δ_K/log d at rational settings."""
    dv = widths.derivation()
    e_pos = sp.Symbol("e", positive=True)
    a, b = widths.a, widths.b
    half = sp.Rational(1, 2)
    ok = [dv["E1"] == 1 - b + e_pos / 2, dv["B"] == a, dv["p0"] == half - b,
          sp.simplify(dv["X_target"] - 2 * (a + b - 1 - e_pos / 2)) == 0,
          dv["X_init"] == -1 - e_pos, dv["small"] == 1, dv["large"] == half,
          dv["E1_symmetric"]]
    d = widths.d
    settings = [s for group in cn.SETTINGS.values() for s in group]
    settings += [(0, 0.25, 0), (0.25, 0, 1)]  # a + b < ½: p₀ dominates
    for a_, b_, e_ in settings:
        A, Bq, E = (sp.nsimplify(v) for v in (a_, b_, e_))
        rho = d ** (E / 2)
        E1 = d ** (1 - Bq) * (rho + 1 / rho) / 2
        X = (d ** (2 * A) - d ** (1 - 2 * Bq)) / E1**2
        direct = sp.limit(sp.log(sp.Abs(sp.sqrt(1 + X) - 1)) / sp.log(d), d, sp.oo)
        ok.append(sp.nsimplify(widths.exponent(a_, b_, e_)) == direct)
    return all(ok), "symbolic", 0.0, f"{sum(ok)}/{len(ok)} exponents and limits"


FLOW = FlowForm(
    "flow equals −η⊙∇L, (d, width) = (2, 2), (1, 3)",
    "Ẇ_l = −η_Wl (W_{>l})ᵀ G (W_{<l})ᵀ, G = βᵀΣxx − Σxyᵀ",
    _flow_written,
)
SYMMETRY = Invariance(
    "W1 → A W1, W2 → W2 A⁻¹ leaves f and L invariant",
    "any invertible A (width 2)",
    _symmetry,
)
CONSERVED = Conserved(
    "layer balance C_l = W_lW_lᵀ/η_l − W_{l+1}ᵀW_{l+1}/η_{l+1} conserved",
    "dC1/dt ≡ dC2/dt ≡ 0, (d, width) = (2, 2), (1, 3)",
    lambda: [(ss.flow(d, w), _balance(d, w)) for d, w in ((2, 2), (1, 3))],
)
RMS = Identity(
    "RMS→RMS operator norm = √(n_in/n_out)‖W‖_*, attained on the top direction",
    "‖Wx‖_RMS/‖x‖_RMS = √(n_in/n_out)‖Wx‖/‖x‖; rank one: sup at x = v",
    _rms_identity,
)
DESIDERATUM = Identity(
    "desideratum ‖h_l‖, ‖Δh_l‖ = Θ(√n_l) gives ‖W_l‖_*, ‖ΔW_l‖_* = "
    "Θ(√(n_l/n_{l−1}))",
    "attained bound ‖h_l‖ = ‖W_l‖_*‖h_{l−1}‖; all three terms of Δh_l are Θ(√n_l)",
    _desideratum,
)
RANK_ONE = Identity(
    "batch size 1: ∇_{W_l}L = (∂L/∂z_l)h_{l−1}ᵀ is rank one and attains the bound",
    "2×2 minors ≡ 0 for any activation φ; ‖ΔW h‖ = ‖ΔW‖_*‖h‖",
    _rank_one,
)
INIT = Check(
    "init std σ_l = Θ(n_{l−1}^{−1/2} min(1, √(n_l/n_{l−1}))) from "
    "‖W‖_* = σ(√n_l + √n_{l−1})",
    "exact root σ* of the condition, and σ*/σ ∈ [½, 1) for all widths",
    _init_std,
)
SGD = Identity(
    "SGD rate Θ(n_l/n_{l−1}): the backward bound telescopes to √(n_L/n_l)",
    "depth 2…5; target/‖∇‖ = n_out/n_in",
    _sgd_rate,
)
ADAM = Identity(
    "Adam rate Θ(1/n_{l−1}): first step is sign descent, "
    "‖sign(abᵀ)‖_* = √(n_l n_{l−1})",
    "m̂/√v̂ = sign g; ±1 rank-one matrix; rate 1/n_in",
    _adam_sign,
)
TABLE = Check(
    "derived table = μP table (input/hidden/output, init var, SGD and Adam rates)",
    "lim derived/μP ∈ (0, ∞) as n → ∞ for every cell",
    _table_equals_mup,
)
BIAS = Check(
    "biases as fan-in 1: init Θ(1), SGD rate Θ(n), Adam rate Θ(1)",
    "limits of the formula at fan-in 1, fan-out n",
    _bias,
)
BREAKS = Check(
    "first step: μP meets the condition in every layer, SP overshoots, NTK freezes",
    "‖ΔW_l‖_*/√(n_l/n_{l−1}) at base rate 1: SP Adam Θ(n) hidden/output, NTK SGD "
    "Θ(n^{−1/2}) input/hidden",
    _standard_breaks,
)
WIDTH_EXPONENTS = Check(
    "wide linear net: Δ_K ~ d^{2γ} / Θ(1) / d^{γ}, γ = a + b − 1 − |e|/2",
    "exponents by limits; Piecewise = direct limit at 11 rational settings",
    _width_derivation,
)


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`), then the derivation step by step."""
    return standard_claims(
        FLOW, SYMMETRY, CONSERVED, RMS, DESIDERATUM, RANK_ONE, cn.GAUSSIAN, INIT,
        SGD, ADAM, cn.ADAM_LOW_RANK, TABLE, BIAS, BREAKS, cn.NTK_RATIO,
        WIDTH_EXPONENTS, cn.WIDTH_SLOPES,
    )
