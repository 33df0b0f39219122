"""Figures (matplotlib, the ``exactflow[plots]`` extra), one module per topic.

Each ``plot_…(…, ax=None)`` draws on ``ax`` (a new figure when None) and returns
the Axes; matplotlib is imported inside the functions.  :data:`FIGURES` maps an
experiment's registry name to the module whose ``save(ds, directory)`` writes
that experiment's figures (``exactflow plot STORE`` reads it; experiments and
figures sit side by side in the layering, so the command line joins them).
"""

from __future__ import annotations

__all__ = ["FIGURES", "pyplot"]

#: experiment registry name -> figure module with ``save(ds, directory)``
FIGURES: dict[str, str] = {
    "coord-check": "exactflow.present.figures.coord_check",
}


def pyplot():
    """``matplotlib.pyplot``, or an ImportError naming the ``plots`` extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("figures need matplotlib: install the exactflow[plots] "
                          f"extra (pip install 'exactflow[plots]'); {exc}") from exc
    return plt
