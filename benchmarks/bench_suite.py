"""The benchmark suite: the single-neuron exact kernel on every contender, with
the machine's physical limits measured in the same run.

One command::

    python benchmarks/bench_suite.py            # writes benchmarks/results/suite.md
    python benchmarks/bench_suite.py --points 1e6 --repeat 2 -o /tmp/suite.md

Contenders, on 10^7 points (float64 and float32):

- generated NumPy (``Derivation.kernel("numpy")``),
- generated Numba (``kernel("numba")``, the ``exactflow[numba]`` extra),
- generated CUDA through CuPy (only where CuPy and a GPU are present),
- ``sympy.lambdify(..., cse=True)`` of the same expressions,
- numexpr on the same lowered kernel (``numexpr_baseline.py``),
- scipy ``solve_ivp`` (DOP853, rtol 1e-12) per trajectory, as time per sample.

Layouts: *flat* (every input an array of N points) and *grid* (a phase-diagram
sweep: ``t`` of shape (n, 1) times ``a0`` of shape (1, N/n), the other inputs
scalars).

Limits, measured here: the memory-bandwidth bound (a STREAM-like triad gives
the machine's bandwidth; the bound is the bytes a kernel must move per point
divided by it) and the transcendental floor (the kernel's count of exp, log,
expm1, sqrt and pow calls per point times the cost of each call, measured on
cache-resident data, single-threaded with NumPy and on every core with Numba).
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import sympy as sp

import exactflow
from exactflow._build import kernel_spec
from exactflow.codegen.passes import prepare

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import publish
from numexpr_baseline import numexpr_kernel  # noqa: E402

DTYPES = ("float64", "float32")
LAYOUTS = ("flat", "grid")
N_INPUTS, N_OUTPUTS = 7, 3


def inputs(layout: str, n: int, dtype: str, seed: int = 0) -> list:
    """Kernel arguments ``t, a0, p0, r0, s, eta_a, eta_w`` for ``layout``."""
    rng = np.random.default_rng(seed)
    if layout == "flat":
        args = [rng.uniform(0, 10, n), rng.uniform(-2, 2, n), rng.uniform(-2, 2, n),
                rng.uniform(0, 1, n), rng.uniform(0.1, 2, n), rng.uniform(0.5, 2, n),
                rng.uniform(0.5, 2, n)]
        return [a.astype(dtype) for a in args]
    rows = 1000
    t = np.linspace(0, 10, rows, dtype=dtype)[:, None]
    a0 = np.linspace(-2, 2, n // rows, dtype=dtype)[None, :]
    scalars = [np.asarray(v, dtype=dtype) for v in (0.3, 0.2, 1.0, 0.8, 1.3)]
    return [t, a0, *scalars]


def best_time(f, args, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        f(*args)
        best = min(best, time.perf_counter() - start)
    return best


def contenders(dtype: str) -> dict:
    """name -> callable, or name -> reason it is not available."""
    d = exactflow.derivation("single_neuron")
    spec = kernel_spec(d, "exact", dtype)
    out: dict = {"generated NumPy": d.kernel("numpy", dtype=dtype)}
    try:
        out["generated Numba"] = d.kernel("numba", dtype=dtype)
    except (ImportError, ValueError) as exc:
        out["generated Numba"] = f"n/a ({exc})"
    try:
        out["generated CUDA (CuPy)"] = _cuda(d, dtype)
    except (ImportError, RuntimeError) as exc:
        out["generated CUDA (CuPy)"] = f"n/a ({str(exc).splitlines()[0][:60]})"
    exprs = [e for _, e in spec.outputs]
    lam = sp.lambdify(spec.inputs, exprs, modules="numpy", cse=True)

    def lambdified(*args):
        with np.errstate(all="ignore"):  # it evaluates every branch
            return lam(*args)

    out["sympy.lambdify(cse=True)"] = lambdified
    try:
        out["numexpr"] = numexpr_kernel(prepare(spec), spec.inputs)
    except ImportError as exc:
        out["numexpr"] = f"n/a ({exc})"
    return out


def _cuda(d, dtype):
    import cupy

    kernel = d.kernel("cuda", dtype=dtype)

    def run(*args):
        res = kernel(*[cupy.asarray(a) for a in args])
        cupy.cuda.Device().synchronize()
        return res

    return run


def time_kernels(n: int, repeat: int) -> tuple[dict, dict]:
    """ns/point per (contender, layout, dtype), and max deviations from NumPy."""
    times: dict = {}
    worst: dict = {}
    for dtype in DTYPES:
        funcs = contenders(dtype)
        for layout in LAYOUTS:
            args = inputs(layout, n, dtype)
            npts = int(np.broadcast_shapes(*(np.shape(a) for a in args)) and
                       np.prod(np.broadcast_shapes(*(np.shape(a) for a in args))))
            ref = funcs["generated NumPy"](*args)
            for name, f in funcs.items():
                if isinstance(f, str):
                    times[name, layout, dtype] = f
                    continue
                got = f(*args)  # warm-up (compilation) and a sanity check
                dev = max(float(np.max(np.abs(np.asarray(g, dtype=np.float64) - r)
                                       / (1 + np.abs(r)))) for g, r in zip(got, ref))
                worst[name, layout, dtype] = dev
                times[name, layout, dtype] = best_time(f, args, repeat) / npts * 1e9
            del args, ref
            gc.collect()
    return times, worst


def bandwidth(n: int, repeat: int) -> float:
    """Bytes per second of a STREAM-like triad ``a = b + s*c`` (best of runs)."""
    b, c = np.ones(n), np.full(n, 2.0)
    a = np.empty(n)
    try:
        import numba

        @numba.njit(parallel=True, cache=False)
        def triad(a, b, c, s):
            for i in numba.prange(a.size):
                a[i] = b[i] + s * c[i]

        triad(a, b, c, 3.0)
        f = lambda: triad(a, b, c, 3.0)  # noqa: E731
    except ImportError:
        def f():
            np.multiply(c, 3.0, out=a)
            np.add(a, b, out=a)  # two passes: NumPy has no fused triad
    best = best_time(f, (), repeat)
    return 3 * 8 * n / best


def transcendental_counts(dtype: str = "float64") -> Counter:
    """Calls per point in the lowered exact kernel (every Piecewise branch)."""
    d = exactflow.derivation("single_neuron")
    lowered = prepare(kernel_spec(d, "exact", dtype))
    counts: Counter = Counter()
    for _, e in lowered.temps + lowered.outputs:
        for node in sp.preorder_traversal(e):
            name = type(node).__name__
            if name in ("exp", "logz", "log", "phi1", "expm1", "log1p"):
                counts[{"logz": "log", "phi1": "expm1"}.get(name, name)] += 1
            elif node.is_Pow and not node.exp.is_Integer:
                counts["sqrt" if abs(node.exp) == sp.S.Half else "pow"] += 1
    return counts


def call_costs(dtype: str, repeat: int) -> tuple[dict, dict]:
    """ns per call: NumPy single thread, and Numba on every core (or {})."""
    x = np.random.default_rng(1).uniform(0.5, 2.0, 1 << 14).astype(dtype)
    out = np.empty_like(x)
    ufuncs = {"exp": np.exp, "log": np.log, "expm1": np.expm1, "sqrt": np.sqrt}
    loops = 600  # 10^7 calls, cache resident
    single = {}
    for name, uf in ufuncs.items():
        def run(uf=uf):
            for _ in range(loops):
                uf(x, out=out)
        single[name] = best_time(run, (), repeat) / (loops * x.size) * 1e9

    def pw():
        for _ in range(loops):
            np.power(x, 0.25, out=out)
    single["pow"] = best_time(pw, (), repeat) / (loops * x.size) * 1e9
    parallel = {}
    try:
        import math

        import numba
    except ImportError:
        return single, parallel
    # one prange loop over a large array per call: small arrays measure the
    # thread pool's start-up, not the maths (memory traffic stays far below it)
    big = np.random.default_rng(2).uniform(0.5, 2.0, 1 << 22).astype(dtype)
    res = np.empty_like(big)
    calls = {"exp": "math.exp(x[i])", "log": "math.log(x[i])",
             "expm1": "math.expm1(x[i])", "sqrt": "math.sqrt(x[i])",
             "pow": "x[i] ** quarter"}
    for name, call in calls.items():
        source = (f"def loop(x, y, quarter):\n"
                  f"    for i in numba.prange(x.size):\n"
                  f"        y[i] = {call}\n")
        namespace = {"math": math, "numba": numba}
        exec(source, namespace)  # one loop per function: no call through a pointer
        loop = numba.njit(parallel=True)(namespace["loop"])
        quarter = np.asarray(0.25, dtype=dtype)[()]
        loop(big, res, quarter)
        parallel[name] = best_time(loop, (big, res, quarter), 3 * repeat) / (
            big.size) * 1e9
    return single, parallel


def integration_cost(n_traj: int, samples: int = 100) -> float:
    """ns per sample of solve_ivp DOP853 on whitened single-neuron problems."""
    from scipy.integrate import solve_ivp

    rng = np.random.default_rng(3)
    beta = np.array([0.7, -0.4])
    ts = np.linspace(0, 10, samples)

    def rhs(_t, y):
        g = y[0] * y[1:] - beta
        return np.concatenate(([-0.8 * (y[1:] @ g)], -1.5 * y[0] * g))

    start = time.perf_counter()
    for _ in range(n_traj):
        y0 = rng.uniform(-2, 2, 3)
        solve_ivp(rhs, (0, 10), y0, method="DOP853", rtol=1e-12, atol=1e-14,
                  t_eval=ts)
    return (time.perf_counter() - start) / (n_traj * samples) * 1e9


def _cell(v) -> str:
    return v.split(" (")[0] if isinstance(v, str) else f"{v:.1f}"


def report(n: int, repeat: int) -> str:
    times, worst = time_kernels(n, repeat)
    bw = bandwidth(1 << 24, repeat)  # 384 MB: far beyond every cache
    counts = transcendental_counts()
    lines = [
        f"### single_neuron/exact on {n:.0e} points: ns/point, best of {repeat}",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}, NumPy {np.__version__}, SymPy "
        f"{sp.__version__}" + _versions() + ".",
        "",
        "| contender | flat float64 | flat float32 | grid float64 | grid float32 |",
        "|---|---:|---:|---:|---:|",
    ]
    names = list(dict.fromkeys(k[0] for k in times))
    for name in names:
        cells = [_cell(times[name, lay, dt]) for lay in LAYOUTS for dt in DTYPES]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    ivp = integration_cost(20)
    lines.append(f"| scipy solve_ivp DOP853, per sample (100 per trajectory) | "
                 f"{ivp:.0f} | – | – | – |")
    # physical limits
    bytes_flat = {dt: (N_INPUTS + N_OUTPUTS) * np.dtype(dt).itemsize for dt in DTYPES}
    bytes_grid = {dt: N_OUTPUTS * np.dtype(dt).itemsize for dt in DTYPES}
    mem = [bytes_flat[dt] / bw * 1e9 for dt in DTYPES] + [
        bytes_grid[dt] / bw * 1e9 for dt in DTYPES]
    lines.append("| memory-bandwidth bound | " + " | ".join(f"{m:.2f}" for m in mem)
                 + " |")
    floors = {}
    for dt in DTYPES:
        single, parallel = call_costs(dt, repeat)
        floors[dt] = (sum(counts[k] * single[k] for k in counts),
                      sum(counts[k] * parallel[k] for k in counts)
                      if parallel else None)
    lines.append("| transcendental floor, 1 thread (NumPy ufunc costs) | " + " | ".join(
        f"{floors[dt][0]:.1f}" for dt in DTYPES * 2) + " |")
    if floors["float64"][1] is not None:
        lines.append(f"| transcendental floor, {os.cpu_count()} threads (Numba) | "
                     + " | ".join(f"{floors[dt][1]:.1f}" for dt in DTYPES * 2) + " |")
    lines += [
        "",
        f"Memory bandwidth (triad): {bw / 1e9:.1f} GB/s; a flat point moves "
        f"{N_INPUTS} inputs + {N_OUTPUTS} outputs, a grid point only its "
        f"{N_OUTPUTS} outputs.  Transcendental calls per point (all Piecewise "
        f"branches counted): " + ", ".join(f"{k} {v}" for k, v in sorted(
            counts.items())) + ".",
        "",
        "Largest deviation from the generated NumPy kernel, |x − ref|/(1 + |ref|): "
        + "; ".join(f"{k[0]} {k[1]} {k[2]}: {v:.1e}" for k, v in worst.items()
                    if k[0] != "generated NumPy") + ".",
    ]
    return "\n".join(lines) + "\n"


def _versions() -> str:
    parts = []
    for mod in ("numba", "numexpr", "scipy"):
        try:
            parts.append(f", {mod} {__import__(mod).__version__}")
        except ImportError:
            parts.append(f", no {mod}")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=float, default=1e7)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path,
                        default=Path(__file__).parent / "results" / "suite.md")
    args = parser.parse_args(argv)
    text = report(int(args.points), args.repeat)
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
