r"""Text for LaTeX: prose with Unicode mathematics, as pdflatex reads it.

:func:`latex_text` writes a sentence such as ``δ = η_w a² − η_a‖w‖²`` for
LaTeX text mode: words that contain mathematics (a Greek letter, an operator,
a sub- or superscript, an accent) become one inline formula each
(``$\delta$ = $\eta_{w}$ $a^{2}$ $-$ $\eta_{a}\|w\|^{2}$``), the rest is
escaped text.  Every character is mapped by its Unicode properties (Greek
names, mathematical alphabets, sub/superscript decompositions, combining
accents) or by the tables below; the result is pure ASCII, so a fragment
compiles with plain pdflatex and ``amsmath``/``amssymb``.

>>> print(latex_text("Raventós: β̂ & 50%"))
Ravent\'{o}s: $\hat{\beta}$ \& 50\%
>>> print(latex_text("δ = η_w a² − η_a‖w‖² (d = 1…4)"))
$\delta$ = $\eta_{w}$ $a^{2}$ $-$ $\eta_{a}\|w\|^{2}$ (d = 1\ldots{}4)
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["latex_math_char", "latex_text", "name_latex"]

# text-mode specials
_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "<": "$<$", ">": "$>$", "|": "$|$",
}
# typographic symbols of text mode
_SYMBOLS = {"—": "---", "–": "--", "…": r"\ldots{}", "§": r"\S{}",
            "’": "'", "‘": "`", "“": "``", "”": "''", "\u00a0": "~",
            "×": r"$\times$", "·": r"$\cdot$", "°": r"$^\circ$"}
# operators and symbols of math mode (Greek letters and alphabets go by name)
_MATH = {
    "‖": r"\|", "≠": r"\neq ", "≤": r"\leq ", "≥": r"\geq ", "≈": r"\approx ",
    "≡": r"\equiv ", "→": r"\to ", "↦": r"\mapsto ", "⇒": r"\Rightarrow ",
    "⇔": r"\Leftrightarrow ", "∞": r"\infty ", "∈": r"\in ", "∉": r"\notin ",
    "×": r"\times ", "⊙": r"\odot ", "⊗": r"\otimes ", "∇": r"\nabla ",
    "−": "-", "·": r"\cdot ", "√": r"\surd ", "∂": r"\partial ", "ᵀ": r"^{\top}",
    "±": r"\pm ", "∓": r"\mp ", "∑": r"\sum ", "∫": r"\int ", "⊥": r"\perp ",
    "ℝ": r"\mathbb{R}", "ℕ": r"\mathbb{N}", "ℚ": r"\mathbb{Q}", "ℤ": r"\mathbb{Z}",
    "⟨": r"\langle ", "⟩": r"\rangle ", "∀": r"\forall ", "∃": r"\exists ",
    "∘": r"\circ ", "⋯": r"\cdots ", "…": r"\ldots ", "⋮": r"\vdots ", "∝": r"\propto ",
    "∧": r"\wedge ", "∨": r"\vee ", "∩": r"\cap ", "∪": r"\cup ", "⊂": r"\subset ",
    "⊆": r"\subseteq ", "∅": r"\emptyset ", "∼": r"\sim ", "≪": r"\ll ",
    "≫": r"\gg ", "⌊": r"\lfloor ", "⌋": r"\rfloor ", "⌈": r"\lceil ",
    "⌉": r"\rceil ", "ℓ": r"\ell ", "∗": "*", "′": "'", "″": "''", "ħ": r"\hbar ",
    "∖": r"\setminus ", "⪯": r"\preceq ", "⟂": r"\perp ",
    "½": r"\tfrac{1}{2}", "¼": r"\tfrac{1}{4}", "¾": r"\tfrac{3}{4}",
    "⅓": r"\tfrac{1}{3}", "∏": r"\prod ", "∐": r"\coprod ", "⊤": r"\top ",
    "⊕": r"\oplus ", "†": r"\dagger ", "★": r"\star ", "⋅": r"\cdot ",
}
_GREEK_UPPER = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon",
                "Phi", "Psi", "Omega"}
_GREEK_VARIANT = {"epsilon": "varepsilon", "phi": "varphi", "final sigma": "varsigma"}
_ALPHABETS = (("SCRIPT", r"\mathcal"), ("DOUBLE-STRUCK", r"\mathbb"),
              ("FRAKTUR", r"\mathfrak"), ("BOLD", r"\mathbf"),
              ("SANS-SERIF", r"\mathsf"), ("MONOSPACE", r"\mathtt"),
              ("ITALIC", ""))
_MATH_ACCENTS = {"\u0307": r"\dot", "\u0308": r"\ddot", "\u0302": r"\hat",
                 "\u0303": r"\tilde", "\u0304": r"\bar", "\u20d7": r"\vec",
                 "\u0305": r"\bar"}
_TEXT_ACCENTS = {"\u0301": "\\'", "\u0300": "\\`", "\u0308": '\\"', "\u0327": r"\c",
                 "\u030c": r"\v", "\u0302": r"\^", "\u0303": r"\~"}
_PUNCT = ",.;:!?)]"


def _greek(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    m = re.fullmatch(r"(?:MATHEMATICAL (?:ITALIC |BOLD )?)?GREEK (SMALL|CAPITAL) "
                     r"LETTER (.+)", name)
    if not m:
        return None
    letter = m.group(2).lower().replace("lamda", "lambda")
    if m.group(1) == "CAPITAL":
        word = letter.capitalize()
        if word in _GREEK_UPPER:
            return "\\" + word
        return {"alpha": "A", "beta": "B", "epsilon": "E", "zeta": "Z", "eta": "H",
                "iota": "I", "kappa": "K", "mu": "M", "nu": "N", "omicron": "O",
                "rho": "P", "tau": "T", "chi": "X"}.get(letter)
    letter = _GREEK_VARIANT.get(letter, letter)
    return "o" if letter == "omicron" else "\\" + letter.replace(" ", "")


def _alphabet(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    digit = re.fullmatch(r"MATHEMATICAL (.+) DIGIT (\w+)", name)
    if digit:  # 𝟙 (the indicator): amssymb has no blackboard digits
        value = unicodedata.digit(ch)
        return rf"\mathbf{{{value}}}" if "DOUBLE-STRUCK" in name else str(value)
    m = re.fullmatch(r"MATHEMATICAL (.+) (CAPITAL|SMALL) ([A-Z])", name)
    if not m:
        return None
    letter = m.group(3) if m.group(2) == "CAPITAL" else m.group(3).lower()
    for key, command in _ALPHABETS:
        if m.group(1).startswith(key):
            return f"{command}{{{letter}}}" if command else letter
    return letter


def latex_math_char(ch: str) -> str | None:
    """``ch`` in math mode, or None when it is not a mathematical character."""
    if ch in _MATH:
        return _MATH[ch]
    found = _greek(ch) or _alphabet(ch)
    if found:
        return found
    dec = unicodedata.decomposition(ch)
    if dec.startswith(("<sub>", "<super>")):
        inner = "".join(chr(int(code, 16)) for code in dec.split()[1:])
        body = latex_math_char(inner) if len(inner) == 1 else None
        body = inner if body is None and inner.isascii() else body
        if body is not None:
            return ("_{" if dec.startswith("<sub>") else "^{") + body.strip() + "}"
    if dec.startswith("<font>"):
        inner = chr(int(dec.split()[1], 16))
        if inner.isascii():
            return inner
    return None


def _is_math(ch: str) -> bool:
    return ch in _MATH_ACCENTS or (not ch.isascii() and ch not in _SYMBOLS
                                  and latex_math_char(ch) is not None)


def _decompose(text: str) -> str:
    """NFD for accented letters only (``β̂`` → ``β`` + hat), keeping the
    symbols that have a LaTeX form of their own (``∉`` stays ``∉``)."""
    return "".join(ch if ch in _MATH or ch in _SYMBOLS
                   else unicodedata.normalize("NFD", ch) for ch in text)


def _balanced(word: str) -> bool:
    depth = 0
    for ch in word:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return False
    return depth == 0 and ("^{" in word or "_{" in word)


def _subscript(word: str, i: int) -> int:
    """End of the subscript that starts after ``word[i] == "_"``: one character
    and the digits after it (``∇_βL`` is ∇_β L, ``v_iv_i`` is v_i v_i,
    ``w_12`` is w_{12})."""
    j = i + 2
    while j < len(word) and word[j].isascii() and word[j].isdigit():
        j += 1
    return j


def _math_word(word: str) -> str:
    """A word with mathematics in it, as one formula: subscripts ``_x``
    become ``_{x}``, accents wrap the letter before them."""
    word = _decompose(word)
    balanced = _balanced(word)
    out: list[str] = []
    i = 0
    while i < len(word):
        ch = word[i]
        if balanced and (ch in "{}^" or word[i:i + 2] == "_{"):
            out.append(ch)  # the word's own grouping: x^{1-2/N}, w_{k}
        elif ch == "_" and i + 1 < len(word):
            j = _subscript(word, i)
            sub = word[i + 1:j]
            out.append("_{" + "".join(_math_piece(c) for c in sub).strip() + "}")
            i = j
            continue
        elif ch in _MATH_ACCENTS and out:
            out[-1] = f"{_MATH_ACCENTS[ch]}{{{out[-1].strip()}}}"
        else:
            out.append(_math_piece(ch))
        i += 1
    return _join(out)


def _join(pieces: list[str]) -> str:
    """Concatenate: a space after a control word followed by a letter
    (``\\Sigma xx``, not ``\\Sigmaxx``), braces around what follows a bare
    ``^``/``_``, and consecutive scripts merged (``u₀ᵢ`` is ``u_{0i}``,
    ``M⁻¹`` is ``M^{-1}``)."""
    text = ""
    for piece in pieces:
        piece = piece.strip() if piece.strip() else piece
        if text.endswith(("^", "_")) and not piece.startswith("{"):
            piece = "{" + piece + "}"
        for mark in ("_{", "^{"):
            if piece.startswith(mark) and re.search(re.escape(mark)
                                                    + r"[^{}]*\}$", text):
                text, piece = text[:-1], piece[2:]
                break
        if re.search(r"\\[A-Za-z]+$", text) and piece[:1].isalpha():
            text += " "
        text += piece
    return text.strip()


def _math_piece(ch: str) -> str:
    if ch.isascii():
        return {"{": r"\{", "}": r"\}", "%": r"\%", "#": r"\#", "&": r"\&",
                "$": r"\$", "~": r"\sim ", "\\": r"\backslash "}.get(ch, ch)
    found = latex_math_char(ch)
    if found is not None:
        return found
    raise ValueError(f"no LaTeX for the character {ch!r} (U+{ord(ch):04X})")


def _text_word(word: str) -> str:
    if len(word) > 24:  # a long formula in plain text may break after a symbol
        word = re.sub(r"(,|\+|=|/|\)|\]|(?<!\*)\*(?!\*))(?!$)", "\\1\x00", word)
    out: list[str] = []
    for ch in _decompose(word):
        prev = out[-1] if out else ""
        if ch in _TEXT_ACCENTS and prev.isalpha():
            out[-1] = f"{_TEXT_ACCENTS[ch]}{{{prev}}}"
        elif ch == "\x00":
            out.append(r"\allowbreak{}")
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif ch in _SYMBOLS:
            out.append(_SYMBOLS[ch])
        elif ch.isascii():
            out.append(ch)
        else:
            out.append(f"${_math_piece(ch)}$")
    return "".join(out)


def _breakable(formula: str) -> str:
    """A long inline formula may break after a comma or a slash at brace level 0
    (TeX breaks inline maths only after relations and binary operators)."""
    if len(formula) < 24:
        return formula
    out, depth = [], 0
    for ch in formula:
        depth += (ch == "{") - (ch == "}")
        out.append(ch + (r"\allowbreak " if depth == 0 and ch in ",/" else ""))
    return "".join(out)


def _split_punctuation(word: str) -> tuple[str, str, str]:
    """``(leading, core, trailing)``: sentence punctuation and unbalanced
    brackets around a formula stay in the text (``(δ = 0),`` → ``(``,
    ``δ``, ``),``), balanced ones in the formula (``𝟙(x),`` → ``𝟙(x)``)."""
    lead = re.match(r"^[\"“‘]*", word).group(0)
    core = word[len(lead):]
    while core[:1] in "([" and core and core.count(core[0]) > core.count(
            ")" if core[0] == "(" else "]"):
        lead, core = lead + core[0], core[1:]
    trail = ""
    while core and (core[-1] in ",.;:!?\"”’" or (core[-1] in ")]" and core.count(
            core[-1]) > core.count("(" if core[-1] == ")" else "["))):
        core, trail = core[:-1], core[-1] + trail
    word = re.search(r"-[A-Za-z]{3,}$", core)  # "e^{Dτ}-scaled": a word, not maths
    if word:
        core, trail = core[:word.start()], core[word.start():] + trail
    return lead, core, trail


def latex_text(text: str) -> str:
    """``text`` for LaTeX text mode: each word holding mathematics as one inline
    formula, everything else escaped; the result is ASCII.

    Raises
    ------
    ValueError
        For a character with no LaTeX form (rather than writing one pdflatex
        would reject).
    """
    parts = re.split(r"(\s+)", unicodedata.normalize("NFC", text))
    out = []
    for part in parts:
        if not part or part.isspace():
            out.append(" " if part else "")
            continue
        if any(_is_math(ch) for ch in _decompose(part)):
            lead, core, trail = _split_punctuation(part)
            out.append(_text_word(lead) + f"${_breakable(_math_word(core))}$"
                       + _text_word(trail) if core else _text_word(part))
        else:
            out.append(_text_word(part))
    # adjacent formulas ("$|$" then "$x$") become one: "$$" would open display
    # maths in TeX
    return re.sub(r"(?<!\\)\$\$", "", "".join(out))


def name_latex(name: str) -> str:
    """``delta`` → ``\\delta``, ``beta_star`` → ``\\beta_{star}``; else as text."""
    import sympy as sp

    if name.isidentifier() and name.isascii():
        return sp.latex(sp.Symbol(name))
    return rf"\text{{{latex_text(name)}}}"
