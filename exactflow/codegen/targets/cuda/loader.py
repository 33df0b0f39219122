"""Running generated CUDA through CuPy (``exactflow[cuda]``)."""

from __future__ import annotations

import math
from collections.abc import Callable

__all__ = ["BLOCK_SIZE", "load"]

#: Threads per block of the launch done by :func:`load`.
BLOCK_SIZE = 256


def _cupy():
    try:
        import cupy
    except ImportError as exc:  # pragma: no cover - depends on the machine
        raise ImportError(
            "the CUDA target runs through CuPy: install the 'exactflow[cuda]' extra "
            f"(pip install 'exactflow[cuda]'); import failed: {exc}") from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDARuntimeError without a driver or device
        raise RuntimeError(f"the CUDA target needs a GPU; CuPy found none: {exc}"
                           ) from exc
    if count < 1:
        raise RuntimeError("the CUDA target needs a GPU; CuPy found none "
                           "(exactflow[cuda] is installed but there is no device)")
    return cupy


def load(spec, source: str | None = None, path=None, context=None) -> Callable:
    """The kernel as ``f(*inputs) -> tuple of cupy arrays`` run through CuPy.

    Arguments (NumPy or CuPy arrays, or numbers) are broadcast, converted to the
    kernel's dtype and copied to the device as contiguous flat arrays; the
    results are new CuPy arrays of the broadcast shape.

    Raises
    ------
    ImportError
        Without CuPy (the ``exactflow[cuda]`` extra).
    RuntimeError
        When CuPy finds no GPU.
    """
    cupy = _cupy()
    if source is None:
        from .lower import emit

        source = emit(spec)
    module = cupy.RawModule(code=source, options=("--std=c++14",))
    function = module.get_function(f"{spec.derivation}__{spec.name}")
    dtype = cupy.dtype(spec.dtype)
    n_inputs = len(spec.input_names)

    def kernel(*args):
        if len(args) != n_inputs:
            raise TypeError(f"{spec.name}() takes {n_inputs} arguments "
                            f"{list(spec.input_names)}, got {len(args)}")
        arrays = [cupy.asarray(a, dtype=dtype) for a in args]
        shape = cupy.broadcast(*arrays).shape if arrays else ()
        size = math.prod(shape)
        flat = [cupy.ascontiguousarray(cupy.broadcast_to(a, shape)).reshape(size)
                for a in arrays]
        outs = [cupy.empty(size, dtype=dtype) for _ in spec.output_names]
        if size:
            grid = min((size + BLOCK_SIZE - 1) // BLOCK_SIZE, 65535)
            function((grid,), (BLOCK_SIZE,), (*flat, *outs, cupy.int64(size)))
        return tuple(o.reshape(shape) for o in outs)

    kernel.__name__ = spec.name
    kernel.__doc__ = f"Kernel {spec.name!r} of {spec.derivation!r} on the GPU (CuPy)."
    return kernel
