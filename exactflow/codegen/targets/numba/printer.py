"""The Numba printer: scalar Python for ``numba.njit``, numbers in the dtype.

:class:`NumbaPrinter` is SymPy's ``PythonCodePrinter`` (``math.*`` calls)
with a ``dtype`` setting; :func:`statements` turns one assignment into lines,
each ``Piecewise`` an ``if``/``elif``/``else`` block, so that a branch is only
evaluated where it is taken (no speculative ``sqrt`` of a negative number, no
masks).  ``phi1`` and ``logz`` print as calls of small helpers that the
templates define (:func:`helper_lines`).
"""

from __future__ import annotations

import math

import numpy
import sympy as sp
from sympy.logic.boolalg import Boolean
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.pycode import PythonCodePrinter

from ....symbolic.spec.functions import phi1
from ...branches import label
from ...passes import substitute

__all__ = ["NumbaPrinter", "helper_lines", "is_boolean", "printer", "statements"]


class NumbaPrinter(PythonCodePrinter):
    """``PythonCodePrinter`` (``math.*`` calls) printing numbers in the dtype.

    Every number (``2``, ``1/2``, ``sqrt(2)/2``, ``pi``) is folded to one
    literal of the kernel's dtype, ``numpy.float32(0.5)`` in float32, so that
    Numba never promotes a float32 operation to float64; integer and quarter
    powers become products and square roots; ``expm1``, ``phi1`` and ``logz``
    call the module's ``_expm1``/``_phi1``/``_logz`` helpers (recorded in
    :attr:`helpers`; ``_expm1`` is exp(x) − 1 where |x| > ln 2, half the cost
    of libm's expm1 there).

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> NumbaPrinter({"dtype": "float32"}).doprint(x**3 / 2 + sp.sqrt(x))
    'math.sqrt(x) + numpy.float32(0.5)*(x*x*x)'
    """

    _default_settings = dict(PythonCodePrinter._default_settings, dtype="float64",
                             fully_qualified_modules=True, strict=True)

    def __init__(self, settings=None) -> None:
        super().__init__(settings)
        if self._settings["dtype"] not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', "
                             f"got {self._settings['dtype']!r}")
        self.helpers: set[str] = set()

    def constant(self, value: float) -> str:
        """A literal of the kernel's dtype."""
        value = float(value)
        if math.isnan(value):  # module constants of the dtype
            return "_NAN"
        if math.isinf(value):
            return "_INF" if value > 0 else "-_INF"
        if self._settings["dtype"] == "float64":
            return repr(value)
        sign = "-" if math.copysign(1.0, value) < 0 else ""  # "x - c", as in float64
        return f"{sign}numpy.float32({str(numpy.float32(abs(value)))})"

    def _print(self, expr, **kwargs) -> str:
        if isinstance(expr, sp.Expr) and expr.is_number:
            value = expr.evalf(30)
            if not (value.is_extended_real or value is sp.nan):
                raise ValueError(f"a kernel computes real numbers, got {expr}")
            return self.constant(float(value))
        return super()._print(expr, **kwargs)

    def parenthesize(self, item, level, strict=False) -> str:
        if isinstance(item, sp.Expr) and item.is_number:  # a literal or a call
            text = self._print(item)
            return f"({text})" if text.startswith("-") else text
        return super().parenthesize(item, level, strict)

    def _print_Pow(self, expr, rational=False) -> str:
        base, exp = expr.base, expr.exp
        one = self.constant(1.0)
        b = self.parenthesize(base, PRECEDENCE["Mul"])
        factors = None
        if exp.is_Integer and 1 < abs(int(exp)) <= 64:
            factors = [b] * abs(int(exp))
        elif exp == -1:  # 1/x, x*y -> 1/(x*y)
            return f"({one}/{self.parenthesize(base, PRECEDENCE['Mul'], strict=True)})"
        elif exp.is_Rational and exp.q in (2, 4) and abs(exp.p) <= 64:
            root = f"math.sqrt({self._print(base)})"
            if exp.q == 4:  # x**(1/4) as sqrt(sqrt(x)): faster than pow, as accurate
                root = f"math.sqrt({root})"
            k, r = divmod(abs(int(exp.p)), int(exp.q))
            factors = [b] * k + [root] * r
        if factors is not None:  # a single factor here is a call: no parentheses
            product = factors[0] if len(factors) == 1 else f"({'*'.join(factors)})"
            return product if exp > 0 else f"({one}/{product})"
        return (f"{self.parenthesize(base, PRECEDENCE['Pow'], strict=True)}"
                f"**{self.parenthesize(exp, PRECEDENCE['Pow'], strict=True)}")

    def _print_sign(self, expr) -> str:  # NaN stays NaN, the dtype is kept
        return f"numpy.sign({self._print(expr.args[0])})"

    def _print_expm1(self, expr) -> str:
        self.helpers.add("expm1")
        return f"_expm1({self._print(expr.args[0])})"

    def _print_phi1(self, expr) -> str:
        self.helpers.add("phi1")
        return f"_phi1({self._print(expr.args[0])})"

    def _print_logz(self, expr) -> str:
        self.helpers.add("logz")
        return f"_logz({self._print(expr.args[0])})"

    def _print_intexp(self, expr) -> str:
        k, t = expr.args
        return self._print(t * phi1(k * t))


