r"""Width asymptotics with SymPy limits, and the SP / NTK / μP table.

A scaling Θ(·) is decided here by limits, never by comparing strings:
:func:`leading_term` resolves every ``Min``/``Max`` to the argument that is
eventually the smaller/larger one (the limit of their ratio as n → ∞), then finds
the exponent k = lim log e / log n and the constant c = lim e/n^k, and
:func:`same_order` says whether f/g tends to a finite non-zero limit.

>>> import sympy as sp
>>> from exactflow.derivations.spectral_scaling.maths import d_in, n, init_std
>>> leading_term(init_std(n, 10) ** 2)
10/n**2
>>> same_order(init_std(d_in, n) ** 2, 1 / d_in)
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import sympy as sp

from .maths import (
    KINDS,
    OPTIMIZERS,
    d_in,
    d_out,
    n,
    parametrization,
    spectral_target,
)

__all__ = ["LAYERS", "MUP_TABLE", "Table", "first_step_ratios", "leading_term",
           "same_order", "table"]

#: layer type -> (fan_in, fan_out) in the network d_in → n → … → n → d_out;
#: a bias is a layer whose input is the constant 1 (fan-in 1)
LAYERS: dict[str, tuple[sp.Expr, sp.Expr]] = {
    "input": (d_in, n),
    "hidden": (n, n),
    "output": (n, d_out),
    "bias": (sp.Integer(1), n),
    "output_bias": (sp.Integer(1), d_out),
}

#: The μP table as the literature states it (Θ classes as n → ∞, d_in and d_out
#: fixed): initial variance, SGD rate and Adam rate of the input, hidden and output
#: layers.  Data to compare the derivation with, not derived.
MUP_TABLE: dict[str, dict[str, sp.Expr]] = {
    "input": {"init_var": 1 / d_in, "sgd": n, "adam": sp.Integer(1)},
    "hidden": {"init_var": 1 / n, "sgd": sp.Integer(1), "adam": 1 / n},
    "output": {"init_var": 1 / n**2, "sgd": 1 / n, "adam": 1 / n},
}


def _eventual(expr: sp.Expr, var: sp.Symbol, frozen: dict) -> sp.Expr:
    """``expr`` with every Min/Max replaced by its eventual argument as var → ∞;
    one free of ``var`` (a constant) is frozen into a positive placeholder."""
    if isinstance(expr, (sp.Min, sp.Max)):
        if var not in expr.free_symbols:
            if expr.is_positive is not True:
                raise ValueError(f"{expr} must be positive")
            return frozen.setdefault(expr, sp.Dummy(positive=True))
        args = [_eventual(a, var, frozen) for a in expr.args]
        best = args[0]
        for a in args[1:]:
            r = sp.limit(a / best, var, sp.oo)
            if r.is_extended_real is not True or r.is_extended_nonnegative is not True:
                raise ValueError(f"cannot order {a} and {best} as {var} → ∞")
            if (r < 1) if isinstance(expr, sp.Min) else (r > 1):
                best = a
        return best
    if expr.args:
        return expr.func(*[_eventual(a, var, frozen) for a in expr.args])
    return expr


def _thaw(expr: sp.Expr, frozen: dict) -> sp.Expr:
    return expr.xreplace({v: k for k, v in frozen.items()})


def leading_term(expr, var: sp.Symbol = n) -> sp.Expr:
    r"""c·var^k with lim expr/(c var^k) = 1 as ``var`` → ∞ (expr > 0 eventually).

    Raises
    ------
    ValueError
        If ``expr`` is not asymptotically a power of ``var`` times a non-zero
        constant (e.g. a logarithmic factor).
    """
    frozen: dict = {}
    e = _eventual(sp.sympify(expr), var, frozen)
    k = sp.limit(sp.log(e) / sp.log(var), var, sp.oo)
    if not (k.is_real and k.is_finite):
        raise ValueError(f"expr must be a positive constant times a power of {var} "
                         f"as {var} → ∞, got {expr}")
    c = sp.limit(e / var**k, var, sp.oo)
    if not (c.is_finite and c.is_positive):
        raise ValueError(f"expr must be a positive constant times a power of {var} "
                         f"as {var} → ∞ (not Θ({var}^{k}) up to logarithms), "
                         f"got {expr}")
    return _thaw(sp.simplify(c), frozen) * var**k


def same_order(f, g, var: sp.Symbol = n) -> bool:
    """True when f = Θ(g) as ``var`` → ∞: lim f/g is finite and positive."""
    frozen: dict = {}
    r = sp.limit(_eventual(sp.sympify(f), var, frozen)
                 / _eventual(sp.sympify(g), var, frozen), var, sp.oo)
    return bool(r.is_finite and r.is_positive)


@dataclass(frozen=True)
class Table:
    """Θ classes (leading terms as n → ∞) of the initial variance and the rate of
    each layer type, side by side for the parametrisations ``kinds``.

    ``table[kind, layer]`` is ``{"init_var": Expr, "lr": Expr}``.
    """

    optimizer: str
    layers: tuple[str, ...]
    kinds: tuple[str, ...]
    cells: Mapping[tuple[str, str], Mapping[str, sp.Expr]]

    def __getitem__(self, key: tuple[str, str]) -> Mapping[str, sp.Expr]:
        if key not in self.cells:
            raise KeyError(f"no cell {key!r}: kinds {self.kinds}, layers {self.layers}")
        return self.cells[key]

    def exponent(self, kind: str, layer: str, column: str = "lr") -> sp.Expr:
        """k of the cell's leading term c·n^k."""
        return sp.limit(sp.log(self[kind, layer][column]) / sp.log(n), n, sp.oo)

    def _rows(self, fmt, fans) -> list[list[str]]:
        rows = []
        for layer in self.layers:
            cells = [fmt(self[k, layer][c]) for k in self.kinds
                     for c in ("init_var", "lr")]
            rows.append([layer, fans(*LAYERS[layer]), *cells])
        return rows

    def _header(self) -> list[str]:
        names = {"sp": "SP", "ntk": "NTK", "mup": "μP"}
        return ["layer", "fan-in → fan-out"] + [
            f"{names[k]} {c}" for k in self.kinds
            for c in ("init var", f"{self.optimizer} lr")]

    def markdown(self) -> str:
        """A Markdown table of Θ classes."""
        head = self._header()
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(r) + " |"
                  for r in self._rows(_theta_text, _fans_text)]
        return "\n".join(lines) + "\n"

    def latex(self) -> str:
        """A ``tabular`` of Θ classes (``\\Theta`` needs amsmath)."""
        head = [h.replace("μP", r"$\mu$P").replace("→", r"$\to$")
                for h in self._header()]
        body = [r"\begin{tabular}{" + "l" * len(head) + "}",
                " & ".join(head) + r" \\", r"\hline"]
        for r in self._rows(lambda e: rf"$\Theta({sp.latex(e)})$",
                            lambda a, b: rf"${sp.latex(a)} \to {sp.latex(b)}$"):
            body.append(" & ".join([r[0].replace("_", r"\_"), *r[1:]]) + r" \\")
        body.append(r"\end{tabular}")
        return "\n".join(body) + "\n"

    def __str__(self) -> str:
        head = self._header()
        rows = [head] + self._rows(_theta_text, _fans_text)
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()
                 for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _theta_text(e: sp.Expr) -> str:
    return f"Θ({sp.sstr(e)})"


