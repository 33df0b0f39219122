"""The Numba target: scalar per-point maths, parallel loops over flat arrays.

``module.py.j2`` renders one module per :class:`~exactflow.codegen.KernelSpec`
and dtype:

* ``<kernel>_point(*inputs) -> tuple``: the per-point maths as straight-line
  scalar code (``Piecewise`` as ``if``/``elif``/``else``, so a branch is only
  evaluated where it is taken), ``@numba.njit`` with an explicit signature;
* ``<kernel>_flat(*inputs, *outputs)``: a ``numba.prange`` loop over 1-D arrays
  of one length (an input may have stride 0), writing preallocated outputs;
* ``<kernel>(*inputs, block=None)``: the NumPy kernel's calling convention
  (broadcast, convert, allocate, call the flat loop).

Every ``njit`` is ``cache=True, fastmath=False, error_model="numpy"`` (IEEE
division, no ``ZeroDivisionError``).  In float32 every literal is a
``numpy.float32`` and the math functions take float32 arguments, so nothing
is promoted to float64.  The module is imported from its file in the cache
directory (:mod:`.loader`); broadcast grids (phase diagrams) run a loop nest
with hoisted temporaries (:mod:`.grid`).  The printing and loading modules are
imported on first use.
"""

from __future__ import annotations

from ..base import Target

__all__ = ["NumbaTarget"]


class NumbaTarget(Target):
    """Parallel compiled loops (``exactflow[numba]``)."""

    name = "numba"
    suffix = ".py"
    expand_pow = True
    extra = "numba"

    def generate(self, context):
        """The module's source and the cost table of its loop nests (stored with
        the cached module, so that a loaded kernel plans without SymPy)."""
        lower = self._part("lower")
        kernel = lower.lowered(context.spec())
        context.memo["lowered"] = kernel
        from ...costs import analyse, as_rows

        rows = as_rows(analyse(kernel))
        return lower.emit(context.spec(), kernel), {"grid_table": rows}
