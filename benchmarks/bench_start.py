"""Start-up: a fresh Python process, its first single-neuron trajectory.

One command::

    python benchmarks/bench_start.py            # writes benchmarks/results/start.md
    python benchmarks/bench_start.py --runs 3 -o /tmp/start.md

For each target (NumPy, Numba) a new interpreter runs ``import numpy``, ``from
exactflow.derivations import single_neuron`` and one ``trajectory`` call over
10⁶ times, and reports the time from its first line to the result (and whether
SymPy was imported).  *Cold*: an empty kernel cache (``EXACTFLOW_CACHE_DIR`` a
new directory): the kernel is derived, generated and compiled.  *Warm*: the same
cache again.  Each figure is the median of ``--runs`` processes; the wall time of
the whole process (interpreter start included) is given beside it, and the
cost of ``import numpy`` alone, in the same run, for scale.  Then ``exactflow
solve NAME`` for every catalog entry: a first run on an empty cache and a
repeated one.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import publish

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import time
start = time.perf_counter()
import json, sys
import numpy as np
from exactflow.derivations import single_neuron as sn
from exactflow.derivations._bundle import generated_kernel
target = sys.argv[1]
t = np.linspace(0.0, 10.0, 10**6)
if target == "numpy":
    a, w = sn.trajectory(t, 1.0, np.array([-1.0, 0.3]), np.array([0.0, 1.0]))
else:
    f = generated_kernel("exactflow.derivations.single_neuron", target=target)
    a, p, g = f(t, 1.0, 0.3, 0.2, 1.0, 1.0, 1.0)
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "sympy": "sympy" in sys.modules,
                  "finite": bool(np.isfinite(a).all())}))
"""

_NUMPY_ONLY = "import time; s = time.perf_counter(); import numpy; " \
              "print(time.perf_counter() - s)"


def child(target: str, cache: Path) -> tuple[dict, float]:
    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, EXACTFLOW_CACHE_DIR=str(cache), PYTHONPATH=path)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _CHILD, target], env=env,
                         capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1]), wall


def measure(target: str, runs: int) -> dict:
    cold, cold_wall, warm, warm_wall, sympy_warm = [], [], [], [], []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="exactflow-bench-") as d:
            report, wall = child(target, Path(d))
            cold.append(report["seconds"])
            cold_wall.append(wall)
            for _ in range(2):  # warm: the same cache, new processes
                report, wall = child(target, Path(d))
                assert report["finite"]
                warm.append(report["seconds"])
                warm_wall.append(wall)
                sympy_warm.append(report["sympy"])
    return {"cold": statistics.median(cold), "cold_wall": statistics.median(cold_wall),
            "warm": statistics.median(warm), "warm_wall": statistics.median(warm_wall),
            "sympy_warm": any(sympy_warm)}


def numpy_import(runs: int) -> float:
    times = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", _NUMPY_ONLY], capture_output=True,
                             text=True, check=True)
        times.append(float(out.stdout))
    return statistics.median(times)


def solve_times(cache: Path) -> dict:
    """``exactflow solve NAME`` for every catalog entry, a new process each: the
    first run on an empty cache, then a second on the same cache (wall times)."""
    sys.path.insert(0, str(ROOT))
    from exactflow.derivations import CATALOG

    path = os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    env = dict(os.environ, EXACTFLOW_CACHE_DIR=str(cache), PYTHONPATH=path)
    rows = {}
    for name in sorted(CATALOG):
        times, status = [], 0
        for _ in range(2):
            start = time.perf_counter()
            out = subprocess.run([sys.executable, "-m", "exactflow", "solve", name],
                                 env=env, capture_output=True, text=True, timeout=900)
            times.append(time.perf_counter() - start)
            status = status or out.returncode
        rows[name] = (times[0], times[1], status)
    return rows


def report(runs: int) -> str:
    targets = ["numpy"]
    try:
        import numba  # noqa: F401

        targets.append("numba")
    except ImportError:
        pass
    rows = {t: measure(t, runs) for t in targets}
    base = numpy_import(3 * runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    lines = [
        "### Start-up: import + first single_neuron trajectory (10⁶ times), "
        f"median of {runs} cold and {2 * runs} warm processes",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, Python "
        f"{platform.python_version()}; load average at the end {load:.1f}.  "
        f"`import numpy` alone: {base:.2f} s.",
        "",
        "| target | warm cache | warm, whole process | SymPy imported (warm) "
        "| cold cache | cold, whole process |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for t, r in rows.items():
        lines.append(f"| {t} | {r['warm']:.2f} s | {r['warm_wall']:.2f} s | "
                     f"{'yes' if r['sympy_warm'] else 'no'} | {r['cold']:.2f} s | "
                     f"{r['cold_wall']:.2f} s |")
    lines += [
        "",
        "Warm: the kernel is found by a key computed without SymPy (derivation, "
        "kernel, target, dtype, versions, hash of the defining source files) and "
        "loaded directly; NumPy kernels are compiled from their text, Numba loads "
        "its compiled code from `__pycache__` beside the cached module.  Cold: "
        "SymPy builds the closed form, the passes lower it, the target prints it "
        "(and Numba compiles it).",
    ]
    with tempfile.TemporaryDirectory(prefix="exactflow-bench-") as d:
        solved = solve_times(Path(d))
    lines += [
        "",
        "### `exactflow solve NAME`: first run (empty cache) and repeated run",
        "",
        "| entry | first run | repeated (cached) | exit status |",
        "|---|---:|---:|---:|",
    ]
    for name, (first, again, status) in solved.items():
        lines.append(f"| {name} | {first:.2f} s | {again:.2f} s | {status} |")
    lines += [
        "",
        "Whole processes (interpreter start, import and printing included).  The "
        "repeated run reads the pickled result, stored under the SHA-256 of its bytes "
        "and found by a key over the entry, the versions and the files that "
        "produce it.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path,
                        default=Path(__file__).parent / "results" / "start.md")
    args = parser.parse_args(argv)
    text = report(args.runs)
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
