"""The CUDA target: per-point maths in a header, thin grid-stride kernels.

``point.h.j2`` renders the per-point function (valid C99 and valid CUDA, so a
plain C compiler can test it on the host); ``kernels.cu.j2`` includes it and
adds one ``extern "C" __global__`` wrapper (:mod:`.lower`).  For calls whose
arguments broadcast, ``grid.cu.j2`` renders four kernels that compute each
temporary once, per row, per column or per point (:mod:`.grid`).  Kernels run
through CuPy when CuPy and a GPU are present (:mod:`.loader`).
"""

from __future__ import annotations

from ...cache import write_text_atomic
from ..base import Target

__all__ = ["CudaTarget"]


class CudaTarget(Target):
    """CUDA C through CuPy (``exactflow[cuda]``)."""

    name = "cuda"
    suffix = ".cu"
    expand_pow = True
    extra = "cuda"

    def generate(self, context):
        """The flat kernel's source and the cost table of its grid kernels
        (stored with the cached source, so that a loaded kernel plans its grids
        without SymPy)."""
        from ...costs import analyse, as_rows

        spec = context.spec()
        kernel = self._part("grid").lowered(spec)
        context.memo["lowered"] = kernel
        source = self._part("lower").emit(spec, kernel)
        return source, {"grid_table": as_rows(analyse(kernel))}

    def write(self, context, source, stem):
        """The ``.cu`` file, and beside it the per-point header alone (``.cuh``,
        valid C99) for host tests."""
        header = self._part("lower").emit_header(context.spec(),
                                                 context.memo.get("lowered"))
        write_text_atomic(stem.with_suffix(".cuh"), header)
        return super().write(context, source, stem)
