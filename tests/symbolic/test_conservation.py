"""Discovery of polynomial conservation laws.

The theorems of docs/math/conservation_laws.md §2–§3.

Each test states the law space exactly (equality of spans over ℚ(η)) and proves
every discovered law with :meth:`ConservationLaws.verify`.
"""

from __future__ import annotations

import pytest
import sympy as sp

from exactflow.derivations import single_neuron as sn
from exactflow.derivations import zoo
from exactflow.symbolic.laws.conservation import ConservationLaws, discover_laws
from exactflow.symbolic.laws.fields import gradient_fields
from exactflow.symbolic.laws.patterns import indicator_form, reduce_expr
from exactflow.symbolic.spec.model import Model, ParamGroup

from .laws_cases import (
    TABLE,
    chain_laws,
    random_shapes,
    rates_of,
    same_span,
    uv_antisymmetric,
    uv_laws,
)


def _proved(laws: ConservationLaws) -> None:
    report = laws.verify()
    assert report.passed, report.table()
    assert {r.method for r in report.results} <= {"symbolic"}


# ---------------------------------------------------------------------- single neuron


@pytest.mark.parametrize("d", [1, 2, 3])
def test_single_neuron_has_exactly_delta(d):
    laws = discover_laws(sn.model(d), degree=2)
    assert laws.laws == (sp.expand(sn.delta(d)),)
    _proved(laws)


def test_single_neuron_degree_four_adds_only_functions_of_delta():
    laws = discover_laws(sn.model(1), degree=4)
    delta = sn.delta(1)
    # δ and δ² span the laws of degree ≤ 4 (cubic ones would need odd powers)
    assert same_span(laws.laws, [delta, sp.expand(delta**2)], sn.model(1).symbols,
                     (sn.eta_a, sn.eta_w))
    assert laws.functional_rank() == 1


def test_single_neuron_flow_claims():
    report = discover_laws(sn.model(2)).verify(flow=True)
    assert report.passed and len(report.results) == 2


# ---------------------------------------------------------------------- U Vᵀ


def _check_uv(n, r, m):
    model = zoo.two_layer_linear(n, r, m)
    laws = discover_laws(model)
    expected = uv_laws(model)
    if n == m == 1:  # f = ⟨u, v⟩ x also conserves the antisymmetric u_k v_k' − u_k' v_k
        expected += uv_antisymmetric(model)
    assert len(laws) == len(expected)
    assert same_span(laws.laws, expected, model.symbols, rates_of(model))
    return model, laws


@pytest.mark.parametrize("shape", sorted(TABLE))
def test_uv_laws_are_the_entries_of_the_weighted_gram_difference(shape):
    model, laws = _check_uv(*shape)
    _proved(laws)


@pytest.mark.parametrize("shape", random_shapes(4))
def test_uv_laws_random_shapes(shape):
    _check_uv(*shape)


def test_uv_presented_in_reduced_form():
    model = zoo.two_layer_linear(2, 2, 2)
    laws = discover_laws(model)
    assert [sp.expand(q) for q in uv_laws(model)] == list(laws.laws)
    assert laws.pretty()[0] == "eta_v*(u0_0**2 + u1_0**2) - eta_u*(v0_0**2 + v1_0**2)"


def test_the_131_example_six_quadratics_rank_five():
    # docs/math/conservation_laws.md §4: the six u_k u_k' − v_k v_k' are linearly
    # independent but
    # only five are functionally independent (det(uuᵀ − vvᵀ) ≡ 0)
    model = zoo.two_layer_linear(1, 3, 1)
    six = uv_laws(model)
    assert len(six) == 6
    assert ConservationLaws(model, 2, tuple(six)).functional_rank() == 5
    laws = discover_laws(model)
    assert len(laws) == 9 and laws.functional_rank() == 5


# ---------------------------------------------------------------------- deep chains


@pytest.mark.parametrize("widths", [(2, 2, 2, 1), (2, 3, 2, 2), (2, 2, 2, 2, 1)])
def test_deep_linear_consecutive_layers(widths):
    model = zoo.deep_linear(widths)
    laws = discover_laws(model)
    expected = chain_laws(model)
    assert len(laws) == len(expected)
    assert same_span(laws.laws, expected, model.symbols, rates_of(model))
    # the presentation separates the families: each law uses two consecutive layers
    groups = [{g.name for g in model.params if q.has(*g.symbols)} for q in laws]
    assert all(len(g) == 2 for g in groups)
    _proved(laws)


# ---------------------------------------------------------------------- ReLU nets


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "abs"])
@pytest.mark.parametrize("bias", [False, True])
def test_one_law_per_hidden_neuron(activation, bias):
    model = zoo.two_layer_relu(2, 3, bias=bias, activation=activation)
    laws = discover_laws(model)
    a, w = model.group("a"), model.group("w")
    eta_b = model.group("b").rate if bias else None
    expected = []
    for k in range(3):
        wk = w.symbols[2 * k: 2 * k + 2]
        q = a.symbols[k] ** 2 / a.rate - sum(x**2 for x in wk) / w.rate
        if bias:
            q -= model.group("b").symbols[k] ** 2 / eta_b
        expected.append(sp.expand(q * a.rate * w.rate * (eta_b or 1)))
    assert len(laws) == 3
    assert same_span(laws.laws, expected, model.symbols, rates_of(model))
    _proved(laws)


def test_relu_multi_output_one_law_per_neuron():
    model = zoo.two_layer_relu(2, 2, c=2)
    laws = discover_laws(model)
    assert len(laws) == 2 and laws.functional_rank() == 2
    _proved(laws)


