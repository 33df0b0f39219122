"""Independent blocks: each solved and verified alone, the lift checked on the
model's flow; the diagonal network on whitened data against DOP853."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

from exactflow.derivations import diagonal_linear as dl
from exactflow.symbolic import Model, ParamGroup, gradient_flow
from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.solve import init_symbol, solve, t
from exactflow.symbolic.solve.decouple import components
from exactflow.symbolic.solve.reduce import reduce_flow

from .kernel_reference import assert_implicit_time

eta = sp.Symbol("eta", positive=True)


def test_explicit_blocks_are_lifted_and_verified():
    """ȧ = −η(a − 1) (affine) beside ḃ = −ηb(b² − 1) (separable, inverted): no
    structure fits both, the blocks do; the lifted state solves the model flow."""
    a, b = sp.symbols("a b", real=True)
    m = Model("two_blocks", (ParamGroup("a", (a,), eta), ParamGroup("b", (b,), eta)),
              (eta,), (a - 1) ** 2 / 2 + (b**2 - 1) ** 2 / 4)
    flow = gradient_flow(m)
    sys_ = reduce_flow(flow)
    assert components(sys_) == [(0,), (1,)]
    res = solve(sys_, flow, "two_blocks")
    assert res.structure == "decoupled" and res.verified
    # ȧ = η − ηa is the affine (Riccati, C = 0) case
    blocks = res.applied.facts["blocks"]
    assert [s.structure for s in blocks] == ["riccati", "separable"]
    assert res.solution is not None
    names = [c.name for c in res.checks]
    assert "model flow residual ≡ 0 (lifted solution)" in names
    # against an independent closed form: a = 1 + (a0 − 1)e^{−ηt}
    a_t = res.solution.state[a]
    want = 1 + (init_symbol(a) - 1) * sp.exp(-eta * t)
    assert is_identically_zero(a_t - want).is_zero


def test_coupled_system_is_one_block():
    from exactflow.derivations.single_neuron import model

    sys_ = reduce_flow(gradient_flow(model(2, whitened=True)))
    assert len(components(sys_)) == 1


@pytest.mark.parametrize("u0, v0", [((0.3, 1.1), (0.1, 0.2)),
                                    ((1.4, 0.05), (0.2, 0.5))])
def test_diagonal_network_per_coordinate(u0, v0):
    """Diagonal net, d = 2, whitened, equal rates: β_i = u_i² − v_i² with u_i v_i = c_i
    decouple into two separable blocks with implicit t(β_i) (Euler); each agrees
    with DOP853 on the raw (u, v) flow."""
    base = dl.model(2, whitened=True)
    m = Model("diag2", tuple(ParamGroup(g.name, g.symbols, eta, g.shape)
                             for g in base.params),
              (eta,) + tuple(c for c in base.consts if c not in (dl.eta_u, dl.eta_v)),
              base.loss)
    flow = gradient_flow(m)
    u = base.params[0].symbols
    v = base.params[1].symbols
    cs = sp.symbols("c0 c1", real=True)
    bs = sp.symbols("beta0 beta1", real=True)
    sys_ = reduce_flow(flow, conserved={cs[i]: u[i] * v[i] for i in range(2)},
                       coordinates={bs[i]: u[i] ** 2 - v[i] ** 2 for i in range(2)})
    res = solve(sys_, flow, "diag2")
    assert res.structure == "decoupled" and res.verified
    target, rate = (1.5, -0.8), 0.7
    stars = [c for c in base.consts if c.name.startswith("beta_star")]

    def rhs(_t, y):
        uu, vv = y[:2], y[2:]
        r = np.array(target) - (uu**2 - vv**2)
        return np.concatenate([2 * rate * uu * r, -2 * rate * vv * r])

    times = np.array([0.1, 0.6, 2.0])
    sol = solve_ivp(rhs, (0, times[-1]), [*u0, *v0], method="DOP853", t_eval=times,
                    rtol=1e-12, atol=1e-14)
    for i, sub in enumerate(res.applied.facts["blocks"]):
        tz, z = sub.quadrature
        values = {eta: rate, stars[i]: target[i], cs[i]: u0[i] * v0[i],
                  init_symbol(z): u0[i] ** 2 - v0[i] ** 2}
        t_of = sp.lambdify(z, tz.xreplace(values), "mpmath")
        assert_implicit_time(t_of, sol.y[i] ** 2 - sol.y[2 + i] ** 2, times,
                             target[i])


def test_non_rational_conserved_quantity_is_reported_not_used():
    """diagonal_linear's |u|^{η_v}|v|^{η_u} is conserved (checked by the zero test,
    not by expansion) but gives no polynomial relation: reduce_flow records it and
    reduces without it instead of failing."""
    flow = gradient_flow(dl.model(1, whitened=True))
    (name, q), = dl.conserved(1).items()
    sys_ = reduce_flow(flow, conserved={sp.Symbol(name, real=True): q})
    headings = dict(sys_.steps)
    assert "Conserved quantities not used" in headings
    assert name in headings["Conserved quantities not used"]
    assert not sys_.constants and not sys_.relations
    u, v = flow.model.symbols
    with pytest.raises(ValueError, match="not conserved"):  # still checked
        reduce_flow(flow, conserved={sp.Symbol("w", real=True): sp.Abs(u) * v})
