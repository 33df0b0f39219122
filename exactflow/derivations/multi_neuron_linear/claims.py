"""The multi-neuron linear claims: the generic facts as data, then its own theorems."""

from __future__ import annotations

import dataclasses

import sympy as sp

from ...symbolic.proof.verify import Claim
from ...symbolic.spec.flow import time_derivative
from .._standard import (
    Check,
    Conserved,
    FlowForm,
    Identity,
    Invariance,
    StartsAt,
    standard_claims,
)
from ..single_neuron import maths as sn
from . import maths as mnl
from .isotropic import (
    construction_terms,
    iso_check,
    mirror_terms,
    principal_terms,
    rank_aware_terms,
)

__all__ = ["claims"]

# sizes (h, d, c) of the flow checks: h below, at and above min(d, c); d < c, d > c
_SIZES = ((1, 2, 2), (2, 2, 3), (3, 1, 2))


def _expanded(build):
    """Polynomial identities: expand first (an expansion to 0 is the proof)."""
    return lambda: [sp.expand(e) for e in build()]


def _bdot(h, d, c, whitened=False):
    f = mnl.flow(h, d, c, whitened)
    b = mnl.beta(h, d, c)
    return b.applyfunc(lambda e: time_derivative(f, e))


def _flow_written():
    """Ẇ = −η_w A Rᵀ, Ȧ = −η_a W R, R = Σxxβ − Σxy (expanded, as the flow is)."""
    out = []
    for h, d, c in _SIZES[1:]:
        A, W = mnl.weights(h, d, c)
        R = mnl.residual_gradient(h, d, c)
        written = dict(zip(W, (-mnl.eta_w * A * R.T).applyfunc(sp.expand)))
        written.update(zip(A, (-mnl.eta_a * W * R).applyfunc(sp.expand)))
        out.append((mnl.flow(h, d, c), written))
    return out


FLOW = FlowForm(
    "flow equals −η⊙∇L",
    "Ẇ = −η_w A Rᵀ, Ȧ = −η_a W R, R = Σxxβ − Σxy; (h,d,c) = (2,2,3), (3,1,2)",
    _flow_written,
)


def _upper(M):
    """The entries M[i, j], i ≤ j, of a symmetric matrix."""
    return [M[i, j] for i in range(M.rows) for j in range(i, M.cols)]


def _rotation():
    """A → QA, W → QW for Q in both components of O(h): the Cayley matrix C (a
    rational parametrisation of almost all of SO(h)) and diag(−1, 1, …) C.

    The forward map is vector-valued, and the shared :class:`Invariance` checks a
    scalar one: it is contracted with free symbols y (f invariant ⇔ yᵀf
    invariant for every y)."""
    h, d, c = 2, 2, 3
    A, W = mnl.weights(h, d, c)
    m = mnl.model(h, d, c)
    y = sp.symbols(f"y0:{c}", real=True)
    scalar = dataclasses.replace(
        m, inputs=m.inputs + y, forward=sum(yk * fk for yk, fk in zip(y, m.forward))
    )
    C, _ = mnl._cayley(h, "q")
    flip = sp.diag(-1, *([1] * (h - 1)))
    return [(scalar, dict(zip((*A, *W), (*(Q * A), *(Q * W))))) for Q in (C, flip * C)]


SYMMETRY = Invariance("hidden-layer rotation A → QA, W → QW leaves f and L invariant",
                      "Q ∈ O(h), (h,d,c) = (2,2,3)", _rotation)
CONSERVED = Conserved(
    "conserved matrix Δ = η_wAAᵀ − η_aWWᵀ (all entries)",
    "dΔ/dt ≡ 0, general Σxx, Σxy; (h,d,c) ∈ {(1,2,2),(2,2,3),(3,1,2)}",
    lambda: [(mnl.flow(*size), _upper(mnl.conserved_matrix(*size))) for size in _SIZES],
)


