"""Generated NumPy kernel vs ``sympy.lambdify(..., cse=True)`` on the single neuron.

Times the exact single-neuron kernel (inputs ``t, a0, p0, r0, s, eta_a, eta_w``,
outputs ``a, p, g``) on 10^6 and 10^7 points, every input a full array (no
scalar shortcuts), best of a few repeats, and prints a Markdown table of
ns/point and the speed-up.  The target is a generated kernel at least 2x faster
than ``lambdify(cse=True)``.

Usage::

    python benchmarks/bench_single_neuron.py                 # catalog kernel
    python benchmarks/bench_single_neuron.py --synthetic     # stand-in kernel
    python benchmarks/bench_single_neuron.py --sizes 1e6 --repeat 5 -o out.md

``--synthetic`` builds a stand-in with the same inputs and outputs from the
unified closed form of docs/math/single_neuron.md §5 in its overflow-safe orientation
(one
Piecewise on sign(δ̃), φ₁, sqrt, exp, expm1), for use before the catalog
provides the kernel, or to compare code generators on a fixed expression.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

from exactflow.codegen import KernelSpec, load
from exactflow.symbolic.spec.functions import phi1
from exactflow.symbolic.spec.kernels import KernelExprs


def synthetic_kernel() -> KernelExprs:
    """Stand-in for ``single_neuron``'s ``exact`` kernel (reduced coordinates).

    ``p0`` is the component of ``w0`` along β̂*, ``r0`` the norm of the rest and
    ``s = ‖β*‖``; every growing exponential is factored out (divide numerator
    and √Λ by e^{Dτ/2}), so no term overflows for large ``t``.
    """
    t, a0, p0, r0, s, eta_a, eta_w = sp.symbols("t a0 p0 r0 s eta_a eta_w",
                                                 real=True)
    k = (eta_w / eta_a) ** sp.Rational(1, 4)
    q0, u0, rt = k * a0, p0 / k, r0 / k
    dl = q0**2 - u0**2 - rt**2
    tau = sp.sqrt(eta_a * eta_w) * t
    D = sp.sqrt(dl**2 + 4 * s**2)
    E = sp.exp(-D * tau)
    em = 1 - E  # becomes -expm1(-D τ)
    c, sd = (1 + E) / 2, em / D  # e^{-Dτ/2} cosh(Dτ/2), 2 e^{-Dτ/2} sinh(Dτ/2)/D
    u = c * u0 + sd * (-dl / 2 * u0 + s * q0)
    q = c * q0 + sd * (s * u0 + dl / 2 * q0)
    orth = sp.Piecewise(
        (E * tau * phi1(-dl * tau), dl >= 0),
        (sp.exp(-(D + dl) * tau) * tau * phi1(dl * tau), True),
    )
    lam = (E + (1 - E**2) / (2 * D) * (u0**2 + q0**2)
           + em**2 / D**2 * (-dl / 2 * u0**2 + 2 * s * u0 * q0 + dl / 2 * q0**2)
           + rt**2 * orth)
    root = sp.sqrt(lam)
    return KernelExprs(
        "exact", (t, a0, p0, r0, s, eta_a, eta_w),
        (("a", q / (k * root)), ("p", k * u / root),
         ("g", k * rt * sp.exp(-(D + dl) * tau / 2) / root)),
        "Synthetic single-neuron closed form (benchmark stand-in).",
    )


def catalog_kernel() -> KernelExprs:
    import exactflow

    return exactflow.derivation("single_neuron").kernel_exprs("exact")


def sample(n: int, seed: int = 0) -> list[np.ndarray]:
    """Points in the kernel's domain: t ≥ 0, rates > 0, s > 0, r0 ≥ 0."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(0, 10, n), rng.uniform(-2, 2, n), rng.uniform(-2, 2, n),
            rng.uniform(0, 1, n), rng.uniform(0.1, 2, n), rng.uniform(0.5, 2, n),
            rng.uniform(0.5, 2, n)]


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def best_times(functions, args, repeat: int, clock: str = "wall") -> list[float]:
    """Best time of each function; runs are interleaved so that a change in
    machine load hits every contender alike.  ``clock="cpu"`` counts the
    process's CPU time, which a busy machine disturbs less than wall time."""
    now = CLOCKS[clock]
    best = [float("inf")] * len(functions)
    for _ in range(repeat):
        for i, f in enumerate(functions):
            gc.collect()
            start = now()
            f(*args)
            best[i] = min(best[i], now() - start)
    return best


