"""The Numba target's exp, expm1 and φ₁ in plain arithmetic, and the loops they let
LLVM vectorise.

The helpers (:mod:`exactflow.codegen.targets.numba.vecmath`) are checked against
50-digit mpmath over the whole float range of each dtype, fresh random inputs
included, with their special values; the innermost loops of the generated
loop nests are checked to be vectorised (LLVM IR of a fresh compilation), and
their two-pass switch (common branch first, rare points again) against NumPy on
points that mix both branches within one chunk.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import numpy as np
import pytest
import sympy as sp
from codegen_cases import vector_llvm, vector_widths
from hypothesis import given
from hypothesis import strategies as st
from sympy.codegen.cfunctions import expm1, log1p

from exactflow.codegen import KernelSpec, load
from exactflow.codegen.targets.numba import grid as numba_grid
from exactflow.codegen.targets.numba.vecmath import CONSTANTS
from exactflow.symbolic.spec.functions import logz, phi1

pytest.importorskip("numba", reason="numba (exactflow[numba]) not installed")

x, c = sp.symbols("x c", real=True)
#: ulp bounds the module docstring states (φ₁: expm1's, and a division)
BOUNDS = {"exp": 1.0, "expm1": 2.0, "phi1": 2.5, "log": 1.0, "log1p": 2.5,
          "logz": 1.0}
REFERENCE = {"exp": mpmath.exp, "expm1": mpmath.expm1,
             "phi1": lambda v: mpmath.expm1(v) / v if v != 0 else mpmath.mpf(1),
             "log": mpmath.log, "log1p": mpmath.log1p, "logz": mpmath.log}


def _one_column(dtype: str, outputs: dict) -> Callable:
    """The one-column nest of a kernel of x with ``outputs`` (name: expression,
    each a single call): it calls the arithmetic helper ``_v<name>`` of each;
    ``run(xs)`` gives ``{name: values}``."""
    spec = KernelSpec("vx", "test", (x,), tuple(outputs.items()), dtype)
    kernel = load(spec, "numba")
    source = numba_grid.emit(spec, kernel.lowered, kernel.table, "o")
    assert {f"def _v{name}(x):" for name in outputs} <= set(source.splitlines())
    nest = kernel.grid("o")

    def run(xs):
        outs = [np.empty((xs.size, 1), dtype=dtype) for _ in outputs]
        nest(np.ascontiguousarray(xs), *outs)
        return {name: o[:, 0] for name, o in zip(outputs, outs)}

    return run


@pytest.fixture(scope="module", params=["float64", "float32"])
def helpers(request):
    dtype = request.param
    run = _one_column(dtype, {"exp": sp.exp(x), "expm1": expm1(x), "phi1": phi1(x)})
    return dtype, lambda xs: list(run(xs).values())


def _ulps(got, ref, dtype) -> float:
    """|got − ref| in units of the dtype's spacing at ref (subnormal spacing
    below the normal range)."""
    f = np.dtype(dtype).type
    with np.errstate(over="ignore"):  # a reference beyond the range: inf
        rounded = f(float(ref))
    if not np.isfinite(rounded):
        return 0.0 if got == rounded else np.inf
    spacing = mpmath.mpf(float(np.spacing(abs(rounded))))
    return float(abs(mpmath.mpf(float(got)) - ref) / spacing)


def _points(dtype) -> np.ndarray:
    c = CONSTANTS[dtype]
    rng = np.random.default_rng(11)
    ln2 = np.log(2.0)
    edges = [0.0, ln2 / 2, -ln2 / 2, ln2, -ln2, c["over"], c["under"],
             c["minus_one"], -c["minus_one"], 1e-30, -1e-30, 1e-300, -1e-300]
    near = [np.nextafter(np.dtype(dtype).type(e), np.dtype(dtype).type(s))
            for e in edges for s in (-np.inf, np.inf)]
    return np.concatenate([
        edges, near,
        rng.uniform(c["under"], c["over"], 400),  # the whole range
        rng.uniform(-1.0, 1.0, 200),
        np.sign(rng.uniform(-1, 1, 300)) * 10.0 ** rng.uniform(-40, 2.8, 300),
        rng.uniform(c["under"], c["under"] + 40, 100),  # subnormal results
    ]).astype(dtype)


def _check(kernel, dtype, xs):
    outs = dict(zip(("exp", "expm1", "phi1"), kernel(xs)))
    with mpmath.workdps(50):
        for name, values in outs.items():
            for v, g in zip(xs, values):
                if name == "phi1" and v == 0:
                    assert g == 1.0
                    continue
                ref = REFERENCE[name](mpmath.mpf(float(v)))
                err = _ulps(g, ref, dtype)
                assert err <= BOUNDS[name], (name, dtype, float(v), float(g), err)


def test_helpers_within_their_ulp_bounds_over_the_range(helpers):
    dtype, kernel = helpers
    _check(kernel, dtype, _points(dtype))


@given(st.data())
def test_helpers_within_their_ulp_bounds_on_fresh_inputs(helpers, data):
    dtype, kernel = helpers
    c = CONSTANTS[dtype]
    width = 32 if dtype == "float32" else 64
    low, high = (float(np.dtype(dtype).type(c[k])) for k in ("under", "over"))
    values = data.draw(st.lists(st.floats(low, high, width=width),
                                min_size=1, max_size=20))
    _check(kernel, dtype, np.array(values, dtype=dtype))


def test_helpers_special_values(helpers):
    dtype, kernel = helpers
    c = CONSTANTS[dtype]
    xs = np.array([np.nan, np.inf, -np.inf, c["over"] * 1.01, c["under"] * 1.01,
                   0.0, -0.0], dtype=dtype)
    e, m, p = kernel(xs)
    assert np.isnan(e[0]) and np.isnan(m[0]) and np.isnan(p[0])
    assert e[1] == np.inf and m[1] == np.inf
    assert e[2] == 0.0 and m[2] == -1.0 and p[2] == 0.0
    assert e[3] == np.inf and m[3] == np.inf  # (e^x - 1)/x overflows later
    with mpmath.workdps(50):
        assert _ulps(p[3], REFERENCE["phi1"](mpmath.mpf(float(xs[3]))), dtype) <= 2.5
    assert e[4] == 0.0 and m[4] == -1.0 and 0.0 < p[4] < 1e-2
    assert list(e[5:]) == [1.0, 1.0] and list(m[5:]) == [0.0, 0.0]
    assert list(p[5:]) == [1.0, 1.0]
    assert e.dtype == np.dtype(dtype)


# ------------------------------------------------------------ log, log1p, logz


@pytest.fixture(scope="module", params=["float64", "float32"])
def log_helpers(request):
    dtype = request.param
    return dtype, _one_column(dtype, {"log": sp.log(x), "log1p": log1p(x),
                                      "logz": logz(x)})


def _log_points(dtype) -> tuple[np.ndarray, np.ndarray]:
    """Points of log's domain (x > 0, subnormals to the largest float) and of
    log1p's (x > −1): edges, next floats, log-uniform and near 1 (near 0)."""
    info = np.finfo(dtype)
    f = np.dtype(dtype).type
    rng = np.random.default_rng(12)
    tiny = float(info.smallest_subnormal)
    edges = [tiny, float(info.tiny), float(info.max), 1.0, 2.0, 0.5,
             np.sqrt(2.0), np.sqrt(0.5), np.e]
    near = [np.nextafter(f(e), f(s)) for e in edges for s in (0, info.max)]
    logs = np.concatenate([
        edges, near,
        10.0 ** rng.uniform(np.log10(tiny), np.log10(float(info.max)), 600),
        1.0 + rng.uniform(-0.3, 0.3, 200), 1.0 + 10.0 ** rng.uniform(-15, -1, 100),
    ]).astype(dtype)
    small = 10.0 ** rng.uniform(np.log10(float(info.tiny)), -0.5, 300)
    log1ps = np.concatenate([
        [0.0, float(info.eps), -float(info.eps) / 2, -0.5, 1.0, float(info.max),
         -1.0 + float(info.epsneg), float(info.tiny)],
        small, -small, -1.0 + 10.0 ** rng.uniform(-7, -0.1, 100),
        10.0 ** rng.uniform(-1, np.log10(float(info.max)), 200),
    ]).astype(dtype)
    return logs[logs > 0], log1ps[log1ps > -1]


