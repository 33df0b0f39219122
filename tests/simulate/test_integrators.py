"""Batched RK4 and Dormand–Prince 5(4) on generated flow kernels."""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp
from common import DTYPE_TOL

from exactflow.derivations import single_neuron as sn
from exactflow.derivations import zoo
from exactflow.simulate import (
    DENSE,
    DOPRI5,
    RK4,
    IntegrationError,
    compile_flow,
    dopri5,
    rk4,
)

from .references import sn_whitened_rhs, tll_grad

integrate = pytest.importorskip("scipy.integrate", reason="scipy is the reference")

D = 3
T_END = 4.0
T_EVAL = np.linspace(0.0, T_END, 9)


def _fk(dtype="float64"):
    return compile_flow(sn.model(D, whitened=True), dtype)


def _problem(seed: int, batch: int):
    """Random whitened single-neuron problems, every constant per trajectory."""
    rng = np.random.default_rng(seed)
    a0 = rng.normal(size=batch)
    w0 = rng.normal(size=(batch, D))
    beta = rng.normal(size=(batch, D))
    eta_a, eta_w = rng.uniform(0.3, 3.0, batch), rng.uniform(0.3, 3.0, batch)
    consts = {"eta_a": eta_a, "eta_w": eta_w}
    consts |= {f"beta_star{i}": beta[:, i] for i in range(D)}
    return a0, w0, beta, eta_a, eta_w, consts


@functools.cache
def _closed_form():
    """The exact solution (docs/math/single_neuron.md §5), lambdified with NumPy.

    ``sn.solution(D)`` is the unified closed form itself; ``trajectory`` (its
    overflow-safe generated kernel) is checked in the slow test below, because
    generating that kernel takes tens of seconds.
    """
    sol = sn.solution(D)
    sy = sn.symbols(D)
    args = (sol.time, sn.a_init) + sy["w_init"] + sy["beta_star"] + (sn.eta_a, sn.eta_w)
    exprs = [sol.state[sn.a]] + [sol.state[w] for w in sy["w"]]
    return sp.lambdify(args, exprs, "numpy", cse=True)


def _exact(t, a0, w0, beta, eta_a, eta_w):
    """The exact solution at times ``t``, shape (B, T, 1 + D)."""
    f = _closed_form()
    rows = []
    for i in range(len(a0)):
        values = f(t, a0[i], *w0[i], *beta[i], eta_a[i], eta_w[i])
        rows.append(np.stack([np.broadcast_to(v, t.shape) for v in values], axis=1))
    return np.stack(rows)


def _dop853(y0, t_eval, rhs):
    sol = integrate.solve_ivp(lambda t, y: rhs(y), (t_eval[0], t_eval[-1]), y0,
                              method="DOP853", rtol=1e-12, atol=1e-14, t_eval=t_eval)
    assert sol.success
    return sol.y.T


# ---------------------------------------------------------------------- tableaux


def _trees(order: int):
    """Rooted trees with ``order`` nodes, as sorted tuples of subtrees."""
    if order == 1:
        return [()]
    out = set()
    for split in _partitions(order - 1):
        for children in itertools.product(*(_trees(k) for k in split)):
            out.add(tuple(sorted(children)))
    return sorted(out)


def _partitions(n, largest=None):
    largest = n if largest is None else largest
    if n == 0:
        yield ()
        return
    for k in range(min(n, largest), 0, -1):
        for rest in _partitions(n - k, k):
            yield (k,) + rest


def _size(tree) -> int:
    return 1 + sum(_size(c) for c in tree)


def _gamma(tree) -> int:
    g = _size(tree)
    for c in tree:
        g *= _gamma(c)
    return g


def _stage_weights(tab, tree):
    """g_i(tree) = Π_children Σ_j a_ij g_j(child)."""
    out = []
    for i, row in enumerate(tab.a):
        prod = Fraction(1)
        for child in tree:
            g = _stage_weights(tab, child)
            prod *= sum((a * g[j] for j, a in enumerate(row)), Fraction(0))
        out.append(prod)
    return out


def _order(tab, weights) -> int:
    """Largest p with Σ b_i g_i(t) = 1/γ(t) for every tree of order ≤ p."""
    for p in range(1, 8):
        for tree in _trees(p):
            phi = sum(b * g for b, g in zip(weights, _stage_weights(tab, tree)))
            if phi != Fraction(1, _gamma(tree)):
                return p - 1
    return 7