def run(exprs: KernelExprs, sizes: list[int], repeat: int, block: int | None,
        derivation: str = "single_neuron", clock: str = "wall") -> str:
    """Time both kernels on each size; the Markdown table of the results."""
    spec = KernelSpec(exprs.name, derivation, tuple(exprs.inputs),
                      tuple(exprs.outputs))
    generated = load(spec)
    if block is not None:
        kernel = generated

        def generated(*args):  # noqa: F811 - same kernel, another block size
            return kernel(*args, block=block)

    reference = sp.lambdify(exprs.inputs, [e for _, e in exprs.outputs],
                            modules="numpy", cse=True)
    rows = ["| points | generated ns/point | lambdify(cse=True) ns/point | speed-up |",
            "|---:|---:|---:|---:|"]
    for n in sizes:
        args = sample(n)
        with np.errstate(all="ignore"):  # lambdify evaluates every branch
            ours, ref = generated(*args), reference(*args)
            err = max(float(np.max(np.abs(a - b) / (1 + np.abs(b))))
                      for a, b in zip(ours, ref))
            # a sanity check that both compute the same function, not an accuracy
            # test: lambdify has no expm1 and loses digits near cancellations
            if not err < 1e-4:
                raise SystemExit(f"generated and lambdify disagree: {err:.3g}")
            t_gen, t_ref = best_times([generated, reference], args, repeat, clock)
        rows.append(f"| {n:.0e} | {t_gen / n * 1e9:.1f} | {t_ref / n * 1e9:.1f} | "
                    f"{t_ref / t_gen:.2f}x |")
    return "\n".join(rows) + "\n"


def integration(n_traj: int, n_times: int, seed: int = 1) -> str:
    """Per-trajectory cost: exact kernel vs scipy ``solve_ivp`` (DOP853).

    Both produce the same ``n_times`` samples of a whitened single-neuron
    trajectory (d = 2) on t ∈ [0, 10]; DOP853 runs at rtol 1e-12, atol 1e-14 so
    that its error (reported) is comparable to the closed form's.
    """
    from scipy.integrate import solve_ivp

    from exactflow.derivations.single_neuron import trajectory

    rng = np.random.default_rng(seed)
    a0 = rng.uniform(-2, 2, n_traj)
    w0 = rng.uniform(-2, 2, (n_traj, 2))
    beta_star = np.array([0.7, -0.4])
    eta_a, eta_w = 0.8, 1.5
    ts = np.linspace(0.0, 10.0, n_times)
    trajectory(ts, a0[:2], w0[:2], beta_star, eta_a, eta_w)  # build + warm up
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        a, w = trajectory(ts, a0, w0, beta_star, eta_a, eta_w)
        best = min(best, time.perf_counter() - start)
    per_exact = best / n_traj

    def rhs(_t, y):
        g = y[0] * y[1:] - beta_star
        return np.concatenate(([-eta_a * (y[1:] @ g)], -eta_w * y[0] * g))

    m = min(n_traj, 200)
    err = 0.0
    start = time.perf_counter()
    for i in range(m):
        sol = solve_ivp(rhs, (0.0, 10.0), np.concatenate(([a0[i]], w0[i])),
                        method="DOP853", rtol=1e-12, atol=1e-14, t_eval=ts)
        err = max(err, float(np.max(np.abs(sol.y[0] - a[i]))),
                  float(np.max(np.abs(sol.y[1:].T - w[i]))))
    per_ivp = (time.perf_counter() - start) / m
    return ("| trajectories | samples each | exact kernel µs/trajectory | "
            "solve_ivp DOP853 µs/trajectory | speed-up | max difference |\n"
            "|---:|---:|---:|---:|---:|---:|\n"
            f"| {n_traj} | {n_times} | {per_exact * 1e6:.2f} | {per_ivp * 1e6:.0f} | "
            f"{per_ivp / per_exact:.0f}x | {err:.1e} |\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", action="store_true",
                        help="use the built-in stand-in kernel")
    parser.add_argument("--sizes", nargs="+", type=float, default=[1e6, 1e7])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--block", type=int, default=None,
                        help="block size of the generated kernel")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall time (default) or the process's CPU time")
    parser.add_argument("--trajectories", type=int, default=10**5,
                        help="batch size for the comparison with solve_ivp")
    parser.add_argument("-o", "--output", type=Path, help="also write the table")
    args = parser.parse_args(argv)
    exprs = synthetic_kernel() if args.synthetic else catalog_kernel()
    name = "synthetic" if args.synthetic else "single_neuron"
    title = (f"{name}/exact, float64, every input an array; best {args.clock} time "
             f"of {args.repeat} interleaved runs; numpy {np.__version__}, "
             f"sympy {sp.__version__}, {os.cpu_count()} CPUs")
    table = f"### {title}\n\n" + run(exprs, [int(n) for n in args.sizes],
                                     args.repeat, args.block, name, args.clock)
    if not args.synthetic:
        table += ("\n### exact trajectories vs numerical integration (d = 2, "
                  "t ∈ [0, 10])\n\n" + integration(args.trajectories, 100))
    print(table)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(table, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
