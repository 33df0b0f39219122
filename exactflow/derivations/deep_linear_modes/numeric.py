"""Vector-level deep-linear-mode functions on plain arrays (the docs).

Depth 1 and 2 are closed forms (depth 2 through the generated ``exact`` and
``learning_time`` kernels).  For depth N ≥ 3 the learning time is the
elementary roots-of-unity antiderivative of
:func:`~exactflow.derivations.deep_linear_modes.roots_antiderivative`, evaluated
in NumPy, and the trajectory inverts it by a bracketed, safeguarded Newton
iteration in a variable ξ that grows without bound along the flow (the logit of
u/s below s; ln(z/(z−1)) above s; −ln(|u|/s) for u < 0), to a few ulp of ξ:
the relative error of u is then ≤ 1e-12, or within the problem's own
conditioning (the change of the exact answer when u₀ moves by a few ulp, which
dominates on long plateaus from tiny u₀).  Non-integer depth (learning time
only) uses the Gauss hypergeometric form with mpmath.  That machinery (depth
N ≥ 3 and real depth) is in :mod:`.numeric_deep`.
"""

from __future__ import annotations

import numpy as np

from .._bundle import generated_kernel
from .._checks import finite_array as _finite
from .._checks import positive_scalar as _positive_scalar
from .._renamed import reciprocal, renamed
from ..single_neuron.numeric import trajectory as _neuron
from .numeric_deep import Regime, classify, gauss, invert, learning_time_real

__all__ = [
    "trajectory",
    "learning_time",
    "balanced_weights",
    "two_layer_trajectory",
]

#: the deepest chain: the roots-of-unity sum has N terms per evaluation
MAX_DEPTH = 1000
#: the most time constants (t·K, K = N s^{2−2/N}/τ) a time may span
TIME_UNITS = 1e300


def _depth(depth, allow_real: bool = False):
    if isinstance(depth, (bool, np.bool_)):
        raise TypeError("depth must be a number of weight layers, got a bool")
    if isinstance(depth, (int, np.integer)):
        if not 1 <= depth <= MAX_DEPTH:
            raise ValueError(f"depth must be an integer between 1 and {MAX_DEPTH}, "
                             f"got {depth}")
        return int(depth)
    if allow_real and isinstance(depth, (float, np.floating)):
        if not np.isfinite(depth) or not 1 < depth <= MAX_DEPTH:
            raise ValueError(
                f"a non-integer depth must be a finite real in (1, {MAX_DEPTH}], "
                f"got {depth}"
            )
        return int(depth) if float(depth).is_integer() else float(depth)
    kind = "an integer or a real > 1" if allow_real else "a positive integer"
    raise TypeError(f"depth must be {kind}, got {type(depth).__name__} {depth!r}")


def _unit_scale(s, tau, n, *values):
    """The scaling symmetry u → u/λ, s → s/λ, τ → τλ^{−p} (p = 2 − 2/N) with λ
    the power of two above s: the mode's mathematics at s ∈ (1/2, 1], where
    no power of u or s overflows.  Returns (λ, τ', s', values/λ)."""
    e = np.frexp(s)[1]  # s = f·2^e, f ∈ [1/2, 1)
    lam = np.ldexp(1.0, e)
    p = 2 - 2 / n
    with np.errstate(over="ignore", under="ignore"):
        tau_s = np.exp(np.log(tau) - p * e * np.log(2.0))
    return lam, tau_s, s / lam, [v / lam for v in values]


def _kernel(name: str):
    return generated_kernel(__package__, kernel=name)


def _broadcast(**arrays) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays.values()))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
        raise ValueError(f"arguments do not broadcast together: {shapes}") from None


