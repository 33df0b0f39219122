"""Vector-level single-neuron functions on plain arrays (docs §5–§7).

These wrap the generated ``exact`` kernel: the whitened solution reduces to three
scalars per point (a, the component of w along β*, and the decay factor of the
component orthogonal to β*), which the kernel evaluates with broadcasting; the
vectors are assembled here.

Every start is first brought to unit scale by the flow's scaling symmetry
(a, w, β*, t) → (a/m, w/m, β*/m², m²t), with m a power of two (so the scaling
is exact): the kernel then sees O(1) values, and starts from 1e-150 to 1e150
give the same relative accuracy as O(1) ones.  The implicit bias is in
:mod:`.numeric_bias`.
"""

from __future__ import annotations

from contextlib import nullcontext
from types import SimpleNamespace

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import learning_rate as _rate
from .numeric_bias import implicit_bias

__all__ = [
    "trajectory",
    "kernel_distance",
    "kernel_distance_between",
    "ntk",
    "implicit_bias",
]

#: the largest number of the flow's own time units t·√(η_aη_w)·m² (m ≥ the scale)
TIME_UNITS = 1e305


def _kernel():
    return generated_kernel(__package__)


def _pow2(x: np.ndarray) -> np.ndarray:
    """The power of two nearest above ``x`` > 0 (1 where x = 0)."""
    with np.errstate(divide="ignore"):
        e = np.ceil(np.log2(np.where(x > 0, x, 1.0)))
    return np.ldexp(1.0, e.astype(int))


def _inputs(t, a0, w0, beta_star, eta_a, eta_w):
    """Checked arrays: t, a0 (B,) or (), w0 (B, d) or (d,), β*, rates, batched."""
    t = _finite("t", t)
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the closed form runs forward)")
    w0 = _finite("w0", w0, ndim=(1, 2))
    d = w0.shape[-1]
    beta_star = _finite("beta_star", beta_star, ndim=(1,))
    if beta_star.shape != (d,):
        raise ValueError(
            f"beta_star must have shape ({d},) to match w0, got {beta_star.shape}"
        )
    batched = w0.ndim == 2
    a0 = _finite("a0", a0, ndim=(1,) if batched else (0, 1))
    if a0.ndim == 1 and not batched:
        batched, w0 = True, np.broadcast_to(w0, (a0.shape[0], d))
    if batched and a0.ndim == 0:
        a0 = np.full(w0.shape[0], float(a0))
    if batched and a0.shape != (w0.shape[0],):
        raise ValueError(
            f"a0 must have shape ({w0.shape[0]},) to match w0, got {a0.shape}"
        )
    return t, a0, w0, beta_star, _rate("eta_a", eta_a), _rate("eta_w", eta_w), \
        batched


def _check_resolvable(a0, p0, r0, s, rate_a, rate_w):
    """At unit scale the kernel's D = √(δ̃² + 4s²) must not underflow: a start
    balanced to below 1e-153 of its own scale with a target below 1e-153 of it
    (e.g. a₀ = ‖w₀‖ = 1e100, ‖β*‖ = 1) is refused rather than answered wrongly."""
    with np.errstate(under="ignore"):
        dl = rate_w * a0 * a0 - rate_a * (p0 * p0 + r0 * r0)
        tiny = np.maximum(np.abs(dl), 2 * s) < 1e-153  # squares below 1e-306
    if np.any(tiny & ((dl != 0) | (s != 0))):
        raise ValueError(
            "a0, w0, beta_star are outside the domain: the start is balanced "
            "(|η_w a0² − η_a‖w0‖²| < 1e-153·m²) and ‖beta_star‖ < 1e-153·m², "
            "m² = max(k²a0², ‖w0‖²/k²); D = √(δ̃² + 4s²) would underflow")


