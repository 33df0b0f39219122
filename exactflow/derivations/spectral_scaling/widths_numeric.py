r"""The width exponents of :mod:`.widths`, measured on the exact solution.

For each width d and seed, u₀, w₀ ~ N(0, σ₀²d^{−b}) i.i.d., κ = κ₀d^{−a},
η_u = d^{e/2}, η_w = d^{−e/2} (so η_u/η_w = d^{e} and c = √(η_uη_w) = 1), and the
catalog's exact solution (:func:`exactflow.derivations.wide_linear_scalar.observables`)
is evaluated at t = 0 and at a time T after which the residual is provably below
10⁻¹³|r₀|: since K ≥ 2cκ²√H along the flow and ṙ = −αKr, |r(T)| ≤
|r₀|e^{−2αcκ²√H T} (H = −4P₊P₋ from
:func:`~exactflow.derivations.wide_linear_scalar.invariants`).  The relative NTK
change Δ_K = |K(T) − K(0)|/K(0) is averaged over seeds and its log–log slope
against d is compared with :func:`.widths.exponent`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import wide_linear_scalar as wls
from .._checks import finite_array as _finite
from .._checks import positive_scalar as _positive
from .._checks import real_scalar as _real

__all__ = ["WIDTHS", "SETTINGS", "measured_slopes", "ntk_change", "slope"]

#: d = 10², 10^2.5, …, 10⁵
WIDTHS = np.round(10.0 ** np.arange(2.0, 5.01, 0.5)).astype(int)
#: three (a, b, e) per regime, all with a + b > ½ (bounded output at init)
SETTINGS = {
    "lazy": ((0.5, 0.25, 0.0), (1.0, 0.0, 1.0), (0.5, 0.5, -1.0)),
    "feature": ((1.0, 0.0, 0.0), (0.5, 1.0, 1.0), (1.0, 0.5, -1.0)),
    "rich": ((1.0, 0.5, 0.0), (1.5, 0.5, 1.0), (1.0, 1.0, -1.0)),
}
_DECAY = 13 * math.log(10.0)  # e^{−_DECAY} = 1e-13


def _width(d) -> int:
    if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 1:
        raise ValueError(f"d must be a positive integer width, got {d!r}")
    return int(d)


def ntk_change(d: int, a: float, b: float, e: float, seeds: int = 8, *,
               alpha: float = 1.0, beta: float = 1.0, kappa0: float = 1.0,
               sigma0: float = 1.0, seed: int = 0) -> np.ndarray:
    r"""|K∞ − K₀|/K₀ of the exact solution for ``seeds`` initialisations.

    Parameters
    ----------
    d : int
        Width.
    a, b, e : float
        κ = κ₀d^{−a}, init variance σ₀²d^{−b}, η_u/η_w = d^{e}.
    seeds : int
        Number of independent initialisations.
    alpha, beta : float
        Data moments α = E x² > 0, β = E xy ≠ 0.
    kappa0, sigma0 : float
        Prefactors of κ and of the init standard deviation (> 0).
    seed : int
        Seed of the generator (each (d, seed) draws its own stream).

    Returns
    -------
    ndarray of shape (seeds,)
        Δ_K as K(T)/K(0) − 1 in magnitude: accurate to about 10⁻¹⁵ in absolute
        terms (K is rounded to a few ulps), so values below ~10⁻¹² are rounding.
    """
    d = _width(d)
    a, b, e = (_real(k, v) for k, v in (("a", a), ("b", b), ("e", e)))
    if isinstance(seeds, bool) or not isinstance(seeds, (int, np.integer)) or seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    alpha = _positive("alpha", alpha, "positive (α = E[x²])")
    beta = _real("beta", beta)
    if beta == 0:
        raise ValueError("beta must be non-zero (β = 0 leaves nothing to learn)")
    kappa = _positive("kappa0", kappa0) * d ** (-a)
    std = _positive("sigma0", sigma0) * d ** (-b / 2)
    eta_u, eta_w = d ** (e / 2), d ** (-e / 2)
    rng = np.random.default_rng([int(seed), d])
    u0 = std * rng.standard_normal((int(seeds), d))
    w0 = std * rng.standard_normal((int(seeds), d))
    P_plus, P_minus = wls.invariants(u0, w0, eta_u, eta_w)
    root_h = np.sqrt(-4.0 * P_plus * P_minus)
    if np.any(root_h <= 0):
        raise ValueError("u0 and w0 are parallel: H = 0 (a measure-zero draw)")
    c = math.sqrt(eta_u * eta_w)
    T = _DECAY / (2 * alpha * c * kappa**2 * float(root_h.min()))
    obs = wls.observables(np.array([0.0, T]), u0, w0, alpha, beta, kappa,
                          eta_u, eta_w)
    r0, rT = np.moveaxis(obs.residual, -1, 0)  # (seeds, 2): batch first
    if np.any(np.abs(rT) > 1e-12 * np.abs(r0)):  # guaranteed by the bound
        raise ValueError("the exact solution has not converged at T")
    K0, KT = np.moveaxis(obs.ntk, -1, 0)
    return np.abs(KT - K0) / K0


def slope(a: float, b: float, e: float, widths=WIDTHS, seeds: int = 8,
          **kwargs) -> tuple[float, np.ndarray]:
    r"""Least-squares slope of log(mean Δ_K) against log d, and the means.

    ``widths`` default to :data:`WIDTHS` (10²…10⁵); ``kwargs`` go to
    :func:`ntk_change`.
    """
    widths = _finite("widths", widths, ndim=(1,))
    if widths.size < 2:
        raise ValueError("widths must hold at least two widths")
    means = np.array([ntk_change(int(w), a, b, e, seeds, **kwargs).mean()
                      for w in widths])
    small = widths[means < 1e-11]
    if small.size:
        raise ValueError(f"Δ_K is below 1e-11 at width(s) {small.tolist()}, where "
                         "rounding dominates it: use smaller widths or exponents "
                         "closer to the boundary")
    fit = np.polyfit(np.log(widths), np.log(means), 1)
    return float(fit[0]), means


def measured_slopes(seeds: int = 8, **kwargs) -> dict[tuple, float]:
    """:func:`slope` at every setting of :data:`SETTINGS`: ``{(a, b, e): slope}``."""
    return {s: slope(*s, seeds=seeds, **kwargs)[0]
            for group in SETTINGS.values() for s in group}