def _fans_text(fan_in: sp.Expr, fan_out: sp.Expr) -> str:
    return f"{sp.sstr(fan_in)} → {sp.sstr(fan_out)}"


def table(layers: Sequence[str] = ("input", "hidden", "output"),
          optimizer: str = "sgd", kinds: Sequence[str] = KINDS) -> Table:
    r"""The SP, NTK and μP scalings of ``layers`` side by side, as n → ∞.

    Parameters
    ----------
    layers : sequence of str
        Layer types, keys of :data:`LAYERS` (``"input"``, ``"hidden"``,
        ``"output"``, ``"bias"``, ``"output_bias"``).
    optimizer : {"sgd", "adam"}
    kinds : sequence of {"sp", "ntk", "mup"}

    Returns
    -------
    Table
        Each cell holds the leading terms (:func:`leading_term`) of the initial
        variance σ² and of the rate from :func:`~.maths.parametrization`.

    Examples
    --------
    >>> t = table(["input", "hidden", "output"], optimizer="adam")
    >>> t["mup", "output"]["init_var"], t["mup", "hidden"]["lr"]
    (d_out/n**2, 1/n)
    """
    if isinstance(layers, str) or not isinstance(layers, Sequence):
        raise TypeError(f"layers must be a sequence of layer names, got {layers!r}")
    bad = [x for x in layers if x not in LAYERS]
    if bad or not layers:
        raise ValueError(f"layers must be names from {sorted(LAYERS)}, got {bad or []}")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    bad = [k for k in kinds if k not in KINDS]
    if bad or not kinds:
        raise ValueError(f"kinds must be from {KINDS}, got {list(kinds)}")
    cells = {}
    for kind in kinds:
        for layer in layers:
            p = parametrization(*LAYERS[layer], optimizer, kind)
            cells[kind, layer] = {"init_var": leading_term(p["init_std"] ** 2),
                                  "lr": leading_term(p["lr"])}
    return Table(optimizer, tuple(layers), tuple(kinds), cells)


def first_step_ratios(kind: str, optimizer: str) -> dict[str, sp.Expr]:
    r"""‖ΔW_l‖_*/√(n_l/n_{l−1}) after one step at base rate 1 (batch size 1), as
    leading terms in n, for the network d_in → n → n → d_out.

    At a typical initialisation a Gaussian layer scales a generic vector by
    σ√fan_out forward and σ√fan_in backward, so ‖h_l‖ = σ_l√n_l‖h_{l−1}‖ with
    ‖x‖ = √d_in, and ‖g_l‖ = σ_{l+1}√n_l‖g_{l+1}‖ with ‖∂ℓ/∂f‖ = 1.  The update is
    η_l‖g_l‖‖h_{l−1}‖ (SGD, rank one) or η_l√(n_l n_{l−1}) (Adam, sign descent).
    Θ(1) in every layer is the spectral condition; a growing ratio blows the layer
    up, a vanishing one freezes it.
    """
    layers = ("input", "hidden", "output")
    ps = [parametrization(*LAYERS[k], optimizer, kind) for k in layers]
    h = [sp.sqrt(d_in)]
    for (fi, fo), p in zip((LAYERS[k] for k in layers), ps):
        h.append(p["init_std"] * sp.sqrt(fo) * h[-1])
    g = [sp.Integer(1)]  # g_L, then backwards
    for (fi, fo), p in zip((LAYERS[k] for k in reversed(layers[1:])), reversed(ps[1:])):
        g.append(p["init_std"] * sp.sqrt(fi) * g[-1])
    g = g[::-1]  # g_1 … g_L
    out = {}
    for i, layer in enumerate(layers):
        fi, fo = LAYERS[layer]
        step = g[i] * h[i] if optimizer == "sgd" else sp.sqrt(fi * fo)
        out[layer] = leading_term(ps[i]["lr"] * step / spectral_target(fi, fo))
    return out
