"""``out=``: the NumPy and Numba kernels write into arrays the caller gives.

The values must be those of a call without ``out`` (which the other tests check
against lambdify and mpmath), in every layout a kernel takes — flat, a grid of
lines, a single point, blocks shared by threads, Numba's loop nests and its flat
loop — and a bad ``out`` must be refused with an error naming it, before anything
is written.
"""

from __future__ import annotations

import numpy as np
import pytest
from codegen_cases import spec

from exactflow.codegen import load

TARGETS = ["numpy", "numba"]


@pytest.fixture(scope="module", params=TARGETS)
def mixed(request):
    if request.param == "numba":
        pytest.importorskip("numba", reason="numba (exactflow[numba]) not installed")
    return request.param, load(spec("mixed"), request.param)


def _layouts():
    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, 5000)
    return {
        "flat": (x, rng.uniform(-2, 2, 5000), rng.uniform(0, 3, 5000)),
        "grid": (x[:60, None], rng.uniform(-2, 2, (1, 9)), 0.7),
        "trajectory": (0.3, -1.1, np.linspace(0.0, 3.0, 5000)),  # one column
        "small": (x[:7], 0.4, 1.5),  # Numba: the flat loop
        "point": (0.3, -1.1, 2.0),
    }


@pytest.mark.parametrize("layout", list(_layouts()))
def test_out_receives_the_values_of_a_call_without_it(mixed, layout):
    target, f = mixed
    args = _layouts()[layout]
    ref = f(*args)
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    out = tuple(np.full(shape, np.nan) for _ in ref)
    extra = {"threads": 2, "block": 300} if target == "numpy" else {}
    got = f(*args, out=out, **extra)
    assert isinstance(got, tuple) and all(g is o for g, o in zip(got, out))
    for g, r in zip(got, ref):
        np.testing.assert_array_equal(g, r)  # bit for bit (NaN where both are)


def test_out_reused_across_calls(mixed):
    _, f = mixed
    t = np.linspace(0.0, 3.0, 5000)
    out = tuple(np.empty(t.shape) for _ in spec("mixed").outputs)
    for x in (0.3, -1.7):
        got = f(x, 0.5, t, out=out)
        for g, r in zip(got, f(x, 0.5, t)):
            np.testing.assert_array_equal(g, r)


def _bad_outs(n: int, shape: tuple, inputs: tuple):
    good = [np.zeros(shape) for _ in range(n)]
    strided = np.empty(shape[:-1] + (2 * shape[-1],))[..., ::2]
    frozen = np.empty(shape)
    frozen.flags.writeable = False
    return [
        (TypeError, r"out must be a tuple of 6 arrays \(u, v, w, z, c, k\), got a list "
                    r"of 6", list(good)),
        (TypeError, r"got a tuple of 5", tuple(good[:5])),
        (TypeError, r"out\[2\] \(w\) must be a numpy array of dtype float64, got "
                    r"float32", (*good[:2], np.zeros(shape, np.float32), *good[3:])),
        (TypeError, r"out\[0\] \(u\) must be a numpy array", ([0.0] * 3, *good[1:])),
        (ValueError, r"out\[1\] \(v\) must have the broadcast shape \(40,\), got "
                     r"\(41,\)", (good[0], np.empty(41), *good[2:])),
        (ValueError, r"out\[3\] \(z\) must be C-contiguous and writeable",
         (*good[:3], strided, *good[4:])),
        (ValueError, r"out\[5\] \(k\) must be C-contiguous and writeable",
         (*good[:5], frozen)),
        (ValueError, r"out\[0\] \(u\) shares memory with an input",
         (inputs[0], *good[1:])),
        (ValueError, r"out\[4\] \(c\) shares memory with an input or another output",
         (*good[:4], good[1], good[5])),
    ]


def test_bad_out_is_refused_and_nothing_written(mixed):
    _, f = mixed
    x = np.linspace(-1.0, 1.0, 40)
    inputs = (x, np.full(40, 0.5), np.linspace(0.0, 2.0, 40))
    before = [a.copy() for a in inputs]
    for error, message, out in _bad_outs(6, (40,), inputs):
        marked = [o for o in out if isinstance(o, np.ndarray) and o.flags.writeable]
        for o in marked:
            if not any(np.may_share_memory(o, a) for a in inputs):
                o.fill(-7.0)
        with pytest.raises(error, match=message):
            f(*inputs, out=out)
        for o in marked:
            if not any(np.may_share_memory(o, a) for a in inputs):
                assert np.all(o == -7.0)
    for a, b in zip(inputs, before):
        np.testing.assert_array_equal(a, b)