def test_tableaux_satisfy_their_order_conditions():
    assert [len(_trees(p)) for p in range(1, 6)] == [1, 1, 2, 4, 9]
    assert _order(RK4, RK4.b) == 4
    assert _order(DOPRI5, DOPRI5.b) == 5
    embedded = [b - e for b, e in zip(DOPRI5.b, DOPRI5.e)]
    assert _order(DOPRI5, embedded) == 4
    assert DOPRI5.b[:6] == DOPRI5.a[6] and DOPRI5.b[6] == 0  # FSAL
    # the continuous extension reproduces y₁ at θ = 1: Σ D_i = 0 adds nothing
    assert sum(DENSE) == 0


# ---------------------------------------------------------------------- accuracy


@functools.cache
def _references(seed: int, batch: int):
    """(exact, DOP853 at rtol 1e-12) for :func:`_problem` (seed, batch)."""
    a0, w0, beta, eta_a, eta_w, _ = _problem(seed, batch)
    exact = _exact(T_EVAL, a0, w0, beta, eta_a, eta_w)
    ref = np.stack([_dop853(np.concatenate([[a0[i]], w0[i]]), T_EVAL,
                            lambda y, i=i: sn_whitened_rhs(y, eta_a[i], eta_w[i],
                                                           beta[i]))
                    for i in range(batch)])
    return exact, ref


@pytest.mark.parametrize("rtol", [1e-6, 1e-9])
def test_dopri5_agrees_with_dop853_and_the_exact_solution(rtol):
    a0, w0, beta, eta_a, eta_w, consts = _problem(11, 16)
    fk = _fk()
    atol = rtol * 1e-2
    sol = dopri5(fk, fk.pack(a=a0, w=w0), (0.0, T_END), t_eval=T_EVAL, rtol=rtol,
                 atol=atol, constants=consts)
    assert sol.y.shape == (16, len(T_EVAL), 1 + D)
    np.testing.assert_array_equal(sol.y[:, 0], fk.pack(a=a0, w=w0))
    np.testing.assert_array_equal(sol.final, sol.y[:, -1])
    exact, ref = _references(11, 16)
    assert np.abs(ref - exact).max() < 1e-10  # the references agree
    # global error of a local-error controller: a modest multiple of the tolerance
    scaled = np.abs(sol.y - ref) / (atol + rtol * np.abs(ref))
    assert scaled.max() < 100
    assert np.abs(sol.y - exact).max() < 100 * (atol + rtol * np.abs(exact).max())
    assert np.all(sol.steps > 0) and sol.steps.shape == (16,)


def test_dopri5_is_the_method_of_scipy_rk45():
    # same tableau, error norm, controller and interpolant: same steps and values
    a0, w0, beta, eta_a, eta_w, consts = _problem(5, 6)
    fk = _fk()
    sol = dopri5(fk, fk.pack(a=a0, w=w0), (0.0, T_END), t_eval=T_EVAL, rtol=1e-7,
                 atol=1e-9, constants=consts)
    for i in range(6):
        ref = integrate.solve_ivp(
            lambda t, y, i=i: sn_whitened_rhs(y, eta_a[i], eta_w[i], beta[i]),
            (0.0, T_END), fk.pack(a=a0[i], w=w0[i]), method="RK45", rtol=1e-7,
            atol=1e-9, t_eval=T_EVAL)
        assert abs(int(sol.steps[i] + sol.rejected[i]) - (ref.nfev - 2) // 6) <= 1
        np.testing.assert_allclose(sol.y[i], ref.y.T, rtol=1e-9, atol=1e-12)


def test_rk4_converges_at_order_four():
    a0, w0, beta, eta_a, eta_w, consts = _problem(2, 8)
    fk = _fk()
    exact = _exact(np.array([0.0, 2.0]), a0, w0, beta, eta_a, eta_w)[:, -1]
    errors = []
    for steps in (200, 400, 800):
        sol = rk4(fk, fk.pack(a=a0, w=w0), (0.0, 2.0), steps=steps, constants=consts)
        assert np.all(sol.steps == steps)
        errors.append(np.abs(sol.final - exact).max())
    slopes = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(slopes - 4) < 0.2), slopes  # error ratio ≈ 16 per halving