def _preconditioner():
    out = []
    for h, d, c in _SIZES[1:]:
        A, W = mnl.weights(h, d, c)
        R = mnl.residual_gradient(h, d, c)
        bdot = _bdot(h, d, c)
        M = mnl.preconditioner_expr(A, W)
        Mk = sum(
            (mnl.preconditioner_expr(A[k, :], W[k, :]) for k in range(h)),
            sp.zeros(c * d, c * d),
        )
        out += list(mnl.vec(bdot) + M * mnl.vec(R))
        out += list(M - Mk)
        out += list(bdot + mnl.eta_a * W.T * W * R + mnl.eta_w * R * A.T * A)
    return out


PRECONDITIONER = Identity("function-space flow: vec β̇ = −M vec R, M = Σ_k M_k",
                          "M = η_w AᵀA⊗I_d + η_a I_c⊗WᵀW; β̇ = −(η_aWᵀW R + η_w R AᵀA)",
                          _expanded(_preconditioner))


def _kronecker_sum():
    """κ_k = η_w‖a_k‖² + η_a‖w_k‖² ≥ 0 has κ_k² = δ_k² + 4η_aη_w‖β_k‖², so it is
    the root; with it ‖β_k‖² M_k = (κ+δ)/2 β_kᵀβ_k ⊗ I_d + (κ−δ)/2 I_c ⊗ β_kβ_kᵀ."""
    out = []
    for d, c in ((2, 3), (3, 2)):
        A, W = mnl.weights(1, d, c)
        bk = W.T * A
        dk = mnl.conserved_matrix(1, d, c)[0, 0]
        n2 = sum(e**2 for e in bk)
        kappa = mnl.eta_w * (A * A.T)[0, 0] + mnl.eta_a * (W * W.T)[0, 0]
        out.append(kappa**2 - dk**2 - 4 * mnl.eta_a * mnl.eta_w * n2)
        M = mnl.preconditioner_expr(A, W)
        # neuron_preconditioner_expr(bk, dk, kappa) times ‖β_k‖², written out
        form = (kappa + dk) / 2 * sp.kronecker_product(bk.T * bk, sp.eye(d)) + (
            kappa - dk
        ) / 2 * sp.kronecker_product(sp.eye(c), bk * bk.T)
        out += list(n2 * M - form)
    return out


KRONECKER_SUM = Identity(
    "M_k as a Kronecker sum in β_k and δ_k",
    "M_k = (κ+δ)/2 β̂ᵀβ̂⊗I + (κ−δ)/2 I⊗β̂β̂ᵀ, (d,c) ∈ {(2,3),(3,2)}",
    _expanded(_kronecker_sum),
)


def _ntk():
    """Θ(x,x') = Σ_p η_p ∂f(x)/∂θ_p ∂f(x')ᵀ/∂θ_p equals the closed form."""
    h, d, c = 2, 2, 3
    m = mnl.model(h, d, c)
    sy = mnl.symbols(h, d, c)
    f1 = sp.Matrix(m.forward)
    f2 = f1.xreplace(dict(zip(sy["x"], sy["x2"])))
    theta = sp.zeros(c, c)
    for p, rate in m.rates.items():
        theta += rate * f1.diff(p) * f2.diff(p).T
    return list(theta - mnl.ntk_expr(h, d, c))


NTK = Identity("NTK Θ(x,x') = η_a xᵀWᵀWx' I_c + η_w xᵀx' AᵀA",
               "rate-weighted Σ_p η_p ∂f(x)∂f(x')ᵀ, (h,d,c) = (2,2,3)", _expanded(_ntk))


def _limits():
    """δ_k → ±∞ with β_k fixed: the coefficients of M_k's Kronecker sum."""
    dl, n2 = sp.Symbol("delta_k", real=True), sp.Symbol("b2", positive=True)
    kappa = sp.sqrt(dl**2 + 4 * mnl.eta_a * mnl.eta_w * n2)
    g, h = (kappa + dl) / 2, (kappa - dl) / 2
    return [
        sp.limit(g - dl, dl, sp.oo),  # M_k − δ_k â âᵀ ⊗ I_d → 0
        sp.limit(h, dl, sp.oo),
        sp.limit(g, dl, -sp.oo),  # M_k − |δ_k| I_c ⊗ ŵ ŵᵀ → 0
        sp.limit(h + dl, dl, -sp.oo),
    ]


