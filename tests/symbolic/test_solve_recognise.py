"""Recognisers, kernels and the single-neuron re-derivation.

See docs/math/single_neuron.md §5.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from exactflow.symbolic import Model, ParamGroup, gradient_flow
from exactflow.symbolic.solve import solve
from exactflow.symbolic.solve.reduce import reduce_flow

from .kernel_reference import assert_kernel_matches_mpmath

a, b = sp.symbols("a b", real=True)
ea, eb = sp.symbols("eta_a eta_b", positive=True)
s = sp.Symbol("s", positive=True)
up = sp.Symbol("u", positive=True)


def test_sigmoid_kernel_is_generated_and_correct():
    m = Model("chain2", (ParamGroup("a", (a,), ea), ParamGroup("b", (b,), eb)),
              (ea, eb, s), (s - b * a) ** 2 / 2)
    d1 = sp.Symbol("delta1", real=True)
    flow = gradient_flow(m)
    res = solve(reduce_flow(flow, {up: a * b}, {d1: a**2 / ea - b**2 / eb},
                            {d1: 0}), flow, "chain2")
    kx = res.kernel_exprs()
    assert [str(x) for x in kx.inputs] == ["t", "eta_a", "eta_b", "s", "u_init"]
    f = res.kernel()
    t = np.array([0.0, 1.0, 3.0])
    (u,) = f(t, 1.0, 1.0, 1.0, 0.01)
    np.testing.assert_allclose(u, 0.01 / (0.01 + 0.99 * np.exp(-2 * t)), rtol=1e-13)


def test_linear_plus_radial_needs_the_conserved_relation():
    # single neuron on the rotation slice: ż = Kz + ψz only modulo δ
    from exactflow.derivations.single_neuron import delta, model
    from exactflow.symbolic.solve import recognise

    flow = gradient_flow(model(2, whitened=True))
    assert recognise(reduce_flow(flow)) is None
    dl = sp.Symbol("delta", real=True)
    match = recognise(reduce_flow(flow, conserved={dl: delta(2)}))
    assert match.name == "linear-radial" and match.data["m"] == 2


def test_single_neuron_rederived():  # ~25 s on 2 shared cores
    from exactflow.derivations.single_neuron import delta, model, solution
    from exactflow.symbolic.proof.zero import is_identically_zero

    flow = gradient_flow(model(2, whitened=True))
    dl = sp.Symbol("delta", real=True)
    res = solve(reduce_flow(flow, conserved={dl: delta(2)}), flow, "single_neuron")
    assert res.structure == "linear-radial" and res.verified
    # the solver's own proof: structural lemmas (symbolic) and the residuals
    # decided exactly in t at random rational constants
    assert {c.method for c in res.checks} <= {"symbolic", "exact-rational"}
    # equal to the catalog's closed form (docs/math/single_neuron.md §5):
    # is_identically_zero on
    # the difference.  Its two square roots √Λ differ by the factor e^{δt/2}
    # (the catalog factors the trace of K out), which the exact stages treat as
    # independent radicals, so the decision is the mpmath stage at 50 digits
    # (at random points of every symbol, t included; reported as such)
    ref = solution(2)
    rename = {res.solution.initial[y]: ref.initial[y] for y in ref.initial}
    ours = {x: e.xreplace(rename) for x, e in res.solution.state.items()}
    assert set(ours) == set(ref.state)
    for x in ref.state:
        check = is_identically_zero(ours[x] - ref.state[x], points=4, exact=False)
        assert check.is_zero and check.method == "mpmath-50", (x, check)
    # its kernel, to t = 1e6 (δ < 0 and δ > 0): growth-scaled, no overflow
    for a0 in (0.1, 2.0):
        values = {"a_init": a0, "beta_star0": 1.0, "beta_star1": 0.5,
                  "eta_a": 1.0, "eta_w": 2.0, "w0_init": 0.2, "w1_init": -0.3}
        assert_kernel_matches_mpmath(res, values, [0.0, 1.0, 10.0, 1e3, 1e6])
