"""The claims of the spectral condition that rest on sampled matrices, and those
about the exact wide linear network (the NTK ratio, its width exponents, and the
slopes measured on the exact solution)."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .. import wide_linear_scalar as wls
from .._standard import Check, Identity
from . import widths
from .numeric import spectral_norm
from .widths_numeric import SETTINGS, WIDTHS, slope

__all__ = ["ADAM_LOW_RANK", "GAUSSIAN", "NTK_RATIO", "SETTINGS", "WIDTH_SLOPES"]

_SHAPES = ((64, 64), (256, 64), (64, 256), (256, 256), (512, 128), (1024, 32))


def _norm(A: np.ndarray) -> float:
    """‖A‖_* by LAPACK: the largest eigenvalue of the small side's Gram matrix."""
    gram = A.T @ A if A.shape[1] <= A.shape[0] else A @ A.T
    return float(np.sqrt(np.linalg.eigvalsh(gram)[-1]))


def _gaussian():
    """‖G‖_* of N(0, σ²) matrices against σ(√n_out + √n_in)."""
    rng = np.random.default_rng(2023)
    worst, means = 0.0, []
    for rows, cols in _SHAPES:
        std = rng.uniform(0.1, 3.0)
        ratios = [_norm(std * rng.standard_normal((rows, cols)))
                  / (std * (np.sqrt(rows) + np.sqrt(cols))) for _ in range(4)]
        worst = max(worst, max(abs(r - 1) for r in ratios))
        means.append(float(np.mean(ratios)))
    # Gordon: E‖G‖_* ≤ σ(√n_out + √n_in); the sample means sit below, within 6 %
    ok = worst < 0.06 and max(means) <= 1.0
    return ok, "numeric: sampled Gaussian matrices (LAPACK)", worst, (
        f"{len(_SHAPES)} shapes × 4 samples, max |ratio − 1|")


def _adam_updates(rows, cols, rng, steps=3, rank=1, b1=0.9, b2=0.999):
    m = np.zeros((rows, cols))
    v = np.zeros((rows, cols))
    out = []
    for k in range(1, steps + 1):
        g = rng.standard_normal((rows, rank)) @ rng.standard_normal((rank, cols))
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        u = (m / (1 - b1**k)) / np.sqrt(v / (1 - b2**k))
        out.append(spectral_norm(u, rtol=1e-6) / np.sqrt(rows * cols))
    return out


def _adam_low_rank():
    """Adam (ε = 0) with independent rank-1 and rank-2 gradients at each step:
    ‖update‖_*/√(n_out n_in) at steps 1–3 is width-independent (log–log slope
    over widths 64…512 within ±0.1, values in [0.2, 1]), so the rate 1/n_in keeps
    ‖ΔW‖_* = Θ(√(n_out/n_in)) beyond the first (exact sign) step."""
    widths_ = np.array([64, 128, 256, 512])
    worst, low, high = 0.0, 1.0, 0.0
    for rank in (1, 2):
        per = []
        for w in widths_:
            rng = np.random.default_rng([7, int(w), rank])
            per.append(np.mean([_adam_updates(int(w), int(w), rng, rank=rank)
                                for _ in range(4)], axis=0))
        per = np.array(per)  # (widths, steps)
        low, high = min(low, float(per.min())), max(high, float(per.max()))
        for k in range(per.shape[1]):
            s = np.polyfit(np.log(widths_), np.log(per[:, k]), 1)[0]
            worst = max(worst, abs(float(s)))
    ok = worst <= 0.1 and low >= 0.2 and high <= 1 + 1e-12
    return ok, "numeric: sampled rank-1 and rank-2 gradients", worst, (
        f"max |slope| over 2 ranks × 3 steps; ratios in [{low:.2f}, {high:.2f}]")


def _ntk_ratio():
    """Along the exact τ-form solution (width 2): K = 2cκ²√(p² + E′² − p₀²), so
    K₀ = 2cκ²E′ and K∞/K₀ = √((B² + H)/(p₀² + H)) with H = E′² − p₀²."""
    sy = wls.symbols(2)
    sol = wls.tau_solution(2)
    u = sp.Matrix([sol[s] for s in sy["u"]])
    w = sp.Matrix([sol[s] for s in sy["w"]])
    u0, w0 = sp.Matrix(sy["u_init"]), sp.Matrix(sy["w_init"])
    K = wls.kappa**2 * (wls.eta_u * w.dot(w) + wls.eta_w * u.dot(u))
    E1 = (u0.dot(u0) / wls.rho + wls.rho * w0.dot(w0)) / 2
    p, p0 = u.dot(w), u0.dot(w0)
    scale = 2 * wls.c * wls.kappa**2
    return [K**2 - scale**2 * (p**2 + E1**2 - p0**2),
            K.subs(wls.tau, 0) - scale * E1]


def _width_slopes():
    worst, rows = 0.0, []
    for group in SETTINGS.values():
        for a, b, e in group:
            measured, _ = slope(a, b, e)
            err = abs(measured - widths.exponent(a, b, e))
            worst = max(worst, err)
            rows.append(f"({a}, {b}, {e}): {measured:+.3f}")
    return worst <= 0.05, "numeric: exact solution (wide_linear_scalar), 8 seeds", \
        worst, f"d = {WIDTHS[0]}…{WIDTHS[-1]}; " + ", ".join(rows)


GAUSSIAN = Check(
    "‖G‖_* ≈ σ(√n_l + √n_{l−1}) for Gaussian G (within 6 %, below on average)",
    "sampled matrices, 6 shapes from 64×64 to 1024×32",
    _gaussian,
    ("numeric",),
)
ADAM_LOW_RANK = Check(
    "Adam on low-rank gradients: ‖update‖_* = Θ(√(n_l n_{l−1})) at steps 1–3",
    "rank-1, rank-2 gradients, widths 64…512, |log–log slope| ≤ 0.1",
    _adam_low_rank,
    ("numeric",),
)
NTK_RATIO = Identity(
    "wide linear net: K = 2cκ²√(p² + E'² − p₀²), so K∞/K₀ = √((B² + H)/(p₀² + H))",
    "τ-form solution of wide_linear_scalar, width 2",
    _ntk_ratio,
)
WIDTH_SLOPES = Check(
    "wide linear net: exact-solution slopes of Δ_K within ±0.05 of the exponents",
    "3 (a, b, e) settings per regime, d = 100…100000, seed-averaged",
    _width_slopes,
    ("numeric",),
)
