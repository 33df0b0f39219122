"""Catalog kernels in the trajectory layout through the Numba target.

A trajectory (the first input an array, every other a scalar) runs the
one-column loop nest, whose innermost loop calls the arithmetic exp, expm1,
φ₁, log, log1p and logz helpers (``numba/vecmath.py``); the flat loop of
``test_catalog.py`` never reaches it.  Each kernel here is compared with its
NumPy kernel (libm's and NumPy's own functions) at random points of its
domain, t from 0 to 10⁵ (the diagonal map's R over a range where its value,
e^{4ηR}, is finite).
"""

from __future__ import annotations

import numpy as np
import pytest

import exactflow

pytest.importorskip("numba", reason="numba (exactflow[numba]) not installed")

#: (derivation, kernel, {input: (low, high)} where the domain is not (0.1, 1.5));
#: the first input is t from 0 to 10⁵, or uniform in its range when given
CASES = [
    ("multi_neuron_linear", "exact", {}),
    ("diagonal_linear", "exact", {"r": (-40.0, 40.0)}),  # e^{±4ηr}: the value
    ("diagonal_linear", "whitened", {"s": (-1.5, 1.5)}),
    ("two_layer_linear_balanced", "exact", {"u0": (-1.5, 1.5), "lam": (-1.5, 1.5)}),
    ("wide_linear_scalar", "exact", {"P_minus": (-2.0, -0.01), "beta": (-2.0, 2.0)}),
]


@pytest.mark.parametrize("name, kernel, ranges", CASES,
                         ids=[f"{n}-{k}" for n, k, _ in CASES])
def test_trajectory_nest_equals_numpy(name, kernel, ranges):
    from exactflow.codegen.targets.numba.loader import VECTOR_MIN

    d = exactflow.derivation(name)
    inputs = [s.name for s in d.kernel_exprs(kernel).inputs]
    numba_kernel = d.kernel("numba", kernel=kernel)
    numpy_kernel = d.kernel(kernel=kernel)
    rng = np.random.default_rng(7)
    first = (rng.uniform(*ranges[inputs[0]], VECTOR_MIN) if inputs[0] in ranges
             else 10.0 ** rng.uniform(-3, 5, VECTOR_MIN))
    t = np.concatenate([[0.0], first])
    for _ in range(3):
        point = [rng.uniform(*ranges.get(n, (0.1, 1.5))) for n in inputs[1:]]
        plan = numba_kernel.plan(t, *point)
        assert plan is not None and plan.pattern == "o" + "c" * len(point)
        got, ref = numba_kernel(t, *point), numpy_kernel(t, *point)
        for g, r in zip(got, ref):
            assert np.isfinite(r).all(), (name, kernel, point)  # in the domain
            np.testing.assert_allclose(g, r, rtol=1e-11, atol=1e-14)


def test_learning_time_nest_equals_numpy_on_both_sides_of_the_switch():
    # u0 varying (the nest) against a fixed uf on each of the three trajectories
    # (in (0, s): u_f/u_0 > 1; above s and negative: u_f/u_0 above and below 1/2)
    from exactflow.codegen.targets.numba.loader import VECTOR_MIN

    d = exactflow.derivation("deep_linear_modes")
    numba_kernel = d.kernel("numba", kernel="learning_time")
    numpy_kernel = d.kernel(kernel="learning_time")
    rng = np.random.default_rng(11)
    s = 2.0
    for uf, low, high in ((1.9, 1e-6, 1.9), (2.0 + 1e-3, 2.0 + 1e-3, 50.0),
                          (-1e-3, 1e-3, 40.0)):  # |u0| log-uniform
        u0 = np.copysign(np.exp(rng.uniform(np.log(low), np.log(high),
                                            VECTOR_MIN)), uf)
        plan = numba_kernel.plan(u0, uf, s, 0.7)
        assert plan is not None and plan.pattern == "occc"
        ratio = uf / u0
        assert (ratio >= 0.5).any() and ((ratio < 0.5).any() or uf < s)
        (got,), (ref,) = numba_kernel(u0, uf, s, 0.7), numpy_kernel(u0, uf, s, 0.7)
        assert np.isfinite(ref).all()
        np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kernel", ["relu", "leaky_relu", "erf", "linear"])
def test_infinite_width_nests_with_hypot_and_atan_helpers_equal_numpy(kernel, dtype):
    # k11 varying (the one-column nest, whose loop calls the hypot, atan and
    # atan2 helpers), the other inputs fixed: s = sqrt(k11 k22 - k12²) and
    # θ = atan2(s, k12) as at k11 = 1 (the kernels take them as given)
    from exactflow.codegen.targets.numba.loader import VECTOR_MIN

    d = exactflow.derivation("infinite_width")
    rng = np.random.default_rng(5)
    k11 = rng.uniform(0.05, 3.0, VECTOR_MIN).astype(dtype)
    k22, k12 = 1.1, -0.3
    s = float(np.sqrt(k22 - k12**2))
    point = [k22, k12, s, float(np.arctan2(s, k12)), 1.2, 0.3]
    point += [0.1] if kernel == "leaky_relu" else []
    args = [k11] + [np.asarray(v, dtype=dtype) for v in point]
    numba_kernel = d.kernel("numba", kernel=kernel, dtype=dtype)
    plan = numba_kernel.plan(*args)
    assert plan is not None and plan.pattern == "o" + "c" * len(point)
    got = numba_kernel(*args)
    ref = d.kernel(kernel=kernel, dtype=dtype)(*args)
    rtol = 1e-14 if dtype == "float64" else 1e-6
    for g, r in zip(got, ref):
        assert g.dtype == np.dtype(dtype) and np.isfinite(r).all()
        np.testing.assert_allclose(g, r, rtol=rtol, atol=0)
