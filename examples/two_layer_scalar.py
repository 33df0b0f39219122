"""Scalar two-layer linear net f(x) = b·a·x with two learning rates, unbalanced.

``exactflow solve --model examples/two_layer_scalar.py --invariant`` finds the
rescaling (a, b) → (c·a, b/c) that leaves the loss invariant, its Noether charge
Q = a²/η_a − b²/η_b, and the invariant p = ab (the network function).  On the
level set, η_b a² + η_a b² is the nonnegative root √(Q₁² + 4η_aη_b p²) of a
quadratic (Q₁ = η_aη_b Q, found by the law discovery), so

    ṗ = √(Q₁² + 4η_aη_b p²)·(s − p),

separable, and Euler's substitution gives the exact implicit time course t(p), in
logarithms of absolute values.  Whitened scalar data: E[x²] = 1, E[xy] = s.
"""

import sympy as sp

from exactflow import Model, ParamGroup

a, b, x = sp.symbols("a b x", real=True)
eta_a, eta_b = sp.symbols("eta_a eta_b", positive=True)
s = sp.Symbol("s", positive=True)


def model() -> Model:
    return Model(
        name="two_layer_scalar",
        params=(ParamGroup("a", (a,), eta_a), ParamGroup("b", (b,), eta_b)),
        consts=(eta_a, eta_b, s),
        loss=(s - b * a) ** 2 / 2,
        inputs=(x,),
        forward=b * a * x,
        assumptions="scalar whitened data, E[x²] = 1, E[xy] = s",
    )
