"""Loop unswitching in the Numba loop nests (``targets/numba/unswitch.py``).

The branches of a loop on values computed outside it are taken outside: one loop
per outcome.  Each version must compute what the branchy loop computed (checked
against the NumPy kernel, which has no such loops), and a version without libm
calls must be vectorised even where another keeps them.
"""

from __future__ import annotations

import numpy as np
import pytest
from codegen_cases import vector_llvm, vector_widths

from exactflow.codegen.targets.numba import grid as numba_grid
from exactflow.codegen.targets.numba.unswitch import (
    LIMIT,
    Split,
    leaves,
    map_leaves,
    render,
    versions,
)

pytest.importorskip("numba", reason="numba (exactflow[numba]) not installed")

LOOP = [
    "_a = x * 2.0",
    "if _c:",
    "    _b = math.exp(x)",
    "elif _d:",
    "    _b = x",
    "else:",
    "    _b = -x",
    "_o = _b if _c else _a",
    "if x > 0.0:",  # a test of a point's value: stays
    "    _o = _o + 1.0",
]


def _run(lines: list[str], env: dict) -> dict:
    import math

    scope = {"math": math, **env}
    exec("\n".join(lines), scope)
    return scope


def test_versions_specialise_every_branch_on_the_constants():
    tree = versions(LOOP, {"_c", "_d"})
    assert isinstance(tree, Split) and tree[0] == "_c"
    assert [len(leaf) for leaf in leaves(tree)] == [5, 5, 5]
    for leaf in leaves(tree):
        text = "\n".join(leaf)
        assert "_c" not in text and "_d" not in text and "if x > 0.0:" in text
    # each version computes what the loop computes where its outcomes hold
    for c in (True, False):
        for d in (True, False):
            for x in (-0.5, 0.0, 1.5):
                env = {"_c": c, "_d": d, "x": x}
                want = _run(LOOP, env)["_o"]
                node = tree
                while isinstance(node, Split):
                    node = node[1] if env[node[0]] else node[2]
                assert _run(node, env)["_o"] == want


def test_render_tests_outside_and_runs_the_version_that_holds():
    tree = versions(LOOP, {"_c", "_d"})
    lines = render(tree, lambda body: ["for _k in range(3):"]
                   + [f"    {x}" for x in body])
    assert leaves(map_leaves(tree, lambda body: body[:1])) == [
        leaf[:1] for leaf in leaves(tree)]
    assert lines[0] == "if _c:"
    assert [x.strip() for x in lines].count("for _k in range(3):") == 3
    for c in (True, False):
        for d in (True, False):
            env = {"_c": c, "_d": d, "x": 0.7}
            assert _run(lines, env)["_o"] == _run(LOOP, env)["_o"]


def test_no_split_without_constant_tests_or_beyond_the_limit():
    assert versions(LOOP, set()) == LOOP  # the lines as they were
    names = [f"_c{i}" for i in range(LIMIT.bit_length() + 1)]  # 2**k > LIMIT
    lines = [line for i, n in enumerate(names) for line in (
        f"if {n}:", f"    _o{i} = x", "else:", f"    _o{i} = -x")]
    assert versions(lines, set(names)) == lines
    assert isinstance(versions(lines[:8], set(names)), Split)  # 4 loops: split


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_two_layer_trajectory_versions_equal_numpy_and_vectorise(dtype):
    """The λ-balanced two-layer net branches on u₀ < 0 (where a logarithm
    decides between two forms per point) and on D = 0 or u₀ = λ = 0: its
    trajectory loop is split on them, each version calls the arithmetic exp and
    φ₁ in a vectorised loop (the u₀ < 0 one has 4 calls in branches on a
    point's value against 2 outside, not more than twice), and every version
    equals the NumPy kernel."""
    import exactflow

    d = exactflow.derivation("two_layer_linear_balanced")
    kernel = d.kernel(target="numba", kernel="exact", dtype=dtype)
    reference = d.kernel(target="numpy", kernel="exact", dtype=dtype)
    f = np.dtype(dtype).type
    t = np.linspace(0.0, 6.0, 5000).astype(dtype)  # VECTOR_MIN or more
    spec = kernel.context.spec()
    # (s, λ, u₀, τ): u₀ > 0; u₀ < 0; s = λ = 0 (D = 0); λ = u₀ = 0 (float64
    # only: the kernel's floor 1e-300 rounds to 0 in float32, 0/0 there)
    points = [(0.8, 0.5, 0.3, 1.2), (0.8, 0.5, -0.3, 1.2), (0.0, 0.0, 0.4, 1.0)]
    if dtype == "float64":
        points.append((0.9, 0.0, 0.0, 1.0))
    for point in points:
        args = (t, *(f(v) for v in point))
        got, want = kernel(*args), reference(*args)
        tol = 1e-13 if dtype == "float64" else 2e-5
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=tol, atol=tol)
    plan = kernel.plan(t, *(f(v) for v in (0.8, 0.5, 0.3, 1.2)))
    source = numba_grid.emit(spec, kernel.lowered, kernel.table, plan.pattern)
    loops = source.split("for _k in range(_hi - _lo):")[1:]
    assert len(loops) == 4
    assert not any("math.exp(" in loop or "_logz(" in loop for loop in loops)
    assert all("_vexp(" in loop and "_vphi1(" in loop for loop in loops)
    assert sum("_vlogz(" in loop for loop in loops) == 1  # u₀ < 0
    outs = [np.empty((t.size, 1), dtype=dtype) for _ in spec.output_names]
    llvm = vector_llvm(source, "exact_grid", (t, *(f(v) for v in (0.8, 0.5, 0.3, 1.2)),
                                              *outs))
    assert min(vector_widths(llvm, dtype), default=0) >= 2
