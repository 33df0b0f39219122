"""SymPy → SymPy passes that prepare a :class:`KernelSpec` for printing.

``stable rewrites (removable singularities) → optims_c99 → [growth scaling, when
the spec names a growth variable] → stable rewrites
(growth) → shared exponentials → one joint CSE → (C targets) pow expansion``
(the rules: :mod:`.rewrites`).  ``optims_c99`` runs on the small expressions of a
first CSE (closed forms are DAGs whose trees may have 10^5 nodes), and
everything is put back together, one distinct node at a time, for the final
CSE.  The result,
a :class:`LoweredKernel`, still holds SymPy objects; printers and templates turn
it into text.
"""

from __future__ import annotations

import cmath
import threading
from collections import OrderedDict
from dataclasses import dataclass

import sympy as sp
from sympy.codegen.cfunctions import expm1
from sympy.codegen.rewriting import (
    create_expand_pow_optimization,
    optimize,
    optims_c99,
)

from ..symbolic.spec.functions import phi1
from .growth import scale_growth
from .rewrites import factor_growth, remove_singularities, stable_rewrites
from .spec import KernelSpec

__all__ = [
    "LoweredKernel", "c99_rewrites", "prepare", "share_exponentials",
    "stable_rewrites", "substitute",
]

#: Heads rebuilt unevaluated after a substitution: Max/Min search their
#: arguments for redundancies (``factor_terms`` on each pair) and Piecewise
#: re-simplifies its conditions, both slow on large closed forms.
_NO_EVAL = (sp.Max, sp.Min, sp.Piecewise)


@dataclass(frozen=True)
class LoweredKernel:
    """A kernel after the passes: temporaries in order, then the outputs.

    Attributes
    ----------
    temps : list of (sympy.Symbol, sympy.Expr)
        ``_t0, _t1, ...`` with their defining expressions; each uses only the
        inputs and earlier temporaries.
    outputs : list of (str, sympy.Expr)
        Named outputs written in the inputs and the temporaries.
    """

    temps: list[tuple[sp.Symbol, sp.Expr]]
    outputs: list[tuple[str, sp.Expr]]


def substitute(expr: sp.Basic, mapping: dict, cache: dict | None = None) -> sp.Basic:
    """``expr.xreplace(mapping)`` that rebuilds each distinct subexpression once.

    Closed forms are DAGs whose trees can be 10^5 nodes; ``xreplace`` rebuilds
    (and re-evaluates) every occurrence, this every distinct node.  ``cache`` may
    be shared between calls with the same (or a growing) ``mapping``.
    """
    cache = {} if cache is None else cache

    def walk(e: sp.Basic) -> sp.Basic:
        if e in mapping:
            return mapping[e]
        if not e.args:
            return e
        if e not in cache:
            args = [walk(a) for a in e.args]
            changed = any(a is not b for a, b in zip(args, e.args))
            if not changed:
                cache[e] = e
            elif isinstance(e, _NO_EVAL):  # their evaluation can take seconds
                cache[e] = e.func(*args, evaluate=False)
            else:
                cache[e] = e.func(*args)
        return cache[e]

    return walk(expr)


def _rewrite(expr: sp.Basic, optim, cache: dict) -> sp.Basic:
    """``optimize(expr, [optim])`` (bottom-up ``replace``), rebuilding Max, Min
    and Piecewise unevaluated: their evaluation asks whether each argument is
    comparable, which SymPy cannot decide for the unevaluated products that
    power expansion creates (``(t*t)*(tau*tau)**(-1)``) and then refuses."""

    def walk(e: sp.Basic) -> sp.Basic:
        if not e.args:
            return optim.value(e) if optim.query(e) else e
        if e not in cache:
            args = [walk(a) for a in e.args]
            new = e
            if any(a is not b for a, b in zip(args, e.args)):
                new = (e.func(*args, evaluate=False) if isinstance(e, _NO_EVAL)
                       else e.func(*args))
            cache[e] = optim.value(new) if optim.query(new) else new
        return cache[e]

    return walk(expr)


def _cse(exprs: list[sp.Expr]) -> tuple[list, list]:
    # no "basic" pre-optimisations: on large closed forms they take minutes
    return sp.cse(exprs, symbols=sp.numbered_symbols("_t", real=True),
                  order="canonical")


def _inline(temps: list, exprs: list[sp.Expr]) -> list[sp.Expr]:
    mapping: dict = {}
    cache: dict = {}
    for sym, value in temps:
        mapping[sym] = substitute(value, mapping, cache)
    return [substitute(e, mapping, cache) for e in exprs]


