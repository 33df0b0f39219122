"""The λ-balanced two-layer linear claims (theorems the verification checks)."""

from __future__ import annotations

import functools
import itertools
import random

import mpmath
import numpy as np
import sympy as sp

from ._bundle import Derivation, KernelExprs, SolveSetup
from ..symbolic.spec.flow import time_derivative
from ..symbolic.spec.functions import intexp
from ..symbolic.proof.verify import Claim, identity_claim
from . import two_layer_linear_balanced as tl

__all__ = ["derivation", "claims"]

SIZES = tuple(itertools.product((1, 2), repeat=3))  # (d_in, h, d_out)


def _flow_form():
    """Ẇ₁ = η₁W₂ᵀ(Σyx − W₂W₁), Ẇ₂ = η₂(Σyx − W₂W₁)W₁ᵀ at (2, 2, 2) and (3, 2, 1)."""
    out = []
    for size in ((2, 2, 2), (3, 2, 1)):
        sy = tl.symbols(*size)
        W1, W2, S = sy["W1"], sy["W2"], sy["Syx"]
        eq = tl.flow(*size).equations
        R = S - W2 * W1
        out += [sp.expand(eq[w] - r) for w, r in zip(W1, tl.eta_1 * W2.T * R)]
        out += [sp.expand(eq[w] - r) for w, r in zip(W2, tl.eta_2 * R * W1.T)]
    return out


def _conserved():
    out = []
    for size in SIZES:
        f = tl.flow(*size)
        out += [sp.expand(time_derivative(f, c)) for c in tl.conserved_matrix(*size)]
    return out


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


def _eigen_initial():
    out = []
    for n, zero, cay in _EIGEN_CASES:
        T, _, _, E, J = _eigen_parts(n, zero, cay)
        out += list(E.subs(T, 0) - sp.eye(n)) + list(J.subs(T, 0))
    return out


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


def _solution_initial():
    return tl.solution().initial_residuals()


def _mode_sampler(branch):
    def sample(rng: random.Random):
        u0 = rng.uniform(0.05, 2.0) * (1 if branch == "pos" else -1)
        return {
            tl.kt: rng.uniform(0, 4),
            tl.ks: rng.uniform(0.1, 2),
            tl.klam: rng.choice([-1, 1]) * rng.uniform(0.05, 3),
            tl.ku0: u0,
            tl.ktau: rng.uniform(0.3, 3),
        }

    return sample


def _mode_equals_textbook():
    """Kernel and textbook outputs at 50 digits, 8 random points per branch of u₀."""
    from ..symbolic.spec.functions import MPMATH_NAMESPACE

    args = (tl.kt, tl.ks, tl.klam, tl.ku0, tl.ktau)
    mods = [MPMATH_NAMESPACE, "mpmath"]
    with mpmath.workdps(50):
        kern = sp.lambdify(
            args, [e for _, e in tl.mode_kernel()], modules=mods, cse=True
        )
        book = sp.lambdify(
            args, [e for _, e in tl.mode_textbook()], modules=mods, cse=True
        )
        rng = random.Random(0)
        worst = mpmath.mpf(0)
        for branch in ("pos", "neg"):
            sample = _mode_sampler(branch)
            for _ in range(8):
                p = sample(rng)
                x = [mpmath.mpf(p[a]) for a in args]
                for g, w in zip(kern(*x), book(*x)):
                    worst = max(worst, abs(g - w) / max(1, abs(w)))
    return worst < mpmath.mpf(10) ** -40, "mpmath-50", float(worst), "16 points"


