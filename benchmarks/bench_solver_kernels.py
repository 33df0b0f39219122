"""Solver kernels with and without growth scaling: cost per point and finite share.

The closed forms found by ``exactflow solve`` for the whitened single neuron
(linear-plus-radial, d = 2) and the λ-balanced two-layer network at
(d_in, h, d_out) = (2, 1, 1) (matrix Riccati after the rotation slice) are
generated twice as NumPy kernels: as written, and growth-scaled
(``KernelSpec.growth_variable = t``, :mod:`exactflow.codegen.growth`).  Both run
on the same 10^6 random points (initial values, rates and targets uniform in
[−1.5, 1.5] / [0.5, 2]; t log-uniform in [10⁻², 10⁶]); reported: ns/point (best
of 3), the share of non-finite outputs, and the deviation of the scaled kernel from
a 60-digit mpmath evaluation of the closed form on 200 of the points.

Usage::

    python benchmarks/bench_solver_kernels.py       # writes results/solver_kernels.md
    python benchmarks/bench_solver_kernels.py --points 100000 -o out.md
"""

from __future__ import annotations

import argparse
import os
import time
import warnings
from pathlib import Path

import mpmath
import numpy as np
import sympy as sp
from _results import publish

from exactflow._build import kernel_spec
from exactflow.codegen import KernelSpec, load
from exactflow.derivations import single_neuron as sn
from exactflow.derivations import two_layer_linear_balanced as tl
from exactflow.symbolic import gradient_flow
from exactflow.symbolic.solve import solve
from exactflow.symbolic.solve.reduce import reduce_flow
from exactflow.symbolic.spec.functions import MPMATH_NAMESPACE

RESULTS = Path(__file__).resolve().parent / "results" / "solver_kernels.md"


def single_neuron():
    flow = gradient_flow(sn.model(2, whitened=True))
    delta = sp.Symbol("delta", real=True)
    return solve(reduce_flow(flow, conserved={delta: sn.delta(2)}), flow,
                 "single_neuron")


def balanced_211():
    flow = gradient_flow(tl.model(2, 1, 1, equal_rates=True))
    sy = tl.symbols(2, 1, 1)
    c = (tl.eta * (sy["W2"].T * sy["W2"] - sy["W1"] * sy["W1"].T))[0, 0]
    return solve(reduce_flow(flow, conserved={sp.Symbol("c", real=True): c}), flow,
                 "two_layer_211")


def draw(inputs, n, rng):
    out = []
    for x in inputs:
        if str(x) == "t":
            out.append(10 ** rng.uniform(-2, 6, n))
        elif x.is_positive:
            out.append(rng.uniform(0.5, 2.0, n))
        else:
            out.append(rng.uniform(-1.5, 1.5, n))
    return out


def best_of(f, args, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        f(*args)
        best = min(best, time.perf_counter() - start)
    return best


def mp_deviation(res, args, f_out, k):
    kx = res.kernel_exprs()
    ref = sp.lambdify(list(kx.inputs), [e for _, e in kx.outputs],
                      modules=[MPMATH_NAMESPACE, "mpmath"])
    worst = 0.0
    with mpmath.workdps(60):
        for i in range(k):
            want = ref(*(mpmath.mpf(float(a[i])) for a in args))
            for g, w in zip(f_out, want):
                w = float(w)
                worst = max(worst, abs(g[i] - w) / max(abs(w), 1e-300))
    return worst


def row(name, res, n, repeat, rng):
    spec = kernel_spec(res)
    assert spec.growth_variable is not None
    plain = KernelSpec(spec.name, spec.derivation + "_plain", spec.inputs,
                       spec.outputs, spec.dtype, spec.doc)
    scaled_f, plain_f = load(spec), load(plain)
    args = draw(spec.inputs, n, rng)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        outs = {"scaled": scaled_f(*args), "plain": plain_f(*args)}
        times = {"scaled": best_of(scaled_f, args, repeat),
                 "plain": best_of(plain_f, args, repeat)}
    finite = {k: float(np.mean(np.all([np.isfinite(o) for o in v], axis=0)))
              for k, v in outs.items()}
    dev = mp_deviation(res, args, outs["scaled"], 200)
    return (f"| {name} | {len(spec.inputs)} | {len(spec.outputs)} | "
            f"{times['plain'] / n * 1e9:.0f} | {times['scaled'] / n * 1e9:.0f} | "
            f"{times['scaled'] / times['plain']:.2f} | {100 * finite['plain']:.1f} % | "
            f"{100 * finite['scaled']:.1f} % | {dev:.1e} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10**6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    lines = [
        f"### solver kernels, {args.points} points, t log-uniform in [1e-2, 1e6]; "
        f"NumPy float64, numpy {np.__version__}, {os.cpu_count()} CPUs; "
        f"best of {args.repeat}",
        "",
        "| closed form | inputs | outputs | as written ns/point | growth-scaled "
        "ns/point | cost ratio | finite, as written | finite, scaled | "
        "max rel. deviation from mpmath-60 (200 points) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        row("single neuron, whitened, d = 2 (linear-radial)", single_neuron(),
            args.points, args.repeat, rng),
        row("λ-balanced (2, 1, 1) (matrix Riccati)", balanced_211(), args.points,
            args.repeat, rng),
    ]
    text = "\n".join(lines) + "\n"
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