@renamed(s="beta_star", tau=("eta", reciprocal("tau")))
def trajectory(t, u0, beta_star, depth: int = 2, *, eta: float = 1.0) -> np.ndarray:
    r"""Exact u(t) of a balanced decoupled mode, u̇ = ηN|u|^{2−2/N}(s − u), s = β*.

    Parameters
    ----------
    t : array_like
        Times, ``t ≥ 0``.
    u0 : array_like
        Initial mode strength(s) u₀ = w_N(0)⋯w_1(0); any real value.
    beta_star : array_like
        Target mode strength(s) s = β* (singular values of Σxy), ``β* > 0``
        (formerly ``s``).
    depth : int
        Number of weight layers N ≥ 1.
    eta : float
        Learning rate η > 0, keyword only; Saxe's time constant is τ = 1/η (the
        deprecated ``tau=`` is still accepted).  For layer rates η_l on the
        balanced set, η = (η_1⋯η_N)^{1/N}.

    Returns
    -------
    ndarray
        u(t), of the broadcast shape of ``t``, ``u0`` and ``s`` (e.g. pass
        ``t[None, :]`` and ``u0[:, None]`` for modes × times).

    Notes
    -----
    N = 1: u = s − (s − u₀)e^{−t/τ}.  N = 2: the closed form
    u = u₀/(e^{−2st/τ} + 2u₀∫₀^{t/τ}e^{−2sσ}dσ) (u₀ ≥ 0), of the generated
    ``exact`` kernel, exact and overflow-free for every t.  N ≥ 3: the exact
    learning time (elementary, the docs) inverted numerically, to ≤ 1e-12
    relative or within the conditioning of the problem (module docstring).
    u₀ = 0 and u₀ = s are fixed points; for N ≥ 2 a negative u₀ decays to 0.

    Domain: |u₀|, s in {0} ∪ [1e-150, 1e150] (s > 0), and −u₀/s ≤ 1e50 for a
    negative u₀ at depth ≥ 3, depth 1 … 1000, η > 0, t ≥ 0 up to 1e300 time
    constants τ/(N s^{2−2/N}); ``ValueError`` naming the argument outside (t
    beyond that bound, s ≤ 0, such a u₀, NaN, ±inf).
    Accuracy: relative error of u ≤ 1e-12 plus 100 times the problem's own
    conditioning (the change of u(t) when u₀ and t move by an ulp, which
    dominates on the plateaus from tiny u₀ at large N) against the 80-digit
    learning-time integral, for u₀/s from −1e30 to 1e30; depth 1 is exact to
    a few ulp; at the longest times u is the attractor to the last ulp.
    """
    n = _depth(depth)
    tau = 1.0 / _positive_scalar("eta", eta)
    t, u0, s = _broadcast(t=_finite("t", t), u0=_finite("u0", u0),
                          beta_star=_finite("beta_star", beta_star))
    if np.any(t < 0):
        raise ValueError("t must be non-negative (the flow runs forward)")
    if np.any(s <= 0):
        raise ValueError("beta_star must be positive (a mode strength)")
    if n == 1:
        return s - (s - u0) * np.exp(-t / tau)
    if n >= 3 and np.any(-u0 > NEGATIVE_RATIO * s):
        raise ValueError(
            "u0 is outside the domain: a negative u0 must have |u0|/beta_star at "
            "most 1e50 for depth ≥ 3 (the learning-time inversion is not reliable "
            "beyond)")
    lam, tau_s, s1, (v0,) = _unit_scale(s, tau, n, u0)
    lam = np.broadcast_to(lam, v0.shape)
    _check_time(t, n, tau_s)
    with np.errstate(under="ignore"):
        t1 = t / tau_s  # time in units of τ' (then τ = 1)
    if n == 2:
        (out,) = _kernel("exact")(t1, v0, s1, 1.0)
        return np.where(t == 0, u0, lam * out)
    out = np.array(u0, dtype=np.float64, copy=True)
    for kind, mask in classify(v0, s1).items():
        if kind == "fixed" or not np.any(mask):
            continue
        regime = Regime(kind, n, s1[mask], 1.0)
        xi = invert(regime, v0[mask], t1[mask])
        u = lam[mask] * regime.u_of(xi)
        if kind == "neg":  # −s e^{−ξ} in original units: below 1e-308 of s too
            with np.errstate(under="ignore"):
                u = np.where(xi > 700, -np.exp(np.log(s[mask]) - xi), u)
        # u(t) is monotone from u₀ towards the attractor: keep rounding inside
        attractor = np.zeros_like(u) if kind == "neg" else s[mask]
        lo, hi = np.minimum(u0[mask], attractor), np.maximum(u0[mask], attractor)
        out[mask] = np.clip(u, lo, hi)
    return np.where(t == 0, u0, out)  # u(0) = u₀ exactly, not via ξ


#: The largest |u₀|/s of a negative start for depth ≥ 3 (checked to it; the
#: inversion fails to converge at some times from 1e100 on).
NEGATIVE_RATIO = 1e50


def _check_time(t, n, tau_s):
    """t at most :data:`TIME_UNITS` time constants 1/K, K = N s'^p/τ' ≤ N/τ'."""
    with np.errstate(divide="ignore"):
        units = np.log(np.where(t > 0, t, 1.0)) + np.log(n) - np.log(tau_s)
    if np.any((t > 0) & (units > np.log(TIME_UNITS))):
        raise ValueError("t is beyond the domain: t·N·s^(2−2/N)/tau must be at most "
                         "1e300 (time in units of the mode's time constant)")