def _saxe_limit():
    """λ = 0, u₀ > 0: the mode is Saxe's sigmoid s u₀/(u₀ + (s − u₀)e^{−2sT})."""
    s, u0 = sp.symbols("s u0", positive=True)
    u = dict(tl.mode_kernel())["u"].subs({tl.klam: 0, tl.ks: s, tl.ku0: u0})
    # the floors max(x, c) guard denominators that are positive here
    u = u.replace(
        lambda e: (
            isinstance(e, (sp.Max, sp.Min))
            and len(e.args) == 2
            and any(a.is_Float for a in e.args)
        ),
        lambda e: next(a for a in e.args if not a.is_Float),
    )
    T = tl.t / tl.tau
    return [u - s * u0 / (u0 + (s - u0) * sp.exp(-2 * s * T))]


def _saxe_numeric():
    """λ = 0, aligned small init, (d_in, h, d_out) = (3, 2, 4): W₂W₁ = U diag(uᵢ)Vᵀ."""
    rng = np.random.default_rng(11)
    U, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    V, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    s = np.array([3.0, 1.5, 0.4])
    Syx = U[:, :3] @ np.diag(s) @ V.T
    u0 = np.array([1e-3, 2e-3])
    W1, W2 = tl.balanced_init(
        U[:, :2] @ np.diag(u0) @ V[:, :2].T,
        0.0,
        2,
        R=np.linalg.qr(rng.normal(size=(2, 2)))[0],
    )
    t = np.linspace(0, 12, 49)
    beta, _, _ = tl.trajectory(t, W1, W2, Syx, tau=1.5)
    T = t[:, None] / 1.5
    u = s[:2] * u0 / (u0 + (s[:2] - u0) * np.exp(-2 * s[:2] * T))
    want = np.einsum("ik,mk,jk->mij", U[:, :2], u, V[:, :2])
    err = float(np.max(np.abs(beta - want)))
    return err < 1e-10, "numeric: closed form vs Saxe sigmoids", err, "49 times"


def _lazy_case(lam):
    rng = np.random.default_rng(5)
    Syx = rng.normal(size=(2, 3))
    W1, W2 = tl.balanced_init(0.3 * rng.normal(size=(2, 3)), lam, 2)
    t = np.concatenate([[0.0], np.geomspace(1e-3, 60.0, 80) / abs(lam)])
    beta, K1, K2 = tl.trajectory(t, W1, W2, Syx)
    drift = np.max(
        np.hypot(
            np.linalg.norm(K1 - K1[0], axis=(1, 2)),
            np.linalg.norm(K2 - K2[0], axis=(1, 2)),
        )
    )
    drift /= np.hypot(np.linalg.norm(K1[0]), np.linalg.norm(K2[0]))
    # linearised (frozen-NTK) dynamics: τĖ = −(K₂(0)E + EK₁(0)), E = Σyx − β
    k1, P1 = np.linalg.eigh(K1[0])
    k2, P2 = np.linalg.eigh(K2[0])
    E0 = P2.T @ (Syx - beta[0]) @ P1
    rates = k2[:, None] + k1[None, :]
    lin = Syx - np.einsum(
        "ia,mab,jb->mij", P2, E0 * np.exp(-rates * t[:, None, None]), P1
    )
    gap = np.max(np.linalg.norm(beta - lin, axis=(1, 2))) / np.linalg.norm(
        Syx - beta[0]
    )
    return drift, gap


def _lazy_limit():
    """|λ| → ∞: NTK drift and the gap to the linearised dynamics are O(1/|λ|)."""
    worst, slopes = 0.0, []
    for sign in (1, -1):
        (d1, g1), (d2, g2) = _lazy_case(sign * 100.0), _lazy_case(sign * 1000.0)
        slopes += [np.log10(d2 / d1), np.log10(g2 / g1)]
        worst = max(worst, 1000.0 * d2, 1000.0 * g2)
    ok = max(slopes) <= -0.9 and worst < 10.0
    detail = ("relative NTK drift and gap to the frozen-NTK dynamics at |λ| = 1e3 "
              "(reported); log10 slopes per decade of |λ| "
              + ", ".join(f"{x:.2f}" for x in slopes))
    return ok, "numeric: closed form at λ = ±1e2, ±1e3", worst / 1000.0, detail


