"""Batched numerical integration and gradient descent on generated kernels.

:class:`FlowKernels` (or the memoised :func:`compile_flow`) generates, for any
declared model, the NumPy kernels of its gradient flow (``rhs``), one
gradient-descent step (``gd_step``), its conserved quantities (``invariants``)
and their exact one-step change under GD (``gd_drift``); :func:`rk4` and
:func:`dopri5` integrate the flow over a batch of initial conditions and data.

>>> import numpy as np, sympy as sp
>>> from exactflow.symbolic.spec.model import Model, ParamGroup
>>> x, eta = sp.Symbol("x", real=True), sp.Symbol("eta", positive=True)
>>> fk = compile_flow(Model("decay", (ParamGroup("x", (x,), eta),), (eta,), x**2 / 2))
>>> sol = dopri5(fk, [[1.0], [2.0]], (0.0, 1.0), rtol=1e-10, atol=1e-12,
...              constants={"eta": 1.0})
>>> bool(np.allclose(sol.final[:, 0], [np.exp(-1), 2 * np.exp(-1)], rtol=1e-9))
True
"""

from .dopri import IntegrationError
from .integrate import FlowSolution, dopri5, rk4
from .kernels import KERNELS, FlowKernels, compile_flow
from .layout import StateLayout
from .tableau import DENSE, DOPRI5, RK4, Tableau

__all__ = [
    "DENSE", "DOPRI5", "KERNELS", "RK4", "FlowKernels", "FlowSolution",
    "IntegrationError", "StateLayout", "Tableau", "compile_flow", "dopri5", "rk4",
]
