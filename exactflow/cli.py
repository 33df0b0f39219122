"""The ``exactflow`` command: list, derive, verify, generate kernels, write reports.

Exit codes: 0 success; 1 a claim failed (``verify``, ``report``); 2 bad input (one
line ``exactflow: error: …`` on stderr, no traceback); 130 interrupted.  Set
``EXACTFLOW_DEBUG=1`` to get the traceback of a library error instead.

Importing this module is cheap: derivations, SymPy and code generation are imported
inside the commands that need them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__

__all__ = ["main"]

PROG = "exactflow"
DTYPES = ("float32", "float64")
DEFAULT_REPORT_DIR = "exactflow-report"


class UsageError(Exception):
    """Bad command-line input; reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage and exits; we want one line and exit 2 from main()
    def error(self, message: str):
        raise UsageError(message)


def _one_line(message: object) -> str:
    return " ".join(str(message).split()) or "unknown error"


def _out(text: str = "") -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


# ---------------------------------------------------------------------------- helpers


def _derivation(name: str):
    import exactflow

    return exactflow.derivation(name)


def _catalog() -> list[str]:
    import exactflow

    return exactflow.catalog()


def _fmt_residual(value: float) -> str:
    return "0" if value == 0 else f"{value:.1e}"


# LaTeX text mode: escape the specials, turn the usual Unicode maths into math mode,
# so that the fragment compiles with plain pdflatex.
_LATEX_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "<": "$<$", ">": "$>$", "|": "$|$",
}
_LATEX_MATH = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta",
    "ε": r"\varepsilon", "η": r"\eta", "θ": r"\theta", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ρ": r"\rho", "σ": r"\sigma",
    "τ": r"\tau", "φ": r"\varphi", "ψ": r"\psi", "ω": r"\omega", "Δ": r"\Delta",
    "Λ": r"\Lambda", "Σ": r"\Sigma", "Φ": r"\Phi", "Ψ": r"\Psi", "Θ": r"\Theta",
    "‖": r"\|", "≠": r"\neq", "≤": r"\leq", "≥": r"\geq", "≈": r"\approx",
    "≡": r"\equiv", "→": r"\to", "∞": r"\infty", "∈": r"\in", "×": r"\times",
    "⊙": r"\odot", "∇": r"\nabla", "−": "-", "·": r"\cdot", "√": r"\surd",
    "∂": r"\partial", "ᵀ": r"^\top", "²": "^2", "³": "^3", "⁴": "^4",
    "₀": "_0", "₁": "_1", "₂": "_2", "ᵢ": "_i", "ⱼ": "_j", "±": r"\pm",
    "∑": r"\sum", "∫": r"\int", "⊥": r"\perp", "ᵈ": "^d", "ℝ": r"\mathbb{R}",
    "¼": r"\tfrac14", "½": r"\tfrac12", "⟨": r"\langle", "⟩": r"\rangle",
    "∀": r"\forall", "∃": r"\exists", "∘": r"\circ", "⊗": r"\otimes",
    "∉": r"\notin",
    "ₜ": "_t", "ₙ": "_n", "ₖ": "_k", "⁻": "^-", "¹": "^1", "⁺": "^+",
}


_LATEX_TEXT_SYMBOLS = {"—": "---", "–": "--", "…": r"\ldots{}", "§": r"\S{}",
                      "’": "'", "‘": "`", "“": "``", "”": "''"}
# combining marks after NFD: accents in maths (β̇, β̂) and in names (Raventós)
_MATH_ACCENTS = {"\u0307": r"\dot", "\u0302": r"\hat", "\u0303": r"\tilde",
                 "\u0304": r"\bar", "\u20d7": r"\vec"}
_TEXT_ACCENTS = {"\u0301": "\\'", "\u0300": "\\`", "\u0308": '\\"', "\u0327": r"\c",
                 "\u030c": r"\v"}


