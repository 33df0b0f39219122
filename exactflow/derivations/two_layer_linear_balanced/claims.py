"""The λ-balanced two-layer linear claims: the generic facts as data, then its own
theorems (those checked on the evaluated forms are in :mod:`.claims_numeric`)."""

from __future__ import annotations

import itertools

import sympy as sp

from ...symbolic.proof.verify import Claim
from ...symbolic.spec.functions import intexp
from .._standard import Conserved, FlowForm, Identity, StartsAt, standard_claims
from . import claims_numeric
from . import maths as tl

__all__ = ["claims"]

SIZES = tuple(itertools.product((1, 2), repeat=3))  # (d_in, h, d_out)


def _flow_written():
    """Ẇ₁ = η₁W₂ᵀ(Σyx − W₂W₁), Ẇ₂ = η₂(Σyx − W₂W₁)W₁ᵀ at (2, 2, 2) and (3, 2, 1)
    (expanded, as the flow is)."""
    out = []
    for size in ((2, 2, 2), (3, 2, 1)):
        sy = tl.symbols(*size)
        W1, W2, S = sy["W1"], sy["W2"], sy["Syx"]
        R = S - W2 * W1
        written = dict(zip(W1, (tl.eta_1 * W2.T * R).applyfunc(sp.expand)))
        written.update(zip(W2, (tl.eta_2 * R * W1.T).applyfunc(sp.expand)))
        out.append((tl.flow(*size), written))
    return out


FLOW = FlowForm("flow equals −η⊙∇L in matrix form",
                "Ẇ₁ = η₁W₂ᵀ(Σyx − W₂W₁), Ẇ₂ = η₂(Σyx − W₂W₁)W₁ᵀ, (2,2,2) and (3,2,1)",
                _flow_written)
CONSERVED = Conserved(
    "η₁W₂ᵀW₂ − η₂W₁W₁ᵀ conserved, (d_in, h, d_out) ∈ {1,2}³",
    "λ-balancedness W₂ᵀW₂ − W₁W₁ᵀ = λI is conserved at equal rates 1/τ",
    lambda: [(tl.flow(*size), list(tl.conserved_matrix(*size))) for size in SIZES],
)


def _q_flow():
    """τQ̇ − (FQ − ½QQᵀQ) = ½ diag(−I, I) Q (W₂ᵀW₂ − W₁W₁ᵀ − λI), τ = 1/η."""
    out = []
    for d_in, h, d_out in SIZES:
        sy = tl.symbols(d_in, h, d_out)
        W1, W2 = sy["W1"], sy["W2"]
        eq = tl.flow(d_in, h, d_out, equal_rates=True).equations
        Q = tl.stack(W1, W2)
        Qdot = tl.stack(W1.applyfunc(lambda w: eq[w]), W2.applyfunc(lambda w: eq[w]))
        F = tl.f_matrix(sy["Syx"])
        defect = W2.T * W2 - W1 * W1.T - tl.lam * sp.eye(h)
        sign = sp.diag(*([-1] * d_in + [1] * d_out))
        res = Qdot / tl.eta - (F * Q - Q * Q.T * Q / 2) - sign * Q * defect / 2
        out += [sp.expand(e) for e in res]
    return out


Q_FLOW = Identity("Q-flow reduces to the Riccati form under λ-balancedness, {1,2}³",
                  "τQ̇ − (FQ − ½QQᵀQ) = ½ diag(−I, I) Q (W₂ᵀW₂ − W₁W₁ᵀ − λI)", _q_flow)


def _sym_matrix(name, n):
    return sp.Matrix(n, n, lambda i, j: sp.Symbol(f"{name}_{min(i, j)}_{max(i, j)}"))


def _p_flow():
    """τQ̇ = FQ − ½QQᵀQ ⇒ τ𝒫̇ = F𝒫 + 𝒫F − 𝒫² for 𝒫 = QQᵀ (any symmetric F)."""
    out = []
    for n, h in ((2, 2), (3, 1), (4, 1)):
        Q = sp.Matrix(n, h, lambda i, j: sp.Symbol(f"q_{i}_{j}"))
        F = _sym_matrix("f", n)
        Qd = F * Q - Q * Q.T * Q / 2
        P = Q * Q.T
        out += [sp.expand(e) for e in Qd * Q.T + Q * Qd.T - (F * P + P * F - P * P)]
    return out