def _check_logs(run, dtype, logs, log1ps):
    with mpmath.workdps(50):
        for name, xs in (("log", logs), ("logz", logs), ("log1p", log1ps)):
            got = run(xs)[name]
            assert got.dtype == np.dtype(dtype)
            for v, g in zip(xs, got):
                ref = REFERENCE[name](mpmath.mpf(float(v)))
                err = _ulps(g, ref, dtype)
                assert err <= BOUNDS[name], (name, dtype, float(v), float(g), err)


def test_log_helpers_within_their_ulp_bounds_over_the_range(log_helpers):
    dtype, run = log_helpers
    _check_logs(run, dtype, *_log_points(dtype))


@given(st.data())
def test_log_helpers_within_their_ulp_bounds_on_fresh_inputs(log_helpers, data):
    dtype, run = log_helpers
    width = 32 if dtype == "float32" else 64
    positive = st.floats(0.0, None, exclude_min=True, allow_infinity=False,
                         width=width)
    above = st.floats(-1.0, None, exclude_min=True, allow_infinity=False,
                      width=width)
    logs = data.draw(st.lists(positive, min_size=1, max_size=20))
    log1ps = data.draw(st.lists(above, min_size=1, max_size=20))
    _check_logs(run, dtype, np.array(logs, dtype=dtype), np.array(log1ps, dtype=dtype))