def _mp_closed_form(t, W1, W2, Syx, tau, dps=50):
    """The textbook closed form at ``dps`` digits (mpmath eigsy of F), plus the
    digits that M = I + Q₀ᵀJQ₀ loses to its conditioning (≤ e^{2‖F‖T})."""
    norm = float(np.linalg.norm(Syx)) + 0.5 * float(
        np.linalg.norm(W2.T @ W2 - W1 @ W1.T)
    )
    with mpmath.workdps(dps + int(np.ceil(norm * t / tau))):
        W1, W2, S = (mpmath.matrix(a.tolist()) for a in (W1, W2, Syx))
        d_out, d_in = S.rows, S.cols
        h = W1.rows
        lam = (W2.T * W2 - W1 * W1.T)[0, 0] if h else 0
        n = d_in + d_out
        F = mpmath.zeros(n, n)
        for i in range(d_in):
            F[i, i] = -lam / 2
        for j in range(d_out):
            F[d_in + j, d_in + j] = lam / 2
            for i in range(d_in):
                F[d_in + j, i] = F[i, d_in + j] = S[j, i]
        ev, V = mpmath.eigsy(F)
        Q0 = mpmath.zeros(n, h)
        for k in range(h):
            for i in range(d_in):
                Q0[i, k] = W1[k, i]
            for j in range(d_out):
                Q0[d_in + j, k] = W2[j, k]
        T = mpmath.mpf(t) / tau
        E = V * mpmath.diag([mpmath.exp(x * T) for x in ev]) * V.T
        J = (
            V
            * mpmath.diag(
                [
                    T * (mpmath.expm1(2 * x * T) / (2 * x * T) if x * T else 1)
                    for x in ev
                ]
            )
            * V.T
        )
        M = mpmath.eye(h) + Q0.T * J * Q0
        P = E * Q0 * mpmath.inverse(M) * Q0.T * E
        return np.array(P.tolist(), dtype=float), d_in


def _trajectory_vs_mpmath():
    """trajectory() (the factored form) equals the 50-digit textbook closed form."""
    rng = np.random.default_rng(2024)
    worst = 0.0
    cases = 0
    for d_in, h, d_out, lam, rank in (
        (3, 2, 2, -0.7, 2),
        (2, 3, 2, 0.0, 1),
        (1, 1, 3, 1.3, 1),
        (2, 2, 2, 0.0, 0),
    ):
        Syx = rng.normal(size=(d_out, rank)) @ rng.normal(size=(rank, d_in))
        W1, W2 = tl.balanced_init(
            0.5 * rng.normal(size=(d_out, d_in)),
            lam,
            h,
            R=np.linalg.qr(rng.normal(size=(h, h)))[0],
        )
        for t in (0.0, 0.37, 4.0, 25.0):
            beta, K1, K2 = tl.trajectory(np.array(t), W1, W2, Syx, tau=0.8)
            P, _ = _mp_closed_form(t, W1, W2, Syx, 0.8)
            got = np.block([[K1, beta.T], [beta, K2]])
            worst = max(
                worst, float(np.max(np.abs(got - P)) / max(1, np.max(np.abs(P))))
            )
            cases += 1
    return worst < 1e-12, "numeric: vs mpmath (≥ 50 digits)", worst, f"{cases} points"


