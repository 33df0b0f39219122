"""The mathematics of the multi-neuron linear network: model, flow, Δ, M, NTK,
the isotropic construction, the aligned solution and the kernels.

See the package docstring (:mod:`exactflow.derivations.multi_neuron_linear`) for
the derivation; this module holds its SymPy expressions.
"""

from __future__ import annotations

import functools

import sympy as sp

from ...symbolic.proof.verify import Solution
from ...symbolic.spec.flow import flow_of
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup
from ..single_neuron import maths as _sn

__all__ = ["NAME", "kernels", "symbols", "model", "flow", "weights", "beta",
           "conserved_matrix", "residual_gradient", "vec", "preconditioner_expr",
           "neuron_preconditioner_expr", "ntk_expr", "isotropic_construction",
           "rank_aware_expr", "principal_sqrt_expr", "aligned_solution", "mode_kernel",
           "spectra_kernel"]

NAME = "multi_neuron_linear"
REFERENCES = ("Kunin et al. (2024), arXiv:2406.06158, §4 and App. B",)
eta_a, eta_w = _sn.eta_a, _sn.eta_w
t = _sn.t
delta = sp.Symbol("delta", real=True)


def _size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _mat(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}_{j}", real=True))


@functools.cache
def symbols(h: int, d: int, c: int) -> dict[str, sp.Matrix]:
    """Symbol matrices at sizes (h, d, c): ``W``, ``A``, ``sigma_xx`` (symmetric),
    ``sigma_xy`` (d×c), ``beta_star`` (d×c), ``x``, ``x2`` (inputs)."""
    h, d, c = _size("h", h), _size("d", d), _size("c", c)
    sxx = sp.zeros(d, d)
    for i in range(d):
        for j in range(i, d):
            sxx[i, j] = sxx[j, i] = sp.Symbol(f"sigma_xx{i}_{j}", real=True)
    return {
        "W": _mat("w", h, d),
        "A": _mat("a", h, c),
        "sigma_xx": sxx,
        "sigma_xy": _mat("sigma_xy", d, c),
        "beta_star": _mat("beta_star", d, c),
        "x": _mat("x", d, 1),
        "x2": _mat("xp", d, 1),
    }


def weights(h: int, d: int, c: int) -> tuple[sp.Matrix, sp.Matrix]:
    """The symbolic (A, W)."""
    sy = symbols(h, d, c)
    return sy["A"], sy["W"]


def beta(h: int, d: int, c: int) -> sp.Matrix:
    """β = WᵀA (d×c)."""
    A, W = weights(h, d, c)
    return W.T * A


def _data(h, d, c, whitened):
    sy = symbols(h, d, c)
    if whitened:
        return sp.eye(d), sy["beta_star"]
    return sy["sigma_xx"], sy["sigma_xy"]


def residual_gradient(h: int, d: int, c: int, whitened: bool = False) -> sp.Matrix:
    """R = ∇_βL = Σxx β − Σxy (Σxx = I, Σxy = β* when ``whitened``)."""
    sxx, sxy = _data(h, d, c, whitened)
    return sxx * beta(h, d, c) - sxy


@functools.cache
def model(h: int = 2, d: int = 2, c: int = 2, whitened: bool = False) -> Model:
    """The model at sizes (h, d, c); ``whitened``: Σxx = I, Σxy = β*."""
    sy = symbols(h, d, c)
    A, W = sy["A"], sy["W"]
    b = W.T * A
    sxx, sxy = _data(h, d, c, whitened)
    syy = sp.Symbol("sigma_yy", nonnegative=True)
    loss = sp.Rational(1, 2) * (syy - 2 * (b.T * sxy).trace() + (b.T * sxx * b).trace())
    if whitened:
        data = tuple(sy["beta_star"])
    else:
        sym = [sy["sigma_xx"][i, j] for i in range(d) for j in range(i, d)]
        data = tuple(sym) + tuple(sy["sigma_xy"])
    return Model(
        name=NAME,
        params=(
            ParamGroup("W", tuple(W), eta_w, W.shape),
            ParamGroup("A", tuple(A), eta_a, A.shape),
        ),
        consts=(eta_a, eta_w, syy) + data,
        loss=loss,
        inputs=tuple(sy["x"]),
        forward=sp.ImmutableMatrix(A.T * W * sy["x"]),
        assumptions=(
            f"h = {h} neurons, d = {d} inputs, c = {c} outputs; "
            + (
                "whitened inputs: Σxx = I, Σxy = β*"
                if whitened
                else "general data moments Σxx (symmetric), Σxy"
            )
        ),
        references=REFERENCES,
    )


