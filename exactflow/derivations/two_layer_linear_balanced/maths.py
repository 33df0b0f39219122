"""The mathematics of the λ-balanced two-layer linear network: model, flow, the
conserved matrix, F, the closed form at d_in = h = d_out = 1 and the per-mode kernel.

See the package docstring (:mod:`exactflow.derivations.two_layer_linear_balanced`)
for the derivation; this module holds its SymPy expressions.
"""

from __future__ import annotations

import functools

import sympy as sp

from ...symbolic.proof.verify import Solution
from ...symbolic.spec.flow import flow_of
from ...symbolic.spec.functions import intexp, logz
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup

__all__ = ["NAME", "kernels", "symbols", "model", "flow", "conserved_matrix",
           "f_matrix", "stack", "solution", "mode_kernel", "mode_textbook"]

NAME = "two_layer_linear_balanced"
REFERENCES = (
    "Dominé et al. (2024), arXiv:2409.14623",
    "Saxe, McClelland, Ganguli (2014), arXiv:1312.6120",
)
eta_1, eta_2, eta = sp.symbols("eta_1 eta_2 eta", positive=True)
lam = sp.Symbol("lam", real=True)
tau = sp.Symbol("tau", positive=True)
t = sp.Symbol("t", nonnegative=True)
sigma_yy = sp.Symbol("sigma_yy", nonnegative=True)


def _matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}_{i}_{j}", real=True))


def _size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


@functools.cache
def symbols(d_in: int, h: int, d_out: int) -> dict[str, sp.Matrix]:
    """Matrices of component symbols: ``W1`` (h×d_in), ``W2`` (d_out×h), ``Syx``
    (d_out×d_in), their initial values ``W1_init``, ``W2_init`` and the input ``x``."""
    d_in, h, d_out = _size("d_in", d_in), _size("h", h), _size("d_out", d_out)
    return {
        "W1": _matrix("W1", h, d_in),
        "W2": _matrix("W2", d_out, h),
        "W1_init": _matrix("W1_init", h, d_in),
        "W2_init": _matrix("W2_init", d_out, h),
        "Syx": _matrix("sigma_yx", d_out, d_in),
        "x": _matrix("x", d_in, 1),
    }


@functools.cache
def model(
    d_in: int = 2, h: int = 2, d_out: int = 2, equal_rates: bool = False
) -> Model:
    """The two-layer linear model on whitened inputs at sizes (d_in, h, d_out).

    Layer rates ``eta_1``, ``eta_2``; with ``equal_rates=True`` both are ``eta``
    (= 1/τ in the closed form).
    """
    sy = symbols(d_in, h, d_out)
    W1, W2, S = sy["W1"], sy["W2"], sy["Syx"]
    beta = W2 * W1
    loss = sp.Rational(1, 2) * (
        sigma_yy - 2 * (S.T * beta).trace() + (beta.T * beta).trace()
    )
    r1, r2 = (eta, eta) if equal_rates else (eta_1, eta_2)
    rates = (eta,) if equal_rates else (eta_1, eta_2)
    return Model(
        name=NAME,
        params=(
            ParamGroup("W1", tuple(W1), r1, (h, d_in)),
            ParamGroup("W2", tuple(W2), r2, (d_out, h)),
        ),
        consts=rates + (sigma_yy,) + tuple(S),
        loss=loss,
        inputs=tuple(sy["x"]),
        forward=beta * sy["x"],
        assumptions="whitened inputs: Σxx = I, Σyx = E[yxᵀ]",
        references=REFERENCES,
    )


flow = flow_of(model)


def conserved_matrix(d_in: int = 2, h: int = 2, d_out: int = 2) -> sp.Matrix:
    """η₁W₂ᵀW₂ − η₂W₁W₁ᵀ (h×h); at equal rates 1/τ, τ times W₂ᵀW₂ − W₁W₁ᵀ = λI."""
    sy = symbols(d_in, h, d_out)
    return eta_1 * sy["W2"].T * sy["W2"] - eta_2 * sy["W1"] * sy["W1"].T


