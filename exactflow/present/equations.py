r"""Displayed equations that fit the page: long right-hand sides named as a paper would.

:func:`align_rows` turns ``lhs = expr`` into rows of an ``align*`` block.  When
the expression would run off the page (its rendered width is estimated by
:func:`visible_length`), its repeated subexpressions (a common-subexpression
pass) and then its largest parts are given names, written below after
``\intertext{where}``, each as short as the first; a sum that is still too
long is broken after a ``+`` or ``−`` onto continuation rows.

>>> import sympy as sp
>>> x, t = sp.symbols("x t")
>>> rows = align_rows(r"y", sp.exp(-t) * (1 + x) ** 3, width=60)
>>> rows
['y &= \\left(x + 1\\right)^{3} e^{- t}']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import sympy as sp

__all__ = ["WIDTH", "Namer", "align_rows", "fit_rows", "visible_length"]

#: rendered characters that fit on one line of an ``article`` page beside a
#: short left-hand side (10pt text, the default text width)
WIDTH = 58
_MIN_NAMED = 14  # a part shorter than this is never given a name
_CAPITALS = ("Lambda", "Xi", "Omega", "Psi", "Phi", "Theta", "Pi", "Gamma",
             "Upsilon")


def _group(tex: str, i: int) -> tuple[str, int]:
    """The brace group starting at ``tex[i] == "{"`` and the index after it."""
    depth = 0
    for j in range(i, len(tex)):
        depth += (tex[j] == "{") - (tex[j] == "}")
        if depth == 0:
            return tex[i + 1:j], j + 1
    return tex[i + 1:], len(tex)


def visible_length(tex: str) -> float:
    """The printed width of the LaTeX math ``tex``, in characters (a careful
    estimate: fractions count their wider half, scripts at 0.7, commands as
    one symbol, binary operators with their spacing as two)."""
    tex = re.sub(r"\\(left|right|big|Big|bigg|Bigg)\b", "", tex)
    tex = re.sub(r"\\(mathrm|operatorname|mathbf|mathcal|text)\{", "{", tex)
    total, i = 0.0, 0
    while i < len(tex):
        ch = tex[i]
        if tex.startswith(r"\frac", i):
            num, j = _group(tex, i + 5)
            den, k = _group(tex, j)
            total += max(visible_length(num), visible_length(den)) + 1
            i = k
        elif tex.startswith(r"\sqrt", i) and tex[i + 5:i + 6] == "{":
            body, i = _group(tex, i + 5)
            total += visible_length(body) + 1.5
        elif ch in "^_":
            if tex[i + 1:i + 2] == "{":
                body, i = _group(tex, i + 1)
            else:
                m = re.match(r"\\[A-Za-z]+|.", tex[i + 1:], re.S)
                body = m.group(0) if m else ""
                i += 1 + len(body)
            total += 0.7 * visible_length(body)
        elif ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.?)", tex[i:], re.S)
            i += max(len(m.group(0)), 1)
            total += 0 if m.group(1) in ("quad", "qquad", ",", ";", "!") else 1
        elif ch in "{} ":
            i += 1
        else:
            total += 2 if ch in "+-=" else 1
            i += 1
    return total


class Namer:
    """Fresh names for parts of expressions: Λ, Ξ, Ω, … then Λ₂, Ξ₂, …,
    avoiding the names an expression already uses."""

    def __init__(self, taken=()) -> None:
        self.taken = {str(s) for s in taken}
        self._names = self._generate()

    def _generate(self) -> Iterator[sp.Symbol]:
        k = 1
        while True:
            for name in _CAPITALS:
                full = name if k == 1 else f"{name}_{k}"
                if full not in self.taken:
                    self.taken.add(full)
                    yield sp.Symbol(full)
            k += 1

    def __next__(self) -> sp.Symbol:
        return next(self._names)

    def __iter__(self):
        return self


def _tex(e) -> str:
    return sp.latex(e)


def _largest_part(e: sp.Basic, skip: set) -> sp.Basic | None:
    """The proper subexpression with the widest printed form (not an atom, not
    one of ``skip``)."""
    best, size = None, _MIN_NAMED
    for node in sp.preorder_traversal(e):
        if node is e or not node.args or node in skip or not isinstance(node, sp.Expr):
            continue
        n = visible_length(_tex(node))
        if n > size:
            best, size = node, n
    return best


def _shorten(e: sp.Expr, namer: Namer, width: float, defs: list) -> sp.Expr:
    """Name parts of ``e`` (appending ``(name, part)`` to ``defs``) until it
    fits in ``width`` or no part is worth naming."""
    skip: set = set()
    while visible_length(_tex(e)) > width:
        part = _largest_part(e, skip)
        if part is None:
            break
        rest = e.xreplace({part: sp.Dummy()})
        if visible_length(_tex(rest)) >= visible_length(_tex(e)) - 2:
            skip.add(part)  # naming it saves nothing (e.g. the part is most of e)
            continue
        name = next(namer)
        defs.append((name, part))
        e = e.xreplace({part: name})
    return e


def _break_sum(lhs: str, e: sp.Expr, width: float) -> list[str]:
    """``lhs &= t₁ + t₂ \\\\ &\\quad + t₃ …``: a sum broken after whole terms."""
    terms = e.as_ordered_terms() if isinstance(e, sp.Add) else [e]
    pieces = []
    for k, term in enumerate(terms):
        coeff, _ = term.as_coeff_Mul()
        negative = coeff.is_negative
        body = _tex(-term if negative else term)
        if isinstance(-term if negative else term, sp.Add):
            body = rf"\left({body}\right)"
        sign = ("- " if negative else "") if k == 0 else ("- " if negative else "+ ")
        pieces.append(sign + body)
    rows, line = [], ""
    for piece in pieces:
        if line and visible_length(line + piece) > width:
            rows.append(line)
            line = ""
        line = f"{line} {piece}".strip()
    rows.append(line)
    return [f"{lhs} &= {rows[0]}"] + [rf"&\quad {r}" for r in rows[1:]]


def _cse(e: sp.Expr, namer: Namer, defs: list) -> sp.Expr:
    """Name the repeated subexpressions worth a name."""
    try:
        repl, (red,) = sp.cse([e], symbols=namer, order="none")
    except Exception:  # cse of unusual heads (Piecewise conditions, ...)
        return e
    back = {}
    for name, part in repl:
        part = part.xreplace(back)
        if visible_length(_tex(part)) < _MIN_NAMED:
            back[name] = part
        else:
            defs.append((name, part))
    return red.xreplace(back)


def align_rows(lhs: str, expr, width: float = WIDTH, namer: Namer | None = None
               ) -> list[str]:
    """Rows of an ``align*`` block for ``lhs = expr`` (``lhs`` is LaTeX), each
    fitting in ``width`` characters where the expression allows it."""
    expr = sp.sympify(expr)
    if visible_length(_tex(expr)) <= width or not expr.args:
        return [f"{lhs} &= {_tex(expr)}"]
    namer = namer or Namer(s.name for s in expr.free_symbols)
    defs: list = []
    top = _shorten(_cse(expr, namer, defs), namer, width, defs)
    rows = _break_sum(lhs, top, width)
    done = 0
    where: list[str] = []
    while done < len(defs):  # definitions may themselves need names
        name, part = defs[done]
        done += 1
        short = _shorten(part, namer, width, defs)
        where += _break_sum(_tex(name), short, width)
    if where:
        rows.append(r"\intertext{where}" + where[0])
        rows += where[1:]
    return rows


def _top_level_split(row: str, pattern: str) -> list[str]:
    """``row`` split at the matches of ``pattern`` outside braces (the
    separators kept at the start of each later piece)."""
    pieces, depth, start = [], 0, 0
    i = 0
    while i < len(row):
        ch = row[i]
        depth += (ch == "{") - (ch == "}")
        m = re.match(pattern, row[i:]) if depth == 0 and i > start else None
        if m:
            pieces.append(row[start:i])
            start = i
            i += len(m.group(0))
            continue
        i += 1
    pieces.append(row[start:])
    return pieces


def fit_rows(body: str, width: float = WIDTH) -> list[str]:
    r"""The rows of hand-written ``align`` material (``a &= … \\ b &= …``),
    each row too wide for the page broken at its top-level ``\quad`` (or
    ``,\ ``) separators onto continuation rows (``&\quad …``)."""
    sep = r",?\\q?quad\b|,\\ "
    rows = []
    for row in _top_level_split(body.strip(), r"\\\\"):
        row = re.sub(r"^\\\\", "", row).strip()
        if visible_length(row) <= width:
            rows.append(row)
            continue
        first, *rest = _top_level_split(row, sep)
        line = first.strip()
        for piece in (re.sub("^(" + sep + ")", "", p).strip() for p in rest):
            joined = f"{line},\\quad {piece}"
            if visible_length(joined) > width:
                rows.append(line)
                line = "&\\quad " + piece
            else:
                line = joined
        rows.append(line)
    return rows
