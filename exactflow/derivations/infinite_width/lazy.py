r"""Lazy limits of three catalog entries: the exact flow tends to kernel flow.

In each entry the function-space flow is ḟ = −Θ(θ)∇_f L with the NTK Θ(θ)
moving with the parameters.  In the lazy limit, as each entry defines it, Θ
is frozen at its initial value on the time scale of training, so the exact
trajectory (from the entry's own closed form) tends to *kernel gradient flow*
with the initial NTK; measured in the natural time τ = ‖Θ₀‖t, the largest
deviation over τ ∈ [0, 3], relative to the initial error, decays like

====================================  =============================  ==========
entry                                  lazy parameter                 rate
====================================  =============================  ==========
``single_neuron`` (whitened)           |δ| → ∞, β₀ fixed (both signs)  |δ|^{−2}
``wide_linear_scalar``                 init scale σ → ∞, p₀ = 0        σ^{−4}
``two_layer_linear_balanced``          λ → ∞, W₂W₁(0) fixed, h = d_out  λ^{−2}
====================================  =============================  ==========

Why: single neuron, M = ((κ+δ)/2)I + ((κ−δ)/2)β̂β̂ᵀ with
κ = |δ| + 2η_aη_w‖β‖²/|δ| + O(|δ|^{−3}), so M − M₀ = O(1/|δ|) against
‖M₀‖ ≈ |δ|.  Wide linear, K = κ²(η_u‖w‖² + η_w‖u‖²) ~ σ², and
dK/dt = 4κ³η_uη_w r p changes K by O(σ^{−2}) over the time 1/K₀ ~ σ^{−2}
(p and r stay O(1) from p₀ = 0).  λ-balanced, W₂W₂ᵀ = λ P + O(1/λ) on the
h-dimensional output space, W₁ᵀW₁ = O(1/λ).  The kernel flows are
f = β* + e^{−M₀t}(β₀ − β*), κp = β/α + (κp₀ − β/α)e^{−αK₀t} and
E = e^{−K₂t}E₀e^{−K₁t} (E = Σyx − W₂W₁).  These use the entries' public
functions only.
"""

from __future__ import annotations

import numpy as np

from .._standard import Check

__all__ = ["single_neuron_gap", "wide_linear_scalar_gap",
           "two_layer_linear_balanced_gap", "PARAMETERS", "RATES", "claims"]

TAUS = np.linspace(0.0, 3.0, 31)
#: the lazy parameters at which each rate is fitted (σ^{-4} reaches rounding
#: sooner, so the wide network uses smaller scales)
PARAMETERS = {"single_neuron": (10.0, 20.0, 40.0, 80.0, 160.0),
              "wide_linear_scalar": (2.0, 4.0, 8.0, 16.0, 32.0),
              "two_layer_linear_balanced": (10.0, 20.0, 40.0, 80.0, 160.0)}
#: the expected power of the lazy parameter
RATES = {"single_neuron": -2.0, "wide_linear_scalar": -4.0,
         "two_layer_linear_balanced": -2.0}


def _expm_sym(m: np.ndarray, t: np.ndarray) -> np.ndarray:
    """e^{−mt} for a symmetric positive semi-definite m, batched over t."""
    lam, v = np.linalg.eigh(m)
    return np.einsum("ij,...j,kj->...ik", v, np.exp(-np.multiply.outer(t, lam)), v)


def single_neuron_gap(delta: float, taus=TAUS, beta0=(0.5, -0.2),
                      beta_star=(0.3, 1.0)) -> float:
    """max_τ ‖β(τ/|δ|) − β_kernel(τ/|δ|)‖ / ‖β* − β₀‖ at imbalance δ (unit rates).

    Parameters
    ----------
    delta : float
        The conserved imbalance η_w a₀² − η_a‖w₀‖² (any sign, |δ| large).
    taus : array of float
        Times in units of 1/|δ|.
    beta0, beta_star : array of shape (2,)
        The initial β₀ = a₀w₀ and the target (whitened data).

    Returns
    -------
    float
    """
    from .. import single_neuron as sn

    b0, bs = np.asarray(beta0, float), np.asarray(beta_star, float)
    a0 = np.sqrt((delta + np.hypot(delta, 2 * np.linalg.norm(b0))) / 2)
    w0 = b0 / a0
    t = np.asarray(taus) / abs(delta)
    a, w = sn.trajectory(t, a0, w0, bs)
    m0 = sn.ntk(np.array(a0), w0)
    kernel = bs + np.einsum("tij,j->ti", _expm_sym(m0, t), b0 - bs)
    return float(np.abs(a[:, None] * w - kernel).max() / np.linalg.norm(bs - b0))


