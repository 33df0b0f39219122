"""Counting conservation laws, N = D − dim Lie(W)(θ).

The theorem and its table: docs/math/conservation_laws.md §1, §2.

Counts come from exact rational ranks of iterated Lie brackets of the gradient
fields at random points; the discovered laws give the lower bound (their
Jacobian rank), and when both meet the list is complete.
"""

from __future__ import annotations

import pytest
import sympy as sp

from exactflow.derivations import single_neuron as sn
from exactflow.derivations import zoo
from exactflow.symbolic.laws.conservation import discover_laws
from exactflow.symbolic.laws.lie import LawCount, count_laws
from exactflow.symbolic.spec.model import Model, ParamGroup

from .laws_cases import RELU_TABLE, TABLE, n_lin, random_shapes


@pytest.mark.parametrize("shape, expected", sorted(TABLE.items()))
def test_uv_count_table(shape, expected):
    assert n_lin(*shape) == expected  # the formula reproduces the table
    count = count_laws(zoo.two_layer_linear(*shape))
    assert (count.count, count.exact) == (expected, True)
    assert count.method == "exact-rational"
    assert count.dimension == (shape[0] + shape[2]) * shape[1]


@pytest.mark.parametrize("shape", random_shapes(10, seed=11))
def test_uv_count_random_shapes(shape):
    count = count_laws(zoo.two_layer_linear(*shape), points=2)
    assert count.count == n_lin(*shape) and count.exact


@pytest.mark.parametrize("shape", [(1, 3, 1), (2, 3, 2), (1, 4, 2), (2, 5, 2)])
def test_uv_discovered_laws_are_complete(shape):
    model = zoo.two_layer_linear(*shape)
    laws = discover_laws(model)
    count = count_laws(model, laws=laws)
    assert count.laws_rank == n_lin(*shape) == count.count
    assert count.complete is True


@pytest.mark.parametrize("shape, expected", sorted(RELU_TABLE.items()))
def test_relu_count_one_per_neuron(shape, expected):
    n, r, m = shape  # n outputs, r hidden units, m inputs
    model = zoo.two_layer_relu(m, r, c=n)
    laws = discover_laws(model)
    count = count_laws(model, laws=laws)
    assert (len(laws), count.count, count.complete) == (expected, expected, True)
    assert count_laws(model).count == expected  # without the lower bound too


@pytest.mark.parametrize("activation, bias", [("leaky_relu", False), ("relu", True),
                                              ("leaky_relu", True), ("abs", False)])
def test_relu_variants_complete(activation, bias):
    model = zoo.two_layer_relu(2, 3, bias=bias, activation=activation)
    count = count_laws(model, laws=discover_laws(model))
    assert (count.count, count.complete) == (3, True)


@pytest.mark.parametrize("widths, expected", [((2, 2, 2, 1), 6), ((2, 3, 2, 1), 9),
                                              ((2, 2, 2, 2, 1), 9)])
def test_deep_linear_complete(widths, expected):
    model = zoo.deep_linear(widths)
    laws = discover_laws(model)
    count = count_laws(model, laws=laws, points=2)
    assert (count.count, count.laws_rank, count.complete) == (expected, expected, True)


def test_single_neuron_count():
    count = count_laws(sn.model(3), laws=discover_laws(sn.model(3)))
    assert (count.dimension, count.count, count.complete) == (4, 1, True)


@pytest.mark.parametrize("parametrization, shared, laws_expected",
                         [("uv", False, 3), ("pm", True, 3)])
def test_diagonal_counts(parametrization, shared, laws_expected):
    model = zoo.diagonal_net(3, parametrization, shared_rate=shared)
    count = count_laws(model, laws=discover_laws(model))
    assert (count.count, count.complete) == (3, True)


def test_diagonal_pm_distinct_rates_is_incomplete():
    # N = d functionally independent laws exist, none of them polynomial
    model = zoo.diagonal_net(2, "pm")
    count = count_laws(model, laws=discover_laws(model, degree=4))
    assert (count.count, count.exact, count.laws_rank) == (2, True, 0)
    assert count.complete is False


@pytest.mark.parametrize("k", [1, 2, 3])
def test_homogeneous_neuron_count(k):
    model = zoo.homogeneous_neuron(k, "relu_power")
    count = count_laws(model, laws=discover_laws(model))
    assert (count.count, count.complete) == (1, True)


def test_tanh_has_no_law_at_all():
    count = count_laws(zoo.homogeneous_neuron(1, "tanh"))
    assert (count.count, count.exact, count.method) == (0, True, "mpmath-50")


def test_generic_function_cannot_be_counted():
    with pytest.raises(ValueError, match="undefined function"):
        count_laws(zoo.homogeneous_neuron(1, "generic"))


def test_sampled_upper_bound_is_reported_as_such():
    # f = u tanh(v x) + w x: the sampled fields give N ≤ 1 but no law is known
    u, v, w, x = sp.symbols("u v w x", real=True)
    e = sp.Symbol("eta", positive=True)
    model = Model("toy", (ParamGroup("p", (u, v, w), e, (3,)),), (e,), sp.Integer(0),
                  (x,), u * sp.tanh(v * x) + w * x)
    count = count_laws(model, laws=discover_laws(model))
    assert count.count == 0 and count.exact


def test_summary_and_errors():
    count = count_laws(sn.model(2), laws=discover_laws(sn.model(2)))
    assert isinstance(count, LawCount)
    assert count.formula() == "N = 1 = D − dim Lie(W)(θ) = 3 − 2"
    assert "complete" in count.summary()
    assert count_laws(sn.model(2)).complete is None
    for bad in (0, -1, True, 1.0):
        with pytest.raises(ValueError, match="points"):
            count_laws(sn.model(2), points=bad)
