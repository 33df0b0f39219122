"""``exactflow laws``: discover, prove and count the conservation laws of a model.

::

    exactflow laws single_neuron
    exactflow laws two_layer_linear --dims 3,3,3 --degree 2
    exactflow laws --model examples/my_model.py

``NAME`` is a zoo model (``exactflow.derivations.zoo.ZOO``) or a catalog entry;
``--model FILE.py`` runs a user's file that defines ``model()`` returning a
:class:`~exactflow.Model` (or a module-level ``MODEL``), read by
:func:`exactflow.load_model`.  The
output lists each law, the proof, the count N = D − dim Lie(W) and whether the
list is complete.  Bad input raises ``ValueError`` (one line and exit 2 from
``exactflow.cli``); a law that fails its proof gives exit status 1.

Importing this module is cheap: SymPy and the models load inside :func:`run`.
"""

from __future__ import annotations

import sys
import time

from ._common import add_model_arguments, model_source

__all__ = ["HELP", "NAME", "add_arguments", "run"]

MAX_DEGREE = 8


NAME = "laws"
HELP = "discover, prove and count conservation laws"
DESCRIPTION = ("Find every polynomial conservation law of degree <= K of a model "
               "(for every dataset and loss), prove each, count all laws with the "
               "Lie-algebra rank and say whether the list is complete.")


def add_arguments(s) -> None:
    add_model_arguments(s, "zoo or catalog model (e.g. single_neuron, "
                        "two_layer_linear, relu, deep_linear)")
    s.add_argument("--degree", default="2", metavar="K",
                   help="maximal degree of the laws (default 2)")
    s.add_argument("--dims", metavar="N,R,M", default=None,
                   help="comma-separated sizes of a zoo model (see the zoo table)")
    s.add_argument("--points", default="3", metavar="P",
                   help="random points for the ranks (default 3)")
    s.add_argument("--gd", action="store_true",
                   help="also the exact one-step change of each law under gradient "
                   "descent (step sizes = rates, the model's own loss) and the "
                   "combinations GD conserves exactly")


def _int(text, name: str, lo: int, hi: int) -> int:
    try:
        value = int(str(text))
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {text!r}") from None
    if not lo <= value <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _named_model(name: str, dims: str | None, degree: int):
    from .._api import model
    from ..derivations.zoo import parameter_count
    from ..symbolic.laws.ansatz import check_size

    sizes = None
    if dims is not None:
        try:
            sizes = tuple(int(t) for t in dims.split(",") if t.strip())
        except ValueError:
            raise ValueError(f"--dims must be comma-separated integers, got {dims!r}") \
                from None
    count = parameter_count(name, sizes)
    if count is not None and all(d > 0 for d in sizes or (1,)):
        check_size(count, degree)  # before building a model too large to use
    return model(name, sizes)


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _describe(model) -> str:
    parts = []
    for g in model.params:
        shape = "×".join(map(str, g.shape)) or "scalar"
        parts.append(f"{g.name} ({shape}, rate {g.rate})")
    return f"D = {len(model.symbols)}: " + ", ".join(parts)


def run(args) -> int:
    """Run ``exactflow laws``; returns the exit status (0 ok, 1 a proof failed)."""
    name, path = model_source(args)
    degree = _int(args.degree, "--degree", 1, MAX_DEGREE)
    points = _int(args.points, "--points", 1, 20)
    from .._api import load_model

    model = load_model(path) if path else _named_model(name, args.dims, degree)
    if path and args.dims is not None:
        raise ValueError("--dims is only for zoo models")

    from ..symbolic.laws.conservation import discover_laws
    from ..symbolic.laws.lie import count_laws

    t0 = time.perf_counter()
    laws = discover_laws(model, degree)
    t1 = time.perf_counter()
    report = laws.verify()
    t2 = time.perf_counter()
    _out(f"model       {model.name}" + (f" ({model.assumptions})"
                                        if model.assumptions else ""))
    _out(f"parameters  {_describe(model)}")
    _out(f"laws        {len(laws)} polynomial law(s) of degree ≤ {degree}, a basis "
         "over ℚ(η), conserved for every dataset and loss")
    for i, line in enumerate(laws.pretty(), 1):
        _out(f"  Q{i} = {line}")
    passed = sum(r.passed for r in report.results)
    methods = sorted({r.method for r in report.results})
    if report.results:
        _out(f"verified    {passed}/{len(report.results)}: ∇Q·(η⊙∇f) ≡ 0 on every "
             f"activation pattern ({', '.join(methods)})")
        for r in report.results:
            if not r.passed:
                _out(f"  FAILED {r.name}: {r.detail}")
    else:
        _out("verified    nothing to prove")
    try:
        count = count_laws(model, laws=laws, points=points)
    except ValueError as exc:
        count = None
        _out(f"count       not available: {exc}")
    t3 = time.perf_counter()
    if count is not None:
        _out(f"count       {count.formula()}  ({count.reason}; {count.method} "
             f"ranks at {points} random points)")
        _out(f"independent {count.laws_rank} of the laws are functionally "
             "independent")
        if count.complete:
            verdict = ("yes: near generic parameters every conservation law is "
                       "a function of these")
        elif count.exact:
            verdict = (f"no: {count.count - count.laws_rank} more functionally "
                       f"independent law(s) exist (not polynomial of degree ≤ "
                       f"{degree}; try a higher --degree)")
        else:
            verdict = "unknown: the count is only an upper bound here"
        _out(f"complete    {verdict}")
    ok = report.passed
    if getattr(args, "gd", False) and len(laws):
        ok = _gradient_descent(laws) and ok
    _out(f"time        discovery {t1 - t0:.2f} s, proofs {t2 - t1:.2f} s, "
         f"count {t3 - t2:.2f} s")
    return 0 if ok else 1


def _gradient_descent(laws) -> bool:
    import sympy as sp

    from ..symbolic.laws.drift import gd_drift

    drift = gd_drift(laws)
    first = all(c.run().passed for c in drift.claims())
    _out("gd          θ ← θ − η⊙∇L changes each law by its Taylor terms of order ≥ 2 "
         "(first-order term ≡ 0: " + ("proved" if first else "FAILED") + ")")
    for i, change in enumerate(drift.in_steps, 1):
        text = sp.sstr(sp.factor(change))
        _out(f"  ΔQ{i} = {text}" if len(text) <= 300 else
             f"  ΔQ{i} = ({len(text)} characters; GDDrift.in_steps[{i - 1}])")
    _out("  with the step Δθ = −η⊙∇L(θ) of the model's loss")
    if drift.conserved:
        _out("  conserved exactly by GD: " + "; ".join(map(sp.sstr, drift.conserved)))
    else:
        _out("  conserved exactly by GD: no combination of the laws")
    return first
