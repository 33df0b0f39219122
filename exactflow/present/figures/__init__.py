"""Figures (matplotlib, the ``exactflow[plots]`` extra), one module per topic.

Each ``plot_…(…, ax=None)`` draws on ``ax`` (a new figure when None) and
returns the Axes; matplotlib is imported when a figure is drawn.
"""

from __future__ import annotations

__all__: list[str] = []
