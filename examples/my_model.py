"""A model declared by hand for ``exactflow laws --model examples/my_model.py``.

Two hidden leaky-ReLU units (slope 1/5), two inputs, one output, with a
learning rate per layer:

    f(x) = a0 σ(w00 x0 + w01 x1) + a1 σ(w10 x0 + w11 x1),   σ(z) = max(z, z/5).

``exactflow laws`` finds one law per hidden unit, η_w a_k² − η_a ‖w_k‖², proves
each on every activation pattern, and reports that there are no others.  The
loss (one symbolic sample (xs, y)) is only needed for the flow; the laws hold
for every dataset and loss.
"""

import sympy as sp

from exactflow import Model, ParamGroup


def model() -> Model:
    x = sp.symbols("x0:2", real=True)  # inputs of the forward map
    w = sp.symbols("w0_0 w0_1 w1_0 w1_1", real=True)  # first layer, row-major
    a = sp.symbols("a0:2", real=True)  # second layer
    eta_w, eta_a = sp.symbols("eta_w eta_a", positive=True)

    def sigma(z):
        return sp.Max(z, sp.Rational(1, 5) * z)  # exact slope: a Rational

    def f(inputs):
        return (a[0] * sigma(w[0] * inputs[0] + w[1] * inputs[1])
                + a[1] * sigma(w[2] * inputs[0] + w[3] * inputs[1]))

    xs = sp.symbols("xs0:2", real=True)  # one training sample
    y = sp.Symbol("y", real=True)
    return Model(
        name="my_model",
        params=(ParamGroup("w", w, eta_w, (2, 2)), ParamGroup("a", a, eta_a, (2,))),
        consts=(eta_w, eta_a, *xs, y),
        loss=(y - f(xs)) ** 2 / 2,
        inputs=x,
        forward=f(x),
        assumptions="two hidden leaky-ReLU units, slope 1/5",
    )
