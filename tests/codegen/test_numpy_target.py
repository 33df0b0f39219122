"""The generated NumPy kernels: values, broadcasting, blocks, dtype, safety."""

from __future__ import annotations

import inspect
import re
import traceback

import numpy as np
import pytest
import sympy as sp
from codegen_cases import INPUTS, lambdified, mpmath_values, sample, spec
from common import TOLERANCE, bounded_floats
from hypothesis import given

from exactflow.codegen import KernelSpec, emit, filename, load
from exactflow.codegen.targets.numpy.loader import load_counting
from exactflow.symbolic.spec.functions import phi1

x, y, t = INPUTS


def reference(kind: str, args: list) -> list[np.ndarray]:
    """lambdify's values, broadcast to the common shape."""
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    with np.errstate(invalid="ignore", divide="ignore"):  # it evaluates every branch
        return [np.broadcast_to(v, shape) for v in lambdified(kind)(*args)]


def assert_close(got, ref, rtol):
    np.testing.assert_allclose(got, ref, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("kind", ["mixed", "plain"])
def test_generated_equals_lambdify(kind):
    f = load(spec(kind))
    args = sample(1000, seed=1)
    got = f(*args)
    assert isinstance(got, tuple) and len(got) == len(spec(kind).outputs)
    for g, r in zip(got, reference(kind, args)):
        assert g.shape == (1000,) and g.dtype == np.float64
        assert_close(g, r, TOLERANCE["float64"])


def test_generated_equals_mpmath_at_50_digits():
    f = load(spec("mixed"))
    args = sample(40, seed=2)
    got = f(*args)
    tol = TOLERANCE["float64"]
    for i in range(40):
        exact = mpmath_values("mixed", *(float(a[i]) for a in args))
        for g, e in zip(got, exact):
            assert abs(g[i] - float(e)) <= tol * (1 + abs(float(e))), (i, g[i], e)


@given(bounded_floats(-2, 2), bounded_floats(-2, 2), bounded_floats(0, 3))
def test_generated_equals_lambdify_property(xv, yv, tv):
    got = load(spec("mixed"))(xv, yv, tv)
    for g, r in zip(got, reference("mixed", [xv, yv, tv])):
        assert g.shape == ()
        assert_close(g, r, TOLERANCE["float64"])


def test_broadcasting_over_mixed_shapes():
    f = load(spec("mixed"))
    rng = np.random.default_rng(3)
    args = [0.7, rng.uniform(-2, 2, 5), rng.uniform(0, 3, (4, 1))]
    got = f(*args)
    for g, r in zip(got, reference("mixed", args)):
        assert g.shape == (4, 5)
        assert_close(g, r, TOLERANCE["float64"])
    scalar = f(0.7, 0.2, 1.5)
    assert all(g.shape == () for g in scalar)


def test_non_contiguous_and_integer_inputs():
    f = load(spec("plain"))
    base = np.arange(24, dtype=float).reshape(4, 6) / 10
    args = [base.T, 2, np.array([1, 2, 3, 4])]  # transposed view, int, int array
    for g, r in zip(f(*args), reference("plain", args)):
        assert g.shape == (6, 4) and g.dtype == np.float64
        assert_close(g, r, TOLERANCE["float64"])


@pytest.mark.parametrize("block", [1, 7, 64, 10**6, np.int64(100)])
def test_result_is_independent_of_the_block_size(block):
    f = load(spec("mixed"))
    args = sample(1001, seed=4)
    for g, r in zip(f(*args, block=block), f(*args)):
        np.testing.assert_allclose(g, r, rtol=1e-15, atol=0)


def test_inputs_are_never_mutated_and_outputs_are_new():
    f = load(spec("mixed"))
    args = sample(300, seed=5)
    saved = [a.copy() for a in args]
    for a in args:
        a.flags.writeable = False  # any write would raise
    got = f(*args, block=64)
    for a, s in zip(args, saved):
        np.testing.assert_array_equal(a, s)
    c = got[spec("mixed").output_names.index("c")]
    assert not np.shares_memory(c, args[0])
    np.testing.assert_array_equal(c, args[0])


def test_float32_kernel_computes_in_float32():
    f32, f64 = load(spec("mixed", "float32")), load(spec("mixed"))
    args = sample(500, seed=6)
    for g, r in zip(f32(*args), f64(*args)):
        assert g.dtype == np.float32
        assert_close(g, r, TOLERANCE["float32"])
    source = emit(spec("mixed", "float32"))
    assert "_DTYPE = numpy.float32" in source
    body = source.split("for _o, _lo in _tasks")[1]
    code = " ".join(line.split("#")[0] for line in body.splitlines())
    constant = r"-?\d+\.\d*(?:e-?\d+)?"
    assert re.search(rf"numpy\.float32\({constant}\)", code)
    bare = re.sub(rf"numpy\.float32\({constant}\)", "C", code)
    assert not re.search(rf"(?<![\w.]){constant}", bare)  # no float64 literal


def test_empty_and_zero_dimensional_inputs():
    f = load(spec("plain"))
    got = f(np.empty((0, 3)), 1.0, 2.0)
    assert [g.shape for g in got] == [(0, 3), (0, 3)]
    got = f(np.float64(0.5), np.array(1.0), 2)
    assert [g.shape for g in got] == [(), ()]


def test_no_nan_in_selected_branches_and_no_warning():
    # filterwarnings=error: a RuntimeWarning from an unselected branch would fail
    f = load(spec("mixed"))
    xs = np.array([-2.0, -1e-300, -0.0, 0.0, 5e-324, 1e-8, 1.5])
    got = dict(zip(spec("mixed").output_names, f(xs, 0.0, 0.0)))
    for name, g in got.items():
        assert np.all(np.isfinite(g)), name
    np.testing.assert_allclose(got["v"], np.sqrt(np.abs(xs)), rtol=1e-15)
    np.testing.assert_allclose(got["w"][xs.size // 2], 1.0)  # phi1(0) = 1


def test_phi1_at_and_near_zero():
    f = load(KernelSpec("phi", "codegen_tests", (x,), (("q", phi1(x)),)))
    xs = np.array([0.0, -0.0, 1e-300, -1e-20, 1e-9, -700.0, 700.0])
    (q,) = f(xs)
    exact = [1.0, 1.0, 1.0, 1.0, 1.0000000005, 1 / 700, np.expm1(700) / 700]
    np.testing.assert_allclose(q, exact, rtol=1e-15)


def test_unguarded_out_of_domain_input_still_warns():
    f = load(KernelSpec("root", "codegen_tests", (x,), (("q", sp.sqrt(x)),)))
    with pytest.warns(RuntimeWarning, match="invalid value"):
        (q,) = f(np.array([-1.0, 4.0]))
    assert np.isnan(q[0]) and q[1] == 2.0


def test_bad_arguments_get_clear_errors():
    f = load(spec("plain"))
    with pytest.raises(TypeError, match="y must be real numbers"):
        f(1.0, 1j, 2.0)
    with pytest.raises(TypeError, match="t must be real numbers"):
        f(1.0, 2.0, "a")
    with pytest.raises(ValueError, match=r"do not broadcast.*x \(3,\).*y \(4,\)"):
        f(np.ones(3), np.ones(4), 1.0)
    for block in (0, -5, 2.5, True, "64"):
        with pytest.raises(ValueError, match="block must be a positive integer"):
            f(1.0, 2.0, 3.0, block=block)


def test_traceback_and_getsource_show_generated_lines():
    f = load(spec("plain"))
    name = filename(spec("plain"), "numpy")
    assert name == "<exactflow:codegen_tests:plain:numpy:float64>"
    assert inspect.getsource(f).startswith(
        "def plain(x, y, t, *, block=None, threads=None, out=None):")
    with pytest.raises(ValueError) as info:
        f(1.0, 2.0, 3.0, block=0)
    frames = [fr for fr in traceback.extract_tb(info.value.__traceback__)
              if fr.filename == name]
    assert frames and all(fr.line for fr in frames)
    assert any("_block_length(block, _size, _threads)" in fr.line for fr in frames)


def test_source_is_deterministic():
    from exactflow.codegen.targets.numpy import lower as numpy_target

    assert numpy_target.emit(spec("mixed")) == numpy_target.emit(spec("mixed"))
    assert emit(spec("mixed")) == numpy_target.emit(spec("mixed"))


def test_header_and_docstring():
    import exactflow

    source = emit(spec("mixed"))
    lines = source.splitlines()
    assert lines[0] == (
        f"# Generated by exactflow {exactflow.__version__} (sympy {sp.__version__}) "
        "from derivation 'codegen_tests', kernel 'mixed'. Do not edit.")
    for name, expr in spec("mixed").outputs:
        assert f"# {name} = {expr}" in lines
    doc = inspect.getdoc(load(spec("mixed")))
    assert "broadcast" in doc and "u, v, w, z, c, k : numpy.ndarray" in doc
    assert "The mixed test kernel." in doc
    compile(source, "<test>", "exec")


def _body(source: str) -> list[str]:
    """The per-block operations (without the group tests and the stores)."""
    body = source.split("_blk = _pre + (slice(_lo, _hi),)\n")[-1]
    body = body.split("\n    _share(_work")[0]
    lines = [line.split("#")[0].strip() for line in body.splitlines()]
    return [line for line in lines if line and not line.startswith((
            "if not _h[", "numpy.copyto(_d_", "_d_", "_v_out_"))
            and not re.match(r"\w+ = _o_\w+\[_blk\]", line)
            and not re.match(r"if _[rt]\d+ is not _d_\w+:", line)]


def test_structure_every_temporary_used_and_no_pow_left():
    source = emit(spec("mixed"))
    body = _body(source)
    assert "**" not in "\n".join(line.split("#")[0] for line in source.splitlines())
    assert "numpy.power" not in source  # x**2, x**(3/2), x**(-1/4): mul and sqrt
    for i, line in enumerate(body):
        m = re.match(r"(_[tr]\d+) = ", line)
        if m:
            later = "\n".join(body[i + 1:]) + "\n".join(
                ln for ln in source.splitlines() if " is not _d_" in ln)
            assert re.search(rf"\b{m.group(1)}\b", later), f"{m.group(1)} unused"
    for line in body:  # three-address: one ufunc call with out= per line
        assert (re.match(r"_[tr]\d+ = numpy\.\w+\(.*, out=_v_(f|m|out_)\w*\)$", line)
                or line.startswith(("numpy.copyto(", "with "))
                or re.match(r"_[tr]\d+ = (_v_[fm]\d+_\d+|_[tr]\d+)$", line)
                or re.match(r"_[tr]\d+ = _v_out_\w+_\d+$", line)
                or re.match(r"if not numpy\.all\(_[tr]\d+\):$", line)), line


def test_errstate_only_where_branches_are_speculative():
    assert "errstate" not in emit(spec("plain"))
    source = emit(spec("mixed"))
    assert source.count('numpy.errstate(divide="ignore", invalid="ignore")') >= 1
    assert "errstate(all" not in source and "over=" not in source


def test_functions_without_a_ufunc():
    class softsign(sp.Function):  # noqa: N801
        def _numpycode(self, printer):
            a = printer._print(self.args[0])
            return f"{a}/(1 + {printer._module_format('numpy.absolute')}({a}))"

    f = load(KernelSpec("soft", "codegen_tests", (x,), (("q", 2 * softsign(x**2)),)))
    (q,) = f(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_allclose(q, 2 * np.array([4 / 5, 0.0, 9 / 10]))
    with pytest.raises(ValueError, match="no vectorised NumPy code for erf"):
        emit(KernelSpec("erfk", "codegen_tests", (x,), (("q", sp.erf(x)),)))


def test_outputs_that_are_copies_constants_or_repeated():
    spec_ = KernelSpec("copies", "codegen_tests", (x, y),
                       (("a", x * y), ("b", x * y), ("c", y), ("d", sp.Integer(3))))
    a, b, c, d = load(spec_)(np.array([1.0, 2.0]), 3.0)
    np.testing.assert_array_equal(a, [3.0, 6.0])
    np.testing.assert_array_equal(b, a)
    np.testing.assert_array_equal(c, [3.0, 3.0])
    np.testing.assert_array_equal(d, [3.0, 3.0])
    assert len({id(v) for v in (a, b, c, d)}) == 4


def test_reserved_argument_names():
    numpy_sym = sp.Symbol("numpy", real=True)
    with pytest.raises(ValueError, match="reserved by the NumPy target"):
        emit(KernelSpec("bad", "codegen_tests", (numpy_sym,), (("q", numpy_sym),)))


@pytest.mark.parametrize("n", [1, 2, 33])
def test_tiny_sizes(n):
    args = sample(n, seed=n)
    for g, r in zip(load(spec("mixed"))(*args, block=16), reference("mixed", args)):
        assert_close(g, r, TOLERANCE["float64"])


def test_piecewise_with_a_repeated_branch_value():
    a, b = x * y + 1, x - y
    pw = sp.Piecewise((a, x > 0), (b, y > 0), (a, True))
    f = load(KernelSpec("repeat", "codegen_tests", (x, y), (("q", pw * 2),)))
    xs = np.array([1.0, 1.0, -1.0, -1.0])
    ys = np.array([1.0, -1.0, 1.0, -1.0])
    (q,) = f(xs, ys)
    np.testing.assert_array_equal(q, 2 * np.array([2.0, 0.0, -2.0, 2.0]))


def test_branches_that_apply_the_same_function_select_its_argument():
    both = sp.Piecewise((sp.sqrt(x), x >= 0), (sp.sqrt(-x), True))
    source = emit(KernelSpec("hoist", "codegen_tests", (x,), (("q", both),)))
    assert "\n".join(_body(source)).count("numpy.sqrt(") == 1
    assert "errstate" not in source
    twice = sp.Piecewise((y * phi1(x * y), x >= 0), (y * phi1(-x * y), True))
    source = emit(KernelSpec("hoist2", "codegen_tests", (x, y), (("q", twice),)))
    assert "\n".join(_body(source)).count("numpy.expm1(") == 1
    (q,) = load(KernelSpec("hoist2", "codegen_tests", (x, y), (("q", twice),)))(
        np.array([-1.0, 0.0, 2.0]), 0.5)
    np.testing.assert_allclose(q, 0.5 * np.array([np.expm1(0.5) / 0.5, 1.0,
                                                  np.expm1(1.0)]), rtol=1e-15)


def test_exponentials_of_multiples_are_computed_once():
    expr = sp.exp(-2 * t) + 3 * sp.exp(-t) + sp.exp(-4 * t)
    k = KernelSpec("multiples", "codegen_tests", (t,), (("q", expr),))
    assert "\n".join(_body(emit(k))).count("numpy.exp(") == 1
    ts = np.array([0.0, 0.5, 3.0])
    np.testing.assert_allclose(load(k)(ts)[0],
                               np.exp(-2 * ts) + 3 * np.exp(-ts) + np.exp(-4 * ts),
                               rtol=1e-15)


def test_infinite_constants_and_if_then_else_conditions():
    logx = sp.Piecewise((sp.log(x), x > 0), (-sp.oo, True))
    cond = sp.ITE(x > 0, y > 0, y < -1)
    k = KernelSpec("ite", "codegen_tests", (x, y),
                   (("l", logx), ("c", sp.Piecewise((1, cond), (0, True)))))
    xs = np.array([-1.0, 0.0, 1.0, 1.0, -1.0])
    ys = np.array([0.0, 0.0, 1.0, -1.0, -2.0])
    logs, c = load(k)(xs, ys)
    np.testing.assert_array_equal(logs, [-np.inf, -np.inf, 0.0, 0.0, -np.inf])
    np.testing.assert_array_equal(c, [0.0, 0.0, 1.0, 0.0, 1.0])


def test_logz_is_minus_infinity_at_zero_without_warnings():
    from exactflow.symbolic.spec.functions import logz

    k = KernelSpec("logz", "codegen_tests", (x,), (("q", logz(x) + 1),))
    (q,) = load(k)(np.array([0.0, 1.0, np.e]))
    np.testing.assert_array_equal(q, [-np.inf, 1.0, 2.0])


def test_a_nested_branch_on_a_scalar_condition_is_skipped_and_right():
    """u < 0 selects a branch that is itself a Piecewise (as in the two-layer
    λ-balanced kernel): where u ≥ 0 in a whole block, its exp and log are not
    evaluated; the values equal the formula written out."""
    t, u = sp.symbols("t u", real=True)
    e = sp.exp(u * t)
    inner = sp.Piecewise((2 * e, e > sp.Rational(1, 2)), (u * sp.log(t + 2), True))
    w = sp.Piecewise((0, sp.Eq(u, 0)), (inner, u < 0), (t * u + 1, True))
    k = KernelSpec("nested", "test", (t, u), (("w", w), ("w2", w**2 + t)))
    source = emit(k)
    f, counts = load_counting(source, "nested")
    tt = np.linspace(0.0, 5.0, 3000)

    def ref(uu):
        ee = np.exp(uu * tt)
        w_ = np.where(uu == 0, 0.0, np.where(uu < 0, np.where(
            ee > 0.5, 2 * ee, uu * np.log(tt + 2)), tt * uu + 1))
        return w_, w_**2 + tt

    for uu in (0.7, 0.0, -0.3):
        counts.clear()
        got = f(tt, uu, block=1000)
        for g, r in zip(got, ref(uu)):
            np.testing.assert_allclose(g, r, rtol=1e-15, atol=0)
        skipped = uu >= 0
        assert (counts.get("exp", 0) == 0) == skipped, (uu, counts)
        assert (counts.get("log", 0) == 0) == skipped, (uu, counts)


def test_a_select_output_computes_its_default_in_place():
    x_, y_ = sp.symbols("x y", real=True)
    k = KernelSpec("sel", "test", (x_, y_),
                   (("q", sp.Piecewise((x_ - y_, x_ > 1), (x_ * y_ + 1, True))),))
    source = emit(k)
    body = source.split("_blk = _pre + (slice(_lo, _hi),)\n")[-1]
    assert re.search(r"numpy\.add\(.*, out=_v_out_q_\d+\)", body)  # straight in
    assert not re.search(r"numpy\.copyto\(_v_out_q_\d+, _[rt]\d+\)", body)
    xs, ys = np.linspace(-3, 3, 101), np.linspace(2, -2, 101)
    (got,) = load(k)(xs, ys)
    np.testing.assert_array_equal(got, np.where(xs > 1, xs - ys, xs * ys + 1))
