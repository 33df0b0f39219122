"""A derivation as plain text, LaTeX (a fragment for amsmath) or Markdown.

These are the pages of ``exactflow derive`` and of ``exactflow report``.
"""

from __future__ import annotations

from .equations import align_rows, fit_rows
from .latex import latex_text, name_latex
from .tex import align, document

__all__ = ["derive_latex", "derive_markdown", "derive_text", "md_math", "RENDERERS"]


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


def _methods(d, report) -> dict[str, str]:
    """claim name -> the method that established it (from ``report``), or {}."""
    if report is None:
        return {}
    return {r.name: (r.method if r.passed else f"FAILED: {r.method}")
            for r in report.results}


def _claims_note(d, report) -> str:
    if report is None:
        return (f"methods are shown once the claims are verified: "
                f"`exactflow verify {d.name}`")
    return "each with the method that established it"


def derive_text(d, report=None) -> str:
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
    methods = _methods(d, report)
    lines += ["", f"Claims ({len(d.claims)}; {_claims_note(d, report)})"]
    for c in d.claims:
        tag = f" [{methods[c.name]}]" if c.name in methods else ""
        lines.append(f"  - {c.name}{tag}: {c.statement}")
    return "\n".join(lines) + "\n"


def derive_latex(d, standalone: bool = False, report=None) -> str:
    """The derivation as LaTeX: a fragment (``amsmath``, ``amssymb``) or, with
    ``standalone``, a complete document.  Long equations are split by naming
    their parts (:func:`.equations.align_rows`)."""
    import sympy as sp

    m = d.model
    T = latex_text
    out = [rf"\section*{{{T(d.title)}}}",
           r"\paragraph{Model} " + rf"\texttt{{{T(m.name)}}}. "
           + (T(m.assumptions) + "." if m.assumptions else "")]
    refs = tuple(dict.fromkeys(tuple(m.references) + tuple(d.references)))
    if refs:
        out += [r"\paragraph{References}", r"\begin{itemize}"]
        out += [rf"  \item {T(r)}" for r in refs]
        out.append(r"\end{itemize}")
    if getattr(m, "forward", None) is not None:
        out += [r"\paragraph{Forward map}", align(align_rows("f", m.forward))]
    out += [r"\paragraph{Loss}", align(align_rows("L", m.loss))]
    out += [r"\paragraph{Parameters and learning rates}", r"\begin{itemize}"]
    for name, shape, syms, rate in _param_rows(m):
        comps = _symbols_latex(syms)
        out.append(rf"  \item {comps} ({T(name)}, {T(shape)}), "
                   rf"rate ${sp.latex(rate)}$")
    others = _other_consts(m)
    if others:
        out.append(r"  \item constants: " + _symbols_latex(others))
    out.append(r"\end{itemize}")
    rows = [row for s, e in d.flow.equations.items()
            for row in align_rows(rf"\dot{{{sp.latex(s)}}}", e)]
    out += [r"\paragraph{Gradient flow}", align(rows)]
    if d.conserved:
        rows = [row for k, v in d.conserved.items()
                for row in align_rows(name_latex(k), v)]
        out += [r"\paragraph{Conserved quantities}", align(rows)]
    for heading, body in d.sections:
        out += [rf"\paragraph{{{T(heading)}}}", align(fit_rows(body))]
    out.append(r"\paragraph{Solution} " + (
        "No closed form in this derivation." if d.solution is None
        else "Domain of validity: " + T(d.solution.domain or "not stated") + "."))
    out += [r"\paragraph{Claims}", r"\begin{itemize}"]
    methods = _methods(d, report)
    out += [rf"  \item \textbf{{{T(c.name)}}}"
            + (rf" [{T(methods[c.name])}]" if c.name in methods else "")
            + f": {T(c.statement)}" for c in d.claims]
    out.append(r"\end{itemize}")
    return document("\n".join(out), d.title, standalone, f"derivation '{d.name}'")


def _symbols_latex(symbols) -> str:
    """Inline maths listing ``symbols``, broken into groups of eight so that a
    long list wraps."""
    import sympy as sp

    names = [sp.latex(s) for s in symbols]
    return ", ".join("$" + ", ".join(names[i:i + 8]) + "$"
                     for i in range(0, len(names), 8))


def md_math(body: str) -> str:
    return "$$\n\\begin{aligned}\n" + body.strip() + "\n\\end{aligned}\n$$"


def derive_markdown(d, level: int = 1, report=None) -> str:
    import sympy as sp

    h = "#" * level
    m = d.model
    out = [f"{h} {d.name} — {d.title}", ""]
    assumptions = m.assumptions or "(no assumptions stated)"
    out += [f"{h}# Model", "", f"`{m.name}`: {assumptions}", ""]
    refs = tuple(dict.fromkeys(tuple(m.references) + tuple(d.references)))
    out += [f"References: {'; '.join(refs)}" if refs else "References: none", ""]
    out += [md_math(rf"L &= {sp.latex(m.loss)}"), ""]
    out += [f"{h}# Parameters and learning rates", "",
            "| group | shape | components | learning rate |", "|---|---|---|---|"]
    for name, shape, syms, rate in _param_rows(m):
        comps = ", ".join(sp.latex(s) for s in syms)
        out.append(f"| `{name}` | {shape} | ${comps}$ | ${sp.latex(rate)}$ |")
    others = _other_consts(m)
    if others:
        out += ["", "Constants: $" + ", ".join(map(sp.latex, others)) + "$"]
    out += ["", f"{h}# Gradient flow", "", md_math(d.flow.latex()), ""]
    out += [f"{h}# Conserved quantities", ""]
    if d.conserved:
        out += [md_math(r" \\ ".join(
            rf"{name_latex(k)} &= {sp.latex(v)}" for k, v in d.conserved.items())), ""]
    else:
        out += ["None.", ""]
    for heading, body in d.sections:
        out += [f"{h}# {heading}", "", md_math(body), ""]
    out += [f"{h}# Solution", ""]
    out += ["No closed form in this derivation." if d.solution is None
            else f"Domain of validity: {d.solution.domain or 'not stated'}.", ""]
    out += [f"{h}# Claims", ""]
    methods = _methods(d, report)
    out += [f"_{_claims_note(d, report)}_", ""]
    out += [f"- **{c.name}**" + (f" [{methods[c.name]}]" if c.name in methods else "")
            + f": {c.statement}" for c in d.claims] or ["None."]
    return "\n".join(out) + "\n"


#: format name -> renderer, for ``exactflow derive --format``
RENDERERS = {"text": derive_text, "latex": derive_latex, "markdown": derive_markdown}