def _latex_text(text: str) -> str:
    import unicodedata

    known = _LATEX_TEXT.keys() | _LATEX_MATH.keys() | _LATEX_TEXT_SYMBOLS.keys()
    chars = (c for ch in text
             for c in (ch if ch in known else unicodedata.normalize("NFD", ch)))
    out: list[str] = []
    for ch in chars:
        prev = out[-1] if out else ""
        if ch in _MATH_ACCENTS and prev:
            inner = prev[1:-1] if prev.startswith("$") else prev
            out[-1] = f"${_MATH_ACCENTS[ch]}{{{inner}}}$"
        elif ch in _TEXT_ACCENTS and prev.isalpha():
            out[-1] = f"{_TEXT_ACCENTS[ch]}{{{prev}}}"
        elif ch in _LATEX_TEXT:
            out.append(_LATEX_TEXT[ch])
        elif ch in _LATEX_MATH:
            out.append(f"${_LATEX_MATH[ch]}$")
        elif ch in _LATEX_TEXT_SYMBOLS:
            out.append(_LATEX_TEXT_SYMBOLS[ch])
        else:
            out.append(ch)
    return "".join(out)


def _name_latex(name: str) -> str:
    """``delta`` → ``\\delta``, ``beta_star`` → ``\\beta_{star}``; else as text."""
    import sympy as sp

    if name.isidentifier() and name.isascii():
        return sp.latex(sp.Symbol(name))
    return rf"\text{{{_latex_text(name)}}}"


def _md_cell(text: str) -> str:
    return _one_line(text).replace("|", r"\|")


# ----------------------------------------------------------------------------- derive


def _param_rows(model) -> list[tuple[str, str, tuple, object]]:
    """(group, shape text, component symbols, rate symbol) per parameter group."""
    rows = []
    for g in model.params:
        shape = "scalar" if not g.shape else "shape " + str(tuple(g.shape))
        rows.append((g.name, shape, tuple(g.symbols), g.rate))
    return rows


def _other_consts(model) -> tuple:
    rates = {g.rate for g in model.params}
    return tuple(c for c in model.consts if c not in rates)


def _derive_text(d) -> str:
    import sympy as sp

    m = d.model
    lines = [f"{d.name} — {d.title}", "=" * (len(d.name) + len(d.title) + 3), ""]
    lines.append(f"Model: {m.name}")
    lines.append(f"Assumptions: {m.assumptions or '(none stated)'}")
    refs = tuple(dict.fromkeys(tuple(m.references) + tuple(d.references)))
    lines.append("References:" if refs else "References: (none)")
    lines += [f"  - {r}" for r in refs]
    if getattr(m, "forward", None) is not None:
        lines.append(f"Forward map: f = {sp.sstr(m.forward)}")
    lines.append(f"Loss: L = {sp.sstr(m.loss)}")
    lines += ["", "Parameters and learning rates"]
    for name, shape, syms, rate in _param_rows(m):
        comps = "" if len(syms) == 1 and syms[0].name == name else (
            "  components " + ", ".join(map(str, syms)))
        lines.append(f"  {name}: {shape}, rate {rate}{comps}")
    others = _other_consts(m)
    if others:
        lines.append("  constants: " + ", ".join(map(str, others)))
    lines += ["", "Gradient flow"]
    lines += [f"  d{s}/dt = {sp.sstr(e)}" for s, e in d.flow.equations.items()]
    lines += ["", "Conserved quantities"]
    lines += [f"  {k} = {sp.sstr(v)}" for k, v in d.conserved.items()] or ["  (none)"]
    for heading, body in d.sections:
        lines += ["", f"{heading} (LaTeX)", *("  " + ln for ln in body.splitlines())]
    lines += ["", "Solution"]
    if d.solution is None:
        lines.append("  no closed form in this derivation")
    else:
        lines.append(f"  closed form for {', '.join(map(str, d.solution.state))}")
        lines.append(f"  domain: {d.solution.domain or '(not stated)'}")
    lines += ["", f"Claims ({len(d.claims)}; check them with "
              f"`exactflow verify {d.name}`)"]
    for c in d.claims:
        tags = f" [{', '.join(c.tags)}]" if c.tags else ""
        lines.append(f"  - {c.name}{tags}: {c.statement}")
    return "\n".join(lines) + "\n"