P_FLOW = Identity(
    "𝒫 = QQᵀ obeys τ𝒫̇ = F𝒫 + 𝒫F − 𝒫²",
    "from τQ̇ = FQ − ½QQᵀQ, any symmetric F, (n, h) ∈ {(2,2), (3,1), (4,1)}",
    _p_flow,
)


def _structure():
    """Z' = FZ, (M⁻¹)' = −M⁻¹ZᵀZM⁻¹ (M' = ZᵀZ) ⇒ 𝒫 = ZM⁻¹Zᵀ solves the Riccati ODE."""
    out = []
    for n, h in ((2, 2), (3, 1)):
        Z = sp.Matrix(n, h, lambda i, j: sp.Symbol(f"z_{i}_{j}"))
        Mi = _sym_matrix("m", h)
        F = _sym_matrix("f", n)
        P = Z * Mi * Z.T
        Pd = F * Z * Mi * Z.T + Z * Mi * Z.T * F - Z * (Mi * Z.T * Z * Mi) * Z.T
        out += [sp.expand(e) for e in Pd - (F * P + P * F - P * P)]
    return out


STRUCTURE = Identity("closed form solves the Riccati ODE: structural proof",
                     "𝒫 = ZM⁻¹Zᵀ, Z = e^{FT}Q₀, M = I + Q₀ᵀ∫e^{2Fσ}Q₀ (every size)",
                     _structure)


def _eigen_parts(n, zero=(), cayley=False):
    """e^{FT} = V diag(e^{ΛᵢT}) Vᵀ and ∫₀^T e^{2Fσ}dσ = V diag(intexp(2Λᵢ, T)) Vᵀ."""
    T = sp.Symbol("T", nonnegative=True)
    L = [
        sp.Integer(0) if i in zero else sp.Symbol(f"L{i}", real=True) for i in range(n)
    ]
    if cayley:  # a rational orthogonal V = (I − K)(I + K)⁻¹, K skew
        K = sp.zeros(n, n)
        for i, j in itertools.combinations(range(n), 2):
            K[i, j] = sp.Symbol(f"k_{i}_{j}", real=True)
            K[j, i] = -K[i, j]
        A = sp.eye(n) + K
        V = ((sp.eye(n) - K) * A.adjugate()).applyfunc(sp.expand) / sp.expand(A.det())
    else:
        V = sp.eye(n)
    F = V * sp.diag(*L) * V.T
    E = V * sp.diag(*[sp.exp(li * T) for li in L]) * V.T
    J = V * sp.diag(*[intexp(2 * li, T) for li in L]) * V.T
    return T, V, F, E, J


_EIGEN_CASES = ((2, (), True), (3, (1,), False), (3, (0, 2), False))


def _eigen_lemmas():
    """Z = e^{FT}Q₀ has Z' = FZ; J' = e^{FT}e^{FT}, so M' = ZᵀZ; VᵀV = I."""
    out = []
    for n, zero, cay in _EIGEN_CASES:
        T, V, F, E, J = _eigen_parts(n, zero, cay)
        out += list(V.T * V - sp.eye(n))
        out += list(E.diff(T) - F * E) + list(J.diff(T) - E * E)
    return out


EIGEN_LEMMAS = Identity(
    "eigenbasis/intexp form of e^{FT} and ∫e^{2Fσ}: the structural lemmas",
    "Z' = FZ and M' = ZᵀZ for F = V diag(Λ)Vᵀ (Cayley V at n = 2; n = 3 "
    "with Λ₁ = 0 and Λ₀ = Λ₂ = 0)",
    _eigen_lemmas,
)


def _eigen_initial():
    out = []
    for n, zero, cay in _EIGEN_CASES:
        T, _, _, E, J = _eigen_parts(n, zero, cay)
        out += list(E.subs(T, 0) - sp.eye(n)) + list(J.subs(T, 0))
    return out


EIGEN_INITIAL = Identity("closed form: 𝒫(0) = Q₀Q₀ᵀ",
                         "e^{F·0} = I, ∫₀⁰ = 0 (so Z(0) = Q₀, M(0) = I)",
                         _eigen_initial)