def wide_linear_scalar_gap(scale: float, taus=TAUS, alpha: float = 1.0,
                           beta: float = 0.7) -> float:
    """max_τ |κp(τ/K₀) − kernel flow| / |β/α − κp₀| for u₀ = σ(1, 0, ½) ⟂ w₀ = σe₂.

    Parameters
    ----------
    scale : float
        The initial scale σ.
    taus : array of float
        Times in units of 1/K₀.
    alpha, beta : float
        E[x²] and E[xy].

    Returns
    -------
    float
    """
    from .. import wide_linear_scalar as wl

    u0 = scale * np.array([1.0, 0.0, 0.5])
    w0 = scale * np.array([0.0, 1.0, 0.0])
    k0 = float(wl.ntk(u0, w0))
    t = np.asarray(taus) / k0
    u, w = wl.trajectory(t, u0, w0, alpha, beta)
    p = np.sum(u * w, axis=-1)
    p0 = float(u0 @ w0)
    kernel = beta / alpha + (p0 - beta / alpha) * np.exp(-alpha * k0 * t)
    return float(np.abs(p - kernel).max() / abs(beta / alpha - p0))


def two_layer_linear_balanced_gap(lam: float, taus=TAUS) -> float:
    """max_τ ‖W₂W₁(τ/λ) − kernel flow‖_max / ‖E₀‖_max, (d_in, h, d_out) = (3, 2, 2).

    Parameters
    ----------
    lam : float
        The imbalance λ > 0 of W₂ᵀW₂ − W₁W₁ᵀ = λI.
    taus : array of float
        Times in units of 1/λ.

    Returns
    -------
    float
    """
    from .. import two_layer_linear_balanced as tl

    syx = np.array([[1.0, 0.5, 0.0], [0.0, -0.7, 0.3]])
    w1, w2 = tl.balanced_init(np.array([[0.2, 0.0, 0.1], [0.0, 0.1, 0.0]]), lam, 2)
    t = np.asarray(taus) / lam
    product = tl.trajectory(t, w1, w2, syx.T)[0]
    e0 = syx - w2 @ w1
    kernel = syx - _expm_sym(w2 @ w2.T, t) @ e0 @ _expm_sym(w1.T @ w1, t)
    return float(np.abs(product - kernel).max() / np.abs(e0).max())


GAPS = {"single_neuron": single_neuron_gap,
        "wide_linear_scalar": wide_linear_scalar_gap,
        "two_layer_linear_balanced": two_layer_linear_balanced_gap}


def fitted_rate(name: str, parameters=None, sign: float = 1.0) -> float:
    """The slope of log gap against log lazy parameter for entry ``name``."""
    parameters = PARAMETERS[name] if parameters is None else parameters
    gaps = [GAPS[name](sign * p) for p in parameters]
    return float(np.polyfit(np.log(parameters), np.log(gaps), 1)[0])


def _rate_check(name: str, sign: float = 1.0):
    def check():
        k = fitted_rate(name, sign=sign)
        expected = RATES[name]
        return (abs(k - expected) < 0.15, "numeric: exact closed forms, 5 parameters",
                abs(k - expected), f"slope {k:.3f}, expected {expected:g}")
    return check


def claims():
    """One claim per entry (two for the single neuron: δ → +∞ and δ → −∞)."""
    return tuple(c.claim() for c in (
        Check("lazy limit: single_neuron → kernel flow at rate δ^-2 (δ → +∞)",
              "β(τ/δ) vs β* + e^{−M₀t}(β₀ − β*), β₀ fixed, τ ≤ 3",
              _rate_check("single_neuron"), ("numeric",)),
        Check("lazy limit: single_neuron → kernel flow at rate |δ|^-2 (δ → −∞)",
              "the downstream side, same comparison",
              _rate_check("single_neuron", -1.0), ("numeric",)),
        Check("lazy limit: wide_linear_scalar → kernel flow at rate σ^-4",
              "u₀ = σ(1, 0, ½), w₀ = σ e₂ (p₀ = 0), τ = K₀t ≤ 3",
              _rate_check("wide_linear_scalar"), ("numeric",)),
        Check("lazy limit: two_layer_linear_balanced → kernel flow at rate λ^-2",
              "W₂W₁(0) fixed, (3, 2, 2), τ = λt ≤ 3",
              _rate_check("two_layer_linear_balanced"), ("numeric",)),
    ))
