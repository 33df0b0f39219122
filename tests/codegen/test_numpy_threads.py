"""Generated NumPy kernels sharing their blocks among threads.

The blocks of one call are cut into runs, one per thread; each block is computed
by the same operations whichever thread takes it, so the result must be the
same, bit for bit, for every number of threads and every layout (outer loops,
a short last block, groups hoisted per grid line, branches taken in a few
blocks only).  Values themselves are checked against lambdify and mpmath in
``test_numpy_target.py``; here one thread is the reference of many.
"""

from __future__ import annotations

import os
import threading
import time
import warnings

import numpy as np
import pytest
import sympy as sp
from codegen_cases import lambdified, sample, spec

import exactflow
from exactflow.codegen import KernelSpec, load
from exactflow.codegen.targets.numpy.loader import load_counting

LAYOUTS = {
    "flat": lambda rng: [rng.uniform(-2, 2, 30_011), rng.uniform(-2, 2, 30_011),
                         rng.uniform(0, 3, 30_011)],
    "grid": lambda rng: [rng.uniform(-2, 2, (97, 1)), rng.uniform(-2, 2, (1, 311)),
                         np.float64(0.7)],
    "outer loops": lambda rng: [rng.uniform(-2, 2, (3, 5, 1, 1)),
                                rng.uniform(-2, 2, (1, 1, 7, 1)),
                                rng.uniform(0, 3, (1, 1, 1, 2003))],
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("threads", [2, 3, 7])
def test_same_bits_for_every_number_of_threads(layout, threads):
    f = load(spec("mixed"))
    args = LAYOUTS[layout](np.random.default_rng(len(layout)))
    one = f(*args, block=500, threads=1)
    many = f(*args, block=500, threads=threads)
    for a, b in zip(one, many):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)  # (NaN where NaN: none here)
        assert a.tobytes() == b.tobytes()
    # and the values are lambdify's (a block skipped or written twice would not be)
    shape = one[0].shape
    with np.errstate(invalid="ignore"):  # lambdify evaluates both sqrt branches
        refs = lambdified("mixed")(*args)
    for got, ref in zip(many, refs):
        np.testing.assert_allclose(got, np.broadcast_to(ref, shape), rtol=1e-12,
                                   atol=1e-12)


def test_catalog_kernel_same_bits_with_the_log_form_in_a_few_blocks():
    """The single neuron's log form runs only in blocks where Λ̂ underflows
    (on the saddle's stable manifold at large t): those blocks must come out the
    same whichever thread computes them."""
    source = exactflow.derivation("single_neuron").kernel_source("numpy")
    k = exactflow.derivation("single_neuron").kernel("numpy")
    rng = np.random.default_rng(5)
    n = 40_000
    late = rng.random(n) < 0.01
    t = np.where(late, 2000.0, rng.uniform(0, 10, n))
    # a0 = p0 = 0 starts at the saddle (P = Q = 0): there Λ̂ ~ e^{-ρτ} underflows
    # at t = 2000, and only there the log form is needed
    rest = late & (rng.random(n) < 0.5)
    a0 = np.where(rest, 0.0, rng.uniform(-1, 1, n))
    p0 = np.where(rest, 0.0, rng.uniform(-1, 1, n))
    r0, s = 0.3, 0.8
    counting, calls = load_counting(source, "exact")
    counting(t, a0, p0, r0, s, 1.0, 1.0, block=512, threads=1)
    assert calls["log"] > 0  # the log form did run, in some blocks
    one = k(t, a0, p0, r0, s, 1.0, 1.0, block=512, threads=1)
    many = k(t, a0, p0, r0, s, 1.0, 1.0, block=512, threads=2)
    for a, b in zip(one, many):
        assert a.tobytes() == b.tobytes()


