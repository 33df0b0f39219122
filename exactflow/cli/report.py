"""``exactflow report [-o DIR]``: one Markdown page per derivation, and an index."""

from __future__ import annotations

from ._common import catalog, derivation, out, output_dir, run_claims

__all__ = ["HELP", "NAME", "add_arguments", "run"]

DEFAULT_DIR = "exactflow-report"


NAME = "report"
HELP = "write a Markdown verification report; exit 1 if any claim fails"


def add_arguments(s) -> None:
    s.add_argument("-o", "--output", default=DEFAULT_DIR, metavar="DIR",
                   help=f"output directory (default: ./{DEFAULT_DIR})")


def run(args) -> int:
    from .._version import __version__
    from ..present.report import report_page
    from ..present.verification import md_cell, summary

    directory = output_dir(args.output)
    derivations = [derivation(n) for n in catalog()]
    directory.mkdir(parents=True, exist_ok=True)
    index = ["# exactflow verification report", "",
             f"exactflow {__version__}. One page per derivation; "
             "regenerate with `exactflow report`.", "",
             "| derivation | title | claims | passed | failed |",
             "|---|---|---:|---:|---:|"]
    reports = []
    for d in derivations:
        report = run_claims(d)
        reports.append(report)
        page = directory / f"{d.name}.md"
        page.write_text(report_page(d, report), encoding="utf-8")
        failed = sum(not r.passed for r in report.results)
        index.append(f"| [{d.name}]({d.name}.md) | {md_cell(d.title)} | "
                     f"{len(report.results)} | {len(report.results) - failed} | "
                     f"{failed} |")
        out(str(page))
    line, ok = summary(reports)
    index += ["", f"**Summary:** {line}"]
    path = directory / "index.md"
    path.write_text("\n".join(index) + "\n", encoding="utf-8")
    out(str(path))
    out(f"Summary: {line}")
    return 0 if ok else 1
