"""Model validation and the gradient flow."""

from __future__ import annotations

import pytest
import sympy as sp

from exactflow.derivations import single_neuron as sn
from exactflow.symbolic.spec.flow import gradient_flow, time_derivative
from exactflow.symbolic.spec.model import Model, ParamGroup, moment_loss

eta = sp.Symbol("eta", positive=True)
a, b, c = sp.symbols("a b c", real=True)


def test_model_refuses_undeclared_symbols():
    with pytest.raises(ValueError, match="undeclared.*'c'"):
        Model("m", (ParamGroup("a", (a,), eta),), (eta,), loss=(a - c) ** 2)


def test_model_refuses_reserved_and_duplicate_names():
    with pytest.raises(ValueError, match="reserved"):
        Model("m", (ParamGroup("a", (sp.Symbol("_a"),), eta),), (eta,), loss=eta)
    with pytest.raises(ValueError, match="twice"):
        Model(
            "m",
            (ParamGroup("a", (a,), eta), ParamGroup("b", (a,), eta)),
            (eta,),
            loss=a**2,
        )


def test_rates_must_be_positive_and_declared():
    with pytest.raises(ValueError, match="positive"):
        ParamGroup("a", (a,), sp.Symbol("r", real=True))
    with pytest.raises(ValueError, match="consts"):
        Model("m", (ParamGroup("a", (a,), eta),), (), loss=a**2)


def test_group_shape_must_match_symbols():
    with pytest.raises(ValueError, match="needs 4 symbols"):
        ParamGroup("w", (a, b), eta, (2, 2))


def test_frozen():
    m = sn.model(2)
    with pytest.raises(AttributeError):
        m.name = "other"


def test_flow_is_minus_rate_times_gradient():
    m = Model(
        "m",
        (ParamGroup("a", (a,), eta), ParamGroup("b", (b,), eta)),
        (eta,),
        loss=(a * b - 1) ** 2 / 2,
    )
    f = gradient_flow(m)
    assert sp.expand(f.equations[a] + eta * (a * b - 1) * b) == 0
    assert sp.expand(time_derivative(f, a**2 - b**2)) == 0


def test_moment_loss_matches_sample_loss():
    # ½E[(y − βᵀx)²] over two samples equals the moment form
    x1, x2, y1, y2 = sp.symbols("x1 x2 y1 y2", real=True)
    beta = sp.Matrix([a])
    sxx = sp.Matrix([[(x1**2 + x2**2) / 2]])
    sxy = sp.Matrix([(x1 * y1 + x2 * y2) / 2])
    syy = (y1**2 + y2**2) / 2
    direct = ((y1 - a * x1) ** 2 + (y2 - a * x2) ** 2) / 4
    assert sp.expand(moment_loss(beta, sxx, sxy, syy) - direct) == 0


def test_single_neuron_symbols_validate_size():
    with pytest.raises(ValueError, match="d must be a positive integer"):
        sn.symbols(0)
