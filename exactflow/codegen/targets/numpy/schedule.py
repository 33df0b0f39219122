"""Three-address form of a :class:`LoweredKernel` for array targets.

Every SymPy node becomes one elementwise operation (a NumPy ufunc name, or
``select`` for a Piecewise, ``copy``, or ``call`` for a function that has only a
printer), writing into a *virtual register* of a :class:`~.program.Program`;
:func:`~.program.allocate` then maps registers onto scratch buffers.  Equal
operations are computed once (local value numbering), integer and quarter
powers become multiplications and square roots, and a Piecewise whose branches
apply the same function selects the arguments instead of the results.

Operands are tuples: ``("in", name)`` an input, ``("c", value)`` a constant and
``("r", index)`` a register.
"""

from __future__ import annotations

import sympy as sp

from ....symbolic.spec.functions import logz, phi1
from ...passes import LoweredKernel
from ._trees import _outside_branches, _pair_up
from .program import Instr, Program

__all__ = ["schedule"]

_FUNCS = {
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p",
    "exp2": "exp2", "log2": "log2", "log10": "log10", "Sqrt": "sqrt",
    "Cbrt": "cbrt", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin",
    "acos": "arccos", "atan": "arctan", "sinh": "sinh", "cosh": "cosh",
    "tanh": "tanh", "asinh": "arcsinh", "acosh": "arccosh", "atanh": "arctanh",
    "Abs": "absolute", "sign": "sign", "floor": "floor", "ceiling": "ceil",
    "atan2": "arctan2", "hypot": "hypot", "Max": "maximum", "Min": "minimum",
}
_RELATIONS = {"<": "less", "<=": "less_equal", ">": "greater",
              ">=": "greater_equal", "==": "equal", "!=": "not_equal"}
_LOGIC = {"And": "logical_and", "Or": "logical_or", "Xor": "logical_xor"}


def _is_call(e: sp.Basic) -> bool:
    """A call worth evaluating once: a function, or a non-integer power."""
    return isinstance(e, sp.Function) or (e.is_Pow and not e.exp.is_Integer)


def _low(mask: int) -> int:
    """Index of the first input in ``mask`` (a large number for none)."""
    return (mask & -mask).bit_length() - 1 if mask else 1 << 30


