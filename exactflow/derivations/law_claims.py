r"""The conservation-law theorems (docs/math/conservation_laws.md §2, §3) as claims.

Each claim discovers the laws of a zoo model (degree 2, exact over ℚ(η)),
checks that they span exactly the expected space, proves each one symbolically,
and counts all laws with the Lie-algebra rank (exact rational ranks at random
points), which must equal the stated number and the functional rank of the
discovered laws (complete).  Method: ``exact-rational`` (the counts are ranks at
random rational points; the proofs of the laws are symbolic).

>>> results = [c.run() for c in claims()[:1]]
>>> results[0].passed, results[0].name
(True, 'single neuron: exactly one law, δ = η_w a² − η_a‖w‖²')
"""

from __future__ import annotations

from collections.abc import Callable

import sympy as sp

from ..symbolic.laws.conservation import discover_laws
from ..symbolic.laws.lie import count_laws
from ..symbolic.proof.verify import Claim
from . import single_neuron as sn
from . import zoo

__all__ = ["claims", "uv_table", "n_lin"]

# docs/math/conservation_laws.md §2: (n, r, m) -> N_lin
uv_table = {(1, 1, 1): 1, (2, 1, 3): 1, (1, 2, 1): 3, (2, 2, 2): 3, (3, 2, 1): 3,
            (2, 3, 2): 6, (1, 3, 1): 5, (1, 4, 2): 9, (2, 4, 1): 9, (3, 3, 3): 6,
            (1, 5, 1): 9, (2, 5, 2): 14}


def n_lin(n: int, r: int, m: int) -> int:
    """r(r+1)/2 − (r−p)(r−p+1)/2 with p = min(n+m, r)."""
    p = min(n + m, r)
    return r * (r + 1) // 2 - (r - p) * (r - p + 1) // 2


def _check(model, expected: list, count: int | None) -> tuple[bool, str]:
    laws = discover_laws(model)
    if not laws.spans(expected):
        return False, f"{model.name}: law space differs from the expected one"
    if not laws.verify().passed:
        return False, f"{model.name}: a law failed its proof"
    c = count_laws(model, laws=laws)
    if count is not None and (c.count, c.exact) != (count, True):
        return False, f"{model.name}: count {c.count} (exact={c.exact}) != {count}"
    if not c.complete:
        return False, f"{model.name}: not complete ({c.summary()})"
    return True, ""


def _all(cases: Callable[[], list]) -> Callable[[], tuple]:
    def check():
        for model, expected, count in cases():
            ok, detail = _check(model, expected, count)
            if not ok:
                return False, "exact-rational", 1.0, detail
        return True, "exact-rational", 0.0, ""
    return check


def _mat(group) -> sp.Matrix:
    return sp.Matrix(*group.shape, group.symbols)


def _uv_cases():
    out = []
    for (n, r, m), count in uv_table.items():
        model = zoo.two_layer_linear(n, r, m)
        U, V = model.group("u"), model.group("v")
        delta = V.rate * _mat(U).T * _mat(U) - U.rate * _mat(V).T * _mat(V)
        expected = [delta[k, j] for k in range(r) for j in range(k, r)]
        if n == m == 1:  # f = ⟨u, v⟩ x: also the antisymmetric u_k v_k' − u_k' v_k
            A = _mat(U).T * _mat(V)
            expected += [A[k, j] - A[j, k] for k in range(r) for j in range(k + 1, r)]
        out.append((model, expected, count))
    return out


def _chain_cases():
    out = []
    for widths, count in (((2, 2, 2, 1), 6), ((2, 2, 2, 2, 1), 9)):
        model = zoo.deep_linear(widths)
        mats = [(_mat(g), g.rate) for g in model.params]
        expected = []
        for (W, eta), (W2, eta2) in zip(mats, mats[1:]):
            M = eta * W2.T * W2 - eta2 * W * W.T
            expected += [M[i, j] for i in range(M.rows) for j in range(i, M.rows)]
        out.append((model, expected, count))
    return out


def _relu_cases():
    out = []
    for activation in ("relu", "leaky_relu"):
        for bias in (False, True):
            model = zoo.two_layer_relu(2, 3, bias=bias, activation=activation)
            a, w = model.group("a"), model.group("w")
            b = model.group("b") if bias else None
            expected = []
            for k in range(3):
                q = a.symbols[k] ** 2 / a.rate - sum(
                    x**2 for x in w.symbols[2 * k: 2 * k + 2]) / w.rate
                if b is not None:
                    q -= b.symbols[k] ** 2 / b.rate
                expected.append(sp.expand(q * a.rate * w.rate * (b.rate if b else 1)))
            out.append((model, expected, 3))
    return out


def _diagonal_cases():
    uv = zoo.diagonal_net(3, "uv")
    u, v = uv.group("u"), uv.group("v")
    pm = zoo.diagonal_net(3, "pm", shared_rate=True)
    return [(uv, [v.rate * p**2 - u.rate * q**2 for p, q in zip(u.symbols, v.symbols)],
             3),
            (pm, [p * q for p, q in zip(pm.group("u").symbols, pm.group("v").symbols)],
             3)]


def _homogeneous_cases():
    out = []
    for k in (1, 2, 3):
        for activation in ("power", "relu_power"):
            model = zoo.homogeneous_neuron(k, activation)
            (u, v), (eu, ev) = model.symbols, (model.params[0].rate,
                                               model.params[1].rate)
            out.append((model, [k * ev * u**2 - eu * v**2], 1))
    out.append((zoo.homogeneous_neuron(1, "tanh"), [], 0))
    return out


def _example_131():
    model = zoo.two_layer_linear(1, 3, 1)
    laws = discover_laws(model)
    ok = len(laws) == 9 and laws.functional_rank() == 5
    return ok, "exact-rational", 0.0 if ok else 1.0, "" if ok else "ranks differ"


def claims() -> tuple[Claim, ...]:
    """The conservation-law theorems (each discovers, proves and counts)."""
    sn_case = [(sn.model(2), [sn.delta(2)], 1)]
    return (
        Claim("single neuron: exactly one law, δ = η_w a² − η_a‖w‖²",
              "docs/math/conservation_laws.md §2, §3", _all(lambda: sn_case)),
        Claim("U Vᵀ: laws = entries of η_v UᵀU − η_u VᵀV, N = N_lin(n, r, m)",
              "docs/math/conservation_laws.md §2 table (and u_k v_k' − u_k' v_k "
              "when n = m = 1)",
              _all(_uv_cases)),
        Claim("(n, r, m) = (1, 3, 1): 9 linearly, 5 functionally independent laws",
              "docs/math/conservation_laws.md §4", _example_131),
        Claim("deep linear chains (depth 3, 4): consecutive layers, complete",
              "docs/math/deep_linear_modes.md §2", _all(_chain_cases)),
        Claim("two-layer ReLU / leaky ReLU, with and without biases: one law per "
              "hidden neuron, complete", "docs/math/conservation_laws.md §2",
              _all(_relu_cases)),
        Claim("diagonal nets: per-coordinate laws, complete",
              "docs/math/conservation_laws.md §3",
              _all(_diagonal_cases)),
        Claim("u σ(v x), σ positively k-homogeneous: k η_v u² − η_u v²; tanh: none",
              "docs/math/conservation_laws.md §2, §5", _all(_homogeneous_cases)),
    )