def _check_reachable(n, u0, uf, s):
    if n == 1:
        ok = ((u0 < s) & (u0 <= uf) & (uf < s)) | ((u0 > s) & (s < uf) & (uf <= u0))
        ok |= (u0 == s) & (uf == s)
    else:
        kinds = classify(u0, s)
        ok = (kinds["rise"] & (u0 <= uf) & (uf < s)) | (
            kinds["fall"] & (s < uf) & (uf <= u0)
        )
        ok |= kinds["neg"] & (u0 <= uf) & (uf < 0)
        ok |= kinds["fixed"] & (uf == u0)
    if not np.all(ok):
        i = np.flatnonzero(~ok.ravel())[0]
        raise ValueError(
            "uf must lie on the forward trajectory from u0, between u0 (inclusive) "
            f"and the attractor (exclusive); got u0={u0.ravel()[i]}, "
            f"uf={uf.ravel()[i]}, beta_star={s.ravel()[i]}, depth={n}"
        )


@renamed(s="beta_star", tau=("eta", reciprocal("tau")))
def learning_time(u0, uf, beta_star, depth=2, *, eta: float = 1.0) -> np.ndarray:
    r"""Exact time for a balanced mode to go from u₀ to u_f (the docs).

    t = (τ/N) ∫_{u₀}^{u_f} du/(|u|^{2−2/N}(s − u)), τ = 1/η, s = β*.

    Parameters
    ----------
    u0, uf : array_like
        Start and end; ``uf`` must lie on the forward trajectory from ``u0``
        (between ``u0`` and the attractor: s, or 0 for u₀ < 0 when N ≥ 2).
    beta_star : array_like
        Target mode strength(s) s = β*, ``β* > 0`` (formerly ``s``).
    depth : int or float
        Number of weight layers N ≥ 1 (integer, any regime), or a real N > 1
        (then only u₀ > 0; the Gauss-hypergeometric form, evaluated with mpmath).
    eta : float
        Learning rate η = 1/τ > 0, keyword only (the deprecated ``tau=`` is
        still accepted).

    Returns
    -------
    ndarray of the broadcast shape.

    Notes
    -----
    N = 1: τ ln((s − u₀)/(s − u_f)); N = 2: the generated ``learning_time``
    kernel, sgn(u₀)(τ/2s) ln(u_f(s − u₀)/(u₀(s − u_f))); integer N ≥ 3: the
    elementary roots-of-unity antiderivative in NumPy.

    Domain: |u₀|, |u_f|, s in [1e-150, 1e150] (s > 0; u_f on the forward
    trajectory from u₀), integer depth 1 … 1000 or real depth in (1, 1000]
    (u₀ > 0), η > 0; ``ValueError`` naming the argument outside it, and when
    the time exceeds the float64 range (u_f too close to s).
    Accuracy: relative error ≤ 1e-12 against the 80-digit integral, for u₀/s
    from −1e30 to 1e30 and u_f one part in 1e15 from s.
    """
    n = _depth(depth, allow_real=True)
    tau = 1.0 / _positive_scalar("eta", eta)
    u0, uf, s = _broadcast(
        u0=_finite("u0", u0), uf=_finite("uf", uf),
        beta_star=_finite("beta_star", beta_star)
    )
    if np.any(s <= 0):
        raise ValueError("beta_star must be positive (a mode strength)")
    if isinstance(n, float):
        if np.any(u0 <= 0):
            raise ValueError("u0 must be positive for a non-integer depth")
        _check_reachable(2, u0, uf, s)
        return _finite_time(learning_time_real(u0, uf, s, n, tau))
    _check_reachable(n, u0, uf, s)
    if n == 1:
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = tau * np.log1p((uf - u0) / (s - uf))
        return _finite_time(np.where(uf == u0, 0.0, out))
    out = np.zeros(u0.shape)
    moving = uf != u0
    # in units of τ' (τ = 1), then scaled back: t = τ'·t₁
    lam, tau_s, s1, (v0, vf) = _unit_scale(s, tau, n, u0, uf)
    if n == 2:
        if np.any(moving):
            (out[moving],) = _kernel("learning_time")(
                v0[moving], vf[moving], s1[moving], 1.0
            )
        return _finite_time(_times_tau(out, tau_s))
    for kind, mask in classify(v0, s1).items():
        mask = mask & moving
        if kind == "fixed" or not np.any(mask):
            continue
        a, b, sm, tm = v0[mask], vf[mask], s1[mask], 1.0
        regime = Regime(kind, n, sm, tm)
        closed = regime.time(regime.xi_of(b), regime.xi_of(a))
        # a short step (≤ 1/4 of the distance to the singular points 0 and s):
        # the difference of the antiderivative would cancel, Gauss–Legendre on
        # the analytic integrand is exact to rounding there (Bernstein ellipse
        # ρ ≥ 17)
        gap = np.minimum(np.minimum(np.abs(a), np.abs(b)),
                         np.minimum(np.abs(sm - a), np.abs(sm - b)))
        short = np.abs(b - a) <= gap / 4
        if np.any(short):
            closed[short] = gauss(n, a[short], b[short], sm[short], tm)
        out[mask] = closed
    return _finite_time(_times_tau(out, tau_s))


