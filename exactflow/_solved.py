"""Solved catalog entries, cached across processes like kernels.

``exactflow.solve(NAME)`` (and ``exactflow solve NAME``) re-derives a catalog
entry's closed form: reduction, structure, solution and the checks that verify
it, which takes seconds.  The whole :class:`~exactflow.symbolic.solve.SolveResult`
is stored in the cache directory, pickled, under the SHA-256 of its bytes, and
found again by a key computed without SymPy: the entry, the reduction asked for,
the exactflow and SymPy versions and a hash of the source files that produce it
(the entry's package, ``exactflow/symbolic/`` and the glue).  Editing any of them
gives a new key; a damaged file is a miss.  The result read back is the one a
fresh solve returns, checks included (``tests/test_solve_cache.py``).
"""

from __future__ import annotations

import io
import pickle
import types
from collections.abc import Callable

from ._build import _files_digest, _sympy_version
from ._version import __version__
from .codegen.artefacts import Artefacts

__all__ = ["cached_solve", "solve_key"]

#: the files that produce a catalog entry's solution: the whole catalog (an
#: entry may build its model on another's maths), the symbolic layer, the API
_SHARED = ("derivations", "symbolic", "_api.py", "_solved.py", "_version.py")


def _frozen(items: dict) -> types.MappingProxyType:
    return types.MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Pickles the read-only mappings of structure matches as themselves."""

    def reducer_override(self, obj):
        if isinstance(obj, types.MappingProxyType):
            return _frozen, (dict(obj),)
        return NotImplemented


def _dumps(result) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(result)
    return buffer.getvalue()


def solve_key(name: str, coordinates: object = None) -> str:
    """The key of ``exactflow.solve(name, coordinates=coordinates)`` for a
    catalog entry, computed without SymPy."""
    return "\0".join(("exactflow-solve", __version__, _sympy_version(), name,
                      repr(coordinates), _files_digest(_SHARED)))


def cached_solve(name: str, coordinates: object, fresh: Callable[[], object]):
    """The cached result of solving catalog entry ``name``, else ``fresh()``
    (then stored; a result that cannot be pickled is returned, not stored)."""
    artefacts = Artefacts(solve_key(name, coordinates))
    entry = artefacts.lookup("result")
    if entry is not None:
        try:
            return pickle.loads(entry.text)
        except Exception:  # written by other code: solve again
            pass
    result = fresh()
    try:
        data = _dumps(result)
    except (pickle.PicklingError, TypeError, AttributeError):
        return result
    artefacts.record("result", data, ".pickle")
    return result
