"""exactflow: exact gradient-flow solutions, conservation laws and generated kernels
for the minimal models of feature-learning theory.

The public face: the catalog (:func:`catalog`, :func:`derivation`,
:func:`kernel`), your own models (:class:`Model`, :class:`ParamGroup`,
:func:`load_model`), their conservation laws (:func:`laws`) and exact
solutions (:func:`solve`).  Everything else lives in the subpackages
(``exactflow.derivations.<name>`` for each model class's numerical functions,
``exactflow.simulate`` for integrators).  Importing this module is cheap: the
names below load SymPy and the catalog on first use.

>>> import exactflow
>>> "single_neuron" in exactflow.catalog()
True
"""

from __future__ import annotations

import importlib

from . import _compat
from ._api import catalog, derivation, kernel, laws, load_model, solve
from ._version import __version__

_compat.install()  # old module paths warn and forward, for one release

__all__ = ["Model", "ParamGroup", "__version__", "catalog", "derivation", "kernel",
           "laws", "load_model", "solve"]

_LAZY = {"Model": "exactflow.symbolic.spec.model",
         "ParamGroup": "exactflow.symbolic.spec.model"}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'exactflow' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