def c99_rewrites(temps: list, exprs: list[sp.Expr]) -> list[sp.Expr]:
    """``optims_c99`` (``exp(x) - 1 → expm1(x)``, ``log(1 + x) → log1p(x)``, ...).

    Applied to the small expressions of a first CSE rather than to whole trees
    (where its ``factor`` calls take seconds), with the temporaries that hide a
    pattern (``exp``, ``log`` and ``number + ...``) put back for the match and
    returned afterwards; then everything is inlined again for the final CSE.
    """
    hiding = {s: e for s, e in temps
              if isinstance(e, (sp.exp, sp.log)) or (e.is_Add and e.args[0].is_Number)}
    order = {s: i for i, (s, _) in enumerate(temps)}

    def rewrite(e: sp.Expr, before: int) -> sp.Expr:
        # only temporaries defined before this one may come back: stays a DAG
        if not isinstance(e, sp.Expr):  # a condition, e.g. Eq(_t3, 0), stays
            return e
        back = {v: s for s, v in hiding.items() if order[s] < before}
        return optimize(e.xreplace(hiding), optims_c99).xreplace(back)

    new_temps = [(s, rewrite(e, i)) for i, (s, e) in enumerate(temps)]
    return _inline(new_temps, [rewrite(e, len(temps)) for e in exprs])


def _multiple(a: sp.Expr, b: sp.Expr) -> int:
    """``n`` when ``a = n·b`` for an integer n (also when SymPy keeps ``a/b``
    unsimplified, as for ``(x + y)/((x + y)/2)``), else 0."""
    if a.free_symbols != b.free_symbols:  # n·b has the symbols of b
        return 0
    ratio = a / b
    if ratio.is_Integer:
        return int(ratio)
    small = sp.count_ops(a) <= 60 and sp.count_ops(b) <= 60
    for n in (2, 3, 4):
        difference = a - n * b  # n·(x/2 + y/2) is distributed: x + y
        if difference == 0 or (small and sp.expand(difference) == 0):
            return n
    return 0


def _values(exprs: list[sp.Expr]) -> dict:
    """Each expression at one fixed point of its symbols (30 digits, as a complex
    number), or None where it has no finite value there."""
    symbols = sorted(set().union(*(e.free_symbols for e in exprs)),
                     key=sp.default_sort_key)
    point = {s: sp.Rational(-(k + 3) if s.is_negative else k + 3, 7 + 2 * k)
             for k, s in enumerate(symbols)}
    out = {}
    for e in exprs:
        try:
            v = complex(e.xreplace(point).evalf(30))
        except (TypeError, ValueError, ZeroDivisionError):
            v = None
        out[e] = v if v is not None and cmath.isfinite(v) else None
    return out


def share_exponentials(exprs: list[sp.Expr]) -> tuple[list, list[sp.Expr]]:
    """Evaluate ``exp(n*x)`` as a power of ``exp(x)`` when both occur.

    ``exp(2x) = exp(x)**2`` (``n`` up to 4), ``expm1(2x) = m*(m + 2)`` with
    ``m = expm1(x)`` (no cancellation: ``m + 2 > 1``) and, for the φ₁ forms of
    ``∫e^{-Dσ}dσ``, ``φ₁(2x) = φ₁(x)·(x·φ₁(x) + 2)/2`` (the same identity divided
    by 2x; ``x·φ₁(x) + 2 > 1``, and 1 at x = 0) replace a transcendental call by
    a few multiplications, to within a few ulp.  Returns the
    definitions ``[(_e0, exp(x)), ...]`` of the shared calls and the rewritten
    expressions, in which ``_e0, ...`` stand for them.
    """
    calls = sorted(set().union(*(e.atoms(sp.exp, expm1, phi1) for e in exprs)),
                   key=sp.default_sort_key)
    definitions, subs = [], {}
    value = _values([c.args[0] for c in calls])

    def multiple(a, b, top):  # _multiple, after a numerical test that rules out
        va, vb = value[a], value[b]  # most pairs at the cost of one evaluation
        if va is not None and vb is not None and (
                va != 0 if vb == 0 else not any(
                    abs(va - n * vb) <= 1e-12 * abs(va) for n in range(2, top + 1))):
            return 0
        return _multiple(a, b)

    for func, top in ((sp.exp, 4), (expm1, 2), (phi1, 2)):
        args = [c.args[0] for c in calls if isinstance(c, func)]
        bases = [b for b in args
                 if not any(2 <= multiple(b, c, top) <= top for c in args if c != b)]
        for b in bases:
            multiples = [(a, multiple(a, b, top)) for a in args if a != b]
            multiples = [(a, n) for a, n in multiples if 2 <= n <= top]
            if not multiples:
                continue
            sym = sp.Symbol(f"_e{len(definitions)}", real=True)
            definitions.append((sym, func(b)))
            subs[func(b)] = sym
            for a, n in multiples:
                subs[func(a)] = (sym**n if func is sp.exp else sym * (sym + 2)
                                 if func is expm1 else sym * (b * sym + 2) / 2)
    cache: dict = {}
    return definitions, [substitute(e, subs, cache) for e in exprs]