def test_blocks_are_computed_in_worker_threads():
    seen = set()
    spy = KernelSpec("spy", "codegen_tests", spec("plain").inputs,
                     spec("plain").outputs)
    f = load(spy)
    args = sample(50_000, seed=3)
    real = np.sqrt

    class Recorder:  # the generated module calls numpy.sqrt once per block
        def __getattr__(self, name):
            return getattr(np, name)

        @staticmethod
        def sqrt(*a, **k):
            seen.add(threading.current_thread().name)
            return real(*a, **k)

    f.__globals__["numpy"] = Recorder()
    try:
        f(*args, block=1000, threads=2)
    finally:
        f.__globals__["numpy"] = np
    assert threading.current_thread().name in seen
    assert any(name.startswith("exactflow-kernel") for name in seen), seen


@pytest.mark.parametrize("bad", [0, -2, 1.5, True, "2"])
def test_threads_must_be_a_positive_integer(bad):
    f = load(spec("plain"))
    with pytest.raises(ValueError, match=r"threads must be a positive integer or None,"
                                         rf" got {bad!r}"):
        f(1.0, 2.0, 3.0, threads=bad)
    with pytest.raises(ValueError, match="threads must be"):  # also for no points
        f(np.zeros(0), 2.0, 3.0, threads=bad)


def test_environment_sets_the_default(monkeypatch):
    f = load(spec("plain"))
    args = sample(20_000, seed=4)
    ref = f(*args, block=700, threads=1)
    monkeypatch.setenv("EXACTFLOW_NUM_THREADS", "3")
    for a, b in zip(ref, f(*args, block=700)):
        assert a.tobytes() == b.tobytes()
    for text in ("0", "two", "-1"):
        monkeypatch.setenv("EXACTFLOW_NUM_THREADS", text)
        with pytest.raises(ValueError, match=rf"EXACTFLOW_NUM_THREADS must be a "
                                             rf"positive integer, got '{text}'"):
            f(*args)


@pytest.mark.skipif(int(np.__version__.split(".")[0]) < 2,
                    reason="NumPy < 2 keeps its error state per thread, not context")
def test_caller_error_state_holds_in_every_thread():
    x = spec("plain").inputs[0]
    f = load(KernelSpec("grow", "codegen_tests", (x,), (("g", sp.exp(x)),)))
    big = np.full(20_000, 1000.0)  # exp overflows at every point
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        f(big, block=1000, threads=2)
    with np.errstate(over="ignore"):
        assert np.isinf(f(big, block=1000, threads=2)[0]).all()


def test_no_thread_outlives_a_call():
    """Helper threads are joined before the call returns: none is left to make
    a later fork unsafe (Python 3.12 warns of forking a threaded process)."""
    f = load(spec("plain"))
    f(*sample(30_000, seed=7), block=1000, threads=3)
    assert not [t for t in threading.enumerate() if t.name == "exactflow-kernel"]


def test_a_forked_child_computes_with_threads():
    """A kernel called with threads in the parent, then in a forked child."""
    f = load(spec("plain"))
    args = sample(30_000, seed=6)
    ref = f(*args, block=1000, threads=2)
    with warnings.catch_warnings():  # (a threaded parent: Python may warn of fork)
        warnings.simplefilter("ignore")
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            got = f(*args, block=1000, threads=2)
            same = all(a.tobytes() == b.tobytes() for a, b in zip(ref, got))
            os._exit(0 if same else 3)
        except BaseException:
            os._exit(4)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail("the forked child's kernel call did not finish in 60 s")
        time.sleep(0.05)
    assert os.waitstatus_to_exitcode(status) == 0


def test_calls_from_several_threads_at_once():
    """Concurrent calls, each sharing its blocks among threads, take distinct
    scratch buffers: each result equals the same call made alone."""
    f = load(spec("mixed"))
    cases = [sample(20_000 + 997 * i, seed=10 + i) for i in range(4)]
    alone = [f(*args, block=700, threads=1) for args in cases]
    results = [None] * len(cases)

    def call(i):
        for _ in range(3):
            results[i] = f(*cases[i], block=700, threads=2)

    callers = [threading.Thread(target=call, args=(i,)) for i in range(len(cases))]
    for c in callers:
        c.start()
    for c in callers:
        c.join()
    for one, got in zip(alone, results):
        for a, b in zip(one, got):
            assert a.tobytes() == b.tobytes()

