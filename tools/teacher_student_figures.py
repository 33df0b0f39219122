"""The teacher–student figures of the README (docs/images/teacher_student/).

Runs the ``small`` preset of ``exactflow sweep teacher-student`` (17 × 17 grid
× 4 seeds, d = 20, h = 50, n = 200, 10³ steps) and the neuron paths of
Fig. 1(a) (d = 2, h = 50, n = 20, 10⁶ steps of lr 10⁻⁴), then draws the phase
portraits and the paths.  Prints the time each part took.

Usage::

    python tools/teacher_student_figures.py [--client ADDR] [-o DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from exactflow.experiments import teacher_student as ts
from exactflow.present.figures import neuron_paths, phase_portrait

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-o", "--output", type=Path,
                   default=ROOT / "docs" / "images" / "teacher_student")
    p.add_argument("--client", default=None, help="a Dask scheduler address")
    args = p.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ds = ts.sweep(**ts.PRESETS["small"], client=args.client, progress=True)
    sweep_s = time.perf_counter() - t0
    for path in phase_portrait.save(ds, args.output):
        print(path)
    t0 = time.perf_counter()
    paths = ts.neuron_paths()
    paths_s = time.perf_counter() - t0
    out = args.output / "neuron_paths.png"
    neuron_paths.paths_figure(paths).savefig(out, dpi=110)
    print(out)
    print(f"small preset sweep: {sweep_s:.0f} s; neuron paths (4 networks × 10⁶ "
          f"steps): {paths_s:.1f} s")
    test = ds["test_loss"].sel(step=ds["step"].values[-1]).mean("seed")
    print("seed-mean test loss at the last step, tau = 0.1:",
          test.sel(tau=ds["tau"].values[0]).values.round(5).tolist())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