def f_matrix(Syx: sp.Matrix, lam_: sp.Expr = lam) -> sp.Matrix:
    """F = [[−λ/2 I_{d_in}, Σyxᵀ], [Σyx, λ/2 I_{d_out}]] (symmetric)."""
    d_out, d_in = Syx.shape
    return sp.BlockMatrix(
        [[-lam_ / 2 * sp.eye(d_in), Syx.T], [Syx, lam_ / 2 * sp.eye(d_out)]]
    ).as_explicit()


def stack(W1: sp.Matrix, W2: sp.Matrix) -> sp.Matrix:
    """Q = [W₁ᵀ; W₂] ((d_in + d_out) × h)."""
    return sp.Matrix.vstack(W1.T, W2)


# ---------------------------------------------------------------- d_in = h = d_out = 1
K1, beta, K2 = sp.symbols("K1 beta K2", real=True)  # W₁ᵀW₁, W₂W₁, W₂W₂ᵀ
a_init, b_init = sp.symbols("a_init b_init", real=True)  # W₁(0), W₂(0)
s_ = sp.Symbol("s", positive=True)


def _solution_parts(lam0=None):
    """(e^{FT}, 1 + q₀ᵀ∫₀^T e^{2Fσ}dσ q₀, q₀) at d_in = h = d_out = 1 (cosh/sinh).

    ``lam0`` defaults to the imbalance b₀² − a₀² of q₀ = (a₀, b₀).
    """
    lam0 = b_init**2 - a_init**2 if lam0 is None else lam0
    F = f_matrix(sp.Matrix([[s_]]), lam0)
    D = sp.sqrt(lam0**2 + 4 * s_**2)
    T = t / tau
    E = sp.cosh(D * T / 2) * sp.eye(2) + 2 * sp.sinh(D * T / 2) / D * F
    J = sp.sinh(D * T) / D * sp.eye(2) + 2 * (sp.cosh(D * T) - 1) / D**2 * F
    q0 = sp.Matrix([a_init, b_init])
    return E, 1 + (q0.T * J * q0)[0, 0], q0


@functools.cache
def solution() -> Solution:
    r"""𝒫(t) for d_in = h = d_out = 1 in textbook form (cosh/sinh of D t/2τ).

    The state is 𝒫 = [[K1, beta], [beta, K2]] = [[W₁², W₂W₁], [W₂W₁, W₂²]]; every
    h = 1 initialisation is λ-balanced with λ = W₂(0)² − W₁(0)².  General sizes are
    verified through the structural and eigenbasis claims and evaluated by
    :func:`trajectory`.
    """
    E, den, q0 = _solution_parts()
    P = E * q0 * q0.T * E / den
    return Solution(
        t,
        {K1: P[0, 0], beta: P[1, 0], K2: P[1, 1]},
        {K1: a_init**2, beta: a_init * b_init, K2: b_init**2},
        domain="𝒫-coordinates (W₁ᵀW₁, W₂W₁, W₂W₂ᵀ) at d_in = h = d_out = 1, "
        "Σyx = s > 0, equal rates 1/τ; every size and every Σyx (singular F "
        "included) through trajectory()",
    )


# ---------------------------------------------------------- per-mode (aligned) kernel
kt = t
ks = sp.Symbol("s", nonnegative=True)
klam = lam
ku0 = sp.Symbol("u0", real=True)
ktau = tau


#: A floor for denominators that vanish only where their numerators do (x/0 → 0).
TINY = sp.Float(1e-300)
SMALL = sp.Float(1e-100)


def _floor(x, low=TINY):
    """max(x, 1e-300): a denominator that vanishes only with its numerator (→ 0)."""
    return sp.Max(x, low, evaluate=False)


