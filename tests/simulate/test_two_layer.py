"""The batched two-layer engine against the per-network reference loop.

The reference (``two_layer_reference``) is the authors' algorithm written
from the paper: one plain NumPy GD loop per network on (1/n)Σ(f − y)² with step
lr, i.e. the engine's rates η = 2·lr on the project's ½-mean loss.  Metrics are
checked against their definitions computed naively (explicit Jacobian NTK,
entry-by-entry Hamming distance).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from exactflow.simulate import two_layer
from exactflow.simulate.two_layer import fused
from exactflow.simulate.two_layer.steps import FusedSteps, GemmSteps

from . import two_layer_reference as ref

needs_numba = pytest.mark.skipif(not fused.available(), reason="numba is missing")


def _batch(seed, G=2, B=3, h=8, d=5, n=16, m=30, scale=0.8):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(G, n, d)) / np.sqrt(d)
    y = rng.normal(size=(G, n))
    W0 = scale * rng.normal(size=(G, B, h, d)) / np.sqrt(d)
    a0 = scale * rng.normal(size=(G, B, h)) / np.sqrt(h)
    lr = rng.uniform(0.02, 0.08, size=(G, B))  # every network its own step
    Xt, yt = rng.normal(size=(G, m, d)) / np.sqrt(d), rng.normal(size=(G, m))
    return X, y, W0, a0, lr, Xt, yt


def _rel(a, b):
    return np.abs(a - b).max() / np.abs(b).max()


@pytest.mark.parametrize("method", [
    "gemm", pytest.param("fused", marks=needs_numba)])
@pytest.mark.parametrize("gamma", [0.0, 0.1])
def test_1000_steps_equal_the_authors_loop(method, gamma):
    X, y, W0, a0, lr, Xt, yt = _batch(1)
    marks = [0, 1, 10, 500, 1000]
    run = two_layer.gd(X, y, W0, a0, eta_a=2 * lr, eta_w=2 * lr, steps=1000,
                       gamma=gamma, checkpoints=marks, X_test=Xt, y_test=yt,
                       method=method, keep_path=True)
    assert run.method == method and run.W.shape == W0.shape
    G, B = lr.shape
    worst = 0.0
    for g in range(G):
        for b in range(B):
            W1, a1, saved = ref.gd_loop(X[g], y[g], W0[g, b], a0[g, b], lr[g, b],
                                        1000, gamma, marks)
            worst = max(worst, _rel(run.W[g, b], W1), _rel(run.a[g, b], a1))
            for j, (Wj, aj) in enumerate(saved):
                worst = max(worst, _rel(run.path[0][g, b, j], Wj),
                            _rel(run.path[1][g, b, j], aj))
            # metrics against their naive definitions, at the last checkpoint
            eta = 2 * lr[g, b]
            K0 = ref.ntk(X[g], W0[g, b], a0[g, b], gamma, eta, eta)
            K1 = ref.ntk(X[g], W1, a1, gamma, eta, eta)
            got = {k: v[g, b, -1] for k, v in run.metrics.items()}
            np.testing.assert_allclose(got["kernel_distance"],
                                       ref.kernel_distance(K0, K1), rtol=1e-9)
            assert got["hamming"] == pytest.approx(ref.hamming(X[g], W0[g, b], W1),
                                                   abs=1e-12)
            np.testing.assert_allclose(got["param_distance"], ref.param_distance(
                W0[g, b], a0[g, b], W1, a1), rtol=1e-10)
            np.testing.assert_allclose(got["train_mse"],
                                       ref.mse(X[g], y[g], W1, a1, gamma), rtol=1e-10)
            np.testing.assert_allclose(got["test_mse"],
                                       ref.mse(Xt[g], yt[g], W1, a1, gamma), rtol=1e-10)
    assert worst < 1e-12, worst
    # the networks moved and their patterns changed: the checks are not vacuous
    assert run.metrics["hamming"][..., -1].min() > 0
    assert run.metrics["kernel_distance"][..., -1].min() > 1e-4


def test_the_numpy_pass_equals_the_loop_too():
    # the stacked-GEMM step without numba: its NumPy pass instead of the compiled one
    X, y, W0, a0, lr, _, _ = _batch(2, G=1, B=4)
    W, a = W0.copy(), a0.copy()
    eta = np.ascontiguousarray(2 * lr)
    GemmSteps(X, y, W, a, eta, eta, 0.05, compiled=False).advance(1000)
    for b in range(4):
        W1, a1, _ = ref.gd_loop(X[0], y[0], W0[0, b], a0[0, b], lr[0, b], 1000, 0.05)
        assert _rel(W[0, b], W1) < 1e-12 and _rel(a[0, b], a1) < 1e-12


@pytest.mark.parametrize("d", [1, 2, 4])
@pytest.mark.parametrize("kind", [
    "gemm-blocks", "numpy-blocks", pytest.param("fused", marks=needs_numba)])
def test_small_inputs_and_blocks_of_networks_equal_the_loop(kind, d):
    # d = 1 and 2 take the compiled loop's special first/last coordinate paths,
    # n odd its last unpaired sample; blocks of 2 networks out of 5 (uneven) take
    # the blocked GEMM path
    X, y, W0, a0, lr, _, _ = _batch(8, G=2, B=5, h=6, d=d, n=9)
    W, a = W0.copy(), a0.copy()
    eta = np.ascontiguousarray(2 * lr)
    if kind == "fused":
        FusedSteps(X, y, W, a, eta, eta, 0.1).advance(300)
    else:
        GemmSteps(X, y, W, a, eta, eta, 0.1, compiled=kind == "gemm-blocks"
                  and fused.available(), block=2).advance(300)
    for g in range(2):
        for b in range(5):
            W1, a1, _ = ref.gd_loop(X[g], y[g], W0[g, b], a0[g, b], lr[g, b], 300,
                                    0.1)
            assert _rel(W[g, b], W1) < 1e-12 and _rel(a[g, b], a1) < 1e-12
            assert _rel(W1, W0[g, b]) > 1e-3  # it moved


@needs_numba
def test_threads_do_not_change_a_bit():
    import numba

    X, y, W0, a0, lr, _, _ = _batch(3, G=2, B=5, h=6, d=2, n=12)
    runs = []
    for threads in (1, numba.config.NUMBA_NUM_THREADS):
        numba.set_num_threads(threads)
        try:
            runs.append(two_layer.gd(X, y, W0, a0, eta_a=lr, eta_w=lr, steps=300,
                                     method="fused"))
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    np.testing.assert_array_equal(runs[0].W, runs[1].W)
    np.testing.assert_array_equal(runs[0].a, runs[1].a)


@pytest.mark.parametrize("method", [
    "gemm", pytest.param("fused", marks=needs_numba)])
def test_float32_follows_float64(method):
    X, y, W0, a0, lr, _, _ = _batch(4, G=1)
    r64 = two_layer.gd(X[0], y[0], W0[0], a0[0], eta_a=lr[0], eta_w=lr[0],
                       steps=200, method=method)
    r32 = two_layer.gd(X[0], y[0], W0[0], a0[0], eta_a=lr[0], eta_w=lr[0],
                       steps=200, method=method, dtype="float32")
    assert r32.W.dtype == np.float32 and r32.metrics["train_mse"].dtype == np.float64
    assert _rel(r32.W.astype(float), r64.W) < 1e-4
    assert _rel(r32.a.astype(float), r64.a) < 1e-4
    assert _rel(r32.W.astype(float), r64.W) > 0  # it really ran in float32


def test_shared_data_equals_per_group_data():
    X, y, W0, a0, lr, _, _ = _batch(5, G=1, B=4)
    shared = two_layer.gd(X[0], y[0], W0[0], a0[0], eta_a=lr[0], eta_w=2 * lr[0],
                          steps=50, method="gemm")
    grouped = two_layer.gd(X, y, W0, a0, eta_a=lr, eta_w=2 * lr, steps=50,
                           method="gemm")
    np.testing.assert_array_equal(shared.W, grouped.W[0])
    assert shared.metrics["hamming"].shape == (4, 2)  # (B, checkpoints 0 and 50)


def test_gradient_flow_matches_dop853():
    X, y, W0, a0, _, Xt, yt = _batch(6, G=1, B=2, h=4, d=3, n=8)
    times = [0.0, 0.5, 1.5]
    run = two_layer.flow(X[0], y[0], W0[0], a0[0], eta_a=1.0, eta_w=0.5,
                         times=times, gamma=0.1, rtol=1e-11, atol=1e-13,
                         keep_path=True, X_test=Xt[0], y_test=yt[0])
    h, d = 4, 3
    for b in range(2):
        def f(_, th):
            a, W = th[:h], th[h:].reshape(h, d)
            Z = X[0] @ W.T
            c = np.where(Z >= 0, 1.0, 0.1)
            r = (c * Z) @ a - y[0]
            n = len(r)
            return np.concatenate([-(c * Z).T @ r / n,
                                   -0.5 * ((c * r[:, None] * a).T @ X[0]).ravel() / n])

        sol = solve_ivp(f, (0, 1.5), np.concatenate([a0[0, b], W0[0, b].ravel()]),
                        method="DOP853", rtol=1e-12, atol=1e-14, t_eval=times)
        np.testing.assert_allclose(run.path[0][b], sol.y[h:].T.reshape(3, h, d),
                                   rtol=1e-6, atol=1e-8)
        np.testing.assert_allclose(run.path[1][b], sol.y[:h].T, rtol=1e-6, atol=1e-8)
    assert run.method == "dopri5" and run.metrics["test_mse"].shape == (2, 3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(gamma=1.0), "gamma"),
    (dict(dtype="float16"), "dtype"),
    (dict(method="cuda-ish"), "method"),
    (dict(checkpoints=[0, 20]), "checkpoints"),
    (dict(steps=-1), "steps"),
    (dict(eta_a=-1.0), "eta_a"),
    (dict(eta_w=np.ones(7)), "eta_w"),
    (dict(X_test=np.ones((3, 5))), "X_test"),
])
def test_bad_input_names_the_argument(kwargs, match):
    X, y, W0, a0, lr, _, _ = _batch(0, G=1)
    args = dict(eta_a=0.1, eta_w=0.1, steps=10)
    args.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        two_layer.gd(X[0], y[0], W0[0], a0[0], **args)
    with pytest.raises(ValueError, match="W0"):
        two_layer.gd(X[0], y[0], W0[0, :, :, :3], a0[0], eta_a=0.1, eta_w=0.1,
                     steps=1)
    with pytest.raises(ValueError, match="a0"):
        two_layer.gd(X[0], y[0], W0[0], a0[0, :, :3], eta_a=0.1, eta_w=0.1, steps=1)


@pytest.mark.parametrize("method", [
    "gemm", pytest.param("fused", marks=needs_numba)])
def test_divergence_is_an_error_not_nan(method):
    X, y, W0, a0, _, _, _ = _batch(7, G=1)
    with pytest.raises(ValueError, match="diverged"):
        two_layer.gd(X[0], 100 * y[0], W0[0], a0[0], eta_a=1e3, eta_w=1e3,
                     steps=500, method=method)
