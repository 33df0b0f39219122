"""Width exponents of the exact wide linear network (spectral_scaling.widths).

The relative NTK change measured through the catalog's exact solution is checked
against SciPy's DOP853 on the raw (u, w) flow and against the NTK ratio written
out here from the initial vectors; the exponents against values worked out by
hand; the slopes against the prediction within ±0.05 at three settings per regime.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from exactflow.derivations.spectral_scaling import widths
from exactflow.derivations.spectral_scaling import widths_numeric as wn


@pytest.mark.parametrize("abe, want, regime", [
    ((1, 0, 0), 0, "feature"),           # mean field: κ = 1/d, σ = 1
    ((0.5, 0.25, 0), -0.5, "lazy"),      # 2γ, γ = −¼
    ((0.5, 0, 0), -1, "lazy"),           # NTK scaling: a + b = ½, both terms −1
    ((1, 1, 0), 1, "rich"),              # γ = 1
    ((1.5, 0.5, 2), 0, "feature"),       # on the boundary a + b = 1 + |e|/2
    ((1.5, 0.5, -2), 0, "feature"),      # |e|: the sign of e does not matter
    ((1, 0.5, 1), 0, "feature"),
    ((2, 0.5, 1), 1, "rich"),            # γ = 1
    ((0.1, 0.1, 1), -2, "lazy"),         # a + b < ½: −1 − |e|
])
def test_exponent_by_hand(abe, want, regime):
    assert widths.exponent(*abe) == pytest.approx(want, abs=1e-15)
    assert widths.regime(*abe) == regime
    rel = widths.regimes()[regime].subs(dict(zip((widths.a, widths.b, widths.e),
                                                 map(sp.nsimplify, abe))))
    assert rel == sp.true


def test_exponent_is_the_limit_of_the_ratio():
    # an independent route: the NTK ratio in closed form, limits taken here
    d = sp.Symbol("d", positive=True)
    for a, b, e in ((1, 0, 0), (sp.Rational(1, 2), sp.Rational(1, 4), 0), (1, 1, -1)):
        rho = d ** sp.Rational(e, 2)
        E1 = d ** (1 - b) * (rho + 1 / rho) / 2
        ratio = sp.sqrt((d ** (2 * a) + E1**2) / E1**2)  # p₀ = 0
        p = sp.limit(sp.log(ratio - 1) / sp.log(d), d, sp.oo)
        assert p == sp.nsimplify(widths.exponent(a, b, e))


def _draw(d, a, b, e, seeds, seed=0):
    rng = np.random.default_rng([seed, d])  # the module's documented stream
    std = d ** (-b / 2)
    u0 = std * rng.standard_normal((seeds, d))
    w0 = std * rng.standard_normal((seeds, d))
    return u0, w0, d ** (-a), d ** (e / 2), d ** (-e / 2)


@pytest.mark.parametrize("abe", [(0.5, 0.25, 0.0), (1.0, 0.0, 0.0), (1.0, 1.0, -1.0),
                                 (0.5, 1.0, 1.0)])
def test_ntk_change_equals_the_ratio_written_from_the_initial_vectors(abe):
    d, beta, alpha = 300, 1.0, 1.0
    got = wn.ntk_change(d, *abe, seeds=5)
    u0, w0, kappa, eta_u, eta_w = _draw(d, *abe, 5)
    rho = math.sqrt(eta_u / eta_w)
    E1 = 0.5 * ((u0 * u0).sum(1) / rho + rho * (w0 * w0).sum(1))
    p0 = (u0 * w0).sum(1)
    B = beta / (alpha * kappa)
    want = np.abs(np.sqrt((B**2 + E1**2 - p0**2) / E1**2) - 1)
    np.testing.assert_allclose(got, want, rtol=1e-9)


@pytest.mark.parametrize("abe", [(0.5, 0.25, 0.0), (1.0, 0.0, 0.0), (1.0, 0.5, 0.0)])
def test_ntk_change_against_dop853_on_the_raw_flow(abe):
    d = 40
    got = wn.ntk_change(d, *abe, seeds=1)[0]
    u0, w0, kappa, eta_u, eta_w = _draw(d, *abe, 1)

    def field(_, y):
        u, w = y[:d], y[d:]
        r = 1.0 - kappa * (u @ w)
        return np.concatenate([eta_u * kappa * w * r, eta_w * kappa * u * r])

    def ntk(y):
        return kappa**2 * (eta_u * y[d:] @ y[d:] + eta_w * y[:d] @ y[:d])

    y0 = np.concatenate([u0[0], w0[0]])
    sol = solve_ivp(field, (0, 400 / (kappa**2 * d ** (1 - abe[1]))), y0,
                    method="DOP853", rtol=1e-11, atol=1e-13)
    assert sol.success
    assert abs(1 - kappa * sol.y[:d, -1] @ sol.y[d:, -1]) < 1e-9  # converged
    assert got == pytest.approx(abs(ntk(sol.y[:, -1]) / ntk(y0) - 1), rel=1e-6)


def test_slopes_of_the_exact_solution_match_the_exponents():
    worst = 0.0
    for regime, group in wn.SETTINGS.items():
        assert len(group) == 3
        for abe in group:
            assert widths.regime(*abe) == regime
            measured, means = wn.slope(*abe)
            assert np.all(np.isfinite(means)) and np.all(means > 0)
            worst = max(worst, abs(measured - widths.exponent(*abe)))
    assert worst <= 0.05, worst
    assert wn.WIDTHS[0] == 100 and wn.WIDTHS[-1] == 100_000


@pytest.mark.parametrize("kwargs, word", [
    ({"d": 0}, "d"), ({"seeds": 0}, "seeds"), ({"beta": 0.0}, "beta"),
    ({"alpha": -1.0}, "alpha"), ({"a": float("nan")}, "a"),
    ({"sigma0": 0.0}, "sigma0"),
])
def test_ntk_change_bad_input(kwargs, word):
    args = {"d": 10, "a": 1.0, "b": 0.0, "e": 0.0, **kwargs}
    with pytest.raises(ValueError, match=word):
        wn.ntk_change(**args)


def test_slope_refuses_rounding_level_changes():
    with pytest.raises(ValueError, match="rounding"):
        wn.slope(0.0, 0.0, 3.0, widths=[1000, 30000])  # Δ_K ~ d^{−4}


def test_exponent_bad_input():
    with pytest.raises(TypeError, match="a"):
        widths.exponent("x y", 0, 0)
    with pytest.raises(ValueError, match="e"):
        widths.exponent(1, 0, float("inf"))
