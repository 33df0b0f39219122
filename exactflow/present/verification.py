"""Verification results as tables (plain text or Markdown) and summary lines."""

from __future__ import annotations

__all__ = ["failures", "fmt_residual", "md_cell", "one_line", "results_table",
           "summary"]


def one_line(message: object) -> str:
    """``message`` on one line (white space folded)."""
    return " ".join(str(message).split()) or "unknown error"


def fmt_residual(value: float) -> str:
    return "0" if value == 0 else f"{value:.1e}"


def md_cell(text: str) -> str:
    """``text`` for a Markdown table cell."""
    return one_line(text).replace("|", r"\|")


def results_table(report, fmt: str) -> str:
    header = ("claim", "result", "method", "residual / max error", "time [s]")
    rows = [(r.name, "ok" if r.passed else "FAILED", r.method,
             fmt_residual(r.residual), f"{r.seconds:.2f}") for r in report.results]
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|---|---|---|---:|---:|"]
        lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(5)]

    def fmt_row(row):
        return "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()

    return "\n".join([fmt_row(header), fmt_row(tuple("-" * w for w in widths)),
                      *map(fmt_row, rows)])


def failures(report, fmt: str) -> list[str]:
    bullet = "- " if fmt == "markdown" else "  "
    return [f"{bullet}FAILED {r.name}: {one_line(r.detail) or 'no detail'}"
            for r in report.results if not r.passed]


def summary(reports) -> tuple[str, bool]:
    results = [r for rep in reports for r in rep.results]
    failed = sum(not r.passed for r in results)
    seconds = sum(r.seconds for r in results)
    n = len(reports)
    line = (f"{len(results)} claims in {n} derivation{'s' * (n != 1)}: "
            f"{len(results) - failed} passed, {failed} failed ({seconds:.1f} s)")
    return line, failed == 0