def _spectrum():
    """det(xI − F) = (x ∓ λ/2)^{|d_out − d_in|} det((x² − λ²/4)I − ΣᵀΣ or ΣΣᵀ)."""
    x = sp.Symbol("x")
    out = []
    for d_in, d_out in ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1)):
        S = (
            tl.symbols(1, 1, 1)["Syx"]
            if (d_in, d_out) == (1, 1)
            else sp.Matrix(
                d_out, d_in, lambda i, j: sp.Symbol(f"sigma_yx_{i}_{j}", real=True)
            )
        )
        F = tl.f_matrix(S)
        lhs = (x * sp.eye(d_in + d_out) - F).det(method="berkowitz")
        y = x**2 - tl.lam**2 / 4
        if d_out >= d_in:
            rhs = (x - tl.lam / 2) ** (d_out - d_in) * (
                y * sp.eye(d_in) - S.T * S
            ).det()
        else:
            rhs = (x + tl.lam / 2) ** (d_in - d_out) * (
                y * sp.eye(d_out) - S * S.T
            ).det()
        out.append(sp.expand(lhs - rhs))
    return out


SPECTRUM = Identity(
    "spectrum of F: ±√(sᵢ² + λ²/4), −λ/2 (input), +λ/2 (output complement)",
    "characteristic polynomial, (d_in, d_out) ∈ {1,2}² ∪ {(1,3), (3,1)}",
    _spectrum,
)


def _eigenpairs():
    """The eigenvectors trajectory() builds: F v± = ±(D/2) v± on a singular pair."""
    s = sp.Symbol("s", positive=True)
    out = []
    for sign in (1, -1):
        lam = sign * sp.Symbol("l", positive=True)  # both branches of the formula
        D = sp.sqrt(lam**2 + 4 * s**2)
        if sign > 0:
            sn = sp.sqrt((D + lam) / (2 * D))
            c = s / (D * sn)
        else:
            c = sp.sqrt((D - lam) / (2 * D))
            sn = s / (D * c)
        F = tl.f_matrix(sp.Matrix([[s]]), lam)
        vp, vm = sp.Matrix([c, sn]), sp.Matrix([-sn, c])
        out += list(F * vp - D / 2 * vp) + list(F * vm + D / 2 * vm)
        out += [c**2 + sn**2 - 1]
    return out


EIGENPAIRS = Identity("eigenvectors used by trajectory(): F v± = ±(D/2) v±",
                      "c² = (D−λ)/2D, σ² = (D+λ)/2D, cσ = s/D, both signs of λ",
                      _eigenpairs)


def _solution_residual():
    """The lemmas of :func:`_structure` for the textbook form (h = 1, so M⁻¹ = 1/den).

    τĖ = FE, E(0) = I and τ den' = ‖Eq₀‖², den(0) = 1, with 𝒫 = Eq₀q₀ᵀE/den.
    """
    sol = tl.solution()
    F = tl.f_matrix(sp.Matrix([[tl.s_]]), tl.lam)  # the lemmas hold for every λ
    E, den, q0 = tl._solution_parts(tl.lam)
    Z = E * q0
    out = list(tl.tau * E.diff(tl.t) - F * E) + list(E.subs(tl.t, 0) - sp.eye(2))
    out += [tl.tau * den.diff(tl.t) - (Z.T * Z)[0, 0], den.subs(tl.t, 0) - 1]
    E, den, q0 = tl._solution_parts()  # λ = b₀² − a₀², as in the solution
    P = E * q0 * q0.T * E / den
    out += [
        P[0, 0] - sol.state[tl.K1],
        P[1, 0] - sol.state[tl.beta],
        P[1, 1] - sol.state[tl.K2],
    ]
    return out


SOLUTION_RESIDUAL = Identity("solution (d_in = h = d_out = 1): Riccati residual ≡ 0",
                             "textbook cosh/sinh form, every λ = b₀² − a₀²",
                             _solution_residual)
STARTS = StartsAt("solution (d_in = h = d_out = 1): initial condition", "𝒫(0) = q₀q₀ᵀ",
                  lambda: [tl.solution()])


def claims() -> tuple[Claim, ...]:
    """The generic facts (:mod:`.._standard`) and the λ-balanced theorems."""
    return standard_claims(FLOW, CONSERVED, Q_FLOW, P_FLOW, STRUCTURE, EIGEN_LEMMAS,
                           EIGEN_INITIAL, SPECTRUM, EIGENPAIRS, SOLUTION_RESIDUAL,
                           STARTS, *claims_numeric.FACTS)
