"""Time to discover, prove and count conservation laws (issue 4 benchmark).

Two-layer linear nets f = U Vᵀ x of growing size (D = (n+m) r up to 60) and
two-layer ReLU nets with biases up to 8 hidden units, all at degree 2.  For each
model: discovery (exact, over ℚ(η)), the symbolic proofs of every law, and the
Lie-algebra count with the discovered laws as lower bound (3 random points).
Prints a Markdown table; the target is (n, r, m) = (3, 3, 3) discovered and
counted in under 10 s.

Usage::

    python benchmarks/bench_laws.py            # the full table
    python benchmarks/bench_laws.py --quick    # the small half
    python benchmarks/bench_laws.py -o results/laws.md
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from exactflow.derivations import zoo
from exactflow.symbolic.laws.conservation import discover_laws
from exactflow.symbolic.laws.fields import gradient_fields
from exactflow.symbolic.laws.lie import count_laws

LINEAR = [(1, 3, 1), (2, 2, 2), (2, 3, 2), (3, 3, 3), (2, 5, 2), (3, 4, 3),
          (4, 5, 4), (3, 6, 4), (5, 6, 5)]
RELU = [(2, 2), (2, 4), (3, 6), (2, 8), (4, 8)]  # (d inputs, h hidden), biases


def measure(label: str, model, proofs: bool = True) -> dict:
    gradient_fields.cache_clear()  # time the whole pipeline from the model
    t0 = time.perf_counter()
    laws = discover_laws(model, 2)
    t1 = time.perf_counter()
    count = count_laws(model, laws=laws, points=3)
    t2 = time.perf_counter()
    ok = laws.verify().passed if proofs else None
    t3 = time.perf_counter()
    return {"model": label, "D": len(model.symbols), "laws": len(laws),
            "N": count.count, "complete": count.complete, "discover": t1 - t0,
            "count": t2 - t1, "proofs": (t3 - t2) if proofs else None,
            "proved": ok}


def table(rows: list[dict]) -> str:
    head = ("| model | D | laws (deg ≤ 2) | N | complete | discover [s] | "
            "count [s] | discover + count [s] | proofs [s] |")
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        proofs = "–" if r["proofs"] is None else (
            f"{r['proofs']:.2f}" + ("" if r["proved"] else " FAILED"))
        lines.append(
            f"| {r['model']} | {r['D']} | {r['laws']} | {r['N']} | "
            f"{'yes' if r['complete'] else 'no'} | {r['discover']:.2f} | "
            f"{r['count']:.2f} | {r['discover'] + r['count']:.2f} | {proofs} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="only the smaller models")
    p.add_argument("-o", "--output", type=Path, help="also write the table here")
    args = p.parse_args(argv)
    linear = LINEAR[:5] if args.quick else LINEAR
    relu = RELU[:3] if args.quick else RELU
    rows = []
    for n, r, m in linear:
        rows.append(measure(f"U Vᵀ ({n},{r},{m})", zoo.two_layer_linear(n, r, m),
                            proofs=(n + m) * r <= 40))
    for d, h in relu:
        rows.append(measure(f"ReLU+bias d={d} h={h}",
                            zoo.two_layer_relu(d, h, bias=True)))
    text = (f"{table(rows)}\n\n{platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}\n")
    print(text)
    target = next(r for r in rows if r["model"] == "U Vᵀ (3,3,3)")
    total = target["discover"] + target["count"]
    print(f"target (3,3,3), degree 2: {total:.2f} s "
          f"({'met' if total < 10 else 'MISSED'}: < 10 s)")
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
