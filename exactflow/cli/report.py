"""``exactflow report [NAME ...] [-o DIR]``: pages with figures and PDFs.

Each page (Markdown) holds the derivation, its verification table, its
figures (PNG, with the ``exactflow[plots]`` extra) and its kernels; where
pdflatex is installed each derivation is also compiled to a PDF.  Verification
results are reused from the cache while the code that produced them stands
(``--fresh`` proves everything again).
"""

from __future__ import annotations

from ._common import UsageError, catalog, derivation, out, output_dir

__all__ = ["HELP", "NAME", "add_arguments", "run"]

DEFAULT_DIR = "exactflow-report"
NAME = "report"
HELP = "write a report: a page per derivation with figures and a PDF; exit 1 if a " \
       "claim fails"


def add_arguments(s) -> None:
    s.add_argument("names", nargs="*", metavar="NAME",
                   help="catalog entries (default: all of them)")
    s.add_argument("-o", "--output", default=DEFAULT_DIR, metavar="DIR",
                   help=f"output directory (default: ./{DEFAULT_DIR})")
    s.add_argument("--fresh", action="store_true",
                   help="verify again instead of reusing cached results")


def _figures(d, directory) -> list:
    import importlib

    from ..present.figures import FIGURES

    if d.name not in FIGURES:
        return []
    try:
        module = importlib.import_module(FIGURES[d.name])
        return module.report_figures(directory)
    except ImportError as exc:  # no matplotlib: the page says so
        return [f"(figures need the exactflow[plots] extra: {exc})"]


def _pdf(d, report, directory, figures):
    """The derivation, its claims with their methods and its figures, as a PDF
    (None without pdflatex); only the ``.tex`` and ``.pdf`` stay behind."""
    from ..present.derivation import derive_latex
    from ..present.tex import compile_pdf, pdflatex

    if pdflatex() is None:
        return None
    tex = derive_latex(d, standalone=True, report=report)
    images = [p for p in figures if hasattr(p, "name")]
    if images:
        body = [r"\paragraph{Figures}"] + [
            rf"\begin{{center}}\includegraphics[width=\linewidth]{{{p.name}}}"
            r"\end{center}" for p in images]
        tex = tex.replace(r"\end{document}", "\n".join(body) + "\n\\end{document}")
        tex = tex.replace(r"\usepackage[T1]{fontenc}",
                          "\\usepackage[T1]{fontenc}\n\\usepackage{graphicx}")
    try:
        compiled = compile_pdf(tex, directory, d.name)
    finally:  # also on SIGINT: no LaTeX by-products left behind
        for suffix in (".aux", ".log"):
            (directory / f"{d.name}{suffix}").unlink(missing_ok=True)
    return compiled.pdf


def _kernels(d) -> list[str]:
    rows = ["| kernel | inputs | outputs |", "|---|---|---|"]
    for name in d.kernel_names:
        k = d.kernel_exprs(name)
        ins = ", ".join(s.name for s in k.inputs)
        outs = ", ".join(n for n, _ in k.outputs)
        rows.append(f"| `{name}` | `{ins}` | `{outs}` |")
    return rows


def run(args) -> int:
    from .._verified import verified
    from .._version import __version__
    from ..codegen.cache import write_text_atomic
    from ..present.report import report_page
    from ..present.verification import md_cell, summary

    names = list(dict.fromkeys(args.names)) or catalog()
    unknown = sorted(set(names) - set(catalog()))
    if unknown:
        raise UsageError(f"unknown derivation(s) {unknown}; expected {catalog()}")
    directory = output_dir(args.output)
    derivations = [derivation(n) for n in names]
    directory.mkdir(parents=True, exist_ok=True)
    index = ["# exactflow report", "",
             f"exactflow {__version__}. One page per derivation; regenerate with "
             "`exactflow report`.", "",
             "| derivation | title | claims | passed | failed | PDF |",
             "|---|---|---:|---:|---:|---|"]
    reports = []
    for d in derivations:
        report = verified(d, use_cache=not args.fresh)
        reports.append(report)
        figures = _figures(d, directory)
        pdf = _pdf(d, report, directory, figures)
        extra = ["## Figures", ""]
        extra += [f"![{p.stem}]({p.name})" if hasattr(p, "name") else str(p)
                  for p in figures] or ["No figures for this entry yet."]
        extra += ["", "## Kernels", "", "Generated with `exactflow codegen "
                  f"{d.name} --kernel K --target T`; inputs and outputs in order:",
                  "", *_kernels(d)]
        page = directory / f"{d.name}.md"
        write_text_atomic(page, report_page(d, report) + "\n" + "\n".join(extra)
                          + "\n")  # SIGINT leaves no half-written page
        failed = sum(not r.passed for r in report.results)
        index.append(f"| [{d.name}]({d.name}.md) | {md_cell(d.title)} | "
                     f"{len(report.results)} | {len(report.results) - failed} | "
                     f"{failed} | {f'[pdf]({pdf.name})' if pdf else '(no pdflatex)'} |")
        out(str(page))
    line, ok = summary(reports)
    index += ["", f"**Summary:** {line}"]
    path = directory / "index.md"
    write_text_atomic(path, "\n".join(index) + "\n")
    out(str(path))
    out(f"Summary: {line}")
    return 0 if ok else 1