class _Builder:
    def __init__(self, inputs: tuple[str, ...], call_printer) -> None:
        self.prog = Program()
        self.inputs = set(inputs)
        self.bits = {name: 1 << i for i, name in enumerate(inputs)}
        self.masks: list[int] = []  # per register: the inputs it depends on
        self.call_printer = call_printer
        self.memo: dict[sp.Basic, tuple] = {}
        self.numbered: dict[tuple, tuple] = {}
        #: lowers a temporary met for the first time (inside a branch)
        self.lazy = None

    def mask(self, operand: tuple) -> int:
        kind, value = operand
        return (self.bits[value] if kind == "in" else self.masks[value]
                if kind == "r" else 0)

    def order(self, operands: list) -> list:
        """``operands`` (or ``(operand, ...)`` tuples) in the order to combine
        them: those that depend on no input or only on inputs late in the
        signature first (parameters), those on the first inputs (``t``, the
        initial values: what usually varies along an array) last, so that the
        partial results depend on as few of the varying inputs as possible and
        are computed once (see ``lower``) rather than at every point."""
        def operand(item):
            return item[0] if isinstance(item[0], tuple) else item

        # a literal goes with the first operand (2·x·t: (2·x)·t, x − 1 stays so)
        literal = [o for o in operands if operand(o)[0] == "c"]
        rest = sorted((o for o in operands if operand(o)[0] != "c"),
                      key=lambda o: -_low(self.mask(operand(o))))
        return rest[:1] + literal + rest[1:]

    def op(self, name: str, *args, kind: str = "f", code: str = "") -> tuple:
        key = (name, args, code)
        if key not in self.numbered:  # local value numbering
            self.prog.kinds.append(kind)
            reg = len(self.prog.kinds) - 1
            self.prog.instrs.append(Instr(name, args, reg, code))
            m = 0
            for a in args:
                m |= self.mask(a)
            self.masks.append(m)
            self.numbered[key] = ("r", reg)
        return self.numbered[key]

    def chain(self, name: str, operands: list[tuple]) -> tuple:
        operands = self.order(operands)
        acc = operands[0]
        for o in operands[1:]:
            acc = self.op(name, acc, o)
        return acc

    def ipow(self, base: tuple, n: int) -> tuple:
        """``base**n`` for ``n >= 1`` by repeated squaring (``x*x``, never ``**``)."""
        result, square = None, base
        while True:
            if n & 1:
                result = square if result is None else self.op("multiply", result,
                                                               square)
            n >>= 1
            if not n:
                return result
            square = self.op("multiply", square, square)

    def value(self, e: sp.Basic) -> tuple:
        if e not in self.memo:
            self.memo[e] = self._value(e)
        return self.memo[e]

    def _value(self, e: sp.Basic) -> tuple:
        if e.is_Symbol:
            if e.name not in self.inputs:
                if self.lazy is not None and self.lazy(e):
                    return self.memo[e]
                raise ValueError(f"symbol {e} is neither an input nor a temporary")
            return ("in", e.name)
        if e.is_number:  # 3, pi, sqrt(2)/2: folded here, at full precision
            value = e.evalf(30)
            if not value.is_extended_real:  # oo prints as numpy.inf
                raise ValueError(f"a kernel computes real numbers, got {e}")
            return ("c", float(value))
        if e.is_Add:
            return self._add(e)
        if e.is_Mul:
            return self._mul(e)
        if e.is_Pow:
            return self._pow(e.base, e.exp)
        if isinstance(e, sp.Piecewise):
            values = [v for v, _ in e.args]
            conds = [self.cond(c) for _, c in e.args]
            if conds[-1] != ("c", True):  # outside every condition: undefined
                values.append(sp.nan)
                conds.append(("c", True))
            return self.select(values, conds)
        if isinstance(e, phi1):  # (e^x - 1)/x, continued by 1 at x = 0
            x = self.value(e.args[0])
            ratio = self.op("divide", self.op("expm1", x), x)
            return self.op("select", ratio, ("c", 1.0),
                           self.op("equal", x, ("c", 0.0), kind="b"))
        if isinstance(e, logz):  # log x for x > 0, continued by -oo at x = 0
            x = self.value(e.args[0])
            return self.op("select", self.op("log", x), ("c", -float("inf")),
                           self.op("less_equal", x, ("c", 0.0), kind="b"))
        name = type(e).__name__
        if name in _FUNCS and e.args:
            args = [self.value(a) for a in e.args]
            if name in ("Max", "Min"):
                return self.chain(_FUNCS[name], args)
            return self.op(_FUNCS[name], *args)
        if isinstance(e, sp.Function):
            args = tuple(self.value(a) for a in e.args)
            return self.op("call", *args, code=self.call_printer(e))
        raise ValueError(f"cannot generate array code for {type(e).__name__}: {e}")

    def select(self, values: list[sp.Expr], conds: list[tuple]) -> tuple:
        """``values[i]`` where ``conds[i]`` first holds (the last is always true).

        Where every branch applies the same function, the *arguments* are
        selected and the function evaluated once (``Piecewise((f(a), c),
        (f(b), True))`` is ``f(Piecewise((a, c), (b, True)))``): an array kernel
        evaluates every branch at every point, so this saves the work of the
        branches not taken and keeps their arguments out of ``f``'s way.
        """
        head = values[0]
        if all(v == head for v in values):
            return self.value(head)
        same = not head.is_Atom and all(
            v.func == head.func and len(v.args) == len(head.args) for v in values)
        if same and head.is_Pow:
            same = all(v.exp == head.exp for v in values) and _is_call(head)
        if same and (head.is_Add or head.is_Mul):
            common, columns = _pair_up([list(v.args) for v in values])
            same = bool(columns) and any(
                _is_call(x) and all(c[i].func == x.func for c in columns)
                for i, x in enumerate(columns[0]))
            rows = list(zip(*columns)) if same else []
        elif same and (head.is_Pow or isinstance(head, sp.Function)) and not (
                isinstance(head, sp.Piecewise)):
            common, rows = [], list(zip(*(v.args for v in values)))
        else:
            same = False
        if not same:
            ops, ranges = [], {}
            for i, v in enumerate(values):
                start = len(self.prog.instrs)
                ops.append(self.value(v))
                if i < len(values) - 1:
                    ranges[i] = (start, len(self.prog.instrs))
            args = (ops[-1],) + tuple(x for pair in zip(ops[:-1], conds[:-1])
                                      for x in pair)
            before = len(self.prog.instrs)
            result = self.op("select", *args)
            if len(self.prog.instrs) > before:  # (not numbered away)
                self.prog.instrs[-1].ranges = ranges
            return result
        picked = []
        for row in rows:
            if all(x == row[0] for x in row):
                picked.append(row[0])
                continue
            d = sp.Dummy(f"_s{len(self.memo)}")
            self.memo[d] = self.select(list(row), conds)
            picked.append(d)
        return self.value(head.func(*common, *picked))

    def _add(self, e: sp.Add) -> tuple:
        terms = []
        for term in e.args:
            negative = term.as_coeff_Mul()[0].is_negative
            terms.append((self.value(-term if negative else term), negative))
        acc = None
        for operand, negative in self.order(terms):
            if acc is None:
                acc = self.op("negative", operand) if negative else operand
            else:
                acc = self.op("subtract" if negative else "add", acc, operand)
        return acc

    def _mul(self, e: sp.Mul) -> tuple:
        coeff, factors = e.as_coeff_mul()
        items = []
        for f in factors:
            if f.is_Pow and f.exp.is_Number and f.exp.is_negative:
                items.append((self._pow(f.base, -f.exp), True))
            else:
                items.append((self.value(f), False))
        if coeff != 1 and coeff != -1:
            items.append((("c", float(coeff)), False))
        items = self.order(items)
        acc, pending = None, []
        for operand, den in items:
            if acc is None and den:  # no bare reciprocal: 1/x may overflow
                pending.append(operand)  # where x/y would not
                continue
            if acc is None:
                acc = operand
                if coeff == -1:  # the sign goes with the first (least varying) factor
                    acc = self.op("negative", acc)
            else:
                acc = self.op("divide" if den else "multiply", acc, operand)
            for d in pending:
                acc = self.op("divide", acc, d)
            pending = []
        if acc is None:  # only a denominator
            acc = self.op("divide", ("c", -1.0 if coeff == -1 else 1.0),
                          self.chain("multiply", pending))
        return acc

    def _pow(self, base: sp.Expr, exp: sp.Expr) -> tuple:
        b = self.value(base)
        if exp.is_Integer and abs(int(exp)) <= 64:
            n = int(exp)
            if n == 0:
                return ("c", 1.0)
            return self.ipow(b, n) if n > 0 else self.op("divide", ("c", 1.0),
                                                          self.ipow(b, -n))
        if exp.is_Rational and exp.q in (2, 4, 8) and abs(exp.p) <= 64:
            root = b  # x**(1/4) is sqrt(sqrt(x)): ~5x faster than pow, as accurate
            for _ in range(int(exp.q).bit_length() - 1):
                root = self.op("sqrt", root)
            k, r = divmod(abs(int(exp.p)), int(exp.q))
            mag = self.chain("multiply", ([self.ipow(b, k)] if k else [])
                             + [self.ipow(root, r)])
            return mag if exp > 0 else self.op("divide", ("c", 1.0), mag)
        return self.op("power", b, self.value(exp))

    def cond(self, c: sp.Basic) -> tuple:
        if c in self.memo:  # a condition CSE made a temporary
            return self.memo[c]
        if isinstance(c, sp.Symbol) and self.lazy is not None and self.lazy(c):
            return self.memo[c]
        if c is sp.true or c is sp.false:
            return ("c", bool(c))
        if isinstance(c, sp.core.relational.Relational) and c.rel_op in _RELATIONS:
            return self.op(_RELATIONS[c.rel_op], self.value(c.lhs),
                           self.value(c.rhs), kind="b")
        if type(c).__name__ in _LOGIC:
            ops = [self.cond(a) for a in c.args]
            acc = ops[0]
            for o in ops[1:]:
                acc = self.op(_LOGIC[type(c).__name__], acc, o, kind="b")
            return acc
        if isinstance(c, sp.Not):
            return self.op("logical_not", self.cond(c.args[0]), kind="b")
        if isinstance(c, sp.ITE):  # (c & a) | (~c & b)
            test, yes, no = (self.cond(a) for a in c.args)
            return self.op("logical_or", self.op("logical_and", test, yes, kind="b"),
                           self.op("logical_and", self.op("logical_not", test,
                                                          kind="b"), no, kind="b"),
                           kind="b")
        raise ValueError(f"cannot generate array code for the condition {c}")


