"""Figures of the catalog and the experiments (matplotlib, ``exactflow[plots]``).

Each module draws one topic; every ``plot_…(…, ax=None)`` draws on ``ax`` (a
new figure when None) and returns the Axes, and the data on the axes is what
the catalog computes (the tests compare them).  :data:`FIGURES` maps a catalog
entry to the module whose ``report_figures(directory)`` writes its figures for
``exactflow report``.  matplotlib is imported on first use.
"""

from __future__ import annotations

__all__ = ["FIGURES"]

#: catalog entry -> module with ``report_figures(directory) -> list[Path]``
FIGURES: dict[str, str] = {
    "single_neuron": "exactflow.present.figures.single_neuron",
}
