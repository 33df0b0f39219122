"""The CUDA target: per-point maths in a header, thin grid-stride kernels.

``point.h.j2`` renders the per-point function (valid C99 and valid CUDA, so a
plain C compiler can test it on the host); ``kernels.cu.j2`` includes it and
adds one ``extern "C" __global__`` wrapper (:mod:`.lower`).  Kernels run
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

    def write(self, context, source, stem):
        """The ``.cu`` file, and beside it the per-point header alone (``.cuh``,
        valid C99) for host tests."""
        header = self._part("lower").emit_header(context.spec())
        write_text_atomic(stem.with_suffix(".cuh"), header)
        return super().write(context, source, stem)
