"""Generated kernels against a formula written by hand, floors, overflow, JAX.

One command::

    python benchmarks/bench_kernels.py           # writes benchmarks/results/kernels.md
    python benchmarks/bench_kernels.py --repeat 3 -o /tmp/kernels.md

Side by side in one run, medians of ``--repeat`` calls (after a warm-up call;
in part 1, ``2·repeat + 1`` rounds in which every contender is timed in turn):

1. The single neuron as users call it — one initialisation over 10⁶ times, and a
   1000 × 1000 grid of times against initial a₀ — evaluated by the generated
   NumPy (by default on every CPU, and on one thread), Numba (parallel) and JAX
   (``jax.jit``) kernels and by ``sympy.lambdify(..., cse=True)`` of the
   textbook unified closed form (cosh/sinh, one square root,
   ``single_neuron.textbook_kernel``; NumPy on one thread), in float64 and
   float32.
2. Overflow: both at t = 10², 10⁴, 10⁶ against a 50-digit evaluation.
3. Every catalog kernel, its first input varying over 10⁶ points and the rest
   fixed (what a trajectory or a sweep over one parameter does): the time per
   point against the kernel's *floor*, the fewest transcendental calls its
   formula needs per point (argued in each kernel's docstring, :data:`FLOORS`),
   each priced by a NumPy ufunc call measured in the same run (the generated
   NumPy kernel on one thread, like the ufunc calls that price its floor; and,
   for Numba, a compiled parallel nest of the call as the kernels make it, on
   cache-resident blocks: exp, expm1, log, log1p, hypot, arctan and arctan2 by
   the generated arithmetic helpers, the rest by libm), or
   the memory traffic of the call where that is larger (a copy of the varying
   input into each output); the kernels write into existing arrays (``out=``),
   as those loops do.
4. JAX: ``jax.jit`` compile time and run time.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _results import publish

import exactflow  # noqa: E402
from exactflow.codegen.targets.numpy.loader import load_counting  # noqa: E402
from exactflow.derivations import single_neuron as sn  # noqa: E402

N = 10**6
#: the fewest transcendental calls per point with the first input varying, as
#: argued in each kernel's docstring (maths.py of its catalog entry)
FLOORS = {
    ("single_neuron", "exact"): {"exp": 2, "expm1": 2, "sqrt": 1},
    ("multi_neuron_linear", "exact"): {"exp": 2, "expm1": 2, "sqrt": 1},
    ("multi_neuron_linear", "spectra"): {"sqrt": 1},
    ("deep_linear_modes", "exact"): {"exp": 1, "expm1": 1},
    ("deep_linear_modes", "learning_time"): {"log1p": 2},
    ("diagonal_linear", "exact"): {"exp": 2, "expm1": 1},
    ("diagonal_linear", "potential"): {"arcsinh": 1, "hypot": 1},
    ("diagonal_linear", "whitened"): {"exp": 1, "expm1": 2, "sqrt": 1, "log1p": 1},
    ("two_layer_linear_balanced", "exact"): {"exp": 1, "expm1": 1},
    ("wide_linear_scalar", "exact"): {"exp": 3, "expm1": 1, "log1p": 1},
    ("infinite_width", "dense_input"): {},
    ("infinite_width", "relu"): {"sqrt": 2, "hypot": 1},
    ("infinite_width", "leaky_relu"): {"sqrt": 2, "hypot": 1},
    ("infinite_width", "erf"): {"sqrt": 3, "hypot": 1, "arctan": 1, "arctan2": 1},
    ("infinite_width", "linear"): {"sqrt": 2, "hypot": 1},
    ("spectral_scaling", "scales"): {"sqrt": 1},
}
#: fixed inputs (by name) where the bench's default draw, uniform in [0.2, 1.2],
#: is outside a kernel's domain: P₋ ≤ 0; u₀ and u_f on one side of s
FIXED = {
    ("wide_linear_scalar", "exact"): {"P_minus": -0.7},
    ("deep_linear_modes", "learning_time"): {"uf": 1.8, "s": 2.0},
}
#: NumPy's name of each call (the floors above) in a generated NumPy module
TRANSCENDENTAL = {"exp", "expm1", "log", "log1p", "sqrt", "arcsinh", "hypot",
                  "arctan", "arctan2", "sin", "cos", "power"}


def median_time(f, args, repeat: int) -> float:
    f(*args)  # warm-up: compilation, caches
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        f(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# ------------------------------------------------------------------ 1. versus lambdify

def interleaved(funcs: dict, args, repeat: int) -> dict:
    """Median ms of each of ``funcs`` on ``args``, timed in turn round after
    round (``2·repeat + 1`` rounds): a change of the machine's load hits every
    contender alike, so their ratios hold better than those of timings taken
    one contender after the other."""
    times: dict = {name: [] for name in funcs}
    for _ in range(2 * repeat + 1):
        for name, f in funcs.items():
            gc.collect()
            start = time.perf_counter()
            f(*args)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(ts) * 1e3 for name, ts in times.items()}


def textbook(dtype: str):
    import sympy as sp

    syms = (sn.kt, sn.ka0, sn.kp0, sn.kr0, sn.ks, sn.eta_a, sn.eta_w)
    f = sp.lambdify(syms, [e for _, e in sn.textbook_kernel()], modules="numpy",
                    cse=True)

    def run(*args):
        with np.errstate(all="ignore"):  # it overflows for large t
            return f(*args)

    return run


def layouts(dtype: str) -> dict:
    point = (0.3, 0.2, 1.0, 0.8, 1.3, 0.9)  # a0, p0, r0, s, eta_a, eta_w
    t = np.linspace(0.0, 10.0, N).astype(dtype)
    grid_t = np.linspace(0.0, 10.0, 1000).astype(dtype)[:, None]
    grid_a = np.linspace(-2.0, 2.0, 1000).astype(dtype)[None, :]
    scal = [np.asarray(v, dtype=dtype) for v in point]
    return {"one initialisation × 10⁶ times": [t, *scal],
            "1000 × 1000 grid (t × a0)": [grid_t, grid_a, *scal[1:]]}


def contenders(dtype: str) -> dict:
    d = exactflow.derivation("single_neuron")
    numpy_kernel = d.kernel("numpy", dtype=dtype)
    # as users call it: its blocks shared among the CPUs (the default), and on one
    out = {"generated NumPy": numpy_kernel,
           "generated NumPy, 1 thread": lambda *a: numpy_kernel(*a, threads=1)}
    try:
        out["generated Numba"] = d.kernel("numba", dtype=dtype)
    except ImportError as exc:
        out["generated Numba"] = f"n/a ({exc})"
    try:
        import jax

        fj = jax.jit(d.kernel("jax", dtype=dtype))

        def run(*args):
            return [r.block_until_ready() for r in fj(*args)]

        out["generated JAX (jit)"] = run
    except ImportError as exc:
        out["generated JAX (jit)"] = f"n/a ({exc})"
    out["sympy.lambdify(cse=True), textbook form"] = textbook(dtype)
    return out


def versus(repeat: int) -> list[str]:
    rows: dict = {}
    for dtype in ("float64", "float32"):
        funcs = contenders(dtype)
        for layout, args in layouts(dtype).items():
            ref = funcs["generated NumPy"](*args)
            devs = {}
            for name, f in funcs.items():
                if isinstance(f, str):
                    rows[name, layout, dtype] = None
                    continue
                got = f(*args)  # (also the warm-up call)
                devs[name] = max(float(np.max(np.abs(np.asarray(g, np.float64) - r)
                                              / (1 + np.abs(r))))
                                 for g, r in zip(got, ref))
            for name, ms in interleaved({n: funcs[n] for n in devs}, args,
                                        repeat).items():
                rows[name, layout, dtype] = (ms, devs[name])
    names = list(dict.fromkeys(k[0] for k in rows))
    cols = [(lay, dt) for dt in ("float64", "float32")
            for lay in layouts("float64")]
    lines = ["| contender | " + " | ".join(f"{lay}, {dt}" for lay, dt in cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for name in names:
        cells = []
        for lay, dt in cols:
            r = rows[name, lay, dt]
            cells.append("n/a" if r is None else f"{r[0]:.1f} ms")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lam = "sympy.lambdify(cse=True), textbook form"
    for name in names[:4]:
        cells = []
        for lay, dt in cols:
            r, base = rows[name, lay, dt], rows[lam, lay, dt]
            cells.append("n/a" if r is None else f"{base[0] / r[0]:.2f}×")
        lines.append(f"| speed-up of {name} over lambdify | " + " | ".join(cells)
                     + " |")
    worst = {k: v[1] for k, v in rows.items() if v is not None}
    lines += ["", "Largest deviation from the generated NumPy kernel, "
              "|x − ref|/(1 + |ref|): " + "; ".join(
                  f"{k[0]} ({k[1]}, {k[2]}): {v:.1e}" for k, v in worst.items()
                  if k[0] != "generated NumPy") + "."]
    # the most Numba could gain: its floor (the kernel's fewest calls per point,
    # each priced in a parallel loop), priced in this run, in each dtype
    bounds = []
    for dt in ("float64", "float32"):
        nc = numba_costs(repeat, dt)
        if not nc:
            continue
        floor_ms = sum(n * nc[c] for c, n in FLOORS["single_neuron", "exact"].items()
                       ) * N / 1e6
        lay = next(iter(layouts(dt)))
        bounds.append(f"{dt}: {floor_ms:.1f} ms, at most "
                      f"{rows[lam, lay, dt][0] / floor_ms:.1f}× lambdify")
    if bounds:
        lines += ["", "Numba at its floor (2 exp, 2 expm1, 1 sqrt per point, each "
                  "priced in a vectorised parallel nest on cache-resident blocks here, "
                  "exp and expm1 as the "
                  "generated kernels' arithmetic helpers; llvmlite "
                  f"{_svml()}), one initialisation × 10⁶ times: "
                  + "; ".join(bounds) + "."]
    return lines


def _svml() -> str:
    try:
        import llvmlite
        import llvmlite.binding as binding
    except ImportError:
        return "not installed"
    return (f"{llvmlite.__version__}, built "
            f"{'with' if binding.has_svml else 'without'} SVML")


# ------------------------------------------------------------------------ 2. overflow

def overflow() -> list[str]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from derivations.single_neuron_reference import exact_mp

    point = (0.3, 0.2, 1.0, 0.8, 1.3, 0.9)
    ts = np.array([1e2, 1e4, 1e6])
    gen = exactflow.derivation("single_neuron").kernel("numpy")(ts, *point)
    tb = textbook("float64")(ts, *point)
    lines = ["| t | a, generated | a, textbook (lambdify) | a, 50 digits | "
             "max rel. error, generated | finite, textbook |",
             "|---:|---:|---:|---:|---:|---|"]
    for i, t in enumerate(ts):
        ref = [float(v) for v in exact_mp(t, *point)]
        err = max(abs(float(g[i]) - r) / abs(r) for g, r in zip(gen, ref) if r != 0)
        finite = all(np.isfinite(float(x[i])) for x in tb)
        lines.append(f"| {t:.0e} | {gen[0][i]:.15g} | {float(tb[0][i]):.6g} | "
                     f"{ref[0]:.15g} | {err:.1e} | {'yes' if finite else 'no'} |")
    return lines


# ------------------------------------------------------------------------- 3. floors

def ufunc_costs(repeat: int) -> dict:
    """ns per element of one NumPy call on cache-resident data (2**14 points)."""
    x = np.random.default_rng(1).uniform(0.1, 2.0, 1 << 14)
    out = np.empty_like(x)
    calls = {"exp": lambda: np.exp(-x, out=out), "expm1": lambda: np.expm1(-x, out=out),
             "log": lambda: np.log(x, out=out), "log1p": lambda: np.log1p(x, out=out),
             "sqrt": lambda: np.sqrt(x, out=out),
             "arcsinh": lambda: np.arcsinh(x, out=out),
             "hypot": lambda: np.hypot(x, x, out=out),
             "arctan": lambda: np.arctan(x, out=out),
             "arctan2": lambda: np.arctan2(x, 1.5, out=out),
             "multiply": lambda: np.multiply(x, neg, out=out)}
    neg = -x
    calls["exp"] = lambda: np.exp(neg, out=out)
    calls["expm1"] = lambda: np.expm1(neg, out=out)
    costs = {}
    for name, f in calls.items():
        def loop(f=f):
            for _ in range(200):
                f()
        costs[name] = median_time(loop, (), repeat) / (200 * x.size) * 1e9
    return costs


def numba_costs(repeat: int, dtype: str = "float64") -> dict:
    """ns per point of one call in a parallel compiled loop shaped like the
    kernels' nests (a ``prange`` over tasks, each an inner ``range`` loop over a
    contiguous block, which LLVM vectorises), on cache-resident blocks (each
    task runs its block of 2048 points 512 times): exp, expm1, log, log1p,
    hypot, arctan and arctan2 as the generated kernels make them (the
    arithmetic helpers of ``exactflow.codegen.targets.numba.vecmath``), the
    others as ``math`` calls
    (scalar libm; sqrt vectorises).  A loop streaming 10⁶ points through one
    call pays memory traffic a kernel with several calls pays once: the floor
    adds that traffic on its own (:func:`copy_floor`)."""
    try:
        import math

        import numba
        import numba.extending  # noqa: F401 - the helpers' bit cast
        from llvmlite import ir as llvm_ir
    except ImportError:
        return {}
    from exactflow.codegen.targets.numba.vecmath import helper_lines

    namespace = {"math": math, "numba": numba, "numpy": np, "llvm_ir": llvm_ir,
                 "_DTYPE": np.dtype(dtype).type, "_F": getattr(numba, dtype),
                 "_INF": np.dtype(dtype).type(np.inf),
                 "_NAN": np.dtype(dtype).type(np.nan)}
    helpers = "\n".join(helper_lines(dtype, {"exp", "expm1", "log", "log1p", "hypot",
                                              "atan", "atan2"}))
    exec(compile(helpers.replace("cache=True", "cache=False"), "<helpers>", "exec"),
         namespace)
    rounds = 512
    x = np.random.default_rng(2).uniform(0.1, 2.0, (numba.get_num_threads(), 2048)
                                         ).astype(dtype)
    y = np.empty_like(x)
    calls = {"exp": "_vexp(-v)", "expm1": "_vexpm1(-v)",
             "log": "_vlog(v)", "log1p": "_vlog1p(v)",
             "sqrt": "math.sqrt(v)", "arcsinh": "math.asinh(v)",
             "hypot": "_vhypot(v, 1.5)", "arctan": "_vatan(v)",
             "arctan2": "_vatan2(v, 1.5)"}
    costs = {}
    for name, call in calls.items():
        exec("def loop(x, y, rounds):\n"
             "    for c in numba.prange(x.shape[0]):\n"
             "        line_x, line_y = x[c], y[c]\n"
             "        for _ in range(rounds):\n"
             "            for k in range(line_x.size):\n"
             "                v = line_x[k]\n"
             f"                line_y[k] = {call}\n", namespace)
        loop = numba.njit(parallel=True, error_model="numpy")(namespace["loop"])
        costs[name] = (median_time(loop, (x, y, rounds), 3 * repeat)
                       / (x.size * rounds) * 1e9)
    return costs


def numpy_passes(d, kernel: str, args: list) -> tuple[int, int]:
    """(transcendental, other) ufunc calls per block of the generated NumPy
    module on ``args`` (the first input varying): the module run with a
    ``numpy`` that counts the calls, with one block and with several."""
    source = d.kernel_source("numpy", kernel, "float64")
    f, counts = load_counting(source, kernel)
    small = [a[:1000] if a.ndim else a for a in args]
    f(*small, block=1000, threads=1)
    one = counts.copy()
    counts.clear()
    f(*small, block=100, threads=1)
    per = counts - one  # 9 more blocks
    heavy = sum(n for k, n in per.items() if k in TRANSCENDENTAL)
    other = sum(n for k, n in per.items() if k not in TRANSCENDENTAL)
    return round(heavy / 9), round(other / 9)


def copy_floor(outputs: int, repeat: int, parallel: bool) -> float:
    """ns per point of reading one array of N and writing ``outputs`` arrays of
    N that exist already: the memory traffic of a kernel with one input
    varying, what no formulation avoids (NumPy's copyto on one thread, or a
    parallel Numba loop)."""
    x = np.random.default_rng(1).uniform(0.0, 1.0, N)
    ys = [np.empty(N) for _ in range(outputs)]
    if not parallel:
        def run():
            for y in ys:
                np.copyto(y, x)
        return median_time(run, (), repeat) / N * 1e9
    import numba

    names = ", ".join(f"y{j}" for j in range(outputs))
    body = "".join(f"        y{j}[i] = v\n" for j in range(outputs))
    scope = {"numba": numba}
    exec(f"def loop(x, {names}):\n    for i in numba.prange(x.size):\n"
         f"        v = x[i]\n{body}", scope)
    loop = numba.njit(parallel=True)(scope["loop"])
    return median_time(loop, (x, *ys), repeat) / N * 1e9


def floors(repeat: int) -> list[str]:
    costs, ncosts = ufunc_costs(repeat), numba_costs(repeat)
    lines = ["| kernel | first input | floor: calls per point | floor, NumPy | "
             "generated NumPy, 1 thread | ratio | ufunc passes per point | "
             "arithmetic floor, "
             "NumPy | ratio | floor, Numba | generated Numba | ratio |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    rng = np.random.default_rng(0)
    copies: dict = {}
    bad = []
    for (name, kernel), calls in FLOORS.items():
        d = exactflow.derivation(name)
        k = d.kernel_exprs(kernel)
        first = rng.uniform(0.1, 1.5, N)
        rest = rng.uniform(0.2, 1.2, len(k.inputs) - 1)
        fixed = FIXED.get((name, kernel), {})
        args = [first] + [np.asarray(fixed.get(str(s), v))
                          for s, v in zip(k.inputs[1:], rest)]
        kern = d.kernel("numpy", kernel=kernel)
        outs = tuple(np.empty(N) for _ in k.outputs)  # written by every call

        def f(*a, kern=kern, outs=outs):  # one thread: the floor is priced on one
            return kern(*a, threads=1, out=outs)

        per = median_time(f, args, repeat) / N * 1e9
        if not all(np.isfinite(o).all() for o in outs):
            bad.append(f"{name}/{kernel}")
        n_out = len(k.outputs)
        if (n_out, False) not in copies:
            copies[n_out, False] = copy_floor(n_out, repeat, False)
        priced = sum(n * costs[c] for c, n in calls.items())
        floor = max(priced, copies[n_out, False])
        heavy, other = numpy_passes(d, kernel, args)
        arith = priced + other * costs["multiply"]
        row = (f"| {name}/{kernel} | {k.inputs[0]} | "
               + (", ".join(f"{c} {n}" for c, n in calls.items()) or "none")
               + (f" | {floor:.1f} ns | {per:.1f} ns | {per / floor:.2f} |" if floor
                  else f" | 0 | {per:.1f} ns | — |")
               + f" {heavy} + {other} | {arith:.1f} ns | {per / arith:.2f} |")
        if ncosts:
            g = d.kernel("numba", kernel=kernel)
            nper = median_time(lambda *a: g(*a, out=outs), args, repeat) / N * 1e9
            if (n_out, True) not in copies:
                copies[n_out, True] = copy_floor(n_out, repeat, True)
            nfloor = max(sum(n * ncosts[c] for c, n in calls.items()),
                         copies[n_out, True])
            row += (f" {nfloor:.1f} ns | {nper:.1f} ns | {nper / nfloor:.2f} |"
                    if nfloor else f" 0 | {nper:.1f} ns | — |")
        else:
            row += " n/a | n/a | n/a |"
        lines.append(row)
    lines += ["", "Each kernel runs with its outputs written into arrays that exist "
              "already (``out=``), as the loops that price the floors do; a *floor* is "
              "the larger of its calls, priced, and the memory traffic of reading the "
              "varying input and writing the outputs (a copy of the input into each "
              "output: " + ", ".join(
                  f"{n} output{'s' * (n > 1)} {v:.1f} ns"
                  + (" (NumPy, one thread)" if not par else " (Numba)")
                  for (n, par), v in sorted(copies.items())) + ").",
              "", "Outputs not finite at every point: "
              + (", ".join(bad) if bad else "none") + ".",
              "", "Cost of one call per point: NumPy (2¹⁴ cache-resident points): "
              + ", ".join(f"{c} {v:.2f} ns" for c, v in costs.items())
              + (("; Numba (parallel nest, cache-resident blocks): "
                  + ", ".join(f"{c} {v:.2f} ns" for c, v in ncosts.items()))
                 if ncosts else "") + ".",
              "", "*Ufunc passes per point*: the generated NumPy module's ufunc calls "
              "per block (transcendental + other: arithmetic, comparisons, masked "
              "copies), counted by running it; the *arithmetic floor* prices the "
              "transcendental calls of the floor and each other pass at one "
              "multiplication of two cache-resident arrays — what the module's "
              "passes cost at the least, so its ratio shows the Python-call "
              "overhead; the gap between the two floors is the arithmetic of the "
              "formulation."]
    return lines


# ---------------------------------------------------------------------------- 4. JAX

def jax_times(repeat: int) -> list[str]:
    try:
        import jax
    except ImportError as exc:
        return [f"JAX not installed ({exc})."]
    lines = ["| dtype | layout | jit compile (first call) | run (median) |",
             "|---|---|---:|---:|"]
    for dtype in ("float64", "float32"):
        for layout, args in layouts(dtype).items():
            d = exactflow.derivation("single_neuron")
            jax.clear_caches()  # the kernel was jitted above: compile it again
            f = jax.jit(d.kernel("jax", dtype=dtype))
            start = time.perf_counter()
            [r.block_until_ready() for r in f(*args)]
            compile_s = time.perf_counter() - start

            def run(f=f, args=args):
                return [r.block_until_ready() for r in f(*args)]

            lines.append(f"| {dtype} | {layout} | {compile_s:.2f} s | "
                         f"{median_time(run, (), repeat) * 1e3:.1f} ms |")
    return lines


def report(repeat: int) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    counts = Counter()
    for name in exactflow.catalog():
        counts[name] = len(exactflow.derivation(name).kernels())
    versions = f"NumPy {np.__version__}"
    for mod in ("sympy", "numba", "jax"):
        try:
            versions += f", {mod} {__import__(mod).__version__}"
        except ImportError:
            versions += f", no {mod}"
    parts = [
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, {versions}; medians of {repeat} calls; load "
        f"average at the start {load:.1f}.",
        "",
        "### Single neuron: generated kernels against lambdify of the textbook form",
        "", *versus(repeat), "",
        "### Overflow: one initialisation at large t", "", *overflow(), "",
        "### Every catalog kernel against its floor (first input varying, 10⁶ points)",
        "", *floors(repeat), "",
        "### JAX: jit compile and run (single neuron)", "", *jax_times(repeat),
    ]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("-o", "--output", type=Path,
                        default=Path(__file__).parent / "results" / "kernels.md")
    args = parser.parse_args(argv)
    text = report(args.repeat)
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