def test_rk4_hits_requested_times_exactly():
    a0, w0, beta, eta_a, eta_w, consts = _problem(4, 5)
    fk = _fk()
    state = fk.pack(a=a0, w=w0)
    t_eval = np.array([0.5, 0.7, 2.0])
    sol = rk4(fk, state, (0.0, 2.0), h=0.01, t_eval=t_eval, constants=consts)
    np.testing.assert_array_equal(sol.t, t_eval)
    # [0, 0.5] in 50 equal steps, then [0.5, 0.7] in 20: the same arithmetic
    first = rk4(fk, state, (0.0, 0.5), steps=50, constants=consts).final
    np.testing.assert_array_equal(sol.y[:, 0], first)
    second = rk4(fk, first, (0.5, 0.7), steps=20, constants=consts).final
    np.testing.assert_array_equal(sol.y[:, 1], second)
    exact = _exact(t_eval, a0, w0, beta, eta_a, eta_w)
    assert np.abs(sol.y - exact).max() < 1e-5


def test_dense_output_is_fourth_order():
    # one step of y'' = -y from (1, 0); the interpolant at h/2 has error O(h^5)
    errors = []
    for h in (0.4, 0.2, 0.1):
        sol = dopri5(lambda y: np.stack([y[:, 1], -y[:, 0]], axis=1), [[1.0, 0.0]],
                     (0.0, h), t_eval=[h / 2], rtol=0.5, atol=1.0, h0=h)
        assert sol.steps[0] == 1 and sol.rejected[0] == 0
        errors.append(np.abs(sol.y[0, 0] - [np.cos(h / 2), -np.sin(h / 2)]).max())
    slopes = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    assert np.all(np.abs(slopes - 5) < 0.4), slopes


# ---------------------------------------------------------------------- conservation


def test_delta_is_conserved_to_integrator_accuracy():
    a0, w0, beta, eta_a, eta_w, consts = _problem(8, 16)
    fk = _fk()
    t_eval = np.linspace(0.0, T_END, 21)
    delta = {}
    for rtol in (1e-6, 1e-10):
        sol = dopri5(fk, fk.pack(a=a0, w=w0), (0.0, T_END), t_eval=t_eval, rtol=rtol,
                     atol=rtol * 1e-2, constants=consts)
        values = fk.invariants(sol.y, **{k: v[:, None] for k, v in consts.items()})
        delta[rtol] = values[..., 0]
    d0 = eta_w * a0**2 - eta_a * np.sum(w0**2, axis=1)
    np.testing.assert_allclose(delta[1e-10][:, 0], d0, rtol=1e-14)
    scale = (eta_w * a0**2 + eta_a * np.sum(w0**2, axis=1))[:, None]
    drift = {r: np.abs(d - d0[:, None]) / scale for r, d in delta.items()}
    assert drift[1e-10].max() < 100 * 1e-10
    assert drift[1e-10].max() < drift[1e-6].max() / 100  # drift follows the tolerance


# ---------------------------------------------------------------------- step control


def test_step_control_is_per_trajectory():
    fk = _fk()
    n = 6
    hard = np.arange(n) % 2 == 1
    a0 = np.where(hard, 0.01, 0.5)
    w0 = np.tile([0.01, 0.02, -0.01], (n, 1))
    eta = np.where(hard, 5.0, 0.2)
    consts = {"eta_a": eta, "eta_w": eta, "beta_star0": np.where(hard, 4.0, 0.3),
              "beta_star1": 0.0, "beta_star2": 0.0}
    state = fk.pack(a=a0, w=w0)
    sol = dopri5(fk, state, (0.0, T_END), rtol=1e-8, atol=1e-10, constants=consts)
    assert sol.steps[hard].min() > 5 * sol.steps[~hard].max()
    for i in (0, 1):  # each trajectory as if integrated alone
        alone = dopri5(fk, state[i], (0.0, T_END), rtol=1e-8, atol=1e-10,
                       constants={k: (v[i] if np.ndim(v) else v)
                                  for k, v in consts.items()})
        assert alone.steps == sol.steps[i] and alone.rejected == sol.rejected[i]
        np.testing.assert_allclose(alone.final, sol.final[i], rtol=1e-14, atol=1e-15)