def test_log_helpers_special_values(log_helpers):
    """As libm (NumPy) gives them: −inf at 0 (log1p: at −1), NaN below, inf at
    inf, NaN kept; logz is −inf for every x ≤ 0 and for NaN, as ``_logz``."""
    dtype, run = log_helpers
    xs = np.array([0.0, -0.0, -1.0, -np.inf, np.inf, np.nan, -2.0], dtype=dtype)
    out = run(xs)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.testing.assert_array_equal(out["log"], np.log(xs))
        np.testing.assert_array_equal(out["log1p"], np.log1p(xs))
    np.testing.assert_array_equal(out["logz"], [-np.inf] * 4 + [np.inf]
                                  + [-np.inf] * 2)


# --------------------------------------------------------------- vectorised loops

#: a switch on a point value: the rare branch (t > 5) is taken at some points
#: of every chunk of the one-column nest
def _switch(dtype: str) -> KernelSpec:
    return KernelSpec(
        "switch", "test", (x, c),
        (("u", sp.Piecewise((sp.log(x) * c, x > 5), (sp.exp(-c * x), True))),
         ("v", sp.Piecewise((sp.sqrt(x) + c, x > 5), (expm1(c * x), True)))), dtype)


def _switch_reference(t, cc):
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(t > 5, np.log(t) * cc, np.exp(-cc * t))
        v = np.where(t > 5, np.sqrt(t) + cc, np.expm1(cc * t))
    return u, v


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_two_pass_switch_mixes_branches_within_a_chunk(dtype):
    """t alternates between the branches point by point, with NaN inputs (the
    common branch's NaN is kept, not taken for a rare point) and a chunk's
    remainder (n not a multiple of the chunk)."""
    kernel = load(_switch(dtype), "numba")
    rng = np.random.default_rng(5)
    t = rng.uniform(0.0, 10.0, 4099)
    t[::7] = np.nan
    t = t.astype(dtype)
    for cc in (0.3, -0.2):
        plan = kernel.plan(t, np.asarray(cc, dtype))
        assert plan is not None and plan.pattern == "oc"
        got = kernel(t, np.asarray(cc, dtype))
        ref = _switch_reference(t.astype(np.float64), cc)
        tol = 1e-13 if dtype == "float64" else 2e-6
        for g, r in zip(got, ref):
            assert g.dtype == np.dtype(dtype)
            assert np.array_equal(np.isnan(g), np.isnan(r))
            ok = ~np.isnan(r)
            np.testing.assert_allclose(g[ok], r[ok], rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_one_column_nest_loop_is_vectorised(dtype):
    """The first loop of the switch's one-column nest does its arithmetic on
    LLVM vectors of the dtype, with unit-stride loads and stores (no gather or
    scatter); the single neuron's is checked in test_numba_target.py."""
    spec = _switch(dtype)
    kernel = load(spec, "numba")
    source = numba_grid.emit(spec, kernel.lowered, kernel.table, "oc")
    f = np.dtype(dtype).type
    n = 1000
    t = np.linspace(0.0, 10.0, n).astype(dtype)
    outs = [np.empty((n, 1), dtype=dtype) for _ in range(2)]
    llvm = vector_llvm(source, "switch_grid", (t, f(0.3), *outs))
    for o, r in zip(outs, _switch_reference(t.astype(np.float64), 0.3)):
        np.testing.assert_allclose(o[:, 0], r, rtol=1e-13 if dtype == "float64"
                                   else 2e-6)
    assert min(vector_widths(llvm, dtype), default=0) >= 2
    assert "masked.gather" not in llvm and "masked.scatter" not in llvm


def test_calls_in_branches_on_a_point_keep_libm_beyond_twice_the_rest():
    """Vectorised, a loop computes every branch at every point: the arithmetic
    helpers replace libm's calls unless the calls in branches on a point's value
    are more than twice the others; branches on loop constants do not count."""
    from exactflow.codegen.targets.numba.vecmath import vector_lines

    common = ["_t1 = math.exp(-t)", "_t2 = _phi1(-t)"]
    per_point = ["if _t1 > 0.5:", "    _o = math.exp(_t2) * _logz(t) + math.log(t)",
                 "else:", "    _o = math.log1p(_t2) + math.exp(t)"]
    assert vector_lines(common + per_point, ["t"]) is None  # 5 inside, 2 outside
    twice = per_point[:2] + ["else:", "    _o = math.log1p(_t2)"]
    lines, used = vector_lines(common + twice, ["t"])  # 4 inside, 2 outside
    assert used == {"exp", "phi1", "logz", "log", "log1p"}
    assert "_vlogz(t)" in lines[3] and "_vlog1p(_t2)" in lines[5]
    on_t = ["if t > 2.0:"] + per_point[1:]
    assert vector_lines(common + on_t, ["t"]) is None  # an input of the point
    constant = ["if _t7:"] + per_point[1:]  # _t7: computed once, before the loop
    lines, used = vector_lines(common + constant, ["t"])
    assert used == {"exp", "phi1", "logz", "log", "log1p"}
    nested = ["if _t7:", "    _u = t * 2.0", "    if _u > 1.0:",
              "        _o = math.exp(_u) + math.exp(-_u) + math.log(_u)"
              " + math.log1p(_u) + math.log(2.0 * _u) + math.exp(3.0 * _u)"
              " + math.exp(_u / 3.0)",
              "    else:", "        _o = 0.0", "else:", "    _o = math.exp(t)"]
    assert vector_lines(common + nested, ["t"]) is None  # 7 inside, 3 outside
    lines, used = vector_lines(nested[:3] + ["        _o = math.exp(_u)"]
                               + nested[4:] + common, ["t"])
    assert "_vexp(_u)" in lines[3]
    assert vector_lines(["_o = math.sin(t) + math.exp(t)"], ["t"]) is None


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_loop_of_logarithms_is_vectorised(dtype):
    """The whitened diagonal net's trajectory (three log1p, two expm1 in branches
    on a point's value, one each) runs its one-column loop on LLVM vectors with
    the log helpers, and equals its NumPy kernel."""
    import exactflow

    d = exactflow.derivation("diagonal_linear")
    kernel = d.kernel(target="numba", kernel="whitened", dtype=dtype)
    spec = kernel.context.spec()
    f = np.dtype(dtype).type
    t = np.linspace(0.0, 8.0, 5000).astype(dtype)  # VECTOR_MIN or more
    point = [f(v) for v in (0.4, 0.9, 0.7, 1.3)]
    plan = kernel.plan(t, *point)
    source = numba_grid.emit(spec, kernel.lowered, kernel.table, plan.pattern)
    loop = source[source.index("for _k in range"):]
    assert "_vlog1p(" in loop and "math.log1p(" not in loop
    outs = [np.empty((t.size, 1), dtype=dtype) for _ in spec.output_names]
    llvm = vector_llvm(source, "whitened_grid", (t, *point, *outs))
    assert min(vector_widths(llvm, dtype), default=0) >= 2
    assert "masked.gather" not in llvm and "masked.scatter" not in llvm
    ref = d.kernel(target="numpy", kernel="whitened", dtype=dtype)(t, *point)
    tol = 1e-13 if dtype == "float64" else 3e-6
    for o, r in zip(outs, ref):
        np.testing.assert_allclose(o[:, 0], r, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_helpers_convert_no_float_to_or_from_integers(dtype):
    """The helpers build powers of two and read exponents through bit patterns,
    never through float ↔ integer conversions: AVX2 has none for 64-bit
    integers, and LLVM, converting one lane at a time, judged the whitened
    diagonal loop not worth vectorising on such a CPU (it ran 4 times slower).
    The helpers' loop is vectorised and takes the same bits as libm's
    reference values within the bounds above."""
    spec = KernelSpec("vx", "test", (x,), (("e", sp.exp(x)), ("m", expm1(x)),
                                          ("l", sp.log(x)), ("p", log1p(x))), dtype)
    kernel = load(spec, "numba")
    source = numba_grid.emit(spec, kernel.lowered, kernel.table, "o")
    xs = np.linspace(0.5, 3.0, 5000).astype(dtype)
    outs = [np.empty((xs.size, 1), dtype=dtype) for _ in range(4)]
    llvm = vector_llvm(source, "vx_grid", (xs, *outs))
    body = llvm[llvm.index("define"):]
    for op in ("fptosi", "fptoui", "sitofp", "uitofp"):
        assert f" {op} <" not in body, op
    assert min(vector_widths(llvm, dtype), default=0) >= 2
    f = np.dtype(dtype).type
    for out, ref in zip(outs, (np.exp, np.expm1, np.log, np.log1p)):
        want = ref(xs.astype(np.float64))
        np.testing.assert_allclose(out[:, 0], want, rtol=4 * np.finfo(f).eps)


@pytest.mark.parametrize("n", range(1, 15))
def test_estrin_scheme_is_the_polynomial(n):
    # every coefficient count the helpers may use, against exact rationals
    from fractions import Fraction

    from exactflow.codegen.targets.numba.preludes import estrin as _estrin

    rng = np.random.default_rng(n)
    c = [Fraction(int(v), 8) for v in rng.integers(-40, 40, n)]
    x = Fraction(3, 4)
    scope = {"C": c, "x": x, "_vx_fma": lambda a, b, d: a * b + d}
    exec("\n".join(_estrin("C", n, "x", "out")), scope)  # Fractions: exact
    assert scope["out"] == sum(ci * x**i for i, ci in enumerate(c))
    depth = sum(1 for line in _estrin("C", n, "x", "out") if line.startswith("x"))
    assert depth == max(0, (n - 1).bit_length() - 1)  # the powers x², x⁴, ...


def _loops(dtype: str, helpers: set[str], source: str) -> dict:
    """The functions of ``source`` (loops calling the helpers ``helpers``),
    compiled as the kernels compile them (error_model="numpy")."""
    import math

    import numba
    import numba.extending  # noqa: F401 - the helpers' bit casts
    from llvmlite import ir as llvm_ir

    from exactflow.codegen.targets.numba.vecmath import helper_lines

    f = np.dtype(dtype).type
    scope = {"math": math, "numba": numba, "numpy": np, "llvm_ir": llvm_ir,
             "_DTYPE": f, "_F": getattr(numba, dtype), "_INF": f(np.inf),
             "_NAN": f(np.nan)}
    exec(compile("\n".join(helper_lines(dtype, helpers)).replace(
        "cache=True", "cache=False"), "<helpers>", "exec"), scope)
    names = set(scope)
    exec(source, scope)
    return {k: numba.njit(error_model="numpy")(v) for k, v in scope.items()
            if k not in names}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_hypot_helper_within_1_5_ulp_and_libm_special_values(dtype):
    run = _loops(dtype, {"hypot"}, "def run(x, y, out):\n    for i in range(x.size):\n"
                 "        out[i] = _vhypot(x[i], y[i])\n")["run"]
    rng = np.random.default_rng(5)
    n = 3000
    lo, hi = (-1074, 1022) if dtype == "float64" else (-149, 126)
    # every magnitude, subnormals included (below 2**hi, so that the result
    # stays below the largest float); pairs of any ratio, every other one close
    ex = rng.uniform(lo, hi, n)
    ey = rng.uniform(lo, hi, n)
    ey[::2] = np.clip(ex[::2] + rng.uniform(-30, 30, n)[::2], lo, hi)
    x = (rng.choice([-1.0, 1.0], n) * 2.0 ** ex).astype(dtype)
    y = (rng.choice([-1.0, 1.0], n) * 2.0 ** ey).astype(dtype)
    out = np.empty_like(x)
    run(x, y, out)
    with mpmath.workdps(50):
        for a, b, g in zip(x, y, out):
            ref = mpmath.sqrt(mpmath.mpf(float(a)) ** 2 + mpmath.mpf(float(b)) ** 2)
            assert _ulps(g, ref, dtype) <= 1.5, (a, b, g)
    tiny = np.finfo(dtype).smallest_subnormal
    sx = np.array([0, 0, np.inf, -np.inf, np.nan, np.nan, 3, tiny], dtype=dtype)
    sy = np.array([0, -0.0, np.nan, 1, 1, -np.inf, 4, 0], dtype=dtype)
    so = np.empty_like(sx)
    run(sx, sy, so)
    np.testing.assert_array_equal(so, np.hypot(sx, sy))
    assert so.dtype == np.dtype(dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_atan_helpers_within_1_5_ulp_and_libm_special_values(dtype):
    loops = _loops(dtype, {"atan", "atan2"},
                   "def one(x, out):\n    for i in range(x.size):\n"
                   "        out[i] = _vatan(x[i])\n"
                   "def two(y, x, out):\n    for i in range(x.size):\n"
                   "        out[i] = _vatan2(y[i], x[i])\n")
    one, two = loops["one"], loops["two"]
    rng = np.random.default_rng(9)
    n = 2500
    lo, hi = (-1074, 1023) if dtype == "float64" else (-149, 127)
    # every magnitude, and the reduction's intervals (|x| in [0, 3]) densely
    x = rng.choice([-1.0, 1.0], n) * 2.0 ** rng.uniform(lo, hi, n)
    x[: n // 2] = rng.uniform(-3.0, 3.0, n // 2)
    y = rng.choice([-1.0, 1.0], n) * 2.0 ** rng.uniform(-60, 60, n)
    x, y = x.astype(dtype), y.astype(dtype)
    out1, out2 = np.empty_like(x), np.empty_like(x)
    one(x, out1)
    two(y, x, out2)
    with mpmath.workdps(50):
        for a, b, g1, g2 in zip(x, y, out1, out2):
            xa, yb = mpmath.mpf(float(a)), mpmath.mpf(float(b))
            assert _ulps(g1, mpmath.atan(xa), dtype) <= 1.5, (a, g1)
            assert _ulps(g2, mpmath.atan2(yb, xa), dtype) <= 1.5, (b, a, g2)
    # zeros of both signs, infinities, NaN (and a finite value) against NumPy
    special = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0], dtype=dtype)
    xs, ys = (v.ravel() for v in np.meshgrid(special, special))
    keep = ~(np.isfinite(xs) & np.isfinite(ys) & (xs != 0) & (ys != 0))
    xs, ys = xs[keep], ys[keep]
    got = np.empty_like(xs)
    two(ys, xs, got)
    want = np.arctan2(ys, xs)
    np.testing.assert_array_equal(got, want)
    assert (np.signbit(got) == np.signbit(want)).all()
    got1 = np.empty_like(special)
    one(special, got1)
    np.testing.assert_array_equal(got1, np.arctan(special))
    assert (np.signbit(got1) == np.signbit(np.arctan(special))).all()