flow = flow_of(model)


def conserved_matrix(h: int = 2, d: int = 2, c: int = 2) -> sp.Matrix:
    """Δ = η_w AAᵀ − η_a WWᵀ (h×h)."""
    A, W = weights(h, d, c)
    return eta_w * A * A.T - eta_a * W * W.T


def vec(m: sp.Matrix) -> sp.Matrix:
    """Stack the columns of ``m`` (the vec convention of the docs)."""
    return sp.Matrix([m[i, j] for j in range(m.shape[1]) for i in range(m.shape[0])])


def preconditioner_expr(A: sp.Matrix, W: sp.Matrix) -> sp.Matrix:
    """M = η_w AᵀA ⊗ I_d + η_a I_c ⊗ WᵀW (cd × cd), so vec β̇ = −M vec R."""
    d, c = W.shape[1], A.shape[1]
    return eta_w * sp.kronecker_product(
        A.T * A, sp.eye(d)
    ) + eta_a * sp.kronecker_product(sp.eye(c), W.T * W)


def neuron_preconditioner_expr(
    beta_k: sp.Matrix, delta_k: sp.Expr, kappa: sp.Expr | None = None
) -> sp.Matrix:
    r"""M_k as a Kronecker sum in β_k = w_ka_kᵀ and δ_k alone (needs β_k ≠ 0).

    M_k = (κ+δ)/2 β_kᵀβ_k/‖β_k‖² ⊗ I_d + (κ−δ)/2 I_c ⊗ β_kβ_kᵀ/‖β_k‖²,
    κ = √(δ² + 4η_aη_w‖β_k‖²) (or the given ``kappa``, an expression equal to it).
    """
    d, c = beta_k.shape
    n2 = sum(e**2 for e in beta_k)
    if kappa is None:
        kappa = sp.sqrt(delta_k**2 + 4 * eta_a * eta_w * n2)
    return (kappa + delta_k) / 2 * sp.kronecker_product(
        beta_k.T * beta_k / n2, sp.eye(d)
    ) + (kappa - delta_k) / 2 * sp.kronecker_product(sp.eye(c), beta_k * beta_k.T / n2)


def ntk_expr(h: int = 2, d: int = 2, c: int = 2) -> sp.Matrix:
    """Θ(x, x') = η_a (xᵀWᵀWx') I_c + η_w (xᵀx') AᵀA (c×c), the closed form."""
    sy = symbols(h, d, c)
    A, W, x, x2 = sy["A"], sy["W"], sy["x"], sy["x2"]
    return (
        eta_a * (x.T * W.T * W * x2)[0, 0] * sp.eye(c)
        + eta_w * (x.T * x2)[0, 0] * A.T * A
    )


def _cayley(n: int, name: str) -> tuple[sp.Matrix, tuple[sp.Symbol, ...]]:
    """A rational parametrisation of (almost all of) SO(n): (I − K)(I + K)⁻¹."""
    ks = []
    K = sp.zeros(n, n)
    for i in range(n):
        for j in range(i + 1, n):
            k = sp.Symbol(f"{name}{i}_{j}", real=True)
            ks.append(k)
            K[i, j], K[j, i] = k, -k
    eye = sp.eye(n)
    inv = (eye + K).adjugate() / (eye + K).det()
    return (eye - K) * inv, tuple(ks)


