"""``exactflow codegen NAME --target T [--kernel K] [--dtype D] [-o DIR]``."""

from __future__ import annotations

from ._common import derivation, out, output_dir

__all__ = ["HELP", "NAME", "add_arguments", "run"]


NAME = "codegen"
HELP = "generate a kernel's source"


def add_arguments(s) -> None:
    from ..codegen.targets import TARGETS  # the registry (cheap: no SymPy)

    s.add_argument("name", metavar="NAME")
    s.add_argument("--target", choices=tuple(TARGETS), required=True)
    s.add_argument("--dtype", choices=("float32", "float64"), default="float64")
    s.add_argument("--kernel", default="exact", help="kernel role: the entry's own "
                   "(default: exact) or a standard one (rhs, gd_step, invariants, "
                   "gd_drift)")
    s.add_argument("-o", "--output", nargs="?", const=".", default=None,
                   metavar="DIR", help="write the file to DIR (bare -o: the current "
                   "directory) and print its path; without -o print the source")


def run(args) -> int:
    d = derivation(args.name)
    if args.output is None:
        out(d.kernel_source(args.target, args.kernel, args.dtype))
        return 0
    directory = output_dir(args.output)
    from .._build import write_kernel  # the glue between model and printer

    out(str(write_kernel(d, args.kernel, args.target, args.dtype, directory)))
    return 0
