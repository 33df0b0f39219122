"""Compile a kernel's CUDA point header as host C99 with gcc and call it.

The per-point function is valid C99 (``__host__ __device__`` vanish without
``__CUDACC__``); a generated loop calls it on flat arrays through ctypes, so
the CUDA target's maths is checked on a machine without a GPU.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess
from pathlib import Path

import numpy as np

from exactflow.codegen.targets.cuda import lower as cuda_target

GCC = shutil.which("gcc")

_LOOP = """
#include "{header}"
void run(const {ctype}* in, {ctype}* out, long n)
{{
    for (long i = 0; i < n; ++i)
        {point}(in + i * {n_in}, out + i * {n_out});
}}
"""


def _build(source: Path, dtype: str) -> ctypes.CDLL:
    """``source`` built by gcc as a shared library (``-Wall -Wextra -Werror``)."""
    lib = source.with_name(f"lib{source.stem}.so")
    # float32 must never be promoted to double (INFINITY is a float, so
    # float64 code promotes it, harmlessly: the check is float32 only)
    strict = ["-Wdouble-promotion"] if dtype == "float32" else []
    run = subprocess.run(
        [GCC, "-std=c99", "-O2", "-shared", "-fPIC", "-Wall", "-Wextra", *strict,
         "-Werror", str(source), "-o", str(lib), "-lm"], capture_output=True, text=True)
    if run.returncode != 0:
        raise AssertionError(f"{source.stem}:\n{run.stderr}")
    return ctypes.CDLL(str(lib))


def compile_host(spec, directory: Path, name: str):
    """``f(*arrays) -> list of arrays``: the point header of ``spec`` built by gcc
    with ``-Wall -Wextra -Werror`` (and ``-Wdouble-promotion`` in float32)."""
    ctx = cuda_target.lower(spec)
    (directory / f"{name}.h").write_text(cuda_target.emit_header(spec))
    (directory / f"{name}.c").write_text(_LOOP.format(
        header=f"{name}.h", ctype=ctx["ctype"], point=ctx["point"],
        n_in=ctx["n_inputs"], n_out=ctx["n_outputs"]))
    so = _build(directory / f"{name}.c", spec.dtype)
    so.run.restype = None
    dtype = np.dtype(spec.dtype)
    n_out = len(spec.outputs)

    def call(*args):
        inp = np.ascontiguousarray(np.stack(np.broadcast_arrays(*args), -1),
                                   dtype=dtype)
        out = np.empty(inp.shape[:-1] + (n_out,), dtype=dtype)
        ptr = ctypes.POINTER(ctypes.c_double if dtype == np.float64
                             else ctypes.c_float)
        so.run(inp.ctypes.data_as(ptr), out.ctypes.data_as(ptr),
               ctypes.c_long(inp.shape[0]))
        return [out[:, j] for j in range(n_out)]

    return call


def compile_grid(spec, pattern: str, directory: Path, name: str, kernel=None,
                 table=None):
    """``(launch, stores)`` of the CUDA grid source of ``spec`` for ``pattern``,
    compiled as C99 by gcc (``-Wall -Wextra -Werror``): ``launch(kernel, count,
    arguments)`` calls kernel ``once``, ``rows``, ``cols`` or ``points`` (each a
    plain loop on the host) as :func:`exactflow.codegen.targets.cuda.loader.
    run_grid` launches it on the GPU; ``kernel`` and ``table``, when given, are
    the lowered kernel and its cost table."""
    from exactflow.codegen.targets.cuda import grid, loader

    text = grid.emit(spec, kernel, table, pattern)
    (directory / f"{name}.c").write_text(text)
    so = _build(directory / f"{name}.c", spec.dtype)
    stem = f"{spec.derivation}__{spec.name}__{pattern}"
    dtype = np.dtype(spec.dtype)
    ptr = ctypes.POINTER(ctypes.c_double if dtype == np.float64 else ctypes.c_float)

    def launch(kernel: str, count: int, arguments: tuple) -> None:
        function = getattr(so, f"{stem}_{kernel}")
        function.restype = None
        converted = []
        for a in arguments:
            if isinstance(a, int):
                converted.append(ctypes.c_longlong(a))
            else:
                assert a.dtype == dtype and a.flags.c_contiguous, (a.dtype, a.flags)
                converted.append(a.ctypes.data_as(ptr))
        function(*converted)

    return launch, loader.stores(text), text