LIMITS = Identity("per-neuron limits of M_k",
                  "δ_k → +∞: M_k − δ_k â âᵀ⊗I_d → 0; δ_k → −∞: M_k − |δ_k| I_c⊗ŵŵᵀ → 0",
                  _limits)


def _self_consistent():
    """G² − δG − η_aη_wβᵀβ = η_w Aᵀ(Δ − δI)A and the H analogue, for every A, W."""
    out = []
    for h, d, c in _SIZES:
        A, W = mnl.weights(h, d, c)
        b = W.T * A
        Delta = mnl.conserved_matrix(h, d, c)
        off = Delta - mnl.delta * sp.eye(h)
        G, H = mnl.eta_w * A.T * A, mnl.eta_a * W.T * W
        p = mnl.eta_a * mnl.eta_w
        out += list(G * G - mnl.delta * G - p * b.T * b - mnl.eta_w * A.T * off * A)
        out += list(H * H + mnl.delta * H - p * b * b.T + mnl.eta_a * W.T * off * W)
    return out


SELF_CONSISTENT = Identity(
    "self-consistent equations (Theorem 4.2 structure)",
    "G² − δG − η_aη_wβᵀβ = η_wAᵀ(Δ−δI)A, H² + δH − η_aη_wββᵀ = −η_aWᵀ(Δ−δI)W",
    _expanded(_self_consistent),
)
ISOTROPIC = Check(
    "isotropic construction: Δ = δI_h and WᵀA = U diag(σ) Vᵀ",
    "W = R S_w Uᵀ, A = R S_a Vᵀ (Cayley R, U, V), (h,d,c) ∈ "
    "{(2,2,3),(2,3,2),(2,2,2)}",
    lambda: iso_check(construction_terms),
)
RANK_AWARE = Check("rank-aware form is exact under Δ = δI, rank β = h",
                   "η_wAᵀA = Σ(κ_i+δ)/2 v_iv_iᵀ, η_aWᵀW = Σ(κ_i−δ)/2 u_iu_iᵀ",
                   lambda: iso_check(rank_aware_terms))
PRINCIPAL_SQRT = Check(
    "principal-sqrt form: wrong by ½(δ+|δ|) on the c−h null directions",
    "G_p − G = ½(δ+|δ|)(I−VVᵀ), H_p − H = ½(|δ|−δ)(I−UUᵀ); exact if h = c "
    "(h = d)",
    lambda: iso_check(principal_terms),
)
SINGULAR_MIRROR = Check(
    "mirror flow on singular values (Theorem B.6, exact form)",
    "λ̇_i = −κ_i u_iᵀ∇_βL v_i under Δ = δI, rank β = h, general Σxx, Σxy",
    lambda: iso_check(mirror_terms, data_gens=True, draws=1),
)


def _mirror_potential():
    """q_δ' = ½ asinh(2x/|δ|), q_δ'' = 1/√(δ² + 4x²) (|δ| > 0, Theorem B.6)."""
    x, ad = sp.Symbol("x", real=True), sp.Symbol("abs_delta", positive=True)
    q = (2 * x * sp.asinh(2 * x / ad) - sp.sqrt(4 * x**2 + ad**2) + ad) / 4
    return [
        sp.diff(q, x) - sp.asinh(2 * x / ad) / 2,
        sp.diff(q, x, 2) - 1 / sp.sqrt(ad**2 + 4 * x**2),
        q.subs(x, 0),
    ]


MIRROR_POTENTIAL = Identity(
    "mirror potential q_δ: q' = ½asinh(2x/|δ|), q'' = 1/√(δ²+4x²)",
    "so −(q'')⁻¹∂L/∂λ = −κ ∂L/∂λ at unit rates",
    _mirror_potential,
)


