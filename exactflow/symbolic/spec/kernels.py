r"""Kernel expressions: the mathematics of a generated kernel, before any code.

A :class:`KernelExprs` names scalar inputs (each broadcast over arrays by the
generated code) and named output expressions.  Every model has four
*standard kernels*, built here from its declaration alone:

``rhs``
    :math:`\dot\theta=-\eta\odot\nabla_\theta L`, one output ``<param>_dot``
    per parameter, differentiated but not expanded (more shared
    subexpressions for the CSE).
``gd_step``
    :math:`\theta-\eta\odot\nabla_\theta L` (outputs ``<param>_next``).
``invariants``
    The value of each conserved quantity.
``gd_drift``
    The exact change of each conserved quantity under one GD step
    :math:`\theta\mapsto\theta+\Delta\theta`; the step is an input
    (``step_<param>``).  For a polynomial quantity it is the Taylor sum from
    order two (:func:`~.steps.taylor_change`: no O(1) terms cancel); for any
    other quantity the plain difference :math:`Q(\theta+\Delta\theta)-Q(\theta)`.

>>> import sympy as sp
>>> from exactflow.symbolic.spec.model import Model, ParamGroup
>>> x = sp.Symbol("x", real=True)
>>> eta = sp.Symbol("eta", positive=True)
>>> m = Model("decay", (ParamGroup("x", (x,), eta),), (eta,), x**2 / 2)
>>> k = standard_kernel(m, "rhs")
>>> k.inputs, k.outputs
((x, eta), (('x_dot', -eta*x),))
>>> standard_kernel(m, "gd_drift", {"q": x**2}).outputs
(('q_change', step_x**2),)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from .model import Model
from .steps import gd_step, taylor_change

__all__ = ["KernelExprs", "STANDARD_KERNELS", "standard_kernel", "step_symbols"]

#: The kernels every model has, in the order of the module docstring.
STANDARD_KERNELS = ("rhs", "gd_step", "invariants", "gd_drift")


@dataclass(frozen=True)
class KernelExprs:
    """The mathematics of one kernel, before any code is printed.

    ``inputs`` are scalar symbols in argument order (each is broadcast over
    arrays); ``outputs`` are ``(name, expression)`` pairs.
    """

    name: str
    inputs: tuple[sp.Symbol, ...]
    outputs: tuple[tuple[str, sp.Expr], ...]
    doc: str = ""
    growth_variable: sp.Symbol | None = None  # see exactflow.codegen.growth


def step_symbols(model: Model) -> tuple[sp.Symbol, ...]:
    """Inputs ``step_<param>`` of the ``gd_drift`` kernel: the GD step Δθ."""
    taken = {s.name for s in model.symbols + model.consts}
    out = []
    for s in model.symbols:
        name = f"step_{s.name}"
        while name in taken:  # a model symbol already called step_<param>
            name = "step" + name
        taken.add(name)
        out.append(sp.Symbol(name, real=True))
    return tuple(out)


def _kernel(model: Model, name: str, outputs, doc: str, extra=()) -> KernelExprs:
    used = set().union(*(e.free_symbols for _, e in outputs))
    consts = tuple(c for c in model.consts if c in used)
    return KernelExprs(name, model.symbols + tuple(extra) + consts, tuple(outputs),
                       doc)


def _change(q: sp.Expr, model: Model, steps) -> tuple[sp.Expr, bool]:
    """(the one-step change of ``q`` in the step symbols, whether it is the
    cancellation-free Taylor sum)."""
    try:
        return taylor_change(q, model.symbols, steps)[1], True
    except ValueError:
        shifted = q.xreplace(dict(zip(model.symbols, (p + d for p, d in
                                                       zip(model.symbols, steps)))))
        return shifted - q, False


def standard_kernel(model: Model, kernel: str,
                    conserved: Mapping[str, sp.Expr] | None = None) -> KernelExprs:
    """The standard kernel ``kernel`` of ``model`` (see the module docstring).

    ``conserved`` maps names (Python identifiers) to the conserved quantities
    used by ``invariants`` and ``gd_drift``; they are taken as given (the
    catalog proves them, :class:`~exactflow.simulate.FlowKernels` checks them).

    Raises
    ------
    ValueError
        For an unknown kernel, or ``invariants``/``gd_drift`` without
        conserved quantities.
    """
    name = model.name
    if kernel == "rhs":
        rates = model.rates
        outputs = [(f"{s.name}_dot", -rates[s] * sp.diff(model.loss, s))
                   for s in model.symbols]
        return _kernel(model, "rhs", outputs, f"gradient flow of {name}: d/dt of "
                       "each parameter, -eta * dL/dtheta")
    if kernel == "gd_step":
        step = gd_step(model)
        outputs = [(f"{s.name}_next", step[s]) for s in model.symbols]
        return _kernel(model, "gd_step", outputs, f"one gradient-descent step of "
                       f"{name}: theta - eta * dL/dtheta")
    if kernel not in STANDARD_KERNELS:
        raise ValueError(f"kernel must be one of {list(STANDARD_KERNELS)}, got "
                         f"{kernel!r}")
    if not conserved:
        raise ValueError(f"{name}: the {kernel!r} kernel needs conserved quantities")
    if kernel == "invariants":
        return _kernel(model, "invariants", list(conserved.items()),
                       f"conserved quantities of {name}")
    steps = step_symbols(model)
    changes = [(n, *_change(q, model, steps)) for n, q in conserved.items()]
    outputs = [(f"{n}_change", c) for n, c, _ in changes]
    if all(exact for _, _, exact in changes):
        how = "the Taylor terms of order 2 and higher in the step"
    else:
        how = ("the Taylor terms of order 2 and higher for polynomial quantities, "
               "the plain difference Q(theta + step) - Q(theta) for "
               + ", ".join(n for n, _, exact in changes if not exact))
    return _kernel(model, "gd_drift", outputs,
                   f"exact change of each conserved quantity of {name} under one "
                   "GD step theta -> theta + step, step = -eta * dL/dtheta "
                   f"({how})", extra=steps)
