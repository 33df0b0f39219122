"""The catalog: one module per model class, each citing its paper."""

from __future__ import annotations

from . import single_neuron, wide_linear_scalar

CATALOG = {
    "single_neuron": single_neuron,
    "wide_linear_scalar": wide_linear_scalar,
}

__all__ = ["CATALOG", "single_neuron", "wide_linear_scalar"]
