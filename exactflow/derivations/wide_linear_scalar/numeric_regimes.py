r"""Kernel regime or feature learning of the width-d scalar-data network.

The rule and the mechanisms are defined in :mod:`.numeric` (module docstring):
:func:`classify` applies them to one initialisation on its exact t → ∞ state,
:func:`regime` to the expected invariants of a random initialisation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._checks import positive_scalar as _positive
from .._checks import real_scalar as _real
from .._renamed import renamed
from .numeric import _amplitudes, _data, _init, _rates

__all__ = ["classify", "regime", "Regime"]


@dataclass(frozen=True)
class Regime:
    """The classification of one setting (see the module docstring for the rule).

    Attributes
    ----------
    kind : {"kernel", "feature"}
    mechanism : {"alignment", "disalignment", "rescaling"} or None
        The dominant mechanism in the feature-learning regime (None for kernel).
    ntk_change : float
        Δ_K, the largest relative NTK change along the path.
    angular_share : float
        A/Δp ∈ [0, 1] (1 − angular_share is the rescaling share); 0 if Δp = 0.
    cos_change : float
        cos∠(u, w) at t = ∞ minus at t = 0.
    p0, p_inf, gram, h : float
        p at t = 0 and ∞, G and H = −4P₊P₋.
    """

    kind: str
    mechanism: str | None
    ntk_change: float
    angular_share: float
    cos_change: float
    p0: float
    p_inf: float
    gram: float
    h: float


def _cos(p: float, g: float) -> float:
    den = math.hypot(p, g)
    return p / den if den > 0 else math.copysign(0.0, p)


def _rule(p0, p_inf, g, h, tol) -> Regime:
    # g = √G, h = √H: square roots, so that tiny starts do not underflow
    if p0 == 0 and h == 0:
        raise ValueError(
            "u0 and w0 are both zero: the origin is a fixed point (NTK = 0)"
        )
    k0, k_inf = math.hypot(p0, h), math.hypot(p_inf, h)
    crosses = min(p0, p_inf) <= 0.0 <= max(p0, p_inf)
    # K∞/K₀ − 1 = (p∞ − p₀)(p∞ + p₀)/(K₀(K∞ + K₀)) and 1 − √H/K₀ =
    # p₀²/(K₀(K₀ + √H)), without the cancellation of a ratio minus 1 (which
    # left Δ_K ~ 1e-24 at a few ulp of 1: init_scale 1e6), as bounded ratios
    grow = abs((p_inf - p0) / k0 * ((p_inf + p0) / (k_inf + k0)))
    if crosses:
        low = abs(p0 / k0 * (p0 / (k0 + h)))
    else:
        low = grow if k_inf < k0 else 0.0
    change = max(grow, low)
    dp = p_inf - p0
    angular = g * (math.atan(p_inf / g) - math.atan(p0 / g)) if g > 0 else 0.0
    share = angular / dp if dp != 0 else 0.0
    share = min(max(share, 0.0), 1.0)
    if change <= tol:
        kind, mechanism = "kernel", None
    else:
        kind = "feature"
        if share >= 0.5:
            mechanism = "alignment" if dp > 0 else "disalignment"
        else:
            mechanism = "rescaling"
    return Regime(kind, mechanism, change, share, _cos(p_inf, g) - _cos(p0, g), p0,
                  p_inf, g * g, h * h)


def _tol(tol) -> float:
    return _positive("tol", tol, "a positive tolerance")


@renamed(alpha="sigma_xx", beta="sigma_xy")
def classify(u0, w0, sigma_xx: float, sigma_xy: float, kappa: float = 1.0,
             eta_u: float = 1.0, eta_w: float = 1.0, tol: float = 0.1) -> Regime:
    r"""Kernel regime or feature learning (with its mechanism) for one init.

    ``u0``, ``w0`` have shape ``(d,)``; the rule is the module docstring's, on the
    exact t → ∞ state: p∞ = β/(ακ) if τ(∞) is finite, else 0.  Domain: that of
    :func:`trajectory` (norms down to 1e-100 included); ``ValueError`` naming the
    argument outside it, and for u0 = w0 = 0 (the origin, a fixed point).

    Accuracy: against the rule evaluated with 40-digit invariants (600 digits
    for Δ_K): Δ_K, p0, p∞ and H to 1e-12 relative (Δ_K also when it is 1e-281),
    the angular share and Δcos to 1e-12 absolute, G to 16 ulp of ‖u₀‖²‖w₀‖²,
    at norms 1e-100 … 1e70, exact alignment (G = 0), exact balance and
    escaping orbits, rates 1e±3.
    """
    u0, w0 = _init(u0, w0)
    if u0.ndim != 1:
        raise ValueError(f"u0 must have shape (d,), got {u0.shape}")
    sigma_xx, sigma_xy, kappa = _data(sigma_xx, sigma_xy, kappa)
    eta_u, eta_w = _rates(eta_u, eta_w)
    tol = _tol(tol)
    rho = math.sqrt(eta_u / eta_w)
    P_plus, P_minus, _, _ = _amplitudes(u0, w0, rho)
    P_plus, P_minus = float(P_plus), float(P_minus)
    p0, nn = float(u0 @ w0), float(np.linalg.norm(u0) * np.linalg.norm(w0))
    g = math.sqrt(max(nn - abs(p0), 0.0)) * math.sqrt(nn + abs(p0))
    h = 2.0 * math.sqrt(P_plus) * math.sqrt(-P_minus)
    target = sigma_xy / (sigma_xx * kappa)
    # τ(∞) is infinite exactly when P₊ = 0 and β ≥ 0 or P₋ = 0 and β ≤ 0
    escapes = (P_plus == 0 and sigma_xy >= 0) or (P_minus == 0 and sigma_xy <= 0)
    p_inf = 0.0 if escapes else target
    return _rule(p0, p_inf, g, h, tol)


@renamed(alpha="sigma_xx", beta="sigma_xy")
def regime(
    width: int,
    eta_ratio: float,
    kappa: float,
    init_scale: float,
    *,
    sigma_xx: float = 1.0,
    sigma_xy: float = 1.0,
    tol: float = 0.1,
) -> Regime:
    r"""Classify a hyper-parameter setting: kernel regime or feature learning.

    Parameters
    ----------
    width : int
        d ≥ 1.
    eta_ratio : float
        η_u/η_w > 0 (only the ratio matters: c rescales time).
    kappa : float
        Output scale κ > 0 (e.g. 1/√d for NTK scaling, 1/d for mean field).
    init_scale : float
        σ > 0: entries of u₀, w₀ i.i.d. with variance σ²; the rule is applied to
        the expected invariants ‖u₀‖² = ‖w₀‖² = dσ², p₀ = 0, hence
        G = d²σ⁴, H = d²σ⁴(ρ + 1/ρ)²/4 (ρ² = η_u/η_w).
    sigma_xx, sigma_xy : float
        Data moments α = E[x²] > 0, β = E[xy] (formerly ``alpha``, ``beta``).
    tol : float
        Kernel-regime tolerance on the relative NTK change.

    Notes
    -----
    For this typical initialisation Δ_K = √(1 + q²) − 1 with
    q = 2β/(ακ dσ²(ρ + 1/ρ)); kernel ⟺ q² ≤ (1 + tol)² − 1.  So NTK scaling
    (κ = d^{−1/2}) is kernel as d → ∞ (Δ_K ≈ q²/2 ∝ 1/d), mean-field scaling
    (κ = 1/d) gives the same answer at every width, a large init σ or a large κ
    gives the kernel regime, and so does a very unequal rate ratio (ρ + 1/ρ → ∞:
    one layer is effectively frozen, the model is linear in the other).  In the
    feature regime the angular share is atan(q')/q' with q' = β/(ακdσ²): alignment
    (β > 0) or disalignment (β < 0) for |q'| ≤ 2.33, rescaling beyond.

    Domain: width 1 … 1e6 (any positive integer), η_u/η_w, κ, σ_xx in
    [1e-3, 1e3], init_scale in [1e-6, 1e6], any finite σ_xy, tol > 0;
    ``ValueError`` naming the argument outside it.
    Accuracy: as :func:`classify` (Δ_K to 1e-12 relative also at 1e-44,
    init_scale 1e6, where K∞/K₀ − 1 used to cancel to a few ulp of 1).
    """
    if not isinstance(width, (int, np.integer)) or isinstance(width, bool) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    ratio = _positive("eta_ratio", eta_ratio, "a positive learning-rate ratio")
    kappa = _positive("kappa", kappa, "a positive output scale")
    sigma = _positive("init_scale", init_scale, "a positive initialisation scale")
    sigma_xx = _positive("sigma_xx", sigma_xx, "positive (σxx = E[x²])")
    sigma_xy = _real("sigma_xy", sigma_xy)
    tol = _tol(tol)
    rho = math.sqrt(ratio)
    n = int(width) * sigma * sigma
    return _rule(0.0, sigma_xy / (sigma_xx * kappa), n, n * (rho + 1.0 / rho) / 2.0,
                 tol)
