"""Figures (matplotlib, the ``exactflow[plots]`` extra), one module per topic.

Each ``plot_…(…, ax=None)`` draws on ``ax`` (a new figure when None) and returns
the Axes, with the data the library computes on it (the tests compare them);
matplotlib is imported inside the functions.  Two registries join the figures
to the rest (figures and experiments sit side by side in the layering, so the
command line joins them):

* :data:`FIGURES`: catalog entry → module whose ``report_figures(directory)``
  writes its figures for ``exactflow report``;
* :data:`EXPERIMENT_FIGURES`: experiment registry name → module whose
  ``save(ds, directory)`` writes that experiment's figures for
  ``exactflow plot STORE``.
"""

from __future__ import annotations

__all__ = ["EXPERIMENT_FIGURES", "FIGURES", "pyplot"]

#: catalog entry -> module with ``report_figures(directory) -> list[Path]``
FIGURES: dict[str, str] = {
    "single_neuron": "exactflow.present.figures.single_neuron",
    "deep_linear_modes": "exactflow.present.figures.deep_linear_modes",
    "diagonal_linear": "exactflow.present.figures.diagonal_linear",
    "multi_neuron_linear": "exactflow.present.figures.multi_neuron_linear",
    "two_layer_linear_balanced": "exactflow.present.figures.two_layer_linear_balanced",
    "wide_linear_scalar": "exactflow.present.figures.wide_linear_scalar",
}

#: experiment registry name -> figure module with ``save(ds, directory)``
EXPERIMENT_FIGURES: dict[str, str] = {
    "coord-check": "exactflow.present.figures.coord_check",
    "infinite_width_digits": "exactflow.present.figures.infinite_width",
}


def pyplot():
    """``matplotlib.pyplot``, or an ImportError naming the ``plots`` extra."""
    from ._mpl import pyplot

    return pyplot()