def claims() -> tuple[Claim, ...]:
    ic = identity_claim
    return (
        ic(
            "flow equals −η⊙∇L in matrix form",
            "Ẇ₁ = η₁W₂ᵀ(Σyx − W₂W₁), Ẇ₂ = η₂(Σyx − W₂W₁)W₁ᵀ, (2,2,2) and (3,2,1)",
            _flow_form,
        ),
        ic(
            "η₁W₂ᵀW₂ − η₂W₁W₁ᵀ conserved, (d_in, h, d_out) ∈ {1,2}³",
            "λ-balancedness W₂ᵀW₂ − W₁W₁ᵀ = λI is conserved at equal rates 1/τ",
            _conserved,
        ),
        ic(
            "Q-flow reduces to the Riccati form under λ-balancedness, {1,2}³",
            "τQ̇ − (FQ − ½QQᵀQ) = ½ diag(−I, I) Q (W₂ᵀW₂ − W₁W₁ᵀ − λI)",
            _q_flow,
        ),
        ic(
            "𝒫 = QQᵀ obeys τ𝒫̇ = F𝒫 + 𝒫F − 𝒫²",
            "from τQ̇ = FQ − ½QQᵀQ, any symmetric F, (n, h) ∈ {(2,2), (3,1), (4,1)}",
            _p_flow,
        ),
        ic(
            "closed form solves the Riccati ODE: structural proof",
            "𝒫 = ZM⁻¹Zᵀ, Z = e^{FT}Q₀, M = I + Q₀ᵀ∫e^{2Fσ}Q₀ (every size)",
            _structure,
        ),
        ic(
            "eigenbasis/intexp form of e^{FT} and ∫e^{2Fσ}: the structural lemmas",
            "Z' = FZ and M' = ZᵀZ for F = V diag(Λ)Vᵀ (Cayley V at n = 2; n = 3 "
            "with Λ₁ = 0 and Λ₀ = Λ₂ = 0)",
            _eigen_lemmas,
        ),
        ic(
            "closed form: 𝒫(0) = Q₀Q₀ᵀ",
            "e^{F·0} = I, ∫₀⁰ = 0 (so Z(0) = Q₀, M(0) = I)",
            _eigen_initial,
        ),
        ic(
            "spectrum of F: ±√(sᵢ² + λ²/4), −λ/2 (input), +λ/2 (output complement)",
            "characteristic polynomial, (d_in, d_out) ∈ {1,2}² ∪ {(1,3), (3,1)}",
            _spectrum,
        ),
        ic(
            "eigenvectors used by trajectory(): F v± = ±(D/2) v±",
            "c² = (D−λ)/2D, σ² = (D+λ)/2D, cσ = s/D, both signs of λ",
            _eigenpairs,
        ),
        ic(
            "solution (d_in = h = d_out = 1): Riccati residual ≡ 0",
            "textbook cosh/sinh form, every λ = b₀² − a₀²",
            _solution_residual,
        ),
        ic(
            "solution (d_in = h = d_out = 1): initial condition",
            "𝒫(0) = q₀q₀ᵀ",
            _solution_initial,
        ),
        Claim(
            "per-mode kernel (aligned init) equals the textbook form",
            "u, a², b² for u₀ > 0 and u₀ < 0, every sign of λ",
            _mode_equals_textbook,
            ("numeric",),
        ),
        ic(
            "rich limit λ = 0: each mode is Saxe's sigmoid (kernel form)",
            "u = s u₀/(u₀ + (s − u₀)e^{−2st/τ})",
            _saxe_limit,
        ),
        Claim(
            "rich limit λ = 0: aligned init decouples into Saxe sigmoids",
            "W₂W₁(t) = U diag(uᵢ(t)) Vᵀ, error < 1e-10",
            _saxe_numeric,
            ("numeric",),
        ),
        Claim(
            "lazy limit |λ| → ∞: NTK frozen and linearised dynamics to O(1/|λ|)",
            "relative NTK drift and gap to the frozen-NTK map shrink ≥ 1 decade per "
            "decade of |λ|",
            _lazy_limit,
            ("numeric",),
        ),
        Claim(
            "trajectory() (overflow-safe factored form) equals the closed form",
            "vs 50-digit mpmath, incl. h > d_in, d_out, singular F, Σyx = 0",
            _trajectory_vs_mpmath,
            ("numeric",),
        ),
    )