def printer(dtype: str) -> NumbaPrinter:
    """The printer for ``dtype``."""
    return NumbaPrinter({"dtype": dtype})


def is_boolean(expr: sp.Basic) -> bool:
    """Whether ``expr`` is a condition (``x > 0``, ``Eq(x, 0)``), not a number."""
    return isinstance(expr, Boolean) and not isinstance(expr, sp.Expr)


def _outermost_piecewise(expr: sp.Basic) -> list[sp.Piecewise]:
    found: list = []

    def walk(e):
        if isinstance(e, sp.Piecewise):
            if e not in found:
                found.append(e)
            return
        for a in e.args:
            walk(a)

    walk(expr)
    return found


def statements(name: str, expr: sp.Basic, p: NumbaPrinter,
               fresh: list[int], moved: dict | None = None,
               chain: tuple = (), head=None) -> list[str]:
    """Lines that assign ``expr`` to ``name``, each ``Piecewise`` as an if-block.

    A ``Piecewise`` inside ``expr`` first gets its own variable ``_p0, _p1,
    ...`` (``fresh`` holds the next number), assigned in its branches; branch
    values are lowered recursively.  Without a final ``True`` branch the value
    outside every condition is NaN.  ``moved`` (from
    :func:`exactflow.codegen.branches.sink`) holds the temporaries to evaluate
    first in a branch of a whole-value ``Piecewise`` (``chain``: the branch
    indices of the blocks this one is nested in); each list is taken by the
    first block that has its place, and removed from ``moved``.
    """
    if isinstance(expr, sp.Piecewise):
        return _if_block(name, expr, p, fresh, moved, chain, head)
    lines: list[str] = []
    mapping = {}
    for pw in _outermost_piecewise(expr):
        sym = sp.Symbol(f"_p{fresh[0]}", real=True)
        fresh[0] += 1
        lines += _if_block(sym.name, pw, p, fresh)
        mapping[pw] = sym
    if mapping:
        expr = substitute(expr, mapping)
    try:
        code = p.doprint(expr)
    except Exception as exc:  # PrintMethodNotImplementedError and friends
        raise ValueError(f"no Numba code for {expr}: {exc}") from None
    return lines + [f"{name} = {code}"]


def _if_block(name: str, pw: sp.Piecewise, p: NumbaPrinter, fresh: list[int],
              moved: dict | None = None, chain: tuple = (), head=None) -> list[str]:
    lines: list[str] = []
    moved = {} if moved is None else moved
    if head is None:
        # the outermost block: the temporaries moved into its branches are first
        # defined on every path (a later block with the same conditions reads
        # them, and Numba's prange loops miscompile a variable left undefined on
        # some path: seen as -inf results)
        head = label(pw)
        for key in sorted((k for k in moved if k[0] == head), key=str):
            for sym, e in moved[key]:
                value = "False" if is_boolean(e) else p.constant(math.nan)
                lines.append(f"{sym.name} = {value}")
    for i, (value, cond) in enumerate(pw.args):
        body = []
        for sym, e in moved.pop((head, chain + (i,)), ()):  # in the first block
            body += statements(sym.name, e, p, fresh, moved)
        body += statements(name, value, p, fresh, moved, chain + (i,), head)
        if cond == sp.true and i == 0:
            return body
        body = [f"    {line}" for line in body]
        if cond == sp.true:
            return lines + ["else:"] + body
        lines += [f"{'if' if i == 0 else 'elif'} {p.doprint(cond)}:"] + body
    return lines + ["else:", f"    {name} = {p.constant(math.nan)}"]


_HELPERS = {
    # libm's expm1 costs twice its exp (4.9 against 2.4 ns in a parallel loop
    # here); where |x| > ln 2 the subtraction cancels nothing (|e^x - 1| is at
    # least half of max(e^x, 1)): within 2 ulp
    "expm1": ("_expm1(x)", "e^x - 1: exp(x) - 1 where |x| > ln 2, expm1 elsewhere",
              ["if x < -{ln2} or x > {ln2}:", "    return math.exp(x) - {one}",
               "return math.expm1(x)"]),
    "phi1": ("_phi1(x)", "(e^x - 1)/x, continued by 1 at x = 0",
             ["if x == {zero}:", "    return {one}", "return _expm1(x) / x"]),
    "logz": ("_logz(x)", "log x for x > 0, continued by -inf at x = 0",
             ["if x > {zero}:", "    return math.log(x)", "return {minf}"]),
}


def helper_lines(p: NumbaPrinter) -> list[str]:
    """Source lines of the ``@numba.njit`` helpers ``p`` has printed calls of."""
    zero, one, minf = p.constant(0.0), p.constant(1.0), p.constant(-math.inf)
    ln2 = p.constant(math.log(2.0))
    lines: list[str] = []
    for key in sorted(p.helpers | ({"expm1"} if "phi1" in p.helpers else set())):
        signature, doc, body = _HELPERS[key]
        lines += ["", "", '@numba.njit(_F(_F), cache=True, fastmath=False, '
                  'error_model="numpy")', f"def {signature}:", f'    """{doc}."""']
        lines += ["    " + ln.format(zero=zero, one=one, minf=minf, ln2=ln2)
                  for ln in body]
    return lines