def _derive_latex(d) -> str:
    import sympy as sp

    m = d.model
    T = _latex_text
    out = [
        f"% Generated by exactflow {__version__} from derivation '{d.name}'; "
        "needs \\usepackage{amsmath,amssymb}.",
        rf"\section*{{{T(d.title)}}}",
        r"\paragraph{Model} " + rf"\texttt{{{T(m.name)}}}. "
        + (T(m.assumptions) + "." if m.assumptions else ""),
    ]
    refs = tuple(dict.fromkeys(tuple(m.references) + tuple(d.references)))
    if refs:
        out += [r"\paragraph{References}", r"\begin{itemize}"]
        out += [rf"  \item {T(r)}" for r in refs]
        out.append(r"\end{itemize}")
    out += [r"\paragraph{Loss}", r"\begin{align*}",
            rf"L &= {sp.latex(m.loss)}", r"\end{align*}"]
    out += [r"\paragraph{Parameters and learning rates}", r"\begin{itemize}"]
    for name, shape, syms, rate in _param_rows(m):
        comps = ", ".join(sp.latex(s) for s in syms)
        out.append(rf"  \item ${comps}$ ({T(name)}, {T(shape)}), "
                   rf"rate ${sp.latex(rate)}$")
    others = _other_consts(m)
    if others:
        out.append(r"  \item constants: $" + ", ".join(map(sp.latex, others)) + "$")
    out.append(r"\end{itemize}")
    out += [r"\paragraph{Gradient flow}", r"\begin{align*}", d.flow.latex(),
            r"\end{align*}"]
    if d.conserved:
        body = r" \\ ".join(
            rf"{_name_latex(k)} &= {sp.latex(v)}" for k, v in d.conserved.items())
        out += [r"\paragraph{Conserved quantities}", r"\begin{align*}", body,
                r"\end{align*}"]
    for heading, body in d.sections:
        out += [rf"\paragraph{{{T(heading)}}}", r"\begin{align*}", body,
                r"\end{align*}"]
    out.append(r"\paragraph{Solution} " + (
        "No closed form in this derivation." if d.solution is None
        else "Domain of validity: " + T(d.solution.domain or "not stated") + "."))
    out += [r"\paragraph{Claims}", r"\begin{itemize}"]
    out += [rf"  \item \textbf{{{T(c.name)}}}: {T(c.statement)}" for c in d.claims]
    out.append(r"\end{itemize}")
    return "\n".join(out) + "\n"


def _md_math(body: str) -> str:
    return "$$\n\\begin{aligned}\n" + body.strip() + "\n\\end{aligned}\n$$"


def _derive_markdown(d, level: int = 1) -> str:
    import sympy as sp

    h = "#" * level
    m = d.model
    out = [f"{h} {d.name} — {d.title}", ""]
    assumptions = m.assumptions or "(no assumptions stated)"
    out += [f"{h}# Model", "", f"`{m.name}`: {assumptions}", ""]
    refs = tuple(dict.fromkeys(tuple(m.references) + tuple(d.references)))
    out += [f"References: {'; '.join(refs)}" if refs else "References: none", ""]
    out += [_md_math(rf"L &= {sp.latex(m.loss)}"), ""]
    out += [f"{h}# Parameters and learning rates", "",
            "| group | shape | components | learning rate |", "|---|---|---|---|"]
    for name, shape, syms, rate in _param_rows(m):
        comps = ", ".join(sp.latex(s) for s in syms)
        out.append(f"| `{name}` | {shape} | ${comps}$ | ${sp.latex(rate)}$ |")
    others = _other_consts(m)
    if others:
        out += ["", "Constants: $" + ", ".join(map(sp.latex, others)) + "$"]
    out += ["", f"{h}# Gradient flow", "", _md_math(d.flow.latex()), ""]
    out += [f"{h}# Conserved quantities", ""]
    if d.conserved:
        out += [_md_math(r" \\ ".join(
            rf"{_name_latex(k)} &= {sp.latex(v)}" for k, v in d.conserved.items())), ""]
    else:
        out += ["None.", ""]
    for heading, body in d.sections:
        out += [f"{h}# {heading}", "", _md_math(body), ""]
    out += [f"{h}# Solution", ""]
    out += ["No closed form in this derivation." if d.solution is None
            else f"Domain of validity: {d.solution.domain or 'not stated'}.", ""]
    out += [f"{h}# Claims", ""]
    out += [f"- **{c.name}**: {c.statement}" for c in d.claims] or ["None."]
    return "\n".join(out) + "\n"


