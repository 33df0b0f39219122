"""SymPy → SymPy passes: stable rewrites, joint CSE, shared exponentials."""

from __future__ import annotations

import numpy as np
import sympy as sp
from codegen_cases import INPUTS, lambdified, sample, spec
from sympy.codegen.cfunctions import expm1

from exactflow.codegen import KernelSpec, prepare
from exactflow.codegen.passes import share_exponentials, stable_rewrites
from exactflow.symbolic.spec.functions import intexp, phi1

x, y, t = INPUTS


def _inline(kernel) -> list[sp.Expr]:
    exprs = [e for _, e in kernel.outputs]
    for sym, value in reversed(kernel.temps):
        exprs = [e.xreplace({sym: value}) for e in exprs]
    return exprs


def test_temporaries_are_ordered_used_and_numbered():
    kernel = prepare(spec("mixed"))
    names = [s.name for s, _ in kernel.temps]
    assert names == [f"_t{i}" for i in range(len(names))]
    defined = set(INPUTS)
    for sym, expr in kernel.temps:
        assert expr.free_symbols <= defined, sym
        assert not expr.is_number, sym  # numbers are folded, not named
        defined.add(sym)
    used = set().union(*(e.free_symbols for _, e in kernel.outputs),
                       *(e.free_symbols for _, e in kernel.temps))
    assert {s for s, _ in kernel.temps} <= used


def test_prepared_kernel_has_the_same_values():
    kernel = prepare(spec("mixed"))
    f = sp.lambdify(INPUTS, _inline(kernel), modules="numpy")
    args = sample(200)
    with np.errstate(invalid="ignore", divide="ignore"):
        for got, ref in zip(f(*args), lambdified("mixed")(*args)):
            np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-12)


def test_intexp_becomes_phi1_and_exp_minus_one_becomes_expm1():
    assert stable_rewrites(intexp(x, t)) == t * phi1(x * t)
    kernel = prepare(KernelSpec("k", "toy", INPUTS, (("q", (sp.exp(x * t) - 1) / y),)))
    text = " ".join(str(e) for e in _inline(kernel))
    assert "expm1" in text and "exp(" not in text.replace("expm1(", "")


def test_log1p_is_used():
    kernel = prepare(KernelSpec("k", "toy", INPUTS, (("q", sp.log(1 + x**2) * y),)))
    assert "log1p(x**2)" in str(_inline(kernel)[0])


def test_exponentials_of_multiples_share_one_call():
    defs, (expr,) = share_exponentials([sp.exp(-2 * t) + sp.exp(-t) + sp.exp(-4 * t)])
    assert len(defs) == 1 and defs[0][1] == sp.exp(-t)
    e0 = defs[0][0]
    assert expr == e0**4 + e0**2 + e0
    defs, (expr,) = share_exponentials([expm1(2 * x) + expm1(x)])
    (e0, call), = defs
    assert call == expm1(x)
    assert sp.expand(expr - (e0 * (e0 + 2) + e0)) == 0


def test_unrelated_exponentials_are_left_alone():
    defs, exprs = share_exponentials([sp.exp(x) + sp.exp(y), sp.exp(x * y / 3)])
    assert defs == [] and exprs == [sp.exp(x) + sp.exp(y), sp.exp(x * y / 3)]


def test_c_targets_expand_small_powers():
    kernel = prepare(KernelSpec("k", "toy", INPUTS, (("q", x**3 + y**2 * t),)), "cuda")
    pows = [p for e in _inline(kernel) for p in e.atoms(sp.Pow)
            if p.exp.is_Integer and 1 < p.exp <= 3]
    assert pows == []
