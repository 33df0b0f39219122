"""Re-exports of a catalog package, loaded on first use.

A catalog package's ``__init__`` re-exports the names of its modules
(``maths``: SymPy; ``numeric``: NumPy only; ``bundle``).  Importing the package
loads none of them: ``from exactflow.derivations.single_neuron import
trajectory`` loads ``numeric`` alone, and with its kernel in the cache no SymPy
is imported at all.  Each name is looked up in the module that defines it the
first time it is asked for, then kept in the package's namespace.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Callable

__all__ = ["lazy_exports"]


class _Package(types.ModuleType):
    """A package some of whose names are also the names of its modules (as
    ``spectral_scaling.table``, a function in ``table.py``): the name stays the
    function when the import system binds the module to the package."""

    def __setattr__(self, name: str, value) -> None:
        if isinstance(value, types.ModuleType) and name in vars(self)["_shadowed"]:
            return
        super().__setattr__(name, value)


def lazy_exports(package: str, names: dict[str, tuple[str, ...]],
                 public: tuple[str, ...]) -> tuple[Callable, Callable]:
    """``(__getattr__, __dir__)`` for the package ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    names : dict
        ``{module: (name, ...)}``: the names each of its modules provides.
    public : tuple of str
        How ``__all__`` is made: a module of ``names`` (that is not also a name
        it exports) stands for its own ``__all__`` (without ``NAME``), any other
        string for itself.
    """
    where = {name: module for module, found in names.items() for name in found}
    shadowed = frozenset(where) & frozenset(names)
    if shadowed:
        module = sys.modules[package]
        module._shadowed = shadowed
        module.__class__ = _Package

    def _module(module: str):
        return importlib.import_module(f".{module}", package)

    def __getattr__(name: str):
        if name == "__all__":
            value = [n for item in public for n in (
                [m for m in _module(item).__all__ if m != "NAME"]
                if item in names and item not in where else [item])]
        elif name in where:
            value = getattr(_module(where[name]), name)
        elif name in names:
            value = _module(name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(names) | set(where))

    return __getattr__, __dir__
