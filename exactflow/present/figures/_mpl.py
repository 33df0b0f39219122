"""matplotlib, imported on first use, and the small helpers every figure uses."""

from __future__ import annotations

__all__ = ["axes", "pyplot", "save"]


def pyplot():
    """``matplotlib.pyplot`` (the Agg backend when no display is set up), or an
    ImportError naming the ``exactflow[plots]`` extra."""
    try:
        import matplotlib
    except ImportError as exc:
        raise ImportError("figures need matplotlib: install the exactflow[plots] "
                          f"extra (pip install 'exactflow[plots]'); {exc}") from exc
    import os

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in (
            "agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def axes(ax=None, projection: str | None = None, figsize=(4.6, 3.6)):
    """``ax``, or the Axes of a new figure."""
    if ax is not None:
        return ax
    plt = pyplot()
    fig = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(projection=projection)


def save(fig, path) -> None:
    """Write ``fig`` as a PNG (150 dpi) and close it."""
    fig.savefig(path, dpi=150)
    pyplot().close(fig)
