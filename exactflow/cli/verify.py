"""``exactflow verify [NAME ...|--all]``: check every claim; exit 1 if one fails."""

from __future__ import annotations

from ._common import UsageError, catalog, derivation, out, run_claims

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    s = sub.add_parser("verify", help="check every claim; exit 1 if any fails")
    s.add_argument("names", nargs="*", metavar="NAME")
    s.add_argument("--all", action="store_true", help="every catalog entry")
    s.add_argument("--format", choices=("text", "markdown"), default="text")
    s.set_defaults(func=run)


def run(args) -> int:
    from ..present.verification import failures, results_table, summary

    if args.all and args.names:
        raise UsageError("give derivation names or --all, not both")
    if not args.all and not args.names:
        raise UsageError("verify needs one or more derivation names or --all")
    names = catalog() if args.all else list(dict.fromkeys(args.names))
    derivations = [derivation(n) for n in names]  # unknown names fail before work
    reports = []
    for d in derivations:
        report = run_claims(d)
        reports.append(report)
        if args.format == "markdown":
            block = [f"## {d.name} — {d.title}", "",
                     results_table(report, "markdown")]
            fails = failures(report, "markdown")
            block += ["", *fails] if fails else []
        else:
            block = [f"{d.name} — {d.title}", results_table(report, "text"),
                     *failures(report, "text")]
        out("\n".join(block) + "\n")
    line, ok = summary(reports)
    out(f"**Summary:** {line}" if args.format == "markdown" else f"Summary: {line}")
    return 0 if ok else 1