# ---------------------------------------------------------------------- another model


def test_two_layer_linear_against_dop853_with_its_laws_conserved():
    model = zoo.two_layer_linear(2, 2, 2)
    fk = compile_flow(model)
    rng = np.random.default_rng(21)
    x, y = rng.normal(size=2), rng.normal(size=2)
    consts = {"eta_u": 0.7, "eta_v": 1.3, "xs0_0": x[0], "xs0_1": x[1],
              "ys0_0": y[0], "ys0_1": y[1]}
    U, V = 0.7 * rng.normal(size=(3, 2, 2)), 0.7 * rng.normal(size=(3, 2, 2))
    state = fk.pack(u=U, v=V)
    t_eval = np.linspace(0.0, 3.0, 7)
    sol = dopri5(fk, state, (0.0, 3.0), t_eval=t_eval, rtol=1e-9, atol=1e-11,
                 constants=consts)

    def rhs(theta):
        gu, gv = tll_grad(theta[:4].reshape(2, 2), theta[4:].reshape(2, 2), [x], [y])
        return np.concatenate([-0.7 * gu.ravel(), -1.3 * gv.ravel()])

    for b in range(3):
        ref = _dop853(state[b], t_eval, rhs)
        scaled = np.abs(sol.y[b] - ref) / (1e-11 + 1e-9 * np.abs(ref))
        assert scaled.max() < 100
    laws = fk.invariants(sol.y, **consts)  # (3, T, 3): η_v UᵀU − η_u VᵀV
    assert laws.shape == (3, len(t_eval), 3)
    scale = 1 + np.abs(laws[:, :1]).max()
    assert np.abs(laws - laws[:, :1]).max() < 1e-7 * scale


# ---------------------------------------------------------------------- dtypes


@pytest.mark.parametrize("dtype, tol", DTYPE_TOL)
def test_integrators_run_in_the_kernel_dtype(dtype, tol):
    a0, w0, beta, eta_a, eta_w, consts = _problem(3, 8)
    fk = _fk(dtype)
    state = fk.pack(a=a0, w=w0)
    exact = _exact(T_EVAL, a0, w0, beta, eta_a, eta_w)
    rtol = max(1e-9, 10 * tol)  # 1e-9 in float64, 2e-4 in float32
    sol = dopri5(fk, state, (0.0, T_END), t_eval=T_EVAL, rtol=rtol, atol=rtol / 10,
                 constants=consts)
    assert sol.y.dtype == sol.final.dtype == np.dtype(dtype)
    assert np.abs(sol.y - exact).max() < 100 * rtol * np.abs(exact).max()
    # RK4 in this dtype matches RK4 in float64 (same steps) to this dtype's rounding
    fixed = rk4(fk, state, (0.0, T_END), steps=400, t_eval=T_EVAL, constants=consts)
    wide = rk4(_fk(), state, (0.0, T_END), steps=400, t_eval=T_EVAL, constants=consts)
    assert fixed.y.dtype == fixed.final.dtype == np.dtype(dtype)
    np.testing.assert_allclose(fixed.y, wide.y, rtol=0,
                               atol=100 * tol * np.abs(wide.y).max())


@pytest.mark.slow
def test_dopri5_agrees_with_the_trajectory_function():
    # derivations.single_neuron.trajectory: the generated overflow-safe closed form
    a0, w0, beta, eta_a, eta_w, consts = _problem(13, 6)
    fk = _fk()
    sol = dopri5(fk, fk.pack(a=a0, w=w0), (0.0, T_END), t_eval=T_EVAL, rtol=1e-9,
                 atol=1e-11, constants=consts)
    for i in range(6):
        a, w = sn.trajectory(T_EVAL, a0[i], w0[i], beta[i], eta_a[i], eta_w[i])
        exact = np.concatenate([a[:, None], w], axis=1)
        scaled = np.abs(sol.y[i] - exact) / (1e-11 + 1e-9 * np.abs(exact))
        assert scaled.max() < 100


# ---------------------------------------------------------------------- bad input


