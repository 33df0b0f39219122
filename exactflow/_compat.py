"""Old module paths, kept working for one release.

exactflow 0.2 gave every family a folder of its own (see CONTRIBUTING.md), so
many modules moved.  Importing a module under its old name still works: it
gives a thin module that forwards every attribute to the module's new home and
emits one :class:`DeprecationWarning` naming the new path.  The old names go
away in exactflow 0.3.

>>> import warnings
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     from exactflow.symbolic.model import Model
>>> Model.__module__, caught[0].category.__name__
('exactflow.symbolic.spec.model', 'DeprecationWarning')
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
import types
import warnings

__all__ = ["MOVED", "install"]

#: old module name -> new module name
MOVED: dict[str, str] = {
    "exactflow.symbolic.model": "exactflow.symbolic.spec.model",
    "exactflow.symbolic.flow": "exactflow.symbolic.spec.flow",
    "exactflow.symbolic.functions": "exactflow.symbolic.spec.functions",
    "exactflow.symbolic.zero": "exactflow.symbolic.proof.zero",
    "exactflow.symbolic.pointwise": "exactflow.symbolic.proof.pointwise",
    "exactflow.symbolic.verify": "exactflow.symbolic.proof.verify",
    "exactflow.symbolic.echelon": "exactflow.symbolic.laws.echelon",
    "exactflow.symbolic.patterns": "exactflow.symbolic.laws.patterns",
    "exactflow.symbolic.fields": "exactflow.symbolic.laws.fields",
    "exactflow.symbolic.ansatz": "exactflow.symbolic.laws.ansatz",
    "exactflow.symbolic.present": "exactflow.symbolic.laws.basis",
    "exactflow.symbolic.conservation": "exactflow.symbolic.laws.conservation",
    "exactflow.symbolic.drift": "exactflow.symbolic.laws.drift",
    "exactflow.symbolic.lie": "exactflow.symbolic.laws.lie",
    "exactflow.symbolic.lie_sampled": "exactflow.symbolic.laws.lie_sampled",
    "exactflow.symbolic.scaling": "exactflow.symbolic.laws.scaling",
    "exactflow.symbolic.rotation": "exactflow.symbolic.solve.rotation",
    "exactflow.symbolic.variables": "exactflow.symbolic.solve.variables",
    "exactflow.symbolic.reduce": "exactflow.symbolic.solve.reduce",
    "exactflow.symbolic.recipes": "exactflow.symbolic.solve.recipes",
    "exactflow.symbolic.quadrature": "exactflow.symbolic.solve.quadrature",
    "exactflow.symbolic.matrix_riccati": "exactflow.symbolic.solve.matrix_riccati",
    "exactflow.symbolic.decouple": "exactflow.symbolic.solve.decouple",
    "exactflow.codegen.load": "exactflow.codegen",
    "exactflow.codegen.printers": "exactflow.codegen.targets.numpy.printer",
    "exactflow.codegen.program": "exactflow.codegen.targets.numpy.program",
    "exactflow.codegen.schedule": "exactflow.codegen.targets.numpy.schedule",
    "exactflow.codegen.numpy_target": "exactflow.codegen.targets.numpy.lower",
    "exactflow.codegen.numba_printer": "exactflow.codegen.targets.numba.printer",
    "exactflow.codegen.numba_target": "exactflow.codegen.targets.numba.lower",
    "exactflow.codegen.numba_grid": "exactflow.codegen.targets.numba.grid",
    "exactflow.codegen.cuda_target": "exactflow.codegen.targets.cuda.lower",
    "exactflow.symbolic.transcript": "exactflow.present.transcript",
    "exactflow.cli_laws": "exactflow.cli.laws",
    "exactflow.cli_solve": "exactflow.cli.solve",
    "exactflow.symbolic.derivation": "exactflow.derivations._bundle",
    "exactflow.symbolic.recognise": "exactflow.symbolic.solve.structures",
}


class _Forward(types.ModuleType):
    """A module that reads every attribute from its new home."""

    def __getattr__(self, name: str):
        target = importlib.import_module(MOVED[self.__name__])
        return getattr(target, name)

    def __dir__(self):
        return dir(importlib.import_module(MOVED[self.__name__]))


class _OldPaths(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds the old names of :data:`MOVED` (and nothing else)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec):
        return _Forward(spec.name)

    def exec_module(self, module) -> None:
        new = MOVED[module.__name__]
        warnings.warn(f"{module.__name__} has moved to {new}; the old path will be "
                      "removed in exactflow 0.3", DeprecationWarning, stacklevel=2)
        importlib.import_module(new)


_FINDER = _OldPaths()


def install() -> None:
    """Put the finder of old paths on :data:`sys.meta_path` (once)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.append(_FINDER)