def isotropic_construction(
    h: int, d: int, c: int, rotations: dict | None = None
) -> dict:
    r"""Every isotropic (A, W) with rank β = h, in rational coordinates.

    If Δ = δI then AAᵀ = (δI + η_aWWᵀ)/η_w, so AAᵀ and WWᵀ share an eigenbasis R:
    W = R S_w Uᵀ, A = R S_a Vᵀ with η_w s_a² − η_a s_w² = δ, and β = U S_wS_a Vᵀ is a
    compact SVD (U, V with orthonormal columns) when every σ_i = s_{w,i}s_{a,i} > 0
    (the λ-balanced construction of docs/math/two_layer_linear_balanced.md).  R, U, V
    are Cayley-parametrised;
    with η_a = r_a², η_w = r_w² each hyperbola η_w s_a² − η_a s_w² = δ is
    parametrised rationally by p_i = r_w s_{a,i} + r_a s_{w,i} > 0:
    r_w s_a = (p + δ/p)/2, r_a s_w = (p − δ/p)/2 (domain p_i² > |δ|).  Then
    κ_i = √(δ² + 4η_aη_wσ_i²) = (p_i² + δ²/p_i²)/2 and every identity is rational.

    ``rotations`` optionally fixes the Cayley parameters (``r*``, ``u*``, ``v*``)
    to given values before any product is formed (keeps exact checks small).

    Returns a dict with ``A, W, beta, R, U, V, sigma, rates`` (the substitution
    η_a → r_a², η_w → r_w²) and ``params`` (the Cayley parameters first).
    """
    h, d, c = _size("h", h), _size("d", d), _size("c", c)
    if h > min(d, c):
        raise ValueError(f"rank β = h needs h <= min(d, c), got h={h}, d={d}, c={c}")
    R, kr = _cayley(h, "r")
    Ud, ku = _cayley(d, "u")
    Vc, kv = _cayley(c, "v")
    U, V = Ud[:, :h], Vc[:, :h]
    if rotations:
        R, U, V = (M.xreplace(rotations) for M in (R, U, V))
    ra, rw = sp.symbols("r_a r_w", positive=True)
    ps = sp.symbols(f"p0:{h}", positive=True)
    s_a = tuple((p + delta / p) / (2 * rw) for p in ps)
    s_w = tuple((p - delta / p) / (2 * ra) for p in ps)
    W = R * sp.diag(*s_w) * U.T
    A = R * sp.diag(*s_a) * V.T
    sigma = tuple(x * y for x, y in zip(s_w, s_a))
    return {
        "A": A,
        "W": W,
        "beta": U * sp.diag(*sigma) * V.T,
        "R": R,
        "U": U,
        "V": V,
        "sigma": sigma,
        "rates": {eta_a: ra**2, eta_w: rw**2},
        "params": kr + ku + kv + ps + (delta, ra, rw),
    }


def rank_aware_expr(sigma, U: sp.Matrix, V: sp.Matrix, delta_: sp.Expr):
    """(G, H) = (Σ(κ_i+δ)/2 v_iv_iᵀ, Σ(κ_i−δ)/2 u_iu_iᵀ) from a compact SVD."""
    G = sp.zeros(V.shape[0], V.shape[0])
    H = sp.zeros(U.shape[0], U.shape[0])
    for i, s in enumerate(sigma):
        kappa = sp.sqrt(delta_**2 + 4 * eta_a * eta_w * s**2)
        G += (kappa + delta_) / 2 * V[:, i] * V[:, i].T
        H += (kappa - delta_) / 2 * U[:, i] * U[:, i].T
    return G, H


def principal_sqrt_expr(sigma, U: sp.Matrix, V: sp.Matrix, delta_: sp.Expr):
    """(G_p, H_p) = ½(±δI + √(δ²I + 4η_aη_w βᵀβ or ββᵀ)), principal roots.

    The PSD roots in spectral form: κ_i on v_i (u_i) and |δ| on the orthogonal
    complement of the singular vectors.
    """

    def root(Q):
        n = Q.shape[0]
        out = sp.Abs(delta_) * (sp.eye(n) - Q * Q.T)
        for i, s in enumerate(sigma):
            out += sp.sqrt(delta_**2 + 4 * eta_a * eta_w * s**2) * Q[:, i] * Q[:, i].T
        return out

    SV, SU = root(V), root(U)
    return (delta_ * sp.eye(V.shape[0]) + SV) / 2, (
        -delta_ * sp.eye(U.shape[0]) + SU
    ) / 2


