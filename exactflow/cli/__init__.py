"""The ``exactflow`` command: one thin module per subcommand, in :data:`COMMANDS`.

Exit codes: 0 success; 1 a claim failed (``verify``, ``report``, ``laws``,
``solve``); 2 bad input (one line ``exactflow: error: …`` on stderr, no
traceback); 130 interrupted.  Set ``EXACTFLOW_DEBUG=1`` to get the traceback of
a library error instead.

Importing this package is cheap: derivations, SymPy and code generation are
imported inside the commands that need them.
"""

from __future__ import annotations

import argparse
import os
import sys

from .._version import __version__
from . import codegen, derive, laws, listing, plot, report, solve, sweep, verify
from ._common import PROG, Parser, UsageError

__all__ = ["COMMANDS", "build_parser", "main"]

#: the subcommands, in the order ``exactflow --help`` lists them; each module
#: has ``NAME``, ``HELP`` (and optionally ``DESCRIPTION``), ``add_arguments(parser)``
#: and ``run(args) -> int``
COMMANDS = (listing, derive, verify, codegen, report, laws, solve, sweep, plot)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog=PROG, description="Exact gradient-flow solutions, conservation "
               "laws and generated kernels for minimal models of feature learning.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        s = sub.add_parser(command.NAME, help=command.HELP,
                           description=getattr(command, "DESCRIPTION", None))
        command.add_arguments(s)
        s.set_defaults(func=command.run)
    p.set_defaults(commands=tuple(sub.choices))
    return p


def _one_line(message: object) -> str:
    return " ".join(str(message).split()) or "unknown error"


def _error(message: object) -> int:
    sys.stderr.write(f"{PROG}: error: {_one_line(message)}\n")
    sys.stderr.flush()
    return 2


def _tolerate_narrow_encodings() -> None:
    # δ, η, Σ… on a terminal that is not UTF-8: escape them rather than crash
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="backslashreplace")
            except (ValueError, OSError):
                pass


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    _tolerate_narrow_encodings()
    parser = build_parser()
    try:
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version
            return exc.code if isinstance(exc.code, int) else 0
        if args.command is None:
            names = ", ".join(args.commands)
            raise UsageError(f"missing command; expected one of {names} "
                             f"(see {PROG} --help)")
        return args.func(args)
    except UsageError as exc:
        return _error(exc)
    except BrokenPipeError:  # e.g. `exactflow derive NAME | head`
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass
        return 1
    except (ValueError, TypeError, ImportError, OSError) as exc:
        if os.environ.get("EXACTFLOW_DEBUG"):
            raise
        return _error(exc)
    except KeyboardInterrupt:
        sys.stderr.write(f"{PROG}: interrupted\n")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
