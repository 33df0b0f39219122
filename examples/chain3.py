"""Scalar three-layer linear chain f(x) = c·b·a·x with three learning rates.

``exactflow solve --model examples/chain3.py`` reduces the flow by its two
conserved quantities δ₁ = a²/η_a − b²/η_b and δ₂ = b²/η_b − c²/η_c to the
coordinates u = abc and B = b², on the curve u² = g(B),
g(B) = η_aη_c B (B/η_b + δ₁)(B/η_b − δ₂), and gives the time course as the
exact quadrature t(u) = ∫ dv / ((s − v) η_b g'(B(v))).  Whitened scalar data:
E[x²] = 1, E[xy] = s.
"""

import sympy as sp

from exactflow import Model, ParamGroup

a, b, c = sp.symbols("a b c", real=True)
eta_a, eta_b, eta_c = sp.symbols("eta_a eta_b eta_c", positive=True)
s = sp.Symbol("s", positive=True)
x = sp.Symbol("x", real=True)
delta1, delta2 = sp.symbols("delta1 delta2", real=True)
u = sp.Symbol("u", real=True)
B = sp.Symbol("B", nonnegative=True)


def model() -> Model:
    return Model(
        name="chain3",
        params=(ParamGroup("a", (a,), eta_a), ParamGroup("b", (b,), eta_b),
                ParamGroup("c", (c,), eta_c)),
        consts=(eta_a, eta_b, eta_c, s),
        loss=(s - c * b * a) ** 2 / 2,
        inputs=(x,),
        forward=c * b * a * x,
        assumptions="scalar whitened data, E[x²] = 1, E[xy] = s",
    )


# optional: how to reduce (without it, `exactflow solve` uses the discovered
# degree-2 conservation laws and keeps the model's coordinates)
REDUCTION = {
    "coordinates": {u: a * b * c, B: b**2},
    "conserved": {delta1: a**2 / eta_a - b**2 / eta_b,
                  delta2: b**2 / eta_b - c**2 / eta_c},
}
