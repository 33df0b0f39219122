"""numexpr as a contender: the same lowered kernel, evaluated by numexpr's VM.

numexpr evaluates one expression at a time, so the kernel after exactflow's
passes (the same temporaries the generated code uses) is split into
expressions: a temporary used more than once is materialised as an array, one
used once is inlined into its user.  This is the fairest numexpr version of the
kernel (it gets exactflow's CSE and stable rewrites for free); numexpr then
blocks, vectorises and multithreads each expression itself.
"""

from __future__ import annotations

from collections import Counter

import sympy as sp
from sympy.codegen.cfunctions import expm1, log1p
from sympy.printing.lambdarepr import NumExprPrinter

from exactflow.codegen.passes import LoweredKernel
from exactflow.symbolic.spec.functions import logz, phi1


class _Printer(NumExprPrinter):
    """numexpr strings, with the functions numexpr has and sympy's printer lacks."""

    def _call(self, name: str, *args) -> str:
        return f"{name}({', '.join(self._print(a) for a in args)})"

    def _print_expm1(self, e):
        return self._call("expm1", *e.args)

    def _print_log1p(self, e):
        return self._call("log1p", *e.args)

    def _print_phi1(self, e):
        x = self._print(e.args[0])
        return f"where({x} == 0, 1.0, expm1({x}) / where({x} == 0, 1.0, {x}))"

    def _print_logz(self, e):
        return f"log({self._print(e.args[0])})"  # log(0) = -inf, no warning here

    def _print_sign(self, e):
        x = self._print(e.args[0])
        return f"where({x} > 0, 1.0, where({x} < 0, -1.0, 0.0))"

    def _fold(self, e, op: str) -> str:
        *rest, last = e.args
        out = self._print(last)
        for a in rest:
            a = self._print(a)
            out = f"where({a} {op} {out}, {a}, {out})"
        return out

    def _print_Max(self, e):
        return self._fold(e, ">")

    def _print_Min(self, e):
        return self._fold(e, "<")

    def _print_Piecewise(self, e):
        out = self._print(e.args[-1].expr)
        for expr, cond in reversed(e.args[:-1]):
            out = f"where({self._print(cond)}, {self._print(expr)}, {out})"
        return out

    def _print_Equality(self, e):
        return f"({self._print(e.lhs)} == {self._print(e.rhs)})"

    def _print_Pow(self, e, rational=False):
        if e.exp == sp.S.Half:
            return f"sqrt({self._print(e.base)})"
        if e.exp == -sp.S.Half:
            return f"(1.0/sqrt({self._print(e.base)}))"
        return f"({self._print(e.base)})**({self._print(sp.Float(e.exp))})"

    def _print_Symbol(self, e):
        return e.name


def numexpr_kernel(lowered: LoweredKernel, inputs: tuple[sp.Symbol, ...]):
    """``f(*inputs) -> tuple of arrays`` evaluating ``lowered`` with numexpr."""
    import numexpr

    uses: Counter = Counter()
    for _, e in lowered.temps + [(None, e) for _, e in lowered.outputs]:
        uses.update(s for s in e.free_symbols if s.name.startswith("_t"))
    inline: dict = {}
    steps: list[tuple[str, str]] = []
    printer = _Printer({"fully_qualified_modules": False})
    for sym, e in lowered.temps:
        e = e.xreplace(inline)
        if uses[sym] <= 1:
            inline[sym] = e
        else:
            steps.append((sym.name, printer._print(e)))
    outs = [printer._print(e.xreplace(inline)) for _, e in lowered.outputs]
    names = [s.name for s in inputs]
    for text in [t for _, t in steps] + outs:  # fail early, not while timing
        if "phi1" in text or "logz" in text:
            raise ValueError(f"no numexpr form for {text!r}")

    def evaluate(*args):
        local = dict(zip(names, args))
        for name, text in steps:
            local[name] = numexpr.evaluate(text, local_dict=local)
        return tuple(numexpr.evaluate(text, local_dict=local) for text in outs)

    return evaluate


__all__ = ["numexpr_kernel", "expm1", "log1p", "logz", "phi1"]
