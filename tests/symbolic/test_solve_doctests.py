"""Doctests of the solver's new modules."""

from __future__ import annotations

import doctest
import importlib

import pytest


@pytest.mark.parametrize("name", ["exactflow.symbolic.proof.pointwise",
                                  "exactflow.symbolic.solve.engine",
                                  "exactflow.symbolic.solve.quadrature",
                                  "exactflow.symbolic.laws.scaling"])
def test_doctests(name):
    result = doctest.testmod(importlib.import_module(name),
                             optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0
