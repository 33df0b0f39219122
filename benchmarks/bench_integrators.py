"""Batched Dormand–Prince 5(4) on the generated flow kernel vs scipy, looped.

10^4 random whitened single-neuron problems (d = 2; every trajectory its own
a₀, w₀, β*, η_a, η_w), t ∈ [0, 10], 11 output times.  ``exactflow.simulate
.dopri5`` integrates the whole batch at once on the generated ``rhs`` kernel,
each trajectory with its own step size; ``scipy.integrate.solve_ivp`` (DOP853,
the same rtol/atol) is looped over the trajectories with a lean hand-written
NumPy right-hand side, and also RK45 — the same Dormand–Prince pair as ours —
on a subset.  Both are compared with the exact solution
(``derivations.single_neuron.trajectory``) and with each other.  Times are
wall-clock, measured in one run; kernel generation is excluded (warm-up).

Usage::

    python benchmarks/bench_integrators.py          # writes results/integrators.md
    python benchmarks/bench_integrators.py --trajectories 1000 --rk45 100 -o out.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from _results import publish
from scipy.integrate import solve_ivp

from exactflow.derivations import single_neuron as sn
from exactflow.simulate import compile_flow, dopri5

D = 2
T_END = 10.0
RESULTS = Path(__file__).resolve().parent / "results" / "integrators.md"


def problems(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    a0 = rng.normal(size=n)
    w0 = rng.normal(size=(n, D))
    beta = rng.normal(size=(n, D))
    eta_a, eta_w = rng.uniform(0.5, 2.0, n), rng.uniform(0.5, 2.0, n)
    return a0, w0, beta, eta_a, eta_w


def lean_rhs(eta_a: float, eta_w: float, beta: np.ndarray):
    """ȧ = η_a(wᵀβ* − a‖w‖²), ẇ = η_w a(β* − a w): whitened single neuron."""

    def f(_t, y):
        a, w = y[0], y[1:]
        out = np.empty_like(y)
        out[0] = eta_a * (w @ beta - a * (w @ w))
        out[1:] = eta_w * a * (beta - a * w)
        return out

    return f


def looped(method: str, idx, a0, w0, beta, eta_a, eta_w, t_eval, rtol, atol):
    """solve_ivp over the trajectories ``idx``; (seconds, y (k, T, 1+D), nfev)."""
    ys, nfev = [], 0
    start = time.perf_counter()
    for i in idx:
        sol = solve_ivp(lean_rhs(eta_a[i], eta_w[i], beta[i]), (0.0, T_END),
                        np.concatenate([[a0[i]], w0[i]]), method=method, rtol=rtol,
                        atol=atol, t_eval=t_eval)
        if not sol.success:
            raise SystemExit(f"solve_ivp {method} failed on trajectory {i}")
        ys.append(sol.y.T)
        nfev += sol.nfev
    return time.perf_counter() - start, np.stack(ys), nfev


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=10**4)
    parser.add_argument("--rtol", type=float, default=1e-8)
    parser.add_argument("--atol", type=float, default=1e-10)
    parser.add_argument("--repeat", type=int, default=3,
                        help="best of this many runs of the batched integrator")
    parser.add_argument("--rk45", type=int, default=1000,
                        help="trajectories for the looped scipy RK45 comparison")
    parser.add_argument("-o", "--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    n, rtol, atol = args.trajectories, args.rtol, args.atol
    a0, w0, beta, eta_a, eta_w = problems(n)
    t_eval = np.linspace(0.0, T_END, 11)
    fk = compile_flow(sn.model(D, whitened=True))
    state = fk.pack(a=a0, w=w0)
    consts = {"eta_a": eta_a, "eta_w": eta_w}
    consts |= {f"beta_star{i}": beta[:, i] for i in range(D)}

    dopri5(fk, state[:8], (0.0, T_END), t_eval=t_eval,  # generate + warm up
           constants={k: v[:8] for k, v in consts.items()})
    best = float("inf")
    for _ in range(args.repeat):
        start = time.perf_counter()
        sol = dopri5(fk, state, (0.0, T_END), t_eval=t_eval, rtol=rtol, atol=atol,
                     constants=consts)
        best = min(best, time.perf_counter() - start)

    t_853, y_853, nfev_853 = looped("DOP853", range(n), a0, w0, beta, eta_a, eta_w,
                                    t_eval, rtol, atol)
    k45 = min(args.rk45, n)
    t_45, y_45, nfev_45 = looped("RK45", range(k45), a0, w0, beta, eta_a, eta_w,
                                 t_eval, rtol, atol)

    exact = np.empty_like(sol.y)
    for i in range(n):
        a, w = sn.trajectory(t_eval, a0[i], w0[i], beta[i], eta_a[i], eta_w[i])
        exact[i] = np.concatenate([a[:, None], w], axis=1)
    ours = sol.y

    def dev(x, ref):
        return float(np.abs(x - ref).max())

    def scaled(x, ref):
        return float((np.abs(x - ref) / (atol + rtol * np.abs(ref))).max())

    per_ours = best / n
    per_853 = t_853 / n
    per_45 = t_45 / k45
    title = (f"### whitened single neuron (d = {D}), {n} trajectories, t ∈ [0, "
             f"{T_END:g}], {len(t_eval)} output times, rtol {rtol:g}, atol {atol:g}; "
             f"float64; numpy {np.__version__}, scipy {scipy.__version__}, "
             f"{os.cpu_count()} CPUs; wall time")
    table = [
        title, "",
        "| integrator | trajectories timed | total s | µs/trajectory | "
        "RHS evaluations/trajectory | speed-up of batched dopri5 |",
        "|---|---:|---:|---:|---:|---:|",
        f"| exactflow dopri5, batched (best of {args.repeat}) | {n} | {best:.2f} | "
        f"{per_ours * 1e6:.0f} | {sol.nfev / n:.0f} | 1x |",
        f"| scipy solve_ivp DOP853, looped | {n} | {t_853:.1f} | "
        f"{per_853 * 1e6:.0f} | {nfev_853 / n:.0f} | {per_853 / per_ours:.0f}x |",
        f"| scipy solve_ivp RK45 (same pair), looped | {k45} | {t_45:.1f} | "
        f"{per_45 * 1e6:.0f} | {nfev_45 / k45:.0f} | {per_45 / per_ours:.0f}x |",
        "",
        "| comparison (all output times, all components) | max abs deviation | "
        "max deviation / (atol + rtol·abs(ref)) |",
        "|---|---:|---:|",
        f"| dopri5 vs exact solution | {dev(ours, exact):.2e} | "
        f"{scaled(ours, exact):.1f} |",
        f"| DOP853 vs exact solution | {dev(y_853, exact):.2e} | "
        f"{scaled(y_853, exact):.1f} |",
        f"| dopri5 vs DOP853 | {dev(ours, y_853):.2e} | {scaled(ours, y_853):.1f} |",
        f"| dopri5 vs RK45 (first {k45}) | {dev(ours[:k45], y_45):.2e} | "
        f"{scaled(ours[:k45], y_45):.3f} |",
        "",
        f"dopri5 steps per trajectory: mean {sol.steps.mean():.1f}, min "
        f"{sol.steps.min()}, max {sol.steps.max()}; rejected: mean "
        f"{sol.rejected.mean():.2f}, max {sol.rejected.max()}.",
        "",
    ]
    text = "\n".join(table)
    publish(text, args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