@functools.cache
def aligned_solution(h: int = 2) -> Solution:
    r"""Exact flow for whitened data and a diagonal (aligned) start, h = d = c.

    β* = diag(s_k), W₀ = diag(α_k), A₀ = diag(γ_k): every off-diagonal entry stays
    0 and each mode (α_k, γ_k) is the single neuron of docs/math/single_neuron.md §5
    with d = 1
    (needs s_k ≠ 0).  Every aligned start reduces to this one by the orthogonal
    equivariance W → W O_dᵀ, A → A O_cᵀ, β* → O_d β* O_cᵀ of the whitened flow.
    """
    h = _size("h", h)
    sy = symbols(h, h, h)
    W, A, bs = sy["W"], sy["A"], sy["beta_star"]
    one = _sn.solution(1)
    w_sym, b_sym = _sn.symbols(1)["w"][0], _sn.symbols(1)["beta_star"][0]
    w_init = _sn.symbols(1)["w_init"][0]
    state, initial = {}, {}
    for k in range(h):
        sub = {
            _sn.a_init: sp.Symbol(f"a_init{k}_{k}", real=True),
            w_init: sp.Symbol(f"w_init{k}_{k}", real=True),
            b_sym: bs[k, k],
        }
        state[W[k, k]] = one.state[w_sym].xreplace(sub)
        state[A[k, k]] = one.state[_sn.a].xreplace(sub)
        initial[W[k, k]] = sub[w_init]
        initial[A[k, k]] = sub[_sn.a_init]
    for M in (W, A):
        for i in range(h):
            for j in range(h):
                if i != j:
                    state[M[i, j]] = sp.Integer(0)
                    initial[M[i, j]] = sp.Integer(0)
    return Solution(
        t,
        state,
        initial,
        domain="whitened inputs, β* = diag(s_k) with s_k ≠ 0, W₀ = diag(α_k), "
        "A₀ = diag(γ_k); any δ_k, η_a, η_w > 0 (general aligned starts by rotation)",
    )


# -- kernels --------------------------------------------------------------------
ksigma = sp.Symbol("sigma", nonnegative=True)
MODE_INPUTS = (_sn.kt, _sn.ka0, _sn.kp0, _sn.kr0, _sn.ks, eta_a, eta_w)


def mode_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    r"""One aligned mode, overflow-safe: ``a`` = γ(t) and ``p`` = sgn(s)·α(t).

    α̇ = −η_w γ(αγ − s), γ̇ = −η_a α(αγ − s) is the single neuron with d = 1,
    a = γ, w = sgn(s)α and β* = |s| (the sign flip w → −w, β* → −β* is a symmetry
    of the flow), so this is ``single_neuron.exact_kernel`` evaluated with inputs
    ``t, a0 = γ₀, p0 = sgn(s)α₀, r0 = 0, s = |s|, eta_a, eta_w``.
    """
    out = dict(_sn.exact_kernel())
    return (("a", out["a"]), ("p", out["p"]))


def spectra_kernel(branch: str | None = None) -> tuple[tuple[str, sp.Expr], ...]:
    r"""Eigenvalues (κ+δ)/2 of G and (κ−δ)/2 of H on a singular value σ.

    κ = √(δ² + 4η_aη_wσ²); the smaller one is written as η_aη_wσ²/(larger) to
    avoid cancellation (their product is η_aη_wσ²).  ``branch``: "pos"/"neg"
    for δ ≥ 0 / δ < 0 without Piecewise.
    """
    kappa = sp.sqrt(delta**2 + 4 * eta_a * eta_w * ksigma**2)
    p = eta_a * eta_w * ksigma**2
    # κ + δ = 0 only at σ = δ = 0, where the smaller eigenvalue is 0 (not 0/0)
    guard = (
        sp.Piecewise((1, sp.Eq(kappa + delta, 0)), (0, True)) if branch is None else 0
    )
    pos = ((kappa + delta) / 2, p * 2 / (kappa + delta + guard))
    neg = (p * 2 / (kappa - delta), (kappa - delta) / 2)
    if branch == "pos":
        g, hh = pos
    elif branch == "neg":
        g, hh = neg
    else:
        g = sp.Piecewise((pos[0], delta >= 0), (neg[0], True))
        hh = sp.Piecewise((pos[1], delta >= 0), (neg[1], True))
    return (("g", g), ("h", hh))


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``exact`` (:func:`mode_kernel`) and ``spectra``."""
    return (
        KernelExprs(
            "exact",
            MODE_INPUTS,
            mode_kernel(),
            "one aligned mode, whitened data: a = γ(t), p = sgn(s)α(t) from "
            "a0 = γ₀, p0 = sgn(s)α₀, r0 = 0, s = |s| (a_k = γ v_k, w_k = α u_k, "
            "s = u_kᵀβ*v_k)",
        ),
        KernelExprs(
            "spectra",
            (ksigma, delta, eta_a, eta_w),
            spectra_kernel(),
            "rank-aware eigenvalues (κ+δ)/2 of η_wAᵀA and (κ−δ)/2 of η_aWᵀW on a "
            "singular value σ of β, Δ = δI",
        ),
    )
