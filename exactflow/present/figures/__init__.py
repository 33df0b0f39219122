"""Figures (matplotlib, the ``exactflow[plots]`` extra), one module per topic.

Each ``plot_…(…, ax=None) -> Axes`` draws on ``ax`` (a new figure when None)
and returns it; matplotlib is imported inside the functions.  :data:`FIGURES`
maps an experiment's registry name to the module whose ``write(ds, directory)
-> list[Path]`` draws the figures of that experiment's store (``exactflow
plot STORE``).
"""

from __future__ import annotations

__all__ = ["FIGURES", "new_figure", "pyplot"]

#: experiment registry name -> module with ``write(ds, directory)``
FIGURES: dict[str, str] = {
    "teacher-student": "exactflow.present.figures.phase_portrait",
}


def pyplot():
    """``matplotlib.pyplot``, or an ImportError naming the extra."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError("figures need matplotlib: install the exactflow[plots] "
                          "extra (pip install 'exactflow[plots]')") from exc
    return plt


def new_figure(ncols: int = 1, nrows: int = 1, size=(4.0, 3.4)):
    """A figure with a grid of axes, outside pyplot's state (for files)."""
    pyplot()  # the ImportError naming the extra
    from matplotlib.figure import Figure

    fig = Figure(figsize=(size[0] * ncols, size[1] * nrows), layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=False)