def _times_tau(t1, tau_s):
    with np.errstate(over="ignore", under="ignore"):
        return t1 * tau_s


def _finite_time(out: np.ndarray) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise ValueError("u0, uf, s, tau give a learning time beyond the float64 "
                         "range (> 1.8e308): uf is too close to the attractor or "
                         "tau too large")
    return out


def balanced_weights(u, rates) -> np.ndarray:
    r"""Balanced chain weights with product u: w_l = √η_l (|u|/√(η_1⋯η_N))^{1/N}.

    All w_l²/η_l are equal (every conserved difference is 0); the first weight
    carries the sign of u.  Returns shape ``u.shape + (N,)``.

    Notes
    -----
    Domain: |u| in {0} ∪ [1e-100, 1e100], rates of shape (N,) in
    [1e-20, 1e20]; ``ValueError`` naming the argument outside it.
    Accuracy: the product and every w_l²/η_l to 4N ulp (40-digit mpmath).
    """
    u = _finite("u", u)
    rates = _finite("rates", rates)
    if rates.ndim != 1 or rates.size < 1:
        raise ValueError(f"rates must have shape (N,), got {rates.shape}")
    if np.any(rates <= 0):
        raise ValueError("rates must be positive learning rates")
    n = rates.size
    with np.errstate(divide="ignore"):  # u = 0 gives log 0 = −∞, hence mag = 0
        mag = np.exp((np.log(np.abs(u)) - 0.5 * np.sum(np.log(rates))) / n)
    w = np.sqrt(rates) * mag[..., None]
    # exp(ln|u|/N) is off by eps·|ln|u||/N relative (1e-14 at |u| = 1e-100):
    # one common factor c = (|u|/∏w_l)^{1/N} ≈ 1 restores the product to a few
    # ulp and keeps every w_l²/η_l equal
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.abs(u) / np.prod(w, axis=-1)
    w = w * np.exp(np.log(np.where(u != 0, ratio, 1.0)) / n)[..., None]
    w[..., 0] = np.where(u < 0, -w[..., 0], w[..., 0])
    return w


@renamed(s="beta_star", eta1="eta_w1", eta2="eta_w2")
def two_layer_trajectory(t, w1_0, w2_0, beta_star, eta_w1: float = 1.0,
                         eta_w2: float = 1.0):
    r"""Exact (w1, w2)(t) of the depth-2 chain for every initialisation.

    The decoupled unbalanced mode is the single neuron of docs/math/single_neuron.md
    with d = 1
    (a = w2, w = w1, η_a = η_w2, η_w = η_w1, β* = s); this delegates to
    :func:`exactflow.derivations.single_neuron.trajectory`.  ``w1_0``, ``w2_0``
    are scalars or arrays of shape (B,); results have shape ``t.shape`` or
    ``(B,) + t.shape``.

    Notes
    -----
    Domain: that of the single neuron with d = 1: |w1_0|, |w2_0|, β* in
    {0} ∪ [1e-150, 1e150], rates in [1e-6, 1e6], t up to 1e305 of the flow's
    time units 1/(√(η_w1η_w2)m²), m = max(k|w2_0|, |w1_0|/k, √β*),
    k = (η_w1/η_w2)^{1/4}; ``ValueError`` naming the argument outside it.
    Accuracy: relative error ≤ 1e-10 (of the larger weight) against DOP853 on
    the raw two-weight flow at rtol 1e-13, weights 1e-100 … 1e100, rate ratio
    1e±12, β* = 0 and starts at rest.
    """
    eta1, eta2 = _positive_scalar("eta_w1", eta_w1), _positive_scalar("eta_w2", eta_w2)
    w1_0, w2_0 = _finite("w1_0", w1_0), _finite("w2_0", w2_0)
    if w1_0.ndim > 1 or w2_0.ndim > 1 or (
        w1_0.ndim == 1 and w2_0.ndim == 1 and w1_0.shape != w2_0.shape
    ):
        raise ValueError(
            f"w1_0 and w2_0 must be scalars or of one shape (B,), got "
            f"{w1_0.shape} and {w2_0.shape}"
        )
    s = _finite("beta_star", beta_star)
    if s.ndim != 0:
        raise ValueError(f"beta_star must be a scalar, got shape {s.shape}")
    batch = max(w1_0.ndim, w2_0.ndim)
    if batch:
        size = max(w1_0.size, w2_0.size)
        w1_0 = np.broadcast_to(w1_0, (size,))[:, None]
        w2_0 = np.broadcast_to(w2_0, (size,))
    else:
        w1_0 = w1_0.reshape(1)
    a, w = _neuron(t, w2_0, w1_0, s.reshape(1), eta_a=eta2, eta_w=eta1)
    return w[..., 0], a