# ---------------------------------------------------------------------- diagonal nets


def test_diagonal_uv_per_coordinate():
    model = zoo.diagonal_net(3, "uv")
    laws = discover_laws(model)
    u, v = model.group("u"), model.group("v")
    expected = [v.rate * a**2 - u.rate * b**2 for a, b in zip(u.symbols, v.symbols)]
    assert list(laws.laws) == expected
    _proved(laws)


def test_diagonal_pm_shared_rate_products():
    model = zoo.diagonal_net(3, "pm", shared_rate=True)
    laws = discover_laws(model)
    u, v = model.group("u").symbols, model.group("v").symbols
    assert list(laws.laws) == [a * b for a, b in zip(u, v)]


def test_diagonal_pm_distinct_rates_no_polynomial_law():
    # the law |u_i|^{η_v} |v_i|^{η_u} is not polynomial for generic rates
    laws = discover_laws(zoo.diagonal_net(2, "pm"), degree=4)
    assert laws.laws == ()


# ---------------------------------------------------------------------- u σ(v x)


@pytest.mark.parametrize("k", [1, 2, 3, 4])
@pytest.mark.parametrize("activation", ["power", "relu_power", "abs_power"])
def test_homogeneous_neuron_law(k, activation):
    model = zoo.homogeneous_neuron(k, activation)
    laws = discover_laws(model)
    u, v = model.symbols
    eta_u, eta_v = rates_of(model)
    # docs/math/conservation_laws.md §5: d/dt(k u² − v²) = 0 at unit rates
    assert laws.laws == (sp.expand(k * eta_v * u**2 - eta_u * v**2),)
    _proved(laws)


@pytest.mark.parametrize("activation", ["tanh", "generic"])
def test_non_homogeneous_activation_has_no_law(activation):
    laws = discover_laws(zoo.homogeneous_neuron(1, activation), degree=4)
    assert laws.laws == ()


def test_atoms_are_treated_as_indeterminates():
    fields = gradient_fields(zoo.homogeneous_neuron(1, "tanh"))
    assert not fields.polynomial
    assert [str(a) for _, a in fields.atoms] == ["tanh(v*x)"]


# ---------------------------------------------------------------------- API details


def _toy(forward, *extra):
    a, b = sp.symbols("a b", real=True)
    x = sp.Symbol("x", real=True)
    ea, eb = sp.symbols("eta_a eta_b", positive=True)
    return Model("toy", (ParamGroup("a", (a,), ea), ParamGroup("b", (b,), eb)),
                 (ea, eb) + extra, sp.Integer(0), (x,), forward(a, b, x))


def test_linear_law_and_powers():
    laws = discover_laws(_toy(lambda a, b, x: (a + b) ** 2 * x), degree=3)
    a, b = sp.symbols("a b", real=True)
    ea, eb = sp.symbols("eta_a eta_b", positive=True)
    base = eb * a - ea * b
    assert same_span(laws.laws, [base, base**2, base**3], (a, b), (ea, eb))


@pytest.mark.parametrize("degree", [0, -1, 1.5, True, "2"])
def test_bad_degree(degree):
    with pytest.raises(ValueError, match="degree"):
        discover_laws(sn.model(1), degree=degree)


def test_model_errors():
    c = sp.Symbol("c", real=True)
    with pytest.raises(ValueError, match="neither parameters nor inputs"):
        discover_laws(_toy(lambda a, b, x: c * a * b * x, c))
    with pytest.raises(ValueError, match="floats"):
        discover_laws(_toy(lambda a, b, x: sp.Float(0.5) * a * b * x))
    a = sp.Symbol("a", real=True)
    ea = sp.Symbol("eta_a", positive=True)
    bare = Model("bare", (ParamGroup("a", (a,), ea),), (ea,), a**2)
    with pytest.raises(ValueError, match="no forward map"):
        discover_laws(bare)


def test_degree_limit():
    with pytest.raises(ValueError, match="lower the degree"):
        discover_laws(zoo.two_layer_linear(5, 6, 5), degree=4)


def test_indicator_reduction_covers_every_pattern():
    z, y = sp.symbols("z y", real=True)
    form = indicator_form((sp.Max(0, z), sp.Max(0, y), sp.Abs(z)))
    assert form.patterns == 8  # atoms are independent, even on the same z
    relu_z, relu_y, abs_z = form.exprs

    def vanishes(expr):
        return all(c == 0 for c in reduce_expr(expr, form).values())

    assert vanishes(relu_z**2 - z * relu_z)
    assert vanishes(abs_z**2 - z**2)
    assert vanishes(relu_z * relu_y * (relu_z - z))
    assert not vanishes(relu_z - z)


# ----------------------------------------------------------------- claims, doctests


def test_theorem_claims_pass():
    from exactflow.derivations.law_claims import claims

    results = [c.run() for c in claims()]
    assert all(r.passed for r in results), [(r.name, r.detail) for r in results]
    assert len(results) == 7


def test_spans_helper():
    model = zoo.two_layer_linear(2, 2, 2)
    laws = discover_laws(model)
    expected = uv_laws(model)
    assert laws.spans(expected) and laws.spans(expected[::-1])
    assert not laws.spans(expected[:2])
    assert not laws.spans(expected + [model.symbols[0]])


@pytest.mark.parametrize("name", [
    "exactflow.symbolic.laws.patterns", "exactflow.symbolic.laws.echelon",
    "exactflow.symbolic.laws.conservation", "exactflow.derivations.zoo",
    "exactflow.derivations.law_claims",
])
def test_doctests(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name))
    assert result.failed == 0 and result.attempted > 0
