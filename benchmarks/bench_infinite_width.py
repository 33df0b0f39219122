"""Infinite-width kernels: speed against the alternatives, and finite-width slopes.

1. The NTK of 2,000 × 2,000 points (d = 64), depth 3, ReLU, W_std = 1.4,
   b_std = 0.1, side by side in one run:

   * exactflow (``infinite_width.ntk``: the generated NumPy layer kernels, and
     the same with the Numba target);
   * a plain NumPy implementation of the same recursion, written as usually
     done (arccos of the clipped cosine);
   * neural-tangents' ``kernel_fn`` (JAX, float64), when a Python with it is
     given by ``--nt-python`` (default ``/tmp/nt-venv/bin/python`` if present;
     it runs in its own process, timed there, its values compared here).

2. The finite-width convergence: errors of the empirical NTK at initialisation,
   the GD function after 10 steps (against the NTK prediction) and the Adam
   function after 10 steps (against the Adam limit) over widths 2^10…2^16, and
   their fitted slopes (expected −½).

Writes ``benchmarks/results/infinite_width.md``.

Usage::

    python benchmarks/bench_infinite_width.py [--n 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from exactflow.derivations import infinite_width as iw
from exactflow.derivations._bundle import generated_kernel
from exactflow.derivations.infinite_width import claims, maths

DEPTH, W_STD, B_STD = 3, 1.4, 0.1

NT_SCRIPT = """
import json, sys, time
import numpy as np
import jax
jax.config.update("jax_enable_x64", True)
from neural_tangents import stax
x = np.load(sys.argv[1])
depth, w, b, repeat = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), \\
    int(sys.argv[5])
layers = []
for _ in range(depth):
    layers += [stax.Dense(512, W_std=w, b_std=b), stax.Relu()]
_, _, kernel_fn = stax.serial(*layers, stax.Dense(1, W_std=w, b_std=b))
kernel_fn = jax.jit(kernel_fn, static_argnames="get")
best = float("inf")
for _ in range(repeat + 1):  # the first call compiles
    t0 = time.perf_counter()
    k = np.asarray(kernel_fn(x, x, "ntk"))
    best = min(best, time.perf_counter() - t0)
np.save(sys.argv[6], k)
print(json.dumps({"seconds": best, "jax": jax.__version__,
                  "nt": __import__("neural_tangents").__version__}))
