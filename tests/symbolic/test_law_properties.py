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
from exactflow.symbolic.conservation import discover_laws
from exactflow.symbolic.drift import gd_drift, gd_iterates
from exactflow.symbolic.flow import gradient_flow

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


@functools.cache
def _compiled(name: str):
    model = MODELS[name]()
    laws = discover_laws(model)
    args = (model.symbols, model.consts)
    rhs = sp.lambdify(args, list(gradient_flow(model).rhs), "numpy")
    q = sp.lambdify(args, list(laws.laws), "numpy")
    return model, laws, rhs, q


def _consts(model, draw_value, draw_rate):
    rate_set = set(model.rates.values())
    return [draw_rate() if c in rate_set else draw_value() for c in model.consts]


@pytest.mark.parametrize("name", sorted(MODELS))
@given(data=st.data())
def test_laws_constant_along_integrated_flow(name, data):
    model, laws, rhs, q = _compiled(name)
    theta0 = data.draw(st.lists(bounded_floats(-1.5, 1.5), min_size=len(model.symbols),
                                max_size=len(model.symbols)))
    consts = _consts(model, lambda: data.draw(bounded_floats(-1.0, 1.0)),
                     lambda: data.draw(rates().filter(lambda r: r <= 2.0)))
    sol = solve_ivp(lambda t, y: rhs(y, consts), (0.0, 0.5), theta0,
                    method="DOP853", rtol=1e-11, atol=1e-12, dense_output=False)
    assume(sol.success and np.all(np.abs(sol.y) < 1e3))
    values = np.array([q(y, consts) for y in sol.y.T])
    scale = 1.0 + np.max(np.abs(values)) + np.max(sol.y**2) * max(consts[:3] + [1])
    assert np.max(np.abs(values - values[0])) <= 1e-8 * scale


_fracs = st.fractions(-2, 2, max_denominator=7)
_steps = st.fractions(Fraction(1, 50), Fraction(1, 2), max_denominator=50)


@pytest.mark.parametrize("name", ["single_neuron", "uv_1_3_1", "relu_bias",
                                  "diagonal_pm", "homogeneous_2"])
@given(data=st.data())
def test_gd_drift_exactly_as_predicted(name, data):
    model, laws, _, _ = _compiled(name)
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
