r"""Vector-level functions of the width-d scalar-data network (docs §2).

The exact solution depends on the initialisation only through the amplitudes
P± = ±‖u₀ ± ρw₀‖²/(4ρ) (and, for the reconstruction of the vectors, the unit vectors
Â± of u₀ ± ρw₀); the generated ``exact`` kernel evaluates the scalar time courses and
the vectors are assembled here.

Mechanisms and regimes (this module's definitions; the paper's are not found)
------------------------------------------------------------------------------
Along the flow the output p = u·w moves monotonically from p₀ to p∞ (= β/(ακ) when
τ(∞) is finite, else 0), and, with the conserved G = ‖u‖²‖w‖² − p² and
H = −4P₊P₋ = G + T²/4 (T = ‖u‖²/ρ − ρ‖w‖²),

* cos∠(u, w) = p/√(p² + G) — **alignment** when it rises, **disalignment** when it
  falls (the cosine moves with p);
* N = ‖u‖‖w‖ = √(p² + G) — **rescaling** (norms change at fixed direction);
* K = 2cκ²√(p² + H) — the NTK.

Since dp = N dC + C dN exactly, Δp splits into an angular part
A = √G [atan(p∞/√G) − atan(p₀/√G)] (change of C at fixed N) and a norm part
R = Δp − A (change of N at fixed C), both of the sign of Δp.

**Rule.** The setting is in the *kernel regime* when the largest relative NTK change
along the path, Δ_K = max_{p ∈ [p₀, p∞]} |√((p² + H)/(p₀² + H)) − 1|, is at most
``tol``; otherwise it is *feature learning*, and the dominant mechanism is
alignment (|A| ≥ |R|, Δp > 0), disalignment (|A| ≥ |R|, Δp < 0) or rescaling
(|R| > |A|).  The rule is applied by :mod:`.numeric_regimes`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import positive_scalar as _positive
from .._checks import real_scalar as _real
from .._checks import scaled_norm as _norm
from .._renamed import renamed

__all__ = ["trajectory", "invariants", "observables", "ntk"]


def _kernel():
    return generated_kernel(__package__)


def _init(u0, w0) -> tuple[np.ndarray, np.ndarray]:
    u0 = _finite("u0", u0)
    if u0.ndim < 1:
        raise ValueError(f"u0 must have shape (..., d), got shape {u0.shape}")
    w0 = _finite("w0", w0)
    if w0.shape != u0.shape:
        raise ValueError(f"w0 must have the shape of u0 {u0.shape}, got {w0.shape}")
    return u0, w0


def _rates(eta_u, eta_w) -> tuple[float, float]:
    return (
        _positive("eta_u", eta_u, "a positive learning rate"),
        _positive("eta_w", eta_w, "a positive learning rate"),
    )


def _amplitudes(u0, w0, rho):
    """(P₊, P₋, Â₊, Â₋): amplitudes and unit vectors of u₀ ± ρw₀."""
    plus, minus = u0 + rho * w0, u0 - rho * w0
    n_plus = np.linalg.norm(plus, axis=-1)
    n_minus = np.linalg.norm(minus, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        e_plus = np.where(n_plus[..., None] > 0, plus / n_plus[..., None], 0.0)
        e_minus = np.where(n_minus[..., None] > 0, minus / n_minus[..., None], 0.0)
    return n_plus**2 / (4 * rho), -(n_minus**2) / (4 * rho), e_plus, e_minus


def invariants(u0, w0, eta_u: float = 1.0, eta_w: float = 1.0):
    r"""The amplitudes (P₊, P₋) = (‖u₀ + ρw₀‖², −‖u₀ − ρw₀‖²)/(4ρ), ρ = √(η_u/η_w).

    ``u0``, ``w0`` have shape ``(..., d)``; the results have shape ``(...)``.
    They are the ``P_plus``, ``P_minus`` inputs of the ``exact`` kernel (computed
    as squared norms, so P₊ ≥ 0 ≥ P₋ exactly, with no cancellation).

    Notes
    -----
    Domain: ‖u0‖, ‖w0‖ in {0} ∪ [1e-100, 1e70], rates in [1e-3, 1e3] (that of
    :func:`trajectory`); ``ValueError`` naming the argument outside it.
    Accuracy: P± to 16 ulp of (‖u₀‖²/ρ + ρ‖w₀‖²)/2 against 40-digit mpmath;
    P₋ = 0 exactly for u₀ = w₀ at equal rates.
    """
    u0, w0 = _init(u0, w0)
    eta_u, eta_w = _rates(eta_u, eta_w)
    P_plus, P_minus, _, _ = _amplitudes(u0, w0, math.sqrt(eta_u / eta_w))
    return P_plus, P_minus


def _data(sigma_xx, sigma_xy, kappa):
    return (
        _positive("sigma_xx", sigma_xx, "positive (σxx = E[x²])"),
        _real("sigma_xy", sigma_xy),
        _positive("kappa", kappa, "a positive output scale"),
    )


def _times(t) -> np.ndarray:
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    return t


def _scalars(t, u0, w0, sigma_xx, sigma_xy, kappa, eta_u, eta_w):
    t = _times(t)
    u0, w0 = _init(u0, w0)
    sigma_xx, sigma_xy, kappa = _data(sigma_xx, sigma_xy, kappa)
    eta_u, eta_w = _rates(eta_u, eta_w)
    rho = math.sqrt(eta_u / eta_w)
    P_plus, P_minus, e_plus, e_minus = _amplitudes(u0, w0, rho)
    nb = u0.ndim - 1  # batch first, then time (docs/conventions.md)

    def lift(x):  # batch + rest -> batch + (1,)*t.ndim + rest
        return x.reshape(x.shape[:nb] + (1,) * t.ndim + x.shape[nb:])

    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        out = _kernel()(
            t, lift(P_plus), lift(P_minus), kappa, sigma_xx, sigma_xy, eta_u, eta_w
        )
    if not all(np.all(np.isfinite(o)) for o in out[:-1]):  # τ(∞) may be ±inf
        raise ValueError("t, u0, w0 are outside the domain of the closed form (a "
                         "value overflows; see the Notes of trajectory)")
    return dict(zip(("tau", "g_plus", "g_minus", "p", "r", "ntk", "tau_inf"), out)), (
        rho, lift(e_plus), lift(e_minus), lift(u0), lift(w0)
    )


@renamed(alpha="sigma_xx", beta="sigma_xy")
def trajectory(t, u0, w0, sigma_xx: float, sigma_xy: float, kappa: float = 1.0,
               eta_u: float = 1.0, eta_w: float = 1.0):
    r"""Exact (u(t), w(t)) of the gradient flow of f(x) = κ(u·w)x on scalar data.

    Parameters
    ----------
    t : array_like
        Times, ``t ≥ 0``, any shape.
    u0, w0 : array of shape (d,) or batch + (d,)
        Initial layers (leading axes: a batch of starts); any values, even 0.
    sigma_xx : float
        α = E[x²] > 0 (formerly ``alpha``, still accepted as a keyword).
    sigma_xy : float
        β = E[xy], any sign (formerly ``beta``).
    kappa : float
        Output scale κ > 0.
    eta_u, eta_w : float
        Positive layer-wise learning rates.

    Returns
    -------
    u, w : ndarray of shape ``batch + t.shape + (d,)``, batch first

    Notes
    -----
    u = √ρ(g₊Â₊ + g₋Â₋), w = (g₊Â₊ − g₋Â₋)/√ρ with g₊ = √P₊e^{cτ},
    g₋ = √(−P₋)e^{−cτ} from the ``exact`` kernel (docs §2).

    Domain: ‖u0‖, ‖w0‖ in {0} ∪ [1e-100, 1e70], σ_xx, κ, rates in [1e-3, 1e3], t
    up to ~1e300/(κ²σ_xx(η_u + η_w)(‖u0‖² + ‖w0‖² + |σ_xy|/(κσ_xx))): finite
    there, ``ValueError`` outside (never NaN).  Accuracy: 1e-12 relative
    against DOP853 on the raw flow.

    Raises
    ------
    ValueError
        For negative or non-finite t, mismatched or non-finite u0/w0, α ≤ 0,
        κ ≤ 0 or a non-positive rate (the message names the argument), and
        outside the domain (see Notes).
    """
    s, (rho, e_plus, e_minus, _, _) = _scalars(
        t, u0, w0, sigma_xx, sigma_xy, kappa, eta_u, eta_w
    )
    gp, gm = s["g_plus"][..., None], s["g_minus"][..., None]
    a_plus, a_minus = gp * e_plus, gm * e_minus
    root = math.sqrt(rho)
    return root * (a_plus + a_minus), (a_plus - a_minus) / root


@dataclass(frozen=True)
class Observables:
    """Exact scalar time courses (arrays of shape ``batch + t.shape``)."""

    tau: np.ndarray  # reparametrised time τ(t)
    p: np.ndarray  # output coefficient u·w
    residual: np.ndarray  # r = β − ακp
    ntk: np.ndarray  # K = κ²(η_u‖w‖² + η_w‖u‖²)
    cos: np.ndarray  # cos∠(u, w) = p/√(p² + G); 0 where u or w vanishes
    norm_u: np.ndarray
    norm_w: np.ndarray
    tau_inf: np.ndarray  # τ(∞) (±inf when the orbit escapes to the origin)


@renamed(alpha="sigma_xx", beta="sigma_xy")
def observables(t, u0, w0, sigma_xx, sigma_xy, kappa=1.0, eta_u=1.0, eta_w=1.0):
    r"""τ, p, r, NTK, cos∠(u, w), ‖u‖, ‖w‖ and τ(∞) along the exact flow.

    Same arguments and domain as :func:`trajectory` (``ValueError`` outside
    it); returns an :class:`Observables`.  cos = p/√(p² + G), the conserved
    G = ‖u₀‖²‖w₀‖² − p₀² with the norms scaled out (0 where u or w vanishes);
    ‖u‖, ‖w‖ are the scaled norms of the vectors of :func:`trajectory`
    (absolute error ~eps·scale, also next to a zero layer).

    Notes
    -----
    Domain: that of :func:`trajectory`; τ(∞) is ±inf where the orbit escapes
    to the origin (P₊ = 0 and σxy ≥ 0, or P₋ = 0 and σxy ≤ 0), never NaN.
    Accuracy: against DOP853 (rtol 1e-13) on the raw flow of (u, w, τ), norms
    1e-100 … 1e70, exact balance and alignment, rates 1e±3: τ, K, ‖u‖, ‖w‖
    to 1e-10 relative, p and r to 1e-10 of ‖u‖‖w‖ + |σxy|/(σxx κ), cos to
    1e-10 absolute, τ(∞) to 1e-10 relative against a long integration.
    """
    s, (rho, e_plus, e_minus, u0, w0) = _scalars(t, u0, w0, sigma_xx, sigma_xy,
                                                 kappa, eta_u, eta_w)
    su, sw = _norm(u0), _norm(w0)
    with np.errstate(divide="ignore", invalid="ignore"):
        uh = np.where(su[..., None] > 0, u0 / su[..., None], 0.0)
        wh = np.where(sw[..., None] > 0, w0 / sw[..., None], 0.0)
    c = np.sum(uh * wh, -1)
    g = np.maximum(np.sum(uh * uh, -1) * np.sum(wh * wh, -1) - c * c, 0.0)
    root_g = su * sw * np.sqrt(g)  # √G
    gp, gm = s["g_plus"][..., None], s["g_minus"][..., None]
    a_plus, a_minus = gp * e_plus, gm * e_minus
    root = math.sqrt(rho)
    norm_u = root * _norm(a_plus + a_minus)
    norm_w = _norm(a_plus - a_minus) / root
    p = s["p"]
    den = np.hypot(p, root_g)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(den > 0, p / np.where(den > 0, den, 1.0), 0.0)
    return Observables(
        s["tau"], p, s["r"], s["ntk"], cos, norm_u, norm_w, s["tau_inf"]
    )


def ntk(u, w, kappa: float = 1.0, eta_u: float = 1.0, eta_w: float = 1.0):
    r"""K = κ²(η_u‖w‖² + η_w‖u‖²), the NTK (a scalar multiplying xx').

    Notes
    -----
    Domain: ‖u‖, ‖w‖ in {0} ∪ [1e-100, 1e70], κ and rates in [1e-3, 1e3];
    ``ValueError`` naming the argument outside it.  Accuracy: 8 ulp relative
    against 40-digit mpmath (a sum of non-negative terms).
    """
    u, w = _finite("u", u), _finite("w", w)
    if u.shape != w.shape or u.ndim < 1:
        raise ValueError(
            f"u, w must have equal shapes (..., d), got {u.shape} and {w.shape}"
        )
    kappa = _positive("kappa", kappa, "a positive output scale")
    eta_u, eta_w = _rates(eta_u, eta_w)
    return kappa**2 * (eta_u * np.sum(w * w, -1) + eta_w * np.sum(u * u, -1))
