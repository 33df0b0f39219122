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

__all__ = ["EXPERIMENT_FIGURES", "FIGURES", "new_figure", "pyplot"]

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
    "teacher-student": "exactflow.present.figures.phase_portrait",
}


def pyplot():
    """``matplotlib.pyplot``, or an ImportError naming the ``plots`` extra."""
    from ._mpl import pyplot

    return pyplot()


def new_figure(ncols: int = 1, nrows: int = 1, size=(4.0, 3.4)):
    """A figure with a grid of axes, outside pyplot's state (for files).

    Parameters
    ----------
    ncols, nrows : int
        Columns and rows of axes.
    size : tuple of float
        Width and height of one panel in inches.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : numpy.ndarray of Axes, shape (nrows, ncols)
    """
    pyplot()  # the ImportError naming the extra
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)
