"""A finite-time blow-up stops at once, with an IntegrationError naming the
trajectories and the time (it used to run for 40 s before raising)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

from exactflow.simulate import IntegrationError, compile_flow, dopri5
from exactflow.symbolic.spec.model import Model, ParamGroup


@pytest.mark.parametrize("power", [3, 4])
def test_blow_up_stops_when_the_step_size_underflows(power):
    # ẋ = x^{p−1}: x(t) = (x0^{2−p} − (p − 2)t)^{−1/(p−2)} blows up at
    # t* = x0^{2−p}/(p − 2), before the end of the span for every x0 in [1, 2]
    x, eta = sp.Symbol("x", real=True), sp.Symbol("eta", positive=True)
    fk = compile_flow(Model("blow", (ParamGroup("x", (x,), eta),), (eta,),
                            -x**power / power))
    x0 = np.linspace(1.0, 2.0, 200)[:, None]
    start = time.perf_counter()
    with pytest.raises(IntegrationError, match="step size underflow") as info:
        dopri5(fk, x0, (0.0, 5.0), constants={"eta": 1.0})
    assert time.perf_counter() - start < 5.0
    # the reported time is the first blow-up time, to rounding of the step
    t_star = 1.0 / (power - 2)  # at x0 = 1
    reported = float(str(info.value).split("at t = ")[1].split(")")[0])
    assert reported <= t_star * (1 + 1e-6)
