r"""The derivation transcript of a solver result
(:class:`~exactflow.symbolic.solve.result.SolveResult`).

:func:`transcript` writes what a theorist would put in an appendix: the model and
its flow, the conserved quantities used, the reduction, the recognised structure,
the recipe and the solution, and how each statement was verified — as plain
text, Markdown or LaTeX (a fragment that compiles with ``amsmath``).
"""

from __future__ import annotations

import functools

import sympy as sp

from .equations import align_rows
from .latex import latex_text
from .tex import align, document

__all__ = ["transcript", "FORMATS"]

FORMATS = ("text", "markdown", "latex")
MAX_CHARS = 1500  # longer closed forms are summarised, not printed (text)
MAX_LATEX = 12000  # LaTeX: longer ones are summarised, the rest split and named


def _sections(res) -> list[tuple[str, list[tuple[str, object]]]]:
    """[(heading, [(kind, payload)])]; kind is 'p' (prose) or 'eq' ((lhs, rhs))."""
    sys = res.system
    out = []
    flow = res.flow
    if flow is not None:
        m = flow.model
        items = [("p", f"Model {m.name}" + (f" ({m.assumptions})" if m.assumptions
                                             else "") + ".")]
        if m.forward is not None:
            items.append(("eq", (sp.Symbol("f"), m.forward)))
        items.append(("eq", (sp.Symbol("L"), m.loss)))
        items += [("eq", (sp.Derivative(x, sp.Symbol("t")), e))
                  for x, e in flow.equations.items()]
        out.append(("Gradient flow", items))
    for heading, text in sys.steps:
        out.append((heading, [("p", text)]))
    out.append(("Reduced system", [("eq", (sp.Derivative(z, sp.Symbol("t")), f))
                                   for z, f in zip(sys.coords, sys.rhs)]
                + [("eq", (sp.Integer(0), r)) for r in sys.constraints]))
    if res.match is None:
        why = (res.notes[0] if res.notes and "piecewise" in res.notes[0] else
               "no structure recognised and dsolve gave no explicit solution; the "
               "reduced system above is the result")
        out.append(("Structure", [("p", f"Reduced system, no closed form found: "
                                   f"{why}.")]))
        return out
    out.append(("Structure", [("p", f"Recognised: {res.match.name} — "
                               f"{res.match.statement}.")]))
    for heading, text in res.recipe:
        out.append((heading, [("p", text)]))
    if res.reduced_solution is not None:
        items = [("eq", (x, e)) for x, e in res.reduced_solution.items()]
        out.append(("Solution (reduced coordinates)", items))
    if res.solution is not None:
        items = [("p", "Lifted to the model's state (constants replaced by their "
                  "values at t = 0); initial values are the symbols *_init.")]
        items += [("eq", (x, e)) for x, e in res.solution.state.items()]
        out.append(("Solution (model state)", items))
    for b in getattr(res, "branches", ()):
        items = [("p", f"Where the form above is not finite — {b.where} — a "
                  "closed form of its own, verified below; the kernel uses it "
                  "there.")]
        if b.constant:
            items.append(("p", "θ(t) ≡ θ₀: the start is a fixed point."))
        else:
            items += [("eq", (x, e)) for x, e in b.solution.state.items()]
        out.append((f"Solution ({b.solution.domain})", items))
    if res.quadrature is not None and res.reduced_solution is None:
        expr, var = res.quadrature
        out.append(("Time course", [("eq", (sp.Symbol(f"t({var})"), expr))]))
    if res.checks:
        out.append(("Verification", [
            ("p", f"{c.name}: {'ok' if c.passed else 'FAILED'} ({c.method}, "
                  f"residual {c.residual:.1e}, {c.seconds:.2f} s)")
            for c in res.checks]))
    elif res.reduced_solution is None:
        out.append(("Verification", [("p", "The reduction is exact (normal forms "
                                      "modulo a Gröbner basis); the quadrature "
                                      "needs no further proof: dt/dz = 1/F(z).")]))
    for note in res.notes:
        out.append(("Note", [("p", note)]))
    return out


@functools.lru_cache(maxsize=256)
def _sstr(expr) -> str:
    """``sp.sstr``, remembered: a lifted solution often repeats the reduced one."""
    return sp.sstr(expr)


def _text_eq(lhs, rhs) -> str:
    r = _sstr(rhs) if isinstance(rhs, sp.Basic) else sp.sstr(rhs)
    if len(r) > MAX_CHARS:
        r = f"({len(r)} characters; see SolveResult in Python)"
    lhs_s = (f"d{lhs.args[0]}/dt" if isinstance(lhs, sp.Derivative)
             else sp.sstr(lhs))
    return f"{lhs_s} = {r}"


def _lhs_latex(lhs) -> str:
    return (rf"\dot{{{sp.latex(lhs.args[0])}}}" if isinstance(lhs, sp.Derivative)
            else sp.latex(lhs))


def _latex_eq(lhs, rhs) -> str:
    r = sp.latex(rhs)
    if len(r) > 3 * MAX_CHARS:
        r = rf"\text{{({len(r)} characters omitted)}}"
    return f"{_lhs_latex(lhs)} &= {r}"


def _latex_rows(lhs, rhs) -> list[str]:
    """Rows of an ``align*`` block; a closed form too large for a page
    (more than :data:`MAX_LATEX` characters of LaTeX) is summarised."""
    if len(sp.latex(rhs)) > MAX_LATEX:
        return [rf"{_lhs_latex(lhs)} &= \text{{(a closed form of "
                rf"{sp.count_ops(rhs)} operations; see the SolveResult)}}"]
    return align_rows(_lhs_latex(lhs), rhs)


def transcript(res, fmt: str = "text", standalone: bool = False) -> str:
    """The derivation of ``res`` as ``"text"``, ``"markdown"`` or ``"latex"``
    (a fragment, or with ``standalone`` a complete document)."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {list(FORMATS)}, got {fmt!r}")
    title = f"Derivation: {res.flow.model.name if res.flow else res.name}"
    lines: list[str] = []
    if fmt == "text":
        lines += [title, "=" * len(title)]
        for heading, items in _sections(res):
            lines += ["", heading, "-" * len(heading)]
            for kind, payload in items:
                lines.append("  " + (payload if kind == "p" else _text_eq(*payload)))
    elif fmt == "markdown":
        lines.append(f"# {title}")
        for heading, items in _sections(res):
            lines += ["", f"## {heading}", ""]
            for kind, payload in items:
                if kind == "p":
                    lines.append(payload)
                else:
                    lhs, rhs = payload
                    lines.append("$$" + _latex_eq(lhs, rhs).replace("&=", "=")
                                 + "$$")
    else:
        lines.append(rf"\section*{{{latex_text(title)}}}")
        for heading, items in _sections(res):
            lines.append(rf"\paragraph{{{latex_text(heading)}}}")
            rows: list[str] = []
            for kind, payload in items:
                if kind == "p":
                    if rows:
                        lines.append(align(rows))
                        rows = []
                    lines.append(latex_text(payload))
                else:
                    rows += _latex_rows(*payload)
            if rows:
                lines.append(align(rows))
        return document("\n".join(lines), title, standalone,
                        f"exactflow solve ({res.name})")
    return "\n".join(lines) + "\n"