def _cmd_derive(args) -> int:
    d = _derivation(args.name)
    render = {"text": _derive_text, "latex": _derive_latex,
              "markdown": _derive_markdown}[args.format]
    sys.stdout.write(render(d))
    return 0


# ----------------------------------------------------------------------------- verify


def _results_table(report, fmt: str) -> str:
    header = ("claim", "result", "method", "residual / max error", "time [s]")
    rows = [(r.name, "ok" if r.passed else "FAILED", r.method,
             _fmt_residual(r.residual), f"{r.seconds:.2f}") for r in report.results]
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|---|---|---|---:|---:|"]
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(5)]

    def fmt_row(row):
        return "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()

    return "\n".join([fmt_row(header), fmt_row(tuple("-" * w for w in widths)),
                      *map(fmt_row, rows)])


def _failures(report, fmt: str) -> list[str]:
    bullet = "- " if fmt == "markdown" else "  "
    return [f"{bullet}FAILED {r.name}: {_one_line(r.detail) or 'no detail'}"
            for r in report.results if not r.passed]


def _summary(reports) -> tuple[str, bool]:
    results = [r for rep in reports for r in rep.results]
    failed = sum(not r.passed for r in results)
    seconds = sum(r.seconds for r in results)
    n = len(reports)
    line = (f"{len(results)} claims in {n} derivation{'s' * (n != 1)}: "
            f"{len(results) - failed} passed, {failed} failed ({seconds:.1f} s)")
    return line, failed == 0


