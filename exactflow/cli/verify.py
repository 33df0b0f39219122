"""``exactflow verify [NAME ...|--all]``: check every claim; exit 1 if one fails."""

from __future__ import annotations

from ._common import UsageError, catalog, derivation, out, run_claims

__all__ = ["HELP", "NAME", "add_arguments", "run"]


NAME = "verify"
HELP = "check every claim; exit 1 if any fails"


def add_arguments(s) -> None:
    s.add_argument("names", nargs="*", metavar="NAME")
    s.add_argument("--all", action="store_true", help="every catalog entry")
    s.add_argument("--format", choices=("text", "markdown", "json"), default="text",
                   help="json: one document for scripts (claims, methods, residuals)")


def run(args) -> int:
    from ..present.verification import failures, results_table, summary

    if args.all and args.names:
        raise UsageError("give derivation names or --all, not both")
    if not args.all and not args.names:
        raise UsageError("verify needs one or more derivation names or --all")
    names = catalog() if args.all else list(dict.fromkeys(args.names))
    derivations = [derivation(n) for n in names]  # unknown names fail before work
    from .._verified import store

    reports = []
    for d in derivations:
        report = run_claims(d)
        store(report)  # exactflow derive and report show and reuse it
        reports.append(report)
        if args.format == "json":
            continue
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
    if args.format == "json":
        out(_json(derivations, reports, line, ok))
    else:
        out(f"**Summary:** {line}" if args.format == "markdown"
            else f"Summary: {line}")
    return 0 if ok else 1


def _json(derivations, reports, line: str, ok: bool) -> str:
    import json
    import math
    from dataclasses import asdict

    from .._version import __version__

    def result(r):
        row = asdict(r)
        row["residual"] = None if math.isnan(r.residual) else r.residual
        return row

    doc = {"exactflow": __version__, "passed": ok, "summary": line,
           "derivations": [{"name": d.name, "title": d.title, "passed": rep.passed,
                            "claims": [result(r) for r in rep.results]}
                           for d, rep in zip(derivations, reports)]}
    return json.dumps(doc, indent=1, ensure_ascii=False)
