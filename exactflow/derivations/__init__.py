"""The catalog: one module per model class, each citing its paper."""

from __future__ import annotations

from . import (
    deep_linear_modes,
    diagonal_linear,
    infinite_width,
    multi_neuron_linear,
    single_neuron,
    spectral_scaling,
    two_layer_linear_balanced,
    two_layer_relu,
    wide_linear_scalar,
)

CATALOG = {
    "deep_linear_modes": deep_linear_modes,
    "diagonal_linear": diagonal_linear,
    "infinite_width": infinite_width,
    "multi_neuron_linear": multi_neuron_linear,
    "single_neuron": single_neuron,
    "spectral_scaling": spectral_scaling,
    "two_layer_linear_balanced": two_layer_linear_balanced,
    "two_layer_relu": two_layer_relu,
    "wide_linear_scalar": wide_linear_scalar,
}

__all__ = ["CATALOG", *CATALOG]