def _aligned_reduction():
    """Aligned start (W, A diagonal in the first h coordinates, β* block-diagonal
    with an arbitrary rest block): off-diagonal rates vanish, each mode is the
    whitened single neuron with d = 1 (a → γ_k, w → α_k, β* → s_k)."""
    h, d, c = 2, 3, 4
    A, W = mnl.weights(h, d, c)
    bs = mnl.symbols(h, d, c)["beta_star"]
    zero = {W[i, j]: 0 for i in range(h) for j in range(d) if i != j}
    zero |= {A[i, j]: 0 for i in range(h) for j in range(c) if i != j}
    zero |= {
        bs[i, j]: 0 for i in range(d) for j in range(c) if i != j and (i < h or j < h)
    }
    eq = mnl.flow(h, d, c, whitened=True).equations
    out = [eq[p].xreplace(zero) for p in zero if p in eq]
    one = sn.flow(1, whitened=True).equations
    w1, b1 = sn.symbols(1)["w"][0], sn.symbols(1)["beta_star"][0]
    for k in range(h):
        sub = {sn.a: A[k, k], w1: W[k, k], b1: bs[k, k]}
        out.append(eq[W[k, k]].xreplace(zero) - one[w1].xreplace(sub))
        out.append(eq[A[k, k]].xreplace(zero) - one[sn.a].xreplace(sub))
    return out


ALIGNED_REDUCTION = Identity(
    "aligned start, whitened data: the flow decouples into scalar neurons",
    "off-diagonal rates ≡ 0; mode k is the d = 1 single neuron (h,d,c)=(2,3,4)",
    _expanded(_aligned_reduction),
)


def _aligned_mirror():
    """Aligned mode: μ̇ = −(η_wγ² + η_aα²)(μ − s) and (η_wγ² + η_aα²)² = δ_k² +
    4η_aη_wμ², i.e. the mirror flow λ̇ = −κ ∂L/∂λ with fixed singular vectors."""
    al, ga, s = sp.symbols("alpha gamma s", real=True)
    mu = al * ga
    dal = -mnl.eta_w * ga * (mu - s)
    dga = -mnl.eta_a * al * (mu - s)
    kappa = mnl.eta_w * ga**2 + mnl.eta_a * al**2
    dk = mnl.eta_w * ga**2 - mnl.eta_a * al**2
    out = [
        dal * ga + al * dga + kappa * (mu - s),
        kappa**2 - dk**2 - 4 * mnl.eta_a * mnl.eta_w * mu**2,
    ]
    # sign flip: (a, w, β*) = (γ, σα, σs), σ = ±1, solves the single-neuron flow
    for sig in (1, -1):
        out += [
            sig * dal - (-mnl.eta_w * ga * (ga * sig * al - sig * s)),
            dga - (-mnl.eta_a * sig * al * (ga * sig * al - sig * s)),
        ]
    return out


ALIGNED_MIRROR = Identity(
    "aligned mode: μ̇ = −κ(μ − s), κ² = δ_k² + 4η_aη_wμ²; sign flip of s",
    "mirror flow with fixed singular vectors; (γ, sgn(s)α, |s|) is a single "
    "neuron (the exact kernel's inputs)",
    _expanded(_aligned_mirror),
)
STARTS = StartsAt("aligned solution: initial condition (h = 2)",
                  "θ(0) = θ₀; its ODE residual is the single-neuron claim (d = 1)",
                  lambda: [mnl.aligned_solution(2)])


def _spectra_branches():
    out = []
    kappa = sp.sqrt(mnl.delta**2 + 4 * mnl.eta_a * mnl.eta_w * mnl.ksigma**2)
    for branch in ("pos", "neg"):
        g = dict(mnl.spectra_kernel(branch))
        out += [g["g"] - (kappa + mnl.delta) / 2, g["h"] - (kappa - mnl.delta) / 2]
    return out


SPECTRA = Identity("spectra kernel branches equal (κ ± δ)/2",
                   "cancellation-free forms for δ ≥ 0 and δ < 0", _spectra_branches)


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the multi-neuron theorems."""
    return standard_claims(FLOW, SYMMETRY, CONSERVED, PRECONDITIONER, KRONECKER_SUM,
                           NTK, LIMITS, SELF_CONSISTENT, ISOTROPIC, RANK_AWARE,
                           PRINCIPAL_SQRT, SINGULAR_MIRROR, MIRROR_POTENTIAL,
                           ALIGNED_REDUCTION, ALIGNED_MIRROR, STARTS, SPECTRA)
