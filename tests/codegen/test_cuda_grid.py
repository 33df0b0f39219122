"""The CUDA target's broadcast grids, checked without a GPU.

The grid source of a pattern (``cuda/grid.cu.j2``) is valid C99, each kernel a
plain loop there: gcc compiles it, and the loader's own :func:`run_grid` drives
its four kernels with host "launches" on the compact arguments of
:func:`exactflow.codegen.nests.compact`, exactly as it drives CuPy.  Results are
compared with the NumPy kernel (1e-12 in float64; float32 against float64).
Where the work goes is checked on the text: in a trajectory (only ``t``
varying) the point function makes the transcendental calls that depend on
``t`` and no others.  nvcc compiles grid sources to PTX.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from c_host import compile_grid

import exactflow
from exactflow import _build
from exactflow.codegen import load, nests
from exactflow.codegen.costs import analyse
from exactflow.codegen.counts import count
from exactflow.codegen.targets.cuda import grid, loader
from exactflow.codegen.targets.cuda.loader import run_grid
from tests.codegen.codegen_cases import sample, spec
from tests.derivations.single_neuron_reference import random_case

GCC = shutil.which("gcc")
NVCC = shutil.which("nvcc")
pytestmark = pytest.mark.skipif(GCC is None, reason="gcc is not on PATH")
SN = exactflow.derivation("single_neuron")


@pytest.fixture(scope="module")
def sn64():
    return _build.kernel_spec(SN, "exact", "float64")


@pytest.fixture(scope="module")
def sn32():
    return _build.kernel_spec(SN, "exact", "float32")


@functools.cache
def _lowered(kernel_spec):
    kernel = grid.lowered(kernel_spec)
    return kernel, analyse(kernel)


def _grid_call(kernel_spec, args, directory, name, split=None):
    """The grid kernels on the host, as the CuPy loader runs them (``split``:
    that split, whatever it saves)."""
    dtype = np.dtype(kernel_spec.dtype)
    arrays = [np.asarray(a, dtype=dtype) for a in args]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    kernel, table = _lowered(kernel_spec)
    chosen = nests.plan(kernel_spec, table, [a.shape for a in arrays], shape,
                        split)
    assert chosen is not None, "no grid for these shapes"
    launch, stores, text = compile_grid(kernel_spec, chosen.pattern, directory, name,
                                        kernel, table)
    outs = run_grid(launch, np, chosen, nests.compact(chosen, arrays, shape), stores,
                    dtype, len(kernel_spec.output_names))
    return [o.reshape(shape) for o in outs], chosen, text


def _sn_args(rng, n, m, layout):
    """Single-neuron arguments: a random initialisation and parameters, times
    along the rows; ``layout`` says what else varies."""
    case = [np.array(c) for c in zip(*(random_case(rng) for _ in range(max(n, m))))]
    t, a0, p0, r0, s, ea, ew = case
    t = np.abs(t[:n])
    if layout == "trajectory":
        return [t] + [x[0] for x in (a0, p0, r0, s, ea, ew)]
    if layout == "grid":  # time x a0
        return [t[:, None], a0[None, :m]] + [x[0] for x in (p0, r0, s, ea, ew)]
    # a full (n x m) t, with a0 along the columns
    full = t[:, None] * (1 + rng.random((n, m)))
    return [full, a0[:m]] + [x[0] for x in (p0, r0, s, ea, ew)]


@pytest.mark.parametrize("layout, pattern", [
    ("trajectory", "occcccc"), ("grid", "oiccccc"), ("mixed", "ficcccc")])
def test_single_neuron_grid_matches_numpy(sn64, tmp_path, layout, pattern):
    rng = np.random.default_rng(len(layout))
    args = _sn_args(rng, 37, 23, layout)
    got, chosen, _ = _grid_call(sn64, args, tmp_path, f"sn_{layout}")
    assert chosen.pattern == pattern
    want = SN.kernel(dtype="float64")(*args)
    for j, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-300,
                                   err_msg=f"output {j}")


def test_single_neuron_grid_float32(sn32, tmp_path):
    rng = np.random.default_rng(5)
    args = [np.asarray(a, dtype=np.float32) for a in _sn_args(rng, 29, 31, "grid")]
    got, _, text = _grid_call(sn32, args, tmp_path, "sn32")
    assert all(g.dtype == np.float32 for g in got)
    assert "double" not in text.split("#endif")[1]  # no double in the kernels
    want = SN.kernel(dtype="float64")(*[a.astype(np.float64) for a in args])
    for j, (g, w) in enumerate(zip(got, want)):
        close = np.isclose(g, w, rtol=1e-4, atol=1e-30)
        assert close.mean() >= 0.97 and np.isclose(g, w, rtol=1e-2).all(), j


@pytest.mark.parametrize("kind", ["mixed", "plain"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_hand_made_kernels_on_grids(tmp_path, kind, dtype):
    """Every split of 2-D and 3-D broadcasts (rows, columns, a full input),
    whether or not the planner would choose it."""
    s = spec(kind, dtype)
    x, y, t = sample(24, seed=2)
    layouts = {
        "rows x cols": ((x[:6, None], y[None, :4], t[0]), (1,)),
        "cols full": ((x[0], y[:20].reshape(5, 4), t[None, :4]), (1,)),
        "3-D": ((x[:3, None, None], y[None, :4, None], t[None, None, :2]), (1, 2)),
        "row": ((x[:7], y[0], t[1]), (1,)),
    }
    ref = load(spec(kind, "float64"))
    runs = [(name, args, k) for name, (args, splits) in layouts.items()
            for k in splits]
    for number, (name, args, split) in enumerate(runs):
        args = [np.asarray(a, dtype=dtype) for a in args]
        # a distinct library per run: dlopen returns a loaded path's old code
        got, chosen, _ = _grid_call(s, args, tmp_path, f"{kind}_{dtype}_{number}",
                                    split)
        want = ref(*[a.astype(np.float64) for a in args])
        rtol = 1e-12 if dtype == "float64" else 2e-5
        for j, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, rtol=rtol, atol=1e-6 if dtype ==
                                       "float32" else 1e-300,
                                       err_msg=f"{name} {chosen} output {j}")


_CALL = re.compile(r"\b(exp|expm1|log|log1p|sqrt|pow)\(")


def _function(text: str, name: str) -> str:
    start = text.index(f"{name}(")
    return text[start:text.index("\n}\n", start)]


def test_trajectory_point_makes_only_the_calls_that_depend_on_t(sn64):
    """In a trajectory the point function calls exp, expm1 and sqrt as often as
    the calls of the lowered kernel whose argument depends on ``t``
    (:func:`exactflow.codegen.counts.count`) — outside the rare branch — and
    everything else is computed once."""
    kernel, table = _lowered(sn64)
    text = grid.emit(sn64, kernel, table, pattern="occcccc")
    point = _function(text, "single_neuron__exact__occcccc_point")
    common = point.split("if (")[0] + point.split("} else {")[1]
    calls = {}
    for found in _CALL.findall(common):
        calls[found] = calls.get(found, 0) + 1
    always, _ = count(kernel, ("t",))
    assert calls == {k: v for k, v in always.items() if v}, (calls, always)
    once = _function(text, "single_neuron__exact__occcccc_once_point")
    assert _CALL.search(once)  # the parameters' calls are made there, once
    assert loader.stores(text)[1:] == (0, 0)  # one column: rows are points


def test_grid_refuses_a_bad_pattern(sn64):
    with pytest.raises(ValueError, match="pattern"):
        grid.emit(sn64, pattern="oic")
    with pytest.raises(ValueError, match="pattern"):
        grid.emit(sn64, pattern="oiccccx")
    with pytest.raises(ValueError, match="stores"):
        loader.stores("// nothing")


def test_the_loader_plans_and_reads_stores_without_sympy(sn64):
    """What a warm CuPy call does before launching — plan from the stored cost
    table, read the store sizes of the cached grid source — imports no SymPy
    (run in a fresh process; the table and source are made here)."""
    kernel, table = _lowered(sn64)
    text = grid.emit(sn64, kernel, table, pattern="oiccccc")
    rows = [[n, sorted(ops), cost] for n, ops, cost in table]
    script = (
        "import json, sys\n"
        "from exactflow.codegen import nests\n"
        "from exactflow.codegen.targets.cuda import loader\n"
        "class S: input_names = tuple(json.loads(sys.argv[1]))\n"
        "table = nests.as_table(json.loads(sys.stdin.readline()))\n"
        "chosen = nests.plan(S, table, [(5, 1), (1, 4)] + [()] * 5, (5, 4))\n"
        "sizes = loader.stores(sys.stdin.read())\n"
        "print(json.dumps([chosen.pattern, sizes, 'sympy' in sys.modules]))\n")
    import json

    run = subprocess.run([sys.executable, "-c", script, json.dumps(sn64.input_names)],
                         input=json.dumps(rows) + "\n" + text, capture_output=True,
                         text=True, check=True)
    pattern, sizes, imported = json.loads(run.stdout)
    assert pattern == "oiccccc" and tuple(sizes) == loader.stores(text)
    assert not imported


@pytest.mark.nvcc
@pytest.mark.skipif(NVCC is None, reason="nvcc is not on PATH")
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_nvcc_compiles_grids(tmp_path, dtype):
    s = _build.kernel_spec(SN, "exact", dtype)
    cu = tmp_path / f"grid_{dtype}.cu"
    cu.write_text(grid.emit(s, pattern="oiccccc"))
    run = subprocess.run([NVCC, "-ptx", "-arch=sm_80", "-Werror", "all-warnings",
                          str(cu), "-o", str(cu.with_suffix(".ptx"))],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    ptx = cu.with_suffix(".ptx").read_text()
    for k in ("once", "rows", "cols", "points"):
        assert f".entry single_neuron__exact__oiccccc_{k}(" in ptx
    f64 = re.compile(r"^\s*[a-z][\w.]*\.f64\b", re.MULTILINE)
    assert bool(f64.search(ptx)) == (dtype == "float64")
