"""The pages of ``exactflow report``: a derivation with its verification."""

from __future__ import annotations

import sys

from .._version import __version__
from .derivation import derive_markdown
from .verification import one_line, results_table

__all__ = ["report_page"]


def report_page(d, report) -> str:
    import sympy as sp

    ok = report.passed
    out = [derive_markdown(d, report=report).rstrip(), "", "## Verification", "",
           f"Result: **{'all claims hold' if ok else 'SOME CLAIMS FAILED'}** "
           f"(exactflow {__version__}, SymPy {sp.__version__}, "
           f"Python {sys.version.split()[0]}).", "",
           results_table(report, "markdown"), "", "### Statements", ""]
    statements = {c.name: c.statement for c in d.claims}
    for r in report.results:
        detail = f" — {one_line(r.detail)}" if r.detail else ""
        out.append(f"- **{r.name}** ({'ok' if r.passed else 'FAILED'}, "
                   f"{r.method}): {statements.get(r.name, '')}{detail}")
    return "\n".join(out) + "\n"
