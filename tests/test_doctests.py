"""Run the doctests of the public modules."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "exactflow",
    "exactflow.codegen.rewrites",
    "exactflow.derivations.deep_linear_modes",
    "exactflow.derivations.diagonal_linear",
    "exactflow.derivations.single_neuron",
    "exactflow.derivations.two_layer_linear_balanced",
    "exactflow.derivations.wide_linear_scalar",
]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