def test_bad_input_names_the_argument():
    fk = _fk()
    good = {"eta_a": 1.0, "eta_w": 1.0, "beta_star0": 1.0, "beta_star1": 0.0,
            "beta_star2": 0.0}
    y0 = np.ones((2, 4))
    with pytest.raises(ValueError, match=r"state0 must have shape batch \+ \(4,\)"):
        dopri5(fk, np.ones((2, 3)), (0, 1), constants=good)
    for rtol in (0.0, -1e-6):
        with pytest.raises(ValueError, match="rtol must be positive"):
            dopri5(fk, y0, (0, 1), rtol=rtol, constants=good)
    with pytest.raises(ValueError, match="rtol must be at least 100 [*] eps"):
        dopri5(fk, y0, (0, 1), rtol=1e-17, constants=good)
    with pytest.raises(ValueError, match="atol must be non-negative"):
        dopri5(fk, y0, (0, 1), atol=-1.0, constants=good)
    with pytest.raises(ValueError, match=r"unknown constant\(s\) \['eta'\]"):
        dopri5(fk, y0, (0, 1), constants=good | {"eta": 1.0})
    with pytest.raises(ValueError, match="t_span must have t0 < t1"):
        rk4(fk, y0, (1, 0), steps=3, constants=good)
    with pytest.raises(ValueError, match="t_eval must lie within t_span"):
        dopri5(fk, y0, (0, 1), t_eval=[0.5, 2.0], constants=good)
    with pytest.raises(ValueError, match="t_eval must be finite and strictly"):
        dopri5(fk, y0, (0, 1), t_eval=[0.5, 0.5], constants=good)
    with pytest.raises(ValueError, match="max_steps must be a positive integer"):
        dopri5(fk, y0, (0, 1), max_steps=0, constants=good)
    with pytest.raises(ValueError, match="h0 must be positive"):
        dopri5(fk, y0, (0, 1), h0=-0.1, constants=good)
    with pytest.raises(ValueError, match="state0 must be finite"):
        dopri5(fk, [np.nan, 0, 0, 0], (0, 1), constants=good)
    with pytest.raises(ValueError, match="exactly one of steps and h"):
        rk4(fk, y0, (0, 1), steps=3, h=0.1, constants=good)
    with pytest.raises(ValueError, match="steps must be a positive integer"):
        rk4(fk, y0, (0, 1), steps=0, constants=good)
    with pytest.raises(TypeError, match="flow must be a FlowKernels or a callable"):
        dopri5("rhs", y0, (0, 1))
    with pytest.raises(ValueError, match="constants are only accepted"):
        dopri5(lambda y: -y, y0, (0, 1), constants=good)


def test_exhausted_or_diverging_integrations_raise():
    fk = _fk()
    good = {"eta_a": 1.0, "eta_w": 1.0, "beta_star0": 1.0, "beta_star1": 0.0,
            "beta_star2": 0.0}
    with pytest.raises(IntegrationError, match="max_steps = 5"):
        dopri5(fk, np.ones(4), (0, 10), max_steps=5, constants=good)
    # y' = y² blows up at t = 1: the adaptive step collapses, RK4 overflows
    with pytest.raises(IntegrationError, match="dopri5: step size underflow"):
        dopri5(lambda y: y * y, [[1.0]], (0.0, 2.0))
    with pytest.raises(IntegrationError, match="rk4: 1 trajectory"):
        rk4(lambda y: y * y, [[1.0], [0.1]], (0.0, 2.0), steps=30)


def test_zero_absolute_tolerance_with_an_exactly_zero_component():
    # y0' = -y0, y1 ≡ 0: the error scale of y1 is 0 and its error is 0
    sol = dopri5(lambda y: np.stack([-y[:, 0], 0 * y[:, 1]], axis=1), [[1.0, 0.0]],
                 (0.0, 1.0), rtol=1e-10, atol=0.0)
    np.testing.assert_allclose(sol.final, [[np.exp(-1.0), 0.0]], rtol=1e-9)


def test_default_tolerances_follow_the_dtype():
    a0, w0, beta, eta_a, eta_w, consts = _problem(6, 4)
    for dtype, bound in (("float64", 1e-4), ("float32", 1e-2)):
        fk = _fk(dtype)
        sol = dopri5(fk, fk.pack(a=a0, w=w0), (0.0, T_END), t_eval=T_EVAL,
                     constants=consts)
        exact = _exact(T_EVAL, a0, w0, beta, eta_a, eta_w)
        assert sol.y.dtype == np.dtype(dtype)
        assert np.abs(sol.y - exact).max() < bound