def _pos(x):
    """max(x, 0) = (x + |x|)/2, exact in floating point."""
    return (x + sp.Abs(x)) / 2


def _stable_pair(x, lam_):
    """((κ − λ)/2, (κ + λ)/2) for κ = √(λ² + 4x²), without cancellation:
    (κ − |λ|)/2 = 2x²/(κ + |λ|), plus the non-negative max(∓λ, 0).  (Where
    max(|x|, |λ|) < 1e-154 the squares underflow and both are accurate only to
    an absolute 1e-300.)"""
    kappa = sp.sqrt(lam_**2 + 4 * x**2)
    common = 2 * x**2 / _floor(kappa + sp.Abs(lam_))
    return common + _pos(-lam_), common + _pos(lam_)


def mode_kernel() -> tuple[tuple[str, sp.Expr], ...]:
    r"""One mode of an aligned λ-balanced initialisation, overflow-safe.

    Inputs ``t, s, lam, u0, tau``: the target singular value s ≥ 0, the imbalance λ,
    the initial mode strength u₀ (the singular value of W₂W₁(0) along the target's
    singular pair, any sign) and τ > 0.  Outputs ``u`` (the mode of W₂W₁), ``a2``
    (the eigenvalue of W₁ᵀW₁ along it) and ``b2`` (of W₂W₂ᵀ); b2 − a2 = λ and
    a2·b2 = u² hold at every time.

    D = √(λ² + 4s²), e = e^{−DT}, h = ∫₀^T e^{−Dσ}dσ.  For u₀ ≥ 0 every term of
    u = â b̂ / den̂ (all scaled by e^{−DT}) is non-negative.  For u₀ < 0 the
    eigenbasis of the 2×2 block is used: the initial state has the
    cancellation-free coordinates
    p₊₊, p₋₋ = (X ± Y)/2D = (Z/(X + |Y|) + 2 max(±Y, 0))/2D
    (X = Dκ₀, Y = λ² + 4su₀, Z = X² − Y² = 4λ²(s−u₀)²) and p₊₋ = λ(s−u₀)/D, and
    u = (s p₊₊ − e G)/(D(e H + h p₊₊)) is scaled by the larger denominator term, so
    the stable manifold (λ = 0, u₀ < 0, where u decays to 0) has no 0/0.  D = 0
    (s = λ = 0) is 𝒫 = 𝒫₀/(1 + T tr 𝒫₀).  The branches are evaluated everywhere by
    vectorised code, so each is written to stay finite at every input.

    Calls per point when only t varies: e = exp(−DT) and h = expm1(−DT)/(−D)
    (h₂ = ∫e^{−2Dσ} shares the expm1: expm1(2x) = m(m + 2)) — the fewest the
    u₀ ≥ 0 branch needs (e to full relative precision where it is tiny, 1 − e
    where DT → 0) — and, for the u₀ < 0 branch, the exponential q of the rescaled
    eigenbasis and log p₊₊h: 2 exp, 1 expm1, 1 log (the exponential r only in
    blocks where it is used).  The u₀ < 0 branch is evaluated only where it is
    taken (Numba: an if-block; NumPy: blocks with some u₀ < 0).
    """
    T = kt / ktau
    D = sp.sqrt(klam**2 + 4 * ks**2)
    Dn = _floor(D)  # D > 0 wherever a branch that divides by it is selected
    e = sp.exp(-D * T)
    h = intexp(-D, T)
    h2 = intexp(-2 * D, T)
    k0 = sp.sqrt(klam**2 + 4 * ku0**2)
    # u0 >= 0 (evaluated at max(u0, 0)): original basis, every term non-negative
    up = _pos(ku0)
    kp = sp.sqrt(klam**2 + 4 * up**2)
    A0, B0 = _stable_pair(up, klam)
    c2, s2 = (x / Dn for x in _stable_pair(ks, klam))  # (D ∓ λ)/2D
    a0, b0 = sp.sqrt(A0), sp.sqrt(B0)
    bet = ks * h
    a_hat = a0 * (c2 + s2 * e) + bet * b0
    b_hat = b0 * (s2 + c2 * e) + bet * a0
    den = e + h2 * kp + h**2 * (klam**2 / 2 + 2 * ks * up)
    u_pos = a_hat * b_hat / _floor(den)  # den ≥ h₂κ₀ > 0 where used (t > 0)
    # u0 < 0 (evaluated at min(u0, −1e-100)): eigenbasis coordinates
    un = sp.Min(ku0, -SMALL, evaluate=False)  # un² stays a normal number
    X, Y = Dn * sp.sqrt(klam**2 + 4 * un**2), klam**2 + 4 * ks * un
    Z = 4 * klam**2 * (ks - un) ** 2
    common = Z / _floor(X + sp.Abs(Y))  # Z ≤ (X + |Y|)²: → 0 with the floor
    ppp = (common + 2 * _pos(Y)) / (2 * Dn)
    pmm = (common + 2 * _pos(-Y)) / (2 * Dn)
    G = ks * pmm * e + klam**2 * (ks - un) / Dn
    H = 1 + h * pmm
    r = sp.exp(
        sp.Min(-D * T - logz(h * ppp), 0, evaluate=False)
    )  # e/(h p₊₊) ≤ 1/H where used
    q = sp.exp(
        sp.Min(logz(ppp) + D * T, 300, evaluate=False)
    )  # p₊₊/e < 1/h + p₋₋ where used
    # h ≥ e/p₊₊ where u_a is used, so the floor only keeps (s/h)² finite elsewhere
    u_a = (ks / _floor(h, SMALL) - r * G) / (Dn * (1 + r * H))
    u_b = (ks * q - G) / (Dn * (H + h * q))
    # u₀ < 0 is a branch of its own (a condition on u₀ alone): an array kernel
    # whose u₀ are all ≥ 0 skips it, and with it q, r and log p₊₊h
    u = sp.Piecewise(
        (ku0 / (1 + T * k0), sp.Eq(D, 0)),
        (0, sp.Eq(k0, 0)),  # 𝒫₀ = 0 is a fixed point
        (sp.Piecewise((u_a, h * ppp > e * H), (u_b, True)), ku0 < 0),
        (u_pos, True),
    )
    a2, b2 = _stable_pair(u, klam)
    return (("u", u), ("a2", a2), ("b2", b2))


