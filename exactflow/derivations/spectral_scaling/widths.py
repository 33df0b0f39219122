r"""Width exponents of the exact wide linear network (derived here).

The network is the catalog's ``wide_linear_scalar``, f(x) = κ Σᵢ uᵢwᵢ x on scalar
data (α = E x², β = E xy), with width d and three width exponents:

    κ = d^{−a},   uᵢ(0), wᵢ(0) ~ N(0, d^{−b}) i.i.d.,   η_u/η_w = d^{e}  (ρ = d^{e/2}).

**Exact NTK ratio.**  Along the flow K = 2cκ²√(p² + H) with the conserved
H = E′² − p₀², E′ = ½(‖u₀‖²/ρ + ρ‖w₀‖²), c = √(η_uη_w) (the catalog entry's
NTK identity), and p → B = β/(ακ), so the relative NTK change of the whole run is

    Δ_K = K∞/K₀ − 1 = √(1 + X) − 1,   X = (B² − p₀²)/E′²,

independent of the overall rate scale c.

**Exponents.**  At a typical initialisation E′ ≈ ½dσ²(ρ + 1/ρ) ~ d^{1−b+|e|/2}
(symmetric in e ↦ −e), B ~ d^{a}, |p₀| ~ √d σ² = d^{½−b}.  For a + b > ½ the
target dominates p₀ and X ~ d^{2γ} with

    γ = a + b − 1 − |e|/2;

Δ_K(z) = √(1 + Cz) − 1 with z = d^{2γ} is ~ Cz/2 as z → 0 and ~ √(Cz) as z → ∞,
so Δ_K ~ d^{2γ} (γ < 0: **lazy**, Δ_K → 0), Θ(1) (γ = 0: **feature learning**)
or d^{γ} (γ > 0: **strongly rich**, Δ_K → ∞).  For a + b < ½ (output unbounded at
initialisation) p₀ dominates, X ~ −d^{−1−|e|}: lazy with exponent −1 − |e|.  The
boundary is the plane a + b = 1 + |e|/2.

Every exponent above is computed here with ``sympy.limit`` (:func:`derivation`);
:mod:`.widths_numeric` checks the predicted slopes against the exact solution.

>>> exponent(1, 0, 0), exponent(0.5, 0.25, 0), exponent(1, 1, 0)
(0, -0.5, 1)
>>> regime(1.5, 0.5, 2)
'feature'
"""

from __future__ import annotations

import functools

import sympy as sp

__all__ = ["a", "b", "e", "d", "gamma", "boundary", "regimes", "ntk_ratio",
           "derivation", "exponent_expr", "exponent", "regime", "REGIMES"]

a, b, e = sp.symbols("a b e", real=True)
d = sp.Symbol("d", positive=True)
#: names of the three regimes, in order of growing γ
REGIMES = ("lazy", "feature", "rich")


def gamma() -> sp.Expr:
    """γ = a + b − 1 − |e|/2, the exponent of √X = √((B² − p₀²)/E′²)."""
    return a + b - 1 - sp.Abs(e) / 2


def boundary() -> sp.Eq:
    """The feature-learning plane a + b = 1 + |e|/2."""
    return sp.Eq(a + b, 1 + sp.Abs(e) / 2)


def regimes() -> dict[str, sp.Basic]:
    """The regimes as SymPy relations in (a, b, e)."""
    g = a + b
    edge = 1 + sp.Abs(e) / 2
    return {"lazy": g < edge, "feature": sp.Eq(g, edge), "rich": g > edge}


def ntk_ratio(B, p0, E1) -> sp.Expr:
    """K∞/K₀ = √((B² + H)/(p₀² + H)) with H = E′² − p₀²."""
    H = E1**2 - p0**2
    return sp.sqrt((B**2 + H) / (p0**2 + H))


def _exponent(expr) -> sp.Expr:
    return sp.limit(sp.log(expr) / sp.log(d), d, sp.oo)


