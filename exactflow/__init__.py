"""exactflow: exact gradient-flow solutions, conservation laws and generated kernels
for the minimal models of feature-learning theory.

>>> import exactflow
>>> "single_neuron" in exactflow.catalog()
True
"""

from __future__ import annotations

from . import _compat

_compat.install()  # old module paths warn and forward, for one release

from ._version import __version__
__all__ = ["__version__", "catalog", "derivation"]


def catalog() -> list[str]:
    """Names of the derivations in the catalog."""
    from .derivations import CATALOG

    return sorted(CATALOG)


def derivation(name: str):
    """The :class:`~exactflow.derivations._bundle.Derivation` called ``name``."""
    from .derivations import CATALOG

    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name not in CATALOG:
        raise ValueError(
            f"unknown derivation {name!r}; expected one of {sorted(CATALOG)}"
        )
    return CATALOG[name].derivation()