def _sections():
    return (
        (
            "Model",
            r"f(x) &= W_2W_1x,\quad \Sigma_{xx}=I,\quad"
            r" \tau\dot W_1 = W_2^\top(\Sigma_{yx}-W_2W_1),\ "
            r"\tau\dot W_2 = (\Sigma_{yx}-W_2W_1)W_1^\top",
        ),
        (
            "Conserved matrix (λ-balancedness)",
            r"\eta_1W_2^\top W_2-\eta_2W_1W_1^\top,\quad"
            r" W_2^\top W_2-W_1W_1^\top &= \lambda I_h",
        ),
        (
            "Matrix Riccati equation",
            r"Q &= \begin{pmatrix}W_1^\top\\ W_2\end{pmatrix},\quad"
            r" \tau\dot Q = FQ-\tfrac12QQ^\top Q,\quad"
            r" F=\begin{pmatrix}-\tfrac\lambda2 I & \Sigma_{yx}^\top\\"
            r" \Sigma_{yx} & \tfrac\lambda2 I\end{pmatrix}",
        ),
        (
            "Exact solution",
            r"\mathcal P &= QQ^\top = \begin{pmatrix}W_1^\top W_1 & W_1^\top W_2^\top\\"
            r" W_2W_1 & W_2W_2^\top\end{pmatrix}"
            r" = e^{FT}Q_0\Big[I_h+Q_0^\top\Big(\int_0^{T}e^{2F\sigma}d\sigma\Big)Q_0"
            r"\Big]^{-1}Q_0^\top e^{FT},\quad T=t/\tau",
        ),
        (
            "Spectrum of F",
            r"\pm\sqrt{s_i^2+\lambda^2/4},\quad -\tfrac\lambda2"
            r"\ (\text{input complement}),\quad +\tfrac\lambda2"
            r"\ (\text{output complement})",
        ),
        (
            "Limits",
            r"|\lambda|\to\infty&:\ \text{lazy},\quad"
            r" \lambda=0:\ u_i=\frac{s_iu_{i0}}{u_{i0}+(s_i-u_{i0})e^{-2s_iT}}",
        ),
    )


def _kernels():
    return (
        KernelExprs(
            "exact",
            (tl.kt, tl.ks, tl.klam, tl.ku0, tl.ktau),
            tl.mode_kernel(),
            "aligned λ-balanced mode: u (W2W1), a2 (W1ᵀW1), b2 (W2W2ᵀ) at time t",
        ),
    )


@functools.cache
def _solve_setup() -> SolveSetup:
    """Equal rates η = 1/τ at (d_in, h, d_out) = (2, 1, 1): c = ηλ is the one
    entry of the conserved matrix, F is 3×3 and the rotation slice about Σyx
    splits it into 2×2 and 1×1 blocks."""
    sy = tl.symbols(2, 1, 1)
    c = (tl.eta * (sy["W2"].T * sy["W2"] - sy["W1"] * sy["W1"].T))[0, 0]
    return SolveSetup(tl.model(2, 1, 1, equal_rates=True),
                      {sp.Symbol("c", real=True): c},
                      "equal rates η = 1/τ, sizes (d_in, h, d_out) = (2, 1, 1), "
                      "c = ηλ")


def derivation() -> Derivation:
    """The λ-balanced two-layer linear derivation bundle."""
    return Derivation(
        solve_setup=_solve_setup,
        name="two_layer_linear_balanced",
        title="λ-balanced two-layer linear network W₂W₁x (Dominé et al. 2024)",
        model=tl.model(2, 2, 2),
        flow=tl.flow(2, 2, 2),
        conserved={
            f"C_{i}_{j}": c
            for (i, j), c in zip(
                itertools.product(range(2), repeat=2), tl.conserved_matrix(2, 2, 2)
            )
            if i <= j
        },
        solution=tl.solution(),
        claims=claims(),
        references=tl.REFERENCES,
        sections=_sections(),
        kernels=_kernels,
    )