def _scaled(t, a0, w0, beta_star, eta_a, eta_w):
    """The kernel at unit scale: a namespace with ``m`` and the kernel's
    outputs ``a``, ``p``, ``g`` (a = m·a, w·β̂* = m·p, Π⊥w(t) = g·Π⊥w0) and its
    scaled inputs (``t``, ``a0``, ``w0``, ``p0``, ``r0``, ``s``)."""
    t, a0, w0, beta_star, eta_a, eta_w, batched = _inputs(
        t, a0, w0, beta_star, eta_a, eta_w)
    d = w0.shape[-1]
    s = float(np.linalg.norm(beta_star))
    e1 = beta_star / s if s > 0 else np.zeros(d)
    p0 = w0 @ e1
    perp0 = w0 - p0[..., None] * e1 if batched else w0 - p0 * e1
    r0 = np.linalg.norm(perp0, axis=-1)
    k = (eta_w / eta_a) ** 0.25  # the kernel's unit-rate scale of a (and 1/k of w)
    size = np.maximum(np.maximum(k * np.abs(a0), np.hypot(p0, r0) / k), np.sqrt(s))
    m = _pow2(size)
    # the time in the flow's own units, t·√(η_aη_w)·m², in logarithms (no overflow)
    with np.errstate(divide="ignore"):
        units = (np.log(np.where(t > 0, t, 1.0)) + 0.5 * np.log(eta_a)
                 + 0.5 * np.log(eta_w))
    expand = (slice(None),) + (None,) * t.ndim if batched else ()
    units = np.where(t > 0, units + 2 * np.log(m[expand]), -np.inf)
    if np.any(units > np.log(TIME_UNITS)):
        raise ValueError(
            "t is beyond the domain: t·√(eta_a·eta_w)·max(k²a0², ‖w0‖²/k², "
            "‖beta_star‖) must be at most 1e305 (time in the flow's own units, "
            "k = (eta_w/eta_a)^(1/4))")
    m = m[expand]
    # unit time: τ = √(η_aη_w)·t·m² (m a power of two: ldexp is exact), and the
    # rates (√(η_a/η_w), √(η_w/η_a)) with the same ratio and unit product
    scaled_t = np.ldexp(t * np.sqrt(eta_a) * np.sqrt(eta_w),
                        2 * np.frexp(m)[1] - 2)
    rate_a, rate_w = np.sqrt(eta_a / eta_w), np.sqrt(eta_w / eta_a)
    a0s, p0s, r0s, ss = (a0[expand] / m, p0[expand] / m, r0[expand] / m,
                         s / m**2)
    _check_resolvable(a0s, p0s, r0s, ss, rate_a, rate_w)
    # g multiplies Π⊥w₀: where that is 0 any g is exact, but the kernel's g at
    # the saddle a₀ = p₀ = r₀ = 0 overflows at long times (inf·0 = NaN)
    with np.errstate(over="ignore") if np.any(r0s == 0) else nullcontext():
        a, p, g = _kernel()(scaled_t, a0s, p0s, r0s, ss, rate_a, rate_w)
    g = np.where(r0s == 0, 1.0, g)
    w0s = w0[expand] / m[..., None] if batched else w0 / m
    return SimpleNamespace(m=m, a=a, p=p, g=g, e1=e1, perp0=perp0, batched=batched,
                           t=scaled_t, a0=a0s, w0=w0s, p0=p0s, r0=r0s, s=ss,
                           eta_a=rate_a, eta_w=rate_w)