"""


def plain_numpy_ntk(x, depth, w_std, b_std):
    """The recursion as usually written: arccos of the clipped cosine."""
    w2, b2 = w_std**2, b_std**2
    k = w2 * x @ x.T / x.shape[1] + b2
    theta = k.copy()
    for _ in range(depth):
        diag = np.sqrt(np.diag(k))
        norm = np.outer(diag, diag)
        cos = np.clip(k / norm, -1.0, 1.0)
        phi = np.arccos(cos)
        k_new = w2 * norm * (np.sin(phi) + (np.pi - phi) * cos) / (2 * np.pi) + b2
        theta = k_new + w2 * (np.pi - phi) / (2 * np.pi) * theta
        k = k_new
    return theta


def best_of(fn, repeat):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def speed(n, repeat, nt_python):
    x = np.random.default_rng(0).standard_normal((n, 64))
    rows = []
    iw.ntk(x[:10], x[:10], DEPTH, "relu", W_STD, B_STD)  # generate and load
    t_gen, k_gen = best_of(lambda: iw.ntk(x, x, DEPTH, "relu", W_STD, B_STD), repeat)
    rows.append(("exactflow, generated NumPy kernels", t_gen, 0.0))
    try:
        generated_kernel(maths.NAME, maths.kernels, "relu", "numba")
        numba_ok = True
    except ImportError:
        numba_ok = False
    if numba_ok:
        t_nb, k_nb = best_of(lambda: _numba_ntk(x), repeat)
        rows.append(("exactflow, generated Numba kernels", t_nb,
                     float(np.abs(k_nb - k_gen).max() / np.abs(k_gen).max())))
    t_np, k_np = best_of(lambda: plain_numpy_ntk(x, DEPTH, W_STD, B_STD), repeat)
    rows.append(("plain NumPy recursion (arccos)", t_np,
                 float(np.abs(k_np - k_gen).max() / np.abs(k_gen).max())))
    nt = None
    if nt_python and Path(nt_python).exists():
        with tempfile.TemporaryDirectory() as tmp:
            xin, kout = Path(tmp) / "x.npy", Path(tmp) / "k.npy"
            np.save(xin, x)
            script = Path(tmp) / "neural_tangents_run.py"  # not nt.py: a stdlib name
            script.write_text(NT_SCRIPT)
            proc = subprocess.run([nt_python, str(script), str(xin), str(DEPTH),
                                   str(W_STD), str(B_STD), str(repeat), str(kout)],
                                  capture_output=True, text=True, timeout=3600,
                                  env={**os.environ, "JAX_PLATFORMS": "cpu"})
            if proc.returncode == 0:
                info = json.loads(proc.stdout.strip().splitlines()[-1])
                k_nt = np.load(kout)
                err = float(np.abs(k_nt - k_gen).max() / np.abs(k_gen).max())
                rows.append((f"neural-tangents {info['nt']} kernel_fn (JAX "
                             f"{info['jax']}, x64, jit)", info["seconds"], err))
                nt = err
            else:
                nt = proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"
    return rows, nt


def _numba_ntk(x):
    from exactflow.derivations.infinite_width import numeric

    saved = numeric._layer
    numeric._layer = lambda name: generated_kernel(maths.NAME, maths.kernels, name,
                                                   "numba")
    try:
        return iw.ntk(x, x, DEPTH, "relu", W_STD, B_STD)
    finally:
        numeric._layer = saved


def slopes(seeds):
    table = []
    for name, fn in (("empirical NTK at init, ‖Θ̂ − Θ‖/‖Θ‖",
                      lambda: claims.ntk_convergence(seeds=seeds)),
                     ("GD, f after 10 steps vs NTK prediction (RMS)",
                      lambda: claims.training_convergence("gd", seeds=seeds)),
                     ("Adam, f after 10 steps vs Adam limit (RMS)",
                      lambda: claims.training_convergence("adam", seeds=seeds))):
        errs = fn()
        table.append((name, errs, claims.slope(claims.WIDTHS, errs)))
    return table


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--seeds", type=int, default=16)
    default_nt = "/tmp/nt-venv/bin/python"
    p.add_argument("--nt-python", default=default_nt if Path(default_nt).exists()
                   else None)
    p.add_argument("-o", "--output", default=str(Path(__file__).parent / "results"
                                                  / "infinite_width.md"))
    args = p.parse_args(argv)
    rows, nt = speed(args.n, args.repeat, args.nt_python)
    lines = [f"# Infinite-width kernels ({time.strftime('%Y-%m-%d')}, "
             f"{os.cpu_count()} CPUs)", "",
             f"NTK of {args.n} × {args.n} points (d = 64), depth {DEPTH}, ReLU, "
             f"W_std = {W_STD}, b_std = {B_STD}; best of {args.repeat}, one run.", "",
             "| contender | seconds | speed-up of exactflow (NumPy) | max rel. "
             "difference to exactflow |", "|---|---:|---:|---:|"]
    t_ref = rows[0][1]
    for name, sec, err in rows:
        lines.append(f"| {name} | {sec:.3f} | {sec / t_ref:.2f}× | {err:.1e} |")
    if not isinstance(nt, float):
        why = nt or "no --nt-python given"
        lines += ["", f"neural-tangents: not compared ({why})."]
    lines += ["", "Finite-width convergence (mean over "
              f"{args.seeds} random networks per width):", "",
              "| quantity | " + " | ".join(f"2^{int(np.log2(w))}" for w in
                                          claims.WIDTHS) + " | slope |",
              "|---|" + "---:|" * (len(claims.WIDTHS) + 1)]
    for name, errs, k in slopes(args.seeds):
        lines.append(f"| {name} | " + " | ".join(f"{e:.2e}" for e in errs)
                     + f" | {k:.3f} |")
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.output).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
