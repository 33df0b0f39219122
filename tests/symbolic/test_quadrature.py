"""quadrature_time: the numeric time course of a curve-quadrature result, checked
against an independent integration of the full flow (scipy DOP853)."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from exactflow import load_model as load_model_file
from exactflow.symbolic import Model, ParamGroup, gradient_flow
from exactflow.symbolic.solve import solve
from exactflow.symbolic.solve.quadrature import quadrature_time
from exactflow.symbolic.solve.reduce import reduce_flow

ROOT = Path(__file__).resolve().parents[2]
a, b, c = sp.symbols("a b c", real=True)
ea, eb, ec = sp.symbols("eta_a eta_b eta_c", positive=True)
s = sp.Symbol("s", positive=True)
d1, d2 = sp.symbols("delta1 delta2", real=True)
u = sp.Symbol("u", real=True)
B = sp.Symbol("B", nonnegative=True)


@pytest.fixture(scope="module")
def chain3():
    path = str(ROOT / "examples" / "chain3.py")
    spec = runpy.run_path(path)["REDUCTION"]
    flow = gradient_flow(load_model_file(path))
    res = solve(reduce_flow(flow, spec["coordinates"], spec["conserved"]), flow,
                "chain3")
    assert res.structure == "curve-quadrature"
    return flow, res


def _setup(rates, init):
    (ra, rb, rc, sv), (a0, b0, c0) = rates, init
    consts = {ea: ra, eb: rb, ec: rc, s: sv,
              d1: a0**2 / ra - b0**2 / rb, d2: b0**2 / rb - c0**2 / rc}
    return consts, {u: a0 * b0 * c0, B: b0**2}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_matches_dop853_unbalanced_chain(chain3, seed):
    integrate = pytest.importorskip("scipy.integrate")
    flow, res = chain3
    rng = np.random.default_rng(seed)
    rates = tuple(rng.uniform(0.3, 2.0, 3)) + (float(rng.uniform(0.5, 2.0)),)
    init = tuple(rng.uniform(-1.0, 1.0, 3))
    consts, initial = _setup(rates, init)
    rhs = sp.lambdify((a, b, c), [e.subs({ea: rates[0], eb: rates[1], ec: rates[2],
                                          s: rates[3]}) for e in flow.rhs])
    T = 12.0
    sol = integrate.solve_ivp(lambda _, y: rhs(*y), (0, T), list(init),
                              method="DOP853", rtol=1e-12, atol=1e-13,
                              dense_output=True)
    grid = np.linspace(0.05, T, 400)
    ug = np.prod(sol.sol(grid), axis=0)
    # where u is within 1e-3 of s, t(u) amplifies the integrator's error in u
    ok = np.abs(rates[3] - ug) > 1e-3 * rates[3]
    times = grid[ok][np.linspace(0, ok.sum() - 1, 6).astype(int)]
    us = np.prod(sol.sol(times), axis=0)
    tq = quadrature_time(res, us, consts, initial)
    assert tq.shape == us.shape
    assert np.max(np.abs(tq - times)) < 1e-8 * max(1.0, times.max())


def test_scalar_shape_and_names(chain3):
    _, res = chain3
    consts, initial = _setup((1.0, 0.5, 2.0, 1.5), (0.9, 0.2, -0.3))
    by_name = {k.name: v for k, v in consts.items()}
    t1 = quadrature_time(res, 0.5, by_name, {"u": initial[u], "B": initial[B]})
    assert isinstance(t1, float)
    assert quadrature_time(res, initial[u], consts, initial) == 0.0
    grid = quadrature_time(res, [[0.0, 0.5], [0.5, 1.0]], consts, initial)
    assert grid.shape == (2, 2) and grid[0, 1] == grid[1, 0] == pytest.approx(t1)
    assert grid[0, 0] < grid[0, 1] < grid[1, 1]


def test_bad_input(chain3):
    _, res = chain3
    consts, initial = _setup((1.0, 0.5, 2.0, 1.5), (0.9, 0.2, -0.3))
    u0 = initial[u]
    with pytest.raises(ValueError, match=r"constants is missing delta2"):
        quadrature_time(res, 0.5, {k: v for k, v in consts.items() if k != d2},
                        initial)
    with pytest.raises(ValueError, match=r"initial needs .* missing B"):
        quadrature_time(res, 0.5, consts, {u: u0})
    with pytest.raises(ValueError, match=r"initial.*not on the curve"):
        quadrature_time(res, 0.5, consts, {u: u0, B: 0.3})
    with pytest.raises(ValueError, match=r"u=-0\.5 is not reached for t ≥ 0"):
        quadrature_time(res, [0.5, -0.5], consts, initial)
    with pytest.raises(ValueError, match=r"u=2 is not reached: F vanishes"):
        quadrature_time(res, 2.0, consts, initial)
    with pytest.raises(ValueError, match=r"u must be finite"):
        quadrature_time(res, np.nan, consts, initial)
    with pytest.raises(ValueError, match=r"constants\['s'\]=.* not a number"):
        quadrature_time(res, 0.5, {**consts, s: "fast"}, initial)
    with pytest.raises(ValueError, match=r"constants\['s'\]=.* not real"):
        quadrature_time(res, 0.5, {**consts, s: 1 + 2j}, initial)


def test_rejects_other_structures():
    model = Model("chain2", (ParamGroup("a", (a,), ea), ParamGroup("b", (b,), eb)),
                  (ea, eb, s), (s - b * a) ** 2 / 2)
    flow = gradient_flow(model)
    up = sp.Symbol("u", positive=True)
    res = solve(reduce_flow(flow, {up: a * b}, {d1: a**2 / ea - b**2 / eb}, {d1: 0}),
                flow, "chain2")
    with pytest.raises(ValueError,
                       match=r"result must be .*'curve-quadrature'.*riccati"):
        quadrature_time(res, 0.5, {}, {})