def mode_textbook() -> tuple[tuple[str, sp.Expr], ...]:
    """The same outputs from 𝒫 = E q₀q₀ᵀE / (1 + q₀ᵀJq₀) with cosh/sinh (s > 0)."""
    T = kt / ktau
    D = sp.sqrt(klam**2 + 4 * ks**2)
    F = f_matrix(sp.Matrix([[ks]]), klam)
    E = sp.cosh(D * T / 2) * sp.eye(2) + 2 * sp.sinh(D * T / 2) / D * F
    J = sp.sinh(D * T) / D * sp.eye(2) + 2 * (sp.cosh(D * T) - 1) / D**2 * F
    k0 = sp.sqrt(klam**2 + 4 * ku0**2)
    a0 = sp.sqrt((k0 - klam) / 2)
    b0 = sp.sign(ku0) * sp.sqrt((k0 + klam) / 2)
    q0 = sp.Matrix([a0, b0])
    P = E * q0 * q0.T * E / (1 + (q0.T * J * q0)[0, 0])
    return (("u", P[1, 0]), ("a2", P[0, 0]), ("b2", P[1, 1]))


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: ``exact`` (:func:`mode_kernel`)."""
    return (
        KernelExprs(
            "exact",
            (kt, ks, klam, ku0, ktau),
            mode_kernel(),
            "aligned λ-balanced mode: u (W2W1), a2 (W1ᵀW1), b2 (W2W2ᵀ) at time t",
        ),
    )
