"""KernelSpec validation: names, dtype, declared inputs, real outputs."""

from __future__ import annotations

import pytest
import sympy as sp

from exactflow.codegen import DTYPES, KernelSpec

x, y = sp.symbols("x y", real=True)


def test_valid_spec_is_normalised_to_tuples():
    spec = KernelSpec("k", "toy", [x, y], [("s", x + y), ["p", x * y]])
    assert spec.inputs == (x, y)
    assert spec.outputs == (("s", x + y), ("p", x * y))
    assert spec.input_names == ("x", "y")
    assert spec.output_names == ("s", "p")
    assert spec.dtype == "float64"
    hash(spec)  # frozen and hashable: it keys the emit memo


def test_outputs_may_not_use_undeclared_symbols():
    z, w = sp.symbols("z w")
    with pytest.raises(ValueError, match=r"undeclared symbols \['w', 'z'\]"):
        KernelSpec("k", "toy", (x,), (("s", x + z + w),))


def test_piecewise_condition_symbols_count_as_used():
    z = sp.Symbol("z", real=True)
    with pytest.raises(ValueError, match=r"undeclared symbols \['z'\]"):
        KernelSpec("k", "toy", (x,), (("s", sp.Piecewise((x, z > 0), (0, True))),))


@pytest.mark.parametrize("dtype", ["float16", "double", None, "int64"])
def test_dtype_is_checked(dtype):
    message = r"dtype must be one of \['float64', 'float32'\]"
    with pytest.raises(ValueError, match=message):
        KernelSpec("k", "toy", (x,), (("s", x),), dtype)


def test_both_dtypes_are_accepted():
    for dtype in DTYPES:
        assert KernelSpec("k", "toy", (x,), (("s", x),), dtype).dtype == dtype


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "1k"}, "kernel name must be a Python identifier"),
        ({"name": "class"}, "kernel name must be a Python identifier"),
        ({"name": "_k"}, "reserved"),
        ({"derivation": "single-neuron"}, "derivation name must be a Python"),
        ({"outputs": (("a b", x),)}, "output must be a Python identifier"),
        ({"outputs": (("_t0", x),)}, "reserved"),
        ({"inputs": (sp.Symbol("_t0"),), "outputs": (("s", sp.Symbol("_t0")),)},
         "reserved"),
        ({"inputs": (sp.Symbol("lambda"),), "outputs": (("s", sp.Symbol("lambda")),)},
         "input must be a Python identifier"),
    ],
)
def test_names_are_identifiers_and_not_reserved(kwargs, message):
    args = {"name": "k", "derivation": "toy", "inputs": (x,), "outputs": (("s", x),)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        KernelSpec(**args)


def test_repeated_names_are_refused():
    with pytest.raises(ValueError, match="repeated input names"):
        KernelSpec("k", "toy", (x, x), (("s", x),))
    with pytest.raises(ValueError, match="repeated output names"):
        KernelSpec("k", "toy", (x,), (("s", x), ("s", 2 * x)))


def test_inputs_must_be_symbols():
    with pytest.raises(TypeError, match="inputs must be sympy Symbols"):
        KernelSpec("k", "toy", (x + 1,), (("s", x),))


def test_outputs_must_be_real_expressions():
    with pytest.raises(TypeError, match="must be a real expression"):
        KernelSpec("k", "toy", (x,), (("s", x > 0),))
    with pytest.raises(TypeError, match="name, expression"):
        KernelSpec("k", "toy", (x,), (x,))
    with pytest.raises(ValueError, match="without I"):
        KernelSpec("k", "toy", (x,), (("s", sp.I * x),))
    with pytest.raises(ValueError, match="at least one output"):
        KernelSpec("k", "toy", (x,), ())