def trajectory(t, a0, w0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""Exact (a(t), w(t)) of the single neuron on whitened data (Σxx = I, Σxy = β*).

    Parameters
    ----------
    t : array_like
        Times, ``t ≥ 0``, any shape.
    a0 : float or array of shape (B,)
        Initial second-layer weight(s); any sign, including 0.
    w0 : array of shape (d,) or (B, d)
        Initial first-layer weights.
    beta_star : array of shape (d,)
        The target β* = Σxy (may be 0).
    eta_a, eta_w : float
        Positive layer-wise learning rates.

    Returns
    -------
    a : ndarray of shape ``t.shape`` (or ``(B,) + t.shape``)
    w : ndarray of shape ``t.shape + (d,)`` (or ``(B,) + t.shape + (d,)``)

    Notes
    -----
    One formula for every δ = η_w a₀² − η_a‖w₀‖² (docs §5); overflow-safe for
    large t.

    Domain: |a₀|, ‖w₀‖ ∈ {0} ∪ [1e-150, 1e150], ‖β*‖ ∈ {0} ∪ [1e-150, 1e150],
    rates with η_w/η_a ∈ [1e-12, 1e12], except a start balanced to within
    1e-153 of m² with ‖β*‖ < 1e-153·m² (ValueError: D would underflow), and
    t ≥ 0 up to 1e305 of the flow's own
    time units: t·√(η_aη_w)·m² ≤ 1e305 with m = max(k|a₀|, ‖w₀‖/k, √‖β*‖),
    k = (η_w/η_a)^{1/4} (beyond it: ValueError naming t).  Accuracy: relative
    error ≤ 1e-10 against a 50-digit evaluation, or ten times the change caused
    by moving the inputs by two ulp where the problem itself is that sensitive
    (a start near the saddle's stable manifold); the scaling to unit size is
    exact.
    """
    sc = _scaled(t, a0, w0, beta_star, eta_a, eta_w)
    a, p = sc.m * sc.a, sc.m * sc.p
    w = p[..., None] * sc.e1 + sc.g[..., None] * _lift(
        sc.perp0, np.ndim(a) - sc.batched, sc.batched)
    return a, w


def _exponent(size):
    """e with 2^(e−1) ≤ size < 2^e (0 where size = 0): size/2^e is in [½, 1)."""
    size = np.asarray(size, dtype=float)
    return np.where(size > 0, np.frexp(np.where(size > 0, size, 1.0))[1], 0)


def _lift(perp0: np.ndarray, t_ndim: int, batched: bool) -> np.ndarray:
    if batched:
        return perp0.reshape((perp0.shape[0],) + (1,) * t_ndim + perp0.shape[1:])
    return perp0


def ntk(a, w, eta_a: float = 1.0, eta_w: float = 1.0, X=None) -> np.ndarray:
    r"""The function-space preconditioner M = η_w a² I + η_a w wᵀ, or K = X M Xᵀ.

    ``a`` has shape ``S``, ``w`` shape ``S + (d,)``; the result has shape
    ``S + (d, d)`` (or ``S + (n, n)`` with data ``X`` of shape (n, d)).

    Domain: finite a, w, X and rates whose products η a², η‖w‖², and
    ‖X‖²‖M‖ stay below the float64 range (e.g. |a|, ‖w‖ ≤ 1e75 at unit rates);
    a non-finite result raises ValueError.  Accuracy: a few ulp per entry.
    """
    a = _finite("a", a)
    w = _finite("w", w, min_ndim=1)
    if w.shape[:-1] != a.shape:
        raise ValueError(
            f"w must have shape a.shape + (d,) = {a.shape} + (d,), got {w.shape}"
        )
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    d = w.shape[-1]
    if X is not None:
        X = _finite("X", X, ndim=(2,))
        if X.shape[1] != d:
            raise ValueError(f"X must have shape (n, {d}) to match w, got {X.shape}")
    # every factor as mantissa·2^exponent (exact), the products formed from the
    # mantissas and scaled back once: no intermediate underflow (a² of a tiny a
    # next to a large w or X, w_i w_j of entries 1e150 apart) or overflow;
    # K = η_w a² X Xᵀ + η_a (Xw)(Xw)ᵀ, each term scaled back on its own
    am, ea = np.frexp(a)
    with np.errstate(over="ignore", invalid="ignore"):
        if X is None:
            first = np.ldexp(eta_w * (am**2)[..., None, None] * np.eye(d),
                             2 * ea[..., None, None])
            v = w
        else:
            ex = _exponent(np.max(np.abs(X)))
            Xh = np.ldexp(X, -ex)
            first = np.ldexp(eta_w * (am**2)[..., None, None] * (Xh @ Xh.T),
                             2 * (ea[..., None, None] + ex))
            v = w @ X.T  # within the domain |X||w| is far below the float range
        vm, ve = np.frexp(v)
        second = np.ldexp(eta_a * vm[..., :, None] * vm[..., None, :],
                          ve[..., :, None] + ve[..., None, :])
        out = first + second
    if not np.all(np.isfinite(out)):
        raise ValueError("a, w (or X) are beyond the float64 range of the NTK: "
                         "eta_w·a², eta_a·‖w‖² (and ‖X‖²‖M‖) must stay below 1e308")
    return out


def _unit(a, w):
    """(a, w)/c with c a power of two near max(|a|, ‖w‖): the same kernel
    direction, no overflow or underflow in its fourth powers."""
    size = np.maximum(np.abs(a), np.max(np.abs(w), axis=-1))
    c = _pow2(size)
    return a / c, w / c[..., None], size == 0


def kernel_distance_between(a0, w0, a1, w1, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""S = 1 − ⟨K₀, K₁⟩_F / (‖K₀‖_F ‖K₁‖_F) for whitened data (docs §6).

    ``a0``, ``a1`` have shapes S₀, S₁ and ``w0``, ``w1`` shapes S₀ + (d,),
    S₁ + (d,) (S₀, S₁ broadcast); the result has the broadcast shape.  S is
    invariant under scaling either kernel, so every finite (a, w) ≠ (0, 0) is
    in the domain (each pair is scaled to unit size first); accuracy: a few ulp
    of the angle between the kernels.
    """
    a0, a1 = _finite("a0", a0), _finite("a1", a1)
    w0, w1 = _finite("w0", w0, min_ndim=1), _finite("w1", w1, min_ndim=1)
    for name, a, w in (("w0", a0, w0), ("w1", a1, w1)):
        if w.shape[:-1] != a.shape:
            raise ValueError(f"{name} must have shape a{name[1]}.shape + (d,) = "
                             f"{a.shape} + (d,), got {w.shape}")
    if w0.shape[-1] != w1.shape[-1]:
        raise ValueError(f"w0 and w1 must have the same last dimension d, got "
                         f"{w0.shape} and {w1.shape}")
    try:
        np.broadcast_shapes(a0.shape, a1.shape)
    except ValueError:
        raise ValueError(f"a0 {a0.shape} and a1 {a1.shape} (w0, w1 without their "
                         "last axis) do not broadcast together") from None
    eta_a, eta_w = _rate("eta_a", eta_a), _rate("eta_w", eta_w)
    (a0, w0, zero0), (a1, w1, zero1) = _unit(a0, w0), _unit(a1, w1)
    if np.any(zero0) or np.any(zero1):
        which = "a0, w0" if np.any(zero0) else "a1, w1"
        raise ValueError(f"{which} must not both be 0: the kernel distance needs "
                         "non-zero kernels")
    return _distance(a0, w0, a1, w1, eta_a / eta_w)


def _distance(a0, w0, a1, w1, ratio):
    """S for unit-size (a, w) pairs; ``ratio`` = η_a/η_w (the kernel is
    η_w(a²I + ratio·wwᵀ))."""
    d = w0.shape[-1]
    n0, n1 = np.sum(w0 * w0, -1), np.sum(w1 * w1, -1)
    dot = np.sum(w0 * w1, -1)
    inner = d * a0**2 * a1**2 + ratio * (a0**2 * n1 + a1**2 * n0) + ratio**2 * dot**2
    norm0 = np.sqrt(d * a0**4 + 2 * ratio * a0**2 * n0 + ratio**2 * n0**2)
    norm1 = np.sqrt(d * a1**4 + 2 * ratio * a1**2 * n1 + ratio**2 * n1**2)
    return np.clip(1.0 - inner / (norm0 * norm1), 0.0, 1.0)


def kernel_distance(t, a0, w0, beta_star, eta_a: float = 1.0, eta_w: float = 1.0):
    r"""S(0, t) along the exact whitened trajectory (shape as ``trajectory``'s a).

    Same arguments and domain as :func:`trajectory`, with (a₀, w₀) ≠ (0, 0).
    S depends on the direction of (a(t), w(t)) only, which is evaluated at unit
    scale; on the saddle's stable manifold, where a(t) and w(t) underflow to 0,
    the direction is the exact one along it, formed in logarithms (docs §6).
    Accuracy: as :func:`trajectory`, for the angle between the kernels.
    """
    sc = _scaled(t, a0, w0, beta_star, eta_a, eta_w)
    t_ndim = np.ndim(sc.a) - sc.batched
    perp = _lift(sc.perp0, t_ndim, sc.batched) / sc.m[..., None]
    w = sc.p[..., None] * sc.e1 + sc.g[..., None] * perp
    a = np.broadcast_to(sc.a, w.shape[:-1])
    a_start = np.broadcast_to(sc.a0, a.shape)
    w_start = np.broadcast_to(sc.w0, w.shape)
    if np.any((a_start == 0) & np.all(w_start == 0, axis=-1)):
        raise ValueError("a0, w0 must not both be 0: the kernel distance needs a "
                         "non-zero kernel at t = 0")
    lost = (a == 0) & np.all(w == 0, axis=-1)  # underflowed along the manifold
    if np.any(lost):
        da, dw = _manifold_direction(sc, a.shape)
        a, w = np.where(lost, da, a), np.where(lost[..., None], dw, w)
    (ua0, uw0, _), (ua, uw, _) = _unit(a_start, w_start), _unit(a, w)
    return _distance(ua0, uw0, ua, uw, sc.eta_a / sc.eta_w)


def _manifold_direction(sc, shape):
    """(a, w) up to a positive factor on the saddle's stable manifold (P = 0).

    In unit-rate coordinates (q, u, r) = (kã, w·β̂*/k, ‖Π⊥w‖/k) the part
    z = (q, u) ∝ z₀e^{−Dτ/2} and r ∝ ρ₀e^{−δ̃τ/2} (the same factor 1/√Λ), so
    the direction is (z₀, ρ₀e^{(D−δ̃)τ/2}) with D − δ̃ ≥ 0 formed without
    cancellation and the exponential kept in logarithms.
    """
    k = (sc.eta_w / sc.eta_a) ** 0.25
    q0 = np.broadcast_to(k * sc.a0, shape)
    u0 = np.broadcast_to(sc.p0 / k, shape)
    rho0 = np.broadcast_to(sc.r0 / k, shape)
    s = np.broadcast_to(sc.s, shape)
    z = np.hypot(q0, u0)
    dl = (q0 - np.hypot(u0, rho0)) * (q0 + np.hypot(u0, rho0))  # δ̃ at unit scale
    big_d = np.hypot(dl, 2 * s)
    gap = np.where(dl >= 0, 4 * s * s / np.where(big_d + dl > 0, big_d + dl, 1.0),
                   big_d - dl)
    tau = np.sqrt(sc.eta_a * sc.eta_w) * np.broadcast_to(sc.t, shape)
    with np.errstate(divide="ignore"):
        lr = np.log(rho0) - np.log(z) + gap * tau / 2  # log(r/|z|) ≤ +∞
    z_scale = np.where(lr > 0, np.exp(-np.minimum(lr, 800.0)), 1.0)
    r_scale = np.where(lr > 0, 1.0, np.exp(np.maximum(lr, -800.0)))
    with np.errstate(invalid="ignore", divide="ignore"):
        zq, zu = np.where(z > 0, q0 / z, 0.0), np.where(z > 0, u0 / z, 0.0)
    perp = _lift(sc.perp0, np.ndim(sc.t) if not sc.batched else np.ndim(sc.t) - 1,
                 sc.batched)
    norm = np.linalg.norm(perp, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        perp = np.where(norm > 0, perp / np.where(norm > 0, norm, 1.0), 0.0)
    a = z_scale * zq / k
    w = (z_scale * zu * k)[..., None] * sc.e1 + (r_scale * k)[..., None] * perp
    return a, w
