"""Loop-invariant calls named as temporaries of their level (codegen/invariant.py)."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import log1p

import exactflow
from exactflow.codegen.invariant import hoist
from exactflow.codegen.passes import LoweredKernel

t, a, b = sp.symbols("t a b", real=True)
t0, t1 = sp.symbols("_t0 _t1", real=True)
ROWS = {"t": 1, "a": 0, "b": 0}  # t along the rows, a and b constant


def _value(kernel: LoweredKernel, values: dict) -> list[float]:
    env = dict(values)
    for sym, expr in kernel.temps:
        env[sym] = expr.xreplace(env)
    return [float(expr.xreplace(env)) for _, expr in kernel.outputs]


def test_a_call_in_a_branch_of_a_point_value_is_named_once():
    body = sp.Piecewise((t + sp.log(a) - sp.log(b), t > 1), (t, True))
    k = LoweredKernel([(t0, body)], [("y", t0 * sp.log(a))])
    h = hoist(k, ROWS)
    names = [s.name for s, _ in h.temps]
    # log(a) - log(b) taken out before its user; log(a) of the output reused
    # where it is the same node, named again where it is not
    assert names[-1] == "_t0" and all(n.startswith("_inv") for n in names[:-1])
    hoisted = dict(h.temps[:-1])
    assert not any(e.has(t) for e in hoisted.values())
    assert not h.temps[-1][1].has(sp.log)  # the branch holds no call any more
    assert not h.outputs[0][1].has(sp.log)
    for tv in (0.5, 2.0):
        values = {t: sp.Float(tv), a: sp.Float(1.7), b: sp.Float(0.3)}
        assert _value(h, values) == pytest.approx(_value(k, values), rel=1e-15)


def test_what_stays_where_it_is():
    # every operand varies along the rows; Abs, sign, Max cost a comparison;
    # numbers are the printer's; a call of the rows inside the rows stays
    cases = [sp.exp(t * a), t * sp.Abs(a) * sp.sign(b) * sp.Max(a, b),
             t * sp.sqrt(2), sp.exp(t) * log1p(t)]
    for expr in cases:
        k = LoweredKernel([], [("y", expr)])
        assert hoist(k, ROWS) is k, expr


def test_nested_levels_each_at_their_own():
    # a call of the rows holding a call of the constants: both named, the inner
    # first, each with its own axes (bit 0 rows, bit 1 columns)
    grid = {"t": 1, "a": 2, "b": 0}
    k = LoweredKernel([], [("y", t * sp.sin(a * sp.cos(b)) + t * a)])
    h = hoist(k, grid)
    exprs = dict(h.temps)
    assert len(exprs) == 2
    first, second = h.temps
    assert first[1] == sp.cos(b) and second[1] == sp.sin(a * first[0])
    assert not h.outputs[0][1].has(sp.sin)


def test_booleans_are_not_named_but_searched():
    cond = sp.log(a) * t > 1
    k = LoweredKernel([], [("y", sp.Piecewise((t, cond), (-t, True)))])
    h = hoist(k, ROWS)
    assert [e for _, e in h.temps] == [sp.log(a)]


@pytest.mark.parametrize("name, kernel, pattern, calls", [
    # (the logarithms of constants each loop made before)
    ("diagonal_linear", "exact", "occcc", ("_vlogz(_t5)", "_vlogz(_t6)")),
    ("wide_linear_scalar", "exact", "occccccc", ("_vlogz(-P_minus)", "_vlogz(P_plus)")),
    ("two_layer_linear_balanced", "exact", "occcc", ("_vlogz(_t21)",)),
])
def test_trajectory_nests_make_no_constant_call_per_point(name, kernel, pattern, calls):
    pytest.importorskip("numba")
    from exactflow.codegen.targets.numba.grid import emit

    g = exactflow.derivation(name).kernel("numba", kernel=kernel)
    source = emit(g.context.spec(), g.lowered, g.table, pattern)
    loops = source.split("for _k in range(_hi - _lo):")[1:]
    assert loops
    for loop in loops:
        assert not any(c in loop for c in calls), (name, loop)
    assert "_inv0 = " in source.split("for _c in numba.prange")[0]


def test_grid_with_columns_equals_numpy():
    pytest.importorskip("numba")
    d = exactflow.derivation("diagonal_linear")
    r = np.linspace(-3.0, 3.0, 300)[:, None]
    u = np.linspace(-1.0, 1.0, 41)[None, :]  # u = 0 and |u| = |v| included
    numba_kernel = d.kernel("numba", kernel="exact")
    plan = numba_kernel.plan(r, u, 0.5, 1.1, 0.7)
    assert plan is not None and plan.pattern == "oiccc"
    got, ref = numba_kernel(r, u, 0.5, 1.1, 0.7), d.kernel(kernel="exact")(
        r, u, 0.5, 1.1, 0.7)
    for g, w in zip(got, ref):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300)
