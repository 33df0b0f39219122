"""Properties of discovered laws: constant along integrated flows, exact GD drift.

Hypothesis draws data, initial parameters and rates; every discovered law must
stay constant along a DOP853 integration (rtol 1e-11) of the model's gradient
flow, and one exact rational GD step must change it by exactly the predicted
amount.  Example counts come from the hypothesis profile (tests/conftest.py).
"""

from __future__ import annotations

import functools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from common import bounded_floats, rates
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from exactflow.derivations import single_neuron as sn
from exactflow.derivations import zoo
from exactflow.symbolic.laws.conservation import discover_laws
from exactflow.symbolic.laws.drift import gd_drift, gd_iterates
from exactflow.symbolic.laws.patterns import branches, indicator_form
from exactflow.symbolic.spec.flow import gradient_flow

MODELS = {
    "single_neuron": lambda: sn.model(2),
    "uv_2_3_2": lambda: zoo.two_layer_linear(2, 3, 2, samples=2),
    "uv_1_3_1": lambda: zoo.two_layer_linear(1, 3, 1, samples=2),
    "deep_2_2_2_1": lambda: zoo.deep_linear((2, 2, 2, 1), samples=2),
    "relu_bias": lambda: zoo.two_layer_relu(2, 2, bias=True, samples=2),
    "leaky_relu": lambda: zoo.two_layer_relu(2, 3, activation="leaky_relu",
                                             samples=2),
    "diagonal_uv": lambda: zoo.diagonal_net(2, "uv", samples=2),
    "diagonal_pm": lambda: zoo.diagonal_net(2, "pm", shared_rate=True, samples=2),
    "homogeneous_2": lambda: zoo.homogeneous_neuron(2, samples=2),
}


# scalar evaluation: NumPy's select/maximum cost ~100x more on one point
_SCALAR = {"Heaviside": lambda z, h=0.5: 1.0 if z > 0 else (0.0 if z < 0 else h),
           "Max": max, "Min": min}


@functools.cache
def _compiled(name: str):
    model = MODELS[name]()
    laws = discover_laws(model)
    args = (model.symbols, model.consts)
    # θ̇ = −η ⊙ ∇L unexpanded (gradient_flow expands: slow to evaluate for ReLU)
    flow = [-model.rates[p] * sp.diff(model.loss, p) for p in model.symbols]
    assert all(sp.expand(a - b) == 0 for a, b in zip(flow, gradient_flow(model).rhs)
               if not a.has(sp.Max))
    rhs = sp.lambdify(args, flow, [_SCALAR, "math"], cse=True)
    q = sp.lambdify(args, list(laws.laws), "numpy")
    # switching functions of the activation patterns (B₁ − B₂ of each atom)
    form = indicator_form((model.loss,))
    switches = [sp.lambdify(args, branches(atom)[0] - branches(atom)[1], "math")
                for atom in form.atoms]
    return model, laws, rhs, q, switches


class _Stuck(Exception):
    pass


def _integrate(rhs, switches, y0, consts, t_end, max_segments=12):
    """DOP853 from pattern switch to pattern switch.

    The flow is smooth between switches, while a kink inside a step costs
    thousands of rejected steps at rtol 1e-11.  At a switch the state is pushed
    past the surface by an Euler step of 1e-9 (the change of a law is O(1e-18):
    its first-order term vanishes).  After ``max_segments`` switches (a sliding
    mode along a kink) the trajectory so far is returned: it is still a flow
    trajectory, and the test checks it.
    """
    def make(sw):
        def event(t, y):
            return sw(y, consts)
        event.terminal = True
        return event

    calls = [0]

    def field(_, v):
        calls[0] += 1
        if calls[0] > 40_000:  # stuck on a kink (values ~1e-100 flip patterns)
            raise _Stuck
        return rhs(v, consts)

    events = [make(sw) for sw in switches] or None
    t, y, ys = 0.0, np.asarray(y0, float), [np.asarray(y0, float)]
    for _ in range(max_segments):
        try:  # (scipy's first-step guess divides 0/0 when θ̇(0) = 0)
            with np.errstate(divide="ignore", invalid="ignore"):
                sol = solve_ivp(field, (t, t_end), y, method="DOP853", rtol=1e-11,
                                atol=1e-12, events=events)
        except _Stuck:
            return None
        if sol.status == -1:
            return None
        ys += list(sol.y.T[1:])
        t, y = sol.t[-1], sol.y[:, -1]
        if sol.status == 0:
            break
        y = y + 1e-9 * np.asarray(field(t, y))
        t += 1e-9
        ys.append(y)
    return np.array(ys)


def _consts(model, draw_value, draw_rate):
    rate_set = set(model.rates.values())
    return [draw_rate() if c in rate_set else draw_value() for c in model.consts]


@pytest.mark.parametrize("name", sorted(MODELS))
@given(data=st.data())
def test_laws_constant_along_integrated_flow(name, data):
    model, laws, rhs, q, switches = _compiled(name)
    theta0 = data.draw(st.lists(bounded_floats(-1.5, 1.5), min_size=len(model.symbols),
                                max_size=len(model.symbols)))
    consts = _consts(model, lambda: data.draw(bounded_floats(-1.0, 1.0)),
                     lambda: data.draw(rates().filter(lambda r: r <= 2.0)))
    ys = _integrate(rhs, switches, theta0, consts, 0.5)
    assume(ys is not None and np.all(np.abs(ys) < 1e3))
    values = np.array([q(y, consts) for y in ys])
    scale = 1.0 + np.max(np.abs(values)) + np.max(ys**2) * max(consts[:3] + [1])
    assert np.max(np.abs(values - values[0])) <= 1e-8 * scale


_fracs = st.fractions(-2, 2, max_denominator=7)
_steps = st.fractions(Fraction(1, 50), Fraction(1, 2), max_denominator=50)


@pytest.mark.parametrize("name", ["single_neuron", "uv_1_3_1", "relu_bias",
                                  "diagonal_pm", "homogeneous_2"])
@given(data=st.data())
def test_gd_drift_exactly_as_predicted(name, data):
    model, laws = _compiled(name)[:2]
    drift = _drift(name)
    rate_set = set(model.rates.values())
    start = {s: sp.Rational(data.draw(_steps if s in rate_set else _fracs))
             for s in model.symbols + model.consts}
    fixed = {s: v for s, v in start.items() if s not in model.symbols}
    before, after = gd_iterates(model, start, 1)
    actual = tuple(qq.xreplace({**fixed, **after}) - qq.xreplace({**fixed, **before})
                   for qq in laws.laws)
    assert drift.predicted({**fixed, **before}) == actual


@functools.cache
def _drift(name: str):
    return gd_drift(_compiled(name)[1])
