"""The one LaTeX escape table: text mode with the usual Unicode maths.

:func:`latex_text` escapes the specials of LaTeX text mode and turns the
Unicode mathematics of statements and titles (δ, ‖w‖², β̂, ∇…) into math
mode, so that a fragment compiles with plain pdflatex (amsmath, amssymb).

>>> print(latex_text("Raventós: β̂ & 50%"))
Ravent\\'{o}s: $\\hat{\\beta}$ \\& 50\\%
"""

from __future__ import annotations

import unicodedata

__all__ = ["latex_text", "name_latex"]

# text-mode specials
_TEXT = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
    "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}", "<": "$<$", ">": "$>$", "|": "$|$",
}
# Unicode mathematics, each put in math mode
_MATH = {
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
# typographic symbols of text mode
_SYMBOLS = {"—": "---", "–": "--", "…": r"\ldots{}", "§": r"\S{}",
            "’": "'", "‘": "`", "“": "``", "”": "''"}
# combining marks after NFD: accents in maths (β̇, β̂) and in names (Raventós)
_MATH_ACCENTS = {"\u0307": r"\dot", "\u0302": r"\hat", "\u0303": r"\tilde",
                 "\u0304": r"\bar", "\u20d7": r"\vec"}
_TEXT_ACCENTS = {"\u0301": "\\'", "\u0300": "\\`", "\u0308": '\\"', "\u0327": r"\c",
                 "\u030c": r"\v"}
_KNOWN = _TEXT.keys() | _MATH.keys() | _SYMBOLS.keys()


def latex_text(text: str) -> str:
    """``text`` for LaTeX text mode (specials escaped, Unicode maths in ``$…$``)."""
    chars = (c for ch in text
             for c in (ch if ch in _KNOWN else unicodedata.normalize("NFD", ch)))
    out: list[str] = []
    for ch in chars:
        prev = out[-1] if out else ""
        if ch in _MATH_ACCENTS and prev:
            inner = prev[1:-1] if prev.startswith("$") else prev
            out[-1] = f"${_MATH_ACCENTS[ch]}{{{inner}}}$"
        elif ch in _TEXT_ACCENTS and prev.isalpha():
            out[-1] = f"{_TEXT_ACCENTS[ch]}{{{prev}}}"
        elif ch in _TEXT:
            out.append(_TEXT[ch])
        elif ch in _MATH:
            out.append(f"${_MATH[ch]}$")
        elif ch in _SYMBOLS:
            out.append(_SYMBOLS[ch])
        else:
            out.append(ch)
    return "".join(out)


def name_latex(name: str) -> str:
    """``delta`` → ``\\delta``, ``beta_star`` → ``\\beta_{star}``; else as text."""
    import sympy as sp

    if name.isidentifier() and name.isascii():
        return sp.latex(sp.Symbol(name))
    return rf"\text{{{latex_text(name)}}}"