def schedule(kernel: LoweredKernel, inputs: tuple[str, ...], call_printer) -> Program:
    """Three-address code for ``kernel``, each output after the temporaries it uses.

    Temporaries are lowered on demand, dependencies first, just before the first
    output that needs them: values start living as late as possible, so fewer
    scratch buffers are live at once (they stay in cache).  A temporary used
    only in the value of a Piecewise branch is lowered where that branch is, so
    that its instructions belong to the branch (and can be skipped where the
    branch is not taken, see :func:`.program.skippable`).  ``call_printer(expr)
    -> str`` prints a function without a ufunc, its arguments as ``{0}``, ...
    """
    b = _Builder(tuple(inputs), call_printer)
    temps = dict(kernel.temps)
    rank = {sym: i for i, (sym, _) in enumerate(kernel.temps)}

    def need(expr: sp.Basic) -> None:
        for sym in sorted(_outside_branches(expr, temps) - b.memo.keys(),
                          key=rank.__getitem__):
            if sym not in b.memo:  # (lowering an earlier one may have done it)
                lower_temp(sym)

    def lower_temp(sym: sp.Symbol) -> bool:
        if sym not in temps:
            return False
        expr = temps[sym]
        need(expr)
        start = len(b.prog.instrs)
        # CSE may name a shared condition too: _t5 = Eq(_t4, 0)
        operand = b.value(expr) if isinstance(expr, sp.Expr) else b.cond(expr)
        if operand[0] == "r":  # (value numbering may have computed it already)
            b.prog.labels.setdefault(operand[1], sym.name)
        if len(b.prog.instrs) > start:
            b.prog.instrs[start].comment = f"{sym.name} = {expr}"
        b.memo[sym] = operand
        return True

    b.lazy = lower_temp

    pinned: set[int] = set()
    for name, expr in kernel.outputs:
        need(expr)
        start = len(b.prog.instrs)
        operand = b.value(expr)
        if operand[0] != "r" or operand[1] in pinned:
            b.prog.kinds.append("f")
            b.prog.instrs.append(Instr("copy", (operand,), len(b.prog.kinds) - 1))
            operand = ("r", len(b.prog.kinds) - 1)
        pinned.add(operand[1])
        b.prog.storage[operand[1]] = f"_out_{name}"
        if len(b.prog.instrs) > start:
            b.prog.instrs[start].comment = f"{name} = {expr}"
        b.prog.outputs.append((name, operand))
    return b.prog
