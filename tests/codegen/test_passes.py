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


def test_phi1_of_a_doubled_argument_shares_the_expm1():
    """φ₁(2x) = φ₁(x)(x·φ₁(x) + 2)/2: one expm1 for both, to a few ulp of a
    50-digit (e^{2x} − 1)/(2x), also at x = 0 and for large |x|."""
    import mpmath

    defs, (expr,) = share_exponentials([phi1(-2 * t) + phi1(-t)])
    (e0, call), = defs
    assert call == phi1(-t) and not expr.has(phi1(-2 * t))
    f = sp.lambdify((t, e0), expr - e0, modules="mpmath")
    for v in (0.0, 1e-300, 1e-9, 0.3, 1.0, 7.0, 300.0, 2e5, -0.4, -50.0):
        with mpmath.workdps(50):
            got = f(mpmath.mpf(v), mpmath.expm1(-v) / -v if v else mpmath.mpf(1))
            ref = mpmath.expm1(-2 * v) / (-2 * v) if v else mpmath.mpf(1)
            assert abs(got - ref) <= 1e-45 * abs(ref), v
    # in floating point, through the generated NumPy kernel
    q = KernelSpec("phi2", "toy", (t,), (("q", intexp(-2, t) + intexp(-1, t)),))
    from exactflow.codegen import load

    ts = np.array([0.0, 1e-12, 1e-3, 0.5, 3.0, 40.0, 1e4])
    got = load(q, "numpy")(ts)[0]
    ref = [float((-mpmath.expm1(-2 * mpmath.mpf(v)) / 2 - mpmath.expm1(-mpmath.mpf(v)))
                 if v else 0) for v in ts]
    np.testing.assert_allclose(got, ref, rtol=4e-16, atol=0)


def test_unrelated_exponentials_are_left_alone():
    defs, exprs = share_exponentials([sp.exp(x) + sp.exp(y), sp.exp(x * y / 3)])
    assert defs == [] and exprs == [sp.exp(x) + sp.exp(y), sp.exp(x * y / 3)]


def test_c_targets_expand_small_powers():
    kernel = prepare(KernelSpec("k", "toy", INPUTS, (("q", x**3 + y**2 * t),)), "cuda")
    pows = [p for e in _inline(kernel) for p in e.atoms(sp.Pow)
            if p.exp.is_Integer and 1 < p.exp <= 3]
    assert pows == []


def test_multiples_are_found_where_the_numerical_test_cannot_decide():
    """The numerical test of ``share_exponentials`` only rules pairs out: a
    multiple is found when an argument has no finite value at the test's point
    (a pole there), when it is complex there (log of a negative number), and an
    unsimplified n·b (here (x + y)/((x + y)/2)) still counts."""
    from exactflow.codegen.passes import _values

    pole = t / (x - sp.Rational(4, 9))  # the point is t = 3/7, x = 4/9
    assert _values([pole, 3 * pole]) == {pole: None, 3 * pole: None}
    defs, (expr,) = share_exponentials([sp.exp(-pole) + sp.exp(-3 * pole)])
    assert [c for _, c in defs] == [sp.exp(-pole)]
    assert expr == defs[0][0]**3 + defs[0][0]
    a = sp.log(-x**2 - 1) * t
    assert _values([a])[a].imag != 0
    defs, (expr,) = share_exponentials([sp.exp(2 * a) + sp.exp(a) + sp.exp(a / 3)])
    assert [c for _, c in defs] == [sp.exp(a / 3)]
    half = sp.Mul(sp.Rational(1, 2), x + y, evaluate=False)
    defs, (expr,) = share_exponentials([expm1(x + y) + expm1(half)])
    assert [c for _, c in defs] == [expm1(half)]


def test_prepare_reuses_its_result_across_targets_and_dtypes(monkeypatch):
    """One kernel, four targets and two dtypes: the passes run once without and
    once with power expansion; each call gets new lists, equal to a fresh run."""
    import exactflow.codegen.passes as passes

    runs = []
    real = passes._prepare
    monkeypatch.setattr(passes, "_PREPARED", type(passes._PREPARED)())
    monkeypatch.setattr(passes, "_prepare", lambda s: runs.append(s) or real(s))
    k64 = spec("mixed")
    k32 = KernelSpec(k64.name, k64.derivation, k64.inputs, k64.outputs, "float32")
    first = prepare(k64)
    first.temps.append(None)  # the caller's lists are its own
    again = prepare(k32)
    expanded = prepare(k32, expand_pow=True)
    assert len(runs) == 1
    assert again.temps == real(k64).temps and again.outputs == real(k64).outputs
    assert expanded.temps != again.temps or expanded.outputs != again.outputs
    fresh = passes._expand_pow(real(k64))
    assert (expanded.temps, expanded.outputs) == (fresh.temps, fresh.outputs)


def test_prepare_from_several_threads_with_more_kernels_than_it_keeps():
    """Threads preparing 12 kernels at once (more than the 8 kept, so entries
    are evicted while others read them) get each kernel's own passes."""
    from concurrent.futures import ThreadPoolExecutor

    import exactflow.codegen.passes as passes

    specs = [KernelSpec("k", "toy", INPUTS, (("q", sp.exp(-k * x * t) * y + k),))
             for k in range(1, 13)]
    want = [passes._prepare(s) for s in specs]
    with ThreadPoolExecutor(4) as pool:
        for _ in range(3):
            got = list(pool.map(lambda s: prepare(s, expand_pow=True), specs * 2))
            got += list(pool.map(prepare, specs))
            for g, w in zip(got[2 * len(specs):], want):
                assert (g.temps, g.outputs) == (w.temps, w.outputs)
            for g, w in zip(got[:2 * len(specs)], want * 2):
                e = passes._expand_pow(w)
                assert (g.temps, g.outputs) == (e.temps, e.outputs)