def _toposort(temps: list) -> list:
    """Temporaries ordered so that each follows those it uses (stable)."""
    done: set = set()
    pending, ordered = list(temps), []
    names = {s for s, _ in temps}
    while pending:
        for i, (sym, expr) in enumerate(pending):
            if (expr.free_symbols & names) <= done:
                ordered.append(pending.pop(i))
                done.add(sym)
                break
        else:
            raise ValueError("cyclic temporaries")  # pragma: no cover
    return ordered


def _renumber(temps: list, exprs: list[sp.Expr]) -> tuple[list, list[sp.Expr]]:
    """Name the temporaries ``_t0, _t1, ...`` in their final order.

    A temporary that is a plain number (CSE names ``sqrt(2)`` too) is put back
    into its uses, where the printer folds it into a constant.
    """
    numbers = {}
    for s, e in temps:
        if e.is_number:
            numbers[s] = e.xreplace(numbers)
    temps = [(s, e.xreplace(numbers)) for s, e in temps if s not in numbers]
    exprs = [e.xreplace(numbers) for e in exprs]
    new = {s: sp.Symbol(f"_t{i}", real=True) for i, (s, _) in enumerate(temps)}
    return ([(new[s], e.xreplace(new)) for s, e in temps],
            [e.xreplace(new) for e in exprs])


#: the last few results of :func:`prepare`, by what they depend on: the targets
#: of one kernel (and its two dtypes) share the passes, seconds on a closed form
_PREPARED: OrderedDict[tuple, LoweredKernel] = OrderedDict()
_PREPARED_SIZE = 8
_PREPARED_LOCK = threading.Lock()


def prepare(spec: KernelSpec, expand_pow: bool = False) -> LoweredKernel:
    """Run the passes on every output of ``spec`` with one joint CSE.

    The result depends only on the inputs, the outputs, the growth variable and
    ``expand_pow`` (not on the dtype or the target); the last few are kept, so
    the kernel's other targets and dtypes reuse them.  Each call returns new
    lists.

    Parameters
    ----------
    spec : KernelSpec
        The kernel to prepare.
    expand_pow : bool
        Spell out small integer powers as products (``x*x*x``), for C-like
        printers (each target says whether it wants this: ``Target.expand_pow``;
        the NumPy target expands powers itself, by repeated squaring).

    Returns
    -------
    LoweredKernel
        Temporaries ``_t0, _t1, ...`` (each used) and the outputs.
    """
    key = (spec.inputs, spec.outputs, spec.growth_variable, expand_pow)
    with _PREPARED_LOCK:  # threads may generate kernels side by side
        kernel = _PREPARED.get(key)
        if kernel is not None:
            _PREPARED.move_to_end(key)
    if kernel is None:
        kernel = _expand_pow(prepare(spec)) if expand_pow else _prepare(spec)
        with _PREPARED_LOCK:
            _PREPARED[key] = kernel
            while len(_PREPARED) > _PREPARED_SIZE:
                _PREPARED.popitem(last=False)
    return LoweredKernel(list(kernel.temps), list(kernel.outputs))


def _expand_pow(kernel: LoweredKernel) -> LoweredKernel:
    expand = create_expand_pow_optimization(3, base_req=lambda b: True)
    cache: dict = {}
    return LoweredKernel([(s, _rewrite(e, expand, cache)) for s, e in kernel.temps],
                         [(n, _rewrite(e, expand, cache)) for n, e in kernel.outputs])


def _prepare(spec: KernelSpec) -> LoweredKernel:
    names = [name for name, _ in spec.outputs]
    cache: dict = {}
    temps, reduced = _cse([remove_singularities(e, cache) for _, e in spec.outputs])
    cache = {}
    exprs = c99_rewrites(temps, reduced)
    if spec.growth_variable is not None:  # after optims_c99, which would undo it
        exprs = scale_growth(exprs, spec.growth_variable)
    exprs = [factor_growth(e, cache) for e in exprs]
    shared, exprs = share_exponentials(exprs)
    temps, reduced = _cse(exprs + [call for _, call in shared])
    shared = [(sym, call) for (sym, _), call in zip(shared, reduced[len(exprs):])]
    temps, reduced = _renumber(_toposort(temps + shared), reduced[: len(exprs)])
    return LoweredKernel(list(temps), list(zip(names, reduced)))
