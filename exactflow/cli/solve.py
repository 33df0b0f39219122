"""``exactflow solve``: reduce and solve a model's gradient flow, print a transcript.

::

    exactflow solve single_neuron
    exactflow solve --model examples/chain3.py --format markdown

``NAME`` is a catalog entry, solved in the setting of its closed form (its
``solve_setup``: e.g. whitened inputs for ``single_neuron``), else with its
model and conserved quantities;
``--model FILE.py`` defines ``model()`` (or ``MODEL``) and optionally
``REDUCTION = {"coordinates": {...}, "conserved": {...}, "values": {...}}``;
without ``REDUCTION`` the degree-2 conservation laws are discovered and used.
``--invariant`` reduces to rescaling-invariant coordinates (the monomials left
invariant by the loss's rescaling symmetries, their Noether charges as
constants).
``--kernel-dir DIR [--target numpy|numba|cuda] [--dtype float64|float32]``
writes the solution's generated kernel there (named in the transcript).
Exit status:

* 0 — solved and every check verified; or no closed form, reported as the
  result (the reduced system with "no closed form found", or "does not reduce"
  when the requested or ``--invariant`` coordinates do not close on the flow);
* 1 — a verification of the solution failed, or ``--kernel-dir`` was given and
  there is no closed form to generate a kernel from;
* 2 — bad input, one line on stderr, no traceback: an unknown name, a model
  file that fails to run, calls ``sys.exit``, defines no ``Model``, has a loss
  that is not finite, not real or contains ``DiracDelta``, or a malformed
  ``REDUCTION``; a claimed conserved quantity that is not conserved;
* 130 — interrupted (SIGINT); nothing is left half-written in ``--kernel-dir``.
"""

from __future__ import annotations

import sys

from ._common import add_model_arguments, model_source

__all__ = ["HELP", "NAME", "add_arguments", "run"]


NAME = "solve"
HELP = "reduce and solve a model's gradient flow, print the derivation"
DESCRIPTION = ("Reduce the gradient flow by its symmetries and conserved quantities, "
               "recognise its structure, solve and verify it, and print the "
               "derivation.")


def add_arguments(s) -> None:
    add_model_arguments(s, "catalog entry")
    s.add_argument("--format", choices=("text", "markdown", "latex"),
                   default="text")
    s.add_argument("--standalone", action="store_true",
                   help="with --format latex: a complete document, not a fragment")
    s.add_argument("--invariant", action="store_true",
                   help="reduce to rescaling-invariant coordinates (function space)")
    s.add_argument("--kernel-dir", metavar="DIR", dest="kernel_dir",
                   help="write the generated kernel of the solution to DIR")
    from ..codegen.targets import DEFAULT_TARGET, TARGETS  # the registry

    s.add_argument("--target", choices=tuple(TARGETS), default=DEFAULT_TARGET,
                   help=f"kernel target for --kernel-dir (default {DEFAULT_TARGET})")
    s.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                   help="kernel dtype for --kernel-dir (default float64)")


def run(args) -> int:
    from .. import _api
    from ..present.transcript import transcript

    name, path = model_source(args)
    if getattr(args, "standalone", False) and args.format != "latex":
        raise ValueError("--standalone goes with --format latex")
    from ..symbolic.solve.reduce import NotReducible

    invariant = "invariant" if getattr(args, "invariant", False) else None
    try:
        if path:
            model = _api.load_model(path)
            spec = _api.reduction_of(path)
            label = model.name
            res = _api.solve(model, spec.get("conserved"),
                             invariant or spec.get("coordinates"), spec.get("values"))
        else:
            if name not in _api.catalog():
                raise ValueError(f"unknown derivation {name!r}; expected one of "
                                 f"{_api.catalog()} or --model FILE.py")
            label = name
            res = _api.solve(name, coordinates=invariant)
    except NotReducible as exc:  # a result about the model: reported, exit 0
        if getattr(args, "kernel_dir", None) is not None:
            sys.stdout.write(f"{label}: does not reduce, so no kernel was written: "
                             f"{' '.join(str(exc).split())}\n")
            return 1
        sys.stdout.write(f"{label}: does not reduce: {' '.join(str(exc).split())}\n")
        return 0
    code = 0 if (not res.checks or res.verified) else 1
    kernel_dir = getattr(args, "kernel_dir", None)
    if kernel_dir is not None:
        code = max(code, _write_kernel(res, kernel_dir, args.target, args.dtype))
    sys.stdout.write(transcript(res, args.format,
                                standalone=getattr(args, "standalone", False)))
    return code


def _write_kernel(res, directory: str, target: str, dtype: str) -> int:
    """Write the solution's kernel and record it in the transcript (1 when there is
    no closed form to generate it from)."""
    from pathlib import Path

    if Path(directory).exists() and not Path(directory).is_dir():
        raise ValueError(f"--kernel-dir {directory}: exists and is not a directory")
    if res.solution is None and res.reduced_solution is None:
        res.notes.append("no closed form, so no kernel was written")
        return 1
    from .._build import write_kernel

    Path(directory).mkdir(parents=True, exist_ok=True)
    path = write_kernel(res, "exact", target, dtype, directory)
    kx = res.kernel_exprs()
    text = (f"{path} ({target}, {dtype}): exact(" + ", ".join(map(str, kx.inputs))
            + ") -> (" + ", ".join(n for n, _ in kx.outputs) + "); every argument "
            "broadcasts, t is evaluated growth-scaled (no overflow where the value "
            "is finite).")
    for b in res.branches if res.solution is not None else ():
        if b.constant:
            text += f" Where {b.where}: θ(t) ≡ θ₀ (no kernel needed)."
            continue
        bx = res.kernel_exprs(b.kernel)
        where = write_kernel(res, b.kernel, target, dtype, directory)
        text += (f" Where {b.where}: {where}, {b.kernel}("
                 + ", ".join(map(str, bx.inputs)) + ").")
    if res.branches:
        text += (" SolveResult.kernel() selects among them per point.")
    res.recipe.append(("Kernel", text))
    return 0
