"""Temporaries evaluated only in the branch of a Piecewise block that needs them.

:func:`exactflow.codegen.branches.sink` moves a temporary whose every use is in
one branch of ``Piecewise`` blocks (blocks with the same conditions included)
into that branch; the Numba point function, flat loop and grid loop nests then
evaluate it only where the branch is taken.  Checked against NumPy formulas
written out here, on the flat loop and on a ``prange`` grid nest.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from sympy.codegen.cfunctions import expm1

from exactflow.codegen import KernelSpec, load
from exactflow.codegen.branches import sink
from exactflow.codegen.targets.numba import grid as numba_grid

pytest.importorskip("numba", reason="numba (exactflow[numba]) not installed")

t, c = sp.symbols("t c", real=True)
E = sp.exp(-c * t)
#: two outputs switching on the same conditions, sharing E and the test E > 2
#: (both used in the c < 0 branch only)
SPEC = KernelSpec(
    "branchy", "test", (t, c),
    (("u", sp.Piecewise((sp.Piecewise((E * (1 + t), E > 2), (E - t, True)), c < 0),
                        (t * c, True))),
     ("v", sp.Piecewise((sp.Piecewise((E * (2 + t) + 1, E > 2), (E + t, True)),
                         c < 0), (t + c, True)))))


def _reference(t_, c_):
    e = np.exp(-c_ * t_)
    u = np.where(c_ < 0, np.where(e > 2, e * (1 + t_), e - t_), t_ * c_)
    v = np.where(c_ < 0, np.where(e > 2, e * (2 + t_) + 1, e + t_), t_ + c_)
    return u, v


@pytest.fixture(scope="module")
def branchy():
    return load(SPEC, "numba")


def test_sink_moves_only_what_one_branch_needs():
    a, b, k = sp.symbols("a b k", real=True)
    t0, t1, t2 = sp.symbols("_t0 _t1 _t2", real=True)
    temps = [(t0, sp.exp(a)), (t1, t0 + 1), (t2, sp.log(b))]
    cond = (a > 0, sp.true)
    statements = temps + [
        ("_out_x", sp.Piecewise((t1 * 2, a > 0), (t2, True))),
        ("_out_y", sp.Piecewise((t1 * k, a > 0), (b, True))),
        ("_out_z", t2 + 1),
    ]
    top, moved = sink(temps, statements)
    # t1 (and with it t0) serve branch 0 of both blocks; t2 is also used at the top
    assert top == [(t2, sp.log(b))]
    assert moved == {(cond, (0,)): [(t0, sp.exp(a)), (t1, t0 + 1)]}
    # a temporary of another loop level stays
    top, moved = sink(temps, statements, lambda sym, head: sym == t0)
    assert [s for s, _ in top] == [t0, t2] and list(moved.values()) == [[(t1, t0 + 1)]]


def test_source_evaluates_the_exponential_in_the_branch(branchy):
    lines = [line.strip() for line in branchy.source.splitlines()]
    start = lines.index(next(x for x in lines if x.startswith("def branchy_point")))
    body = lines[start:lines.index("return (_out_u, _out_v)", start)]
    first_if = next(i for i, x in enumerate(body) if x.startswith("if "))
    calls = [i for i, x in enumerate(body) if "math.exp(" in x]
    assert len(calls) == 1 and calls[0] > first_if  # once, inside the c < 0 branch


@pytest.mark.parametrize("layout", ["flat", "grid"])
def test_values_flat_and_prange_grid(branchy, layout):
    rng = np.random.default_rng(3)
    tt = np.concatenate([[0.0], rng.uniform(0.0, 3.0, 200)])
    for cc in (-1.3, -0.2, 0.0, 0.7):
        if layout == "flat":
            got = branchy.flat(tt, np.full_like(tt, cc))
        else:  # t down the rows, c a scalar: the prange loop nest
            source = numba_grid.emit(SPEC, branchy.lowered, branchy.table, "oc")
            assert "for _c in numba.prange(_chunks):" in source
            got = branchy.grid("oc")
            out = (np.empty((tt.size, 1)), np.empty((tt.size, 1)))
            got(tt, cc, *out)
            got = [o[:, 0] for o in out]
        # e - t cancels: an ulp of e (the kernel's e^x is within 1 ulp, so is
        # NumPy's) is the accuracy there, not an ulp of the result
        terms = np.exp(-cc * tt) + tt
        for g, r in zip(got, _reference(tt, cc)):
            assert np.all(np.abs(g - r) <= 1e-14 * np.abs(r) + 4e-16 * terms)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_expm1_helper_is_accurate_on_both_sides_of_ln2(dtype):
    """The generated ``_expm1`` (e^x − 1 where |x| > ln 2, libm's expm1 elsewhere)
    against 50 digits: within 2 ulp of the result everywhere, ±ln 2 included,
    and exact at 0, ±inf, NaN and past the overflow."""
    import mpmath

    spec = KernelSpec("em1", "test", (t,), (("y", expm1(t)),), dtype)
    kernel = load(spec, "numba")
    assert "def _expm1(x):" in kernel.source
    ftype = np.dtype(dtype).type
    ln2 = float(np.log(2.0))
    xs = np.concatenate([
        [0.0, 1e-30, -1e-30, ln2, -ln2, np.nextafter(ln2, 1), np.nextafter(-ln2, -1)],
        np.linspace(-2, 2, 401), -np.geomspace(1e-8, 700, 200),
        np.geomspace(1e-8, 80 if dtype == "float32" else 700, 200)]).astype(dtype)
    (got,) = kernel(xs)
    eps = float(np.finfo(dtype).eps)
    for x, g in zip(xs, got):
        with mpmath.workdps(50):
            ref = float(ftype(mpmath.expm1(mpmath.mpf(float(x)))))
        assert abs(float(g) - ref) <= 2 * eps * abs(ref), (x, g, ref)
    (special,) = kernel(np.array([np.inf, -np.inf, np.nan, 1e4], dtype=dtype))
    assert special[0] == np.inf and special[1] == -1.0 and np.isnan(special[2])
    assert special[3] == np.inf