def _show_progress() -> bool:
    """Per-claim progress on stderr, only for a person watching a terminal."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _run_claims(d):
    """``d.verify()``; claim by claim with a progress line when on a terminal."""
    if not _show_progress():
        return d.verify()
    names = list(dict.fromkeys(c.name for c in d.claims))
    results, report = [], None
    for i, name in enumerate(names, 1):
        sys.stderr.write(f"[{d.name} {i}/{len(names)}] {name} ... ")
        sys.stderr.flush()
        report = d.verify([name])
        results += report.results
        ok = all(r.passed for r in report.results)
        seconds = sum(r.seconds for r in report.results)
        sys.stderr.write(f"{'ok' if ok else 'FAILED'} ({seconds:.1f} s)\n")
    if report is None:
        return d.verify()
    return type(report)(report.derivation, tuple(results))


def _cmd_verify(args) -> int:
    if args.all and args.names:
        raise UsageError("give derivation names or --all, not both")
    if not args.all and not args.names:
        raise UsageError("verify needs one or more derivation names or --all")
    names = _catalog() if args.all else list(dict.fromkeys(args.names))
    derivations = [_derivation(n) for n in names]  # unknown names fail before any work
    reports = []
    for d in derivations:
        report = _run_claims(d)
        reports.append(report)
        if args.format == "markdown":
            block = [f"## {d.name} — {d.title}", "",
                     _results_table(report, "markdown")]
            fails = _failures(report, "markdown")
            block += ["", *fails] if fails else []
        else:
            block = [f"{d.name} — {d.title}", _results_table(report, "text"),
                     *_failures(report, "text")]
        _out("\n".join(block) + "\n")
    line, ok = _summary(reports)
    _out(f"**Summary:** {line}" if args.format == "markdown" else f"Summary: {line}")
    return 0 if ok else 1


# ---------------------------------------------------------------------------- codegen


def _cmd_codegen(args) -> int:
    d = _derivation(args.name)
    if args.output is None:
        source = d.kernel_source(args.target, args.kernel, args.dtype)
        _out(source)
        return 0
    directory = Path(args.output)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"-o must be a directory, got the file {str(directory)!r}")
    from ._build import write_kernel  # the glue between model and printer

    path = write_kernel(d, args.kernel, args.target, args.dtype, directory)
    _out(str(path))
    return 0


# ----------------------------------------------------------------------------- report


def _report_page(d, report) -> str:
    import sympy as sp

    ok = report.passed
    out = [_derive_markdown(d).rstrip(), "", "## Verification", "",
           f"Result: **{'all claims hold' if ok else 'SOME CLAIMS FAILED'}** "
           f"(exactflow {__version__}, SymPy {sp.__version__}, "
           f"Python {sys.version.split()[0]}).", "",
           _results_table(report, "markdown"), "", "### Statements", ""]
    statements = {c.name: c.statement for c in d.claims}
    for r in report.results:
        detail = f" — {_one_line(r.detail)}" if r.detail else ""
        out.append(f"- **{r.name}** ({'ok' if r.passed else 'FAILED'}, "
                   f"{r.method}): {statements.get(r.name, '')}{detail}")
    return "\n".join(out) + "\n"


def _cmd_report(args) -> int:
    directory = Path(args.output)
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"-o must be a directory, got the file {str(directory)!r}")
    names = _catalog()
    derivations = [_derivation(n) for n in names]
    directory.mkdir(parents=True, exist_ok=True)
    index = ["# exactflow verification report", "",
             f"exactflow {__version__}. One page per derivation; "
             "regenerate with `exactflow report`.", "",
             "| derivation | title | claims | passed | failed |",
             "|---|---|---:|---:|---:|"]
    reports = []
    for d in derivations:
        report = _run_claims(d)
        reports.append(report)
        page = directory / f"{d.name}.md"
        page.write_text(_report_page(d, report), encoding="utf-8")
        failed = sum(not r.passed for r in report.results)
        index.append(f"| [{d.name}]({d.name}.md) | {_md_cell(d.title)} | "
                     f"{len(report.results)} | {len(report.results) - failed} | "
                     f"{failed} |")
        _out(str(page))
    line, ok = _summary(reports)
    index += ["", f"**Summary:** {line}"]
    path = directory / "index.md"
    path.write_text("\n".join(index) + "\n", encoding="utf-8")
    _out(str(path))
    _out(f"Summary: {line}")
    return 0 if ok else 1


# ------------------------------------------------------------------------------- list


def _cmd_list(args) -> int:
    names = _catalog()
    titles = [_derivation(n).title for n in names]
    width = max(map(len, names), default=0)
    for name, title in zip(names, titles):
        _out(f"{name.ljust(width)}  {title}")
    return 0


# ----------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog=PROG, description="Exact gradient-flow solutions, conservation "
                "laws and generated kernels for minimal models of feature learning.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("list", help="catalog names with titles")
    s.set_defaults(func=_cmd_list)

    s = sub.add_parser("derive", help="print a derivation (model, flow, invariants, "
                       "solution, claims)")
    s.add_argument("name", metavar="NAME")
    s.add_argument("--format", choices=("text", "latex", "markdown"), default="text")
    s.set_defaults(func=_cmd_derive)

    s = sub.add_parser("verify", help="check every claim; exit 1 if any fails")
    s.add_argument("names", nargs="*", metavar="NAME")
    s.add_argument("--all", action="store_true", help="every catalog entry")
    s.add_argument("--format", choices=("text", "markdown"), default="text")
    s.set_defaults(func=_cmd_verify)

    s = sub.add_parser("codegen", help="generate a kernel's source")
    s.add_argument("name", metavar="NAME")
    from .codegen.targets import TARGETS  # the registry (cheap: no SymPy)

    s.add_argument("--target", choices=tuple(TARGETS), required=True)
    s.add_argument("--dtype", choices=DTYPES, default="float64")
    s.add_argument("--kernel", default="exact", help="kernel role (default: exact)")
    s.add_argument("-o", "--output", nargs="?", const=".", default=None,
                   metavar="DIR", help="write the file to DIR (bare -o: the current "
                   "directory) and print its path; without -o print the source")
    s.set_defaults(func=_cmd_codegen)

    s = sub.add_parser("report", help="write a Markdown verification report; "
                       "exit 1 if any claim fails")
    s.add_argument("-o", "--output", default=DEFAULT_REPORT_DIR, metavar="DIR",
                   help=f"output directory (default: ./{DEFAULT_REPORT_DIR})")
    s.set_defaults(func=_cmd_report)
    from . import cli_laws, cli_solve  # argparse only; engines load when run

    cli_laws.add_parser(sub)
    cli_solve.add_parser(sub)
    return p


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
            raise UsageError("missing command; expected one of list, derive, verify, "
                             f"codegen, report, laws (see {PROG} --help)")
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