@functools.cache
def derivation() -> dict[str, sp.Expr]:
    """The exponents of the derivation, each found by a limit as d → ∞.

    Returns ``{"E1", "B", "p0", "X_target", "X_init", "small", "large"}``: the
    exponents of E′ (for e > 0; E′ is symmetric in e ↦ −e, so |e| in general), of
    B and of the typical |p₀|, of X when a + b > ½ (written b = ½ − a + s) and when
    a + b < ½ (b = ½ − a − s), and the leading powers of Δ_K in z = X/C at z → 0
    and z → ∞.
    """
    ep, s = sp.Symbol("e", positive=True), sp.Symbol("s", positive=True)
    beta, alpha = sp.Symbol("beta", positive=True), sp.Symbol("alpha", positive=True)
    sigma2, rho = d**(-b), d**(ep / 2)
    E1 = d * sigma2 * (rho + 1 / rho) / 2
    B = beta * d**a / alpha
    p0 = sp.sqrt(d) * sigma2
    out = {"E1": _exponent(E1), "B": _exponent(B), "p0": _exponent(p0)}
    for key, bb in (("X_target", sp.Rational(1, 2) - a + s),
                    ("X_init", sp.Rational(1, 2) - a - s)):
        num = (B**2 - p0**2).subs(b, bb)
        num = num if key == "X_target" else -num  # the sign of B² − p₀²
        out[key] = sp.simplify(_exponent(num) - 2 * _exponent(E1.subs(b, bb))
                               
                               ).subs(s, a + b - sp.Rational(1, 2) if key == "X_target"
                                      else sp.Rational(1, 2) - a - b)
    z, C = sp.Symbol("z", positive=True), sp.Symbol("C", positive=True)
    delta = sp.sqrt(1 + C * z) - 1
    out["small"] = sp.Poly(delta.as_leading_term(z).subs(C, 1), z).degree()
    lead = delta.subs(z, 1 / z).as_leading_term(z)  # ~ z^(−k) in w = 1/z
    out["large"] = sp.Rational(sp.degree(sp.together(1 / lead**2).subs(C, 1), z), 2)
    out["E1_symmetric"] = sp.simplify(E1 - E1.subs(ep, -ep)) == 0
    return out


@functools.cache
def exponent_expr() -> sp.Expr:
    """The exponent of Δ_K in d as a Piecewise in (a, b, e), from :func:`derivation`."""
    dv = derivation()
    abs_e = sp.Abs(e)
    g = (dv["X_target"] / 2).subs(sp.Symbol("e", positive=True), abs_e)
    init = dv["X_init"].subs(sp.Symbol("e", positive=True), abs_e)
    return sp.Piecewise(
        (init * dv["small"], a + b < sp.Rational(1, 2)),
        (2 * g * dv["small"], g < 0),
        (0, sp.Eq(g, 0)),
        (2 * g * dv["large"], True),
    )


def _numbers(a_, b_, e_):
    vals = []
    for name, v in (("a", a_), ("b", b_), ("e", e_)):
        try:
            x = sp.nsimplify(v, rational=True)
        except (sp.SympifyError, TypeError, ValueError):
            raise TypeError(f"{name} must be a real number, got {v!r}") from None
        if not (x.is_real and x.is_finite):
            raise ValueError(f"{name} must be a finite real number, got {v!r}")
        vals.append(x)
    return dict(zip((a, b, e), vals))


def exponent(a_, b_, e_):
    """The predicted slope of log Δ_K against log d at (a, b, e) (a number).

    Floats are read as the rationals they print as (0.25 → 1/4), so a setting on
    the boundary is recognised exactly.
    """
    value = exponent_expr().subs(_numbers(a_, b_, e_))
    return int(value) if value.is_integer else float(value)


def regime(a_, b_, e_) -> str:
    """``"lazy"``, ``"feature"`` or ``"rich"`` at (a, b, e)."""
    at = _numbers(a_, b_, e_)
    g = gamma().subs(at)
    return REGIMES[0] if g < 0 else REGIMES[1] if g == 0 else REGIMES[2]
