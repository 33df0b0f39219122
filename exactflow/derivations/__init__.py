"""The catalog: one module per model class, each citing its paper."""

from __future__ import annotations

from . import single_neuron

CATALOG = {
    "single_neuron": single_neuron,
}

__all__ = ["CATALOG", "single_neuron"]
