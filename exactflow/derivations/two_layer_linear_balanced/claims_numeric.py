"""The λ-balanced claims checked on the evaluated forms: the overflow-safe per-mode
kernel against the textbook form, the rich (λ = 0) and lazy (|λ| → ∞) limits, and
:func:`~.numeric.trajectory` against the closed form at 50 digits."""

from __future__ import annotations

import random

import mpmath
import numpy as np
import sympy as sp

from ...symbolic.proof.verify import Claim
from .._standard import Check, Identity, standard_claims
from . import maths as tl
from . import numeric

__all__ = ["FACTS", "claims"]


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
    from ...symbolic.spec.functions import MPMATH_NAMESPACE

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


MODE_KERNEL = Check("per-mode kernel (aligned init) equals the textbook form",
                    "u, a², b² for u₀ > 0 and u₀ < 0, every sign of λ",
                    _mode_equals_textbook, ("numeric",))


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


SAXE_LIMIT = Identity("rich limit λ = 0: each mode is Saxe's sigmoid (kernel form)",
                      "u = s u₀/(u₀ + (s − u₀)e^{−2st/τ})", _saxe_limit)


def _saxe_numeric():
    """λ = 0, aligned small init, (d_in, h, d_out) = (3, 2, 4): W₂W₁ = U diag(uᵢ)Vᵀ."""
    rng = np.random.default_rng(11)
    U, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    V, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    s = np.array([3.0, 1.5, 0.4])
    Syx = U[:, :3] @ np.diag(s) @ V.T
    u0 = np.array([1e-3, 2e-3])
    W1, W2 = numeric.balanced_init(
        U[:, :2] @ np.diag(u0) @ V[:, :2].T,
        0.0,
        2,
        R=np.linalg.qr(rng.normal(size=(2, 2)))[0],
    )
    t = np.linspace(0, 12, 49)
    beta, _, _ = numeric.trajectory(t, W1, W2, Syx.T, eta=1 / 1.5)
    T = t[:, None] / 1.5
    u = s[:2] * u0 / (u0 + (s[:2] - u0) * np.exp(-2 * s[:2] * T))
    want = np.einsum("ik,mk,jk->mij", U[:, :2], u, V[:, :2])
    err = float(np.max(np.abs(beta - want)))
    return err < 1e-10, "numeric: closed form vs Saxe sigmoids", err, "49 times"


SAXE_NUMERIC = Check("rich limit λ = 0: aligned init decouples into Saxe sigmoids",
                     "W₂W₁(t) = U diag(uᵢ(t)) Vᵀ, error < 1e-10", _saxe_numeric,
                     ("numeric",))


def _lazy_case(lam):
    rng = np.random.default_rng(5)
    Syx = rng.normal(size=(2, 3))
    W1, W2 = numeric.balanced_init(0.3 * rng.normal(size=(2, 3)), lam, 2)
    t = np.concatenate([[0.0], np.geomspace(1e-3, 60.0, 80) / abs(lam)])
    beta, K1, K2 = numeric.trajectory(t, W1, W2, Syx.T)
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


LAZY_LIMIT = Check(
    "lazy limit |λ| → ∞: NTK frozen and linearised dynamics to O(1/|λ|)",
    "relative NTK drift and gap to the frozen-NTK map shrink ≥ 1 decade per "
    "decade of |λ|",
    _lazy_limit,
    ("numeric",),
)


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
        W1, W2 = numeric.balanced_init(
            0.5 * rng.normal(size=(d_out, d_in)),
            lam,
            h,
            R=np.linalg.qr(rng.normal(size=(h, h)))[0],
        )
        for t in (0.0, 0.37, 4.0, 25.0):
            beta, K1, K2 = numeric.trajectory(np.array(t), W1, W2, Syx.T, eta=1 / 0.8)
            P, _ = _mp_closed_form(t, W1, W2, Syx, 0.8)
            got = np.block([[K1, beta.T], [beta, K2]])
            worst = max(
                worst, float(np.max(np.abs(got - P)) / max(1, np.max(np.abs(P))))
            )
            cases += 1
    return worst < 1e-12, "numeric: vs mpmath (≥ 50 digits)", worst, f"{cases} points"


TRAJECTORY = Check("trajectory() (overflow-safe factored form) equals the closed form",
                   "vs 50-digit mpmath, incl. h > d_in, d_out, singular F, Σyx = 0",
                   _trajectory_vs_mpmath, ("numeric",))

#: this module's declarations, in verification order (:mod:`.claims` lists them)
FACTS = (MODE_KERNEL, SAXE_LIMIT, SAXE_NUMERIC, LAZY_LIMIT, TRAJECTORY)


def claims() -> tuple[Claim, ...]:
    """The per-mode kernel, the rich and lazy limits, trajectory() (in this order)."""
    return standard_claims(*FACTS)
