"""Progress bars for long computations, shown only to a person watching.

A leaf module every layer may use: :func:`progress` wraps an iterable in a
``tqdm`` bar when tqdm is installed and the session is interactive (a terminal
on stderr, or a Jupyter kernel), and returns the iterable unchanged otherwise
(scripts, CI logs and pipes stay quiet).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

__all__ = ["interactive", "progress"]


def interactive() -> bool:
    """Whether a person is watching: stderr is a terminal, or this process is a
    Jupyter kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    if shell is not None and type(shell).__name__ == "ZMQInteractiveShell":
        return True
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress(iterable: Iterable, desc: str = "", total: int | None = None,
             show: bool | None = None, unit: str = "it"):
    """``iterable`` with a progress bar when ``show`` (None: :func:`interactive`)."""
    if show is None:
        show = interactive()
    if not show:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is optional (exactflow[sweep]): no bar
        return iterable
    return tqdm(iterable, desc=desc, total=total, unit=unit, leave=False)
