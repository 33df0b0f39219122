r"""Generated NumPy kernels for the gradient flow and gradient descent of a model.

:class:`FlowKernels` turns any declared :class:`~exactflow.symbolic.spec.model.Model`
into four kernels through the codegen pipeline (``KernelSpec → prepare →
numpy_target → load``), each batched over leading axes:

``rhs``
    :math:`\dot\theta=-\eta\odot\nabla_\theta L` (``symbolic.flow.gradient_flow``).
``gd_step``
    :math:`\theta\mapsto\theta-\eta\odot\nabla_\theta L`, the rates as step sizes
    (``symbolic.drift.gd_step``).
``invariants``
    The value of each conserved quantity :math:`Q_i(\theta)`.
``gd_drift``
    The exact one-step change :math:`Q_i(\theta+\Delta\theta)-Q_i(\theta)` of
    each conserved quantity under the GD step :math:`\Delta\theta=-\eta\odot
    \nabla L`, written as the finite Taylor sum from order two
    (``symbolic.drift.gd_drift``), so no O(1) terms cancel in floating point.
    The generated kernel takes θ *and* the step Δθ (inputs ``step_<param>``) and
    evaluates the sum in the step symbols (``GDDrift.in_steps``: for a quadratic
    law simply :math:`Q(\Delta\theta)`); :meth:`FlowKernels.gd_drift` feeds it the
    ``rhs`` kernel's Δθ.  Written through Δθ the kernel is small (the gradient
    is computed once, by ``rhs``) and cheap to generate.

State layout: the last axis of ``state`` is the parameter index, in the order of
``model.symbols`` (parameter groups in declaration order, each group's
components row-major); :attr:`FlowKernels.param_names` lists it and
:meth:`~FlowKernels.pack` / :meth:`~FlowKernels.unpack` convert from and to
named groups.  Constants (data moments, teacher, rates, samples) are keyword
arguments named as the model's ``consts``; each is a scalar or an array that
broadcasts against the batch shape ``state.shape[:-1]``.

>>> import sympy as sp
>>> from exactflow.symbolic.spec.model import Model, ParamGroup
>>> x, eta = sp.Symbol("x", real=True), sp.Symbol("eta", positive=True)
>>> fk = FlowKernels(Model("quad", (ParamGroup("x", (x,), eta),), (eta,), x**2 / 2))
>>> fk.rhs([[1.0], [2.0]], eta=0.5)
array([[-0.5],
       [-1. ]])
"""

from __future__ import annotations

import functools
import math

import numpy as np
import sympy as sp

from ..codegen.spec import DTYPES, KernelSpec
from ..codegen.targets import emit, load
from ..symbolic.laws.drift import GDDrift, gd_drift
from ..symbolic.spec.flow import GradientFlow, gradient_flow
from ..symbolic.spec.kernels import standard_kernel, step_symbols
from ..symbolic.spec.model import Model
from .laws import resolve_laws
from .layout import StateLayout, real_array

__all__ = ["KERNELS", "FlowKernels", "compile_flow"]

#: The kernels of every model, in the order of the module docstring.
KERNELS = ("rhs", "gd_step", "invariants", "gd_drift")
#: Keyword names of the methods that a model constant must not shadow.
_OPTION_NAMES = frozenset({"state", "steps", "record"})


class FlowKernels:
    """Generated gradient-flow and gradient-descent kernels of one model.

    Parameters
    ----------
    model : Model
        Any declared model (its loss must have a NumPy form).
    dtype : {"float64", "float32"}
        Floating type of every kernel and result.
    conserved : sequence or mapping of sympy.Expr, optional
        Conserved quantities for :meth:`invariants` and :meth:`gd_drift`; each is
        checked to be conserved by the flow (dQ/dt ≡ 0).  By default the
        polynomial laws of degree ≤ 2 are discovered
        (``symbolic.conservation.discover_laws``) on first use.

    Attributes
    ----------
    model : Model
    dtype : numpy.dtype
    param_names : tuple of str
        State components in order (``model.symbols``).
    constants : tuple of str
        Constants the flow needs, in the order of ``model.consts``; other
        declared constants (e.g. ``sigma_yy``, absent from the gradient) are
        accepted and ignored.

    Raises
    ------
    TypeError
        When ``model`` is not a Model.
    ValueError
        On an unknown dtype, a constant named like a method option
        (``state``, ``steps``, ``record``) or a non-conserved quantity.
    """

    def __init__(self, model: Model, dtype: str = "float64", conserved=None) -> None:
        if not isinstance(model, Model):
            raise TypeError(f"model must be a Model, got {type(model).__name__}")
        if dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {list(DTYPES)}, got {dtype!r}")
        clash = sorted(_OPTION_NAMES & {s.name for s in model.consts})
        if clash:
            raise ValueError(f"model constants {clash} shadow method options")
        self.model = model
        self.dtype = np.dtype(dtype)
        self.layout = StateLayout(model, self.dtype)
        self.param_names = self.layout.param_names
        # −η ∂L/∂θ as differentiated, not expanded (symbolic.spec.kernels):
        # far more shared subexpressions for the CSE than the expanded flow
        rhs = standard_kernel(model, "rhs")
        used = set().union(*(e.free_symbols for _, e in rhs.outputs))
        self._const_symbols = tuple(c for c in model.consts if c in used)
        self.constants = tuple(c.name for c in self._const_symbols)
        self._declared = frozenset(c.name for c in model.consts)
        self._conserved_arg = conserved
        self._column_kernels: dict = {}
        self.specs  # noqa: B018 -- a loss without a NumPy form fails here, not later

    def __repr__(self) -> str:
        return (f"FlowKernels({self.model.name!r}, params={list(self.param_names)}, "
                f"constants={list(self.constants)}, dtype={self.dtype.name!r})")

    # ------------------------------------------------------------------ layout

    @property
    def n_params(self) -> int:
        """Length of the last axis of a state."""
        return self.layout.n_params

    @property
    def groups(self) -> tuple[tuple[str, slice, tuple[int, ...]], ...]:
        """``(name, slice of the state axis, shape)`` per parameter group."""
        return self.layout.groups

    def pack(self, **groups) -> np.ndarray:
        """A state from named groups (see :meth:`StateLayout.pack`)."""
        return self.layout.pack(**groups)

    def unpack(self, state) -> dict[str, np.ndarray]:
        """Named groups of ``state`` (see :meth:`StateLayout.unpack`)."""
        return self.layout.unpack(state)

    def _state(self, state, name: str = "state") -> np.ndarray:
        return self.layout.check(state, name)

    # ------------------------------------------------------------------ checks

    def check_constants(self, constants: dict, names=None) -> dict[str, np.ndarray]:
        """The needed constants as arrays of the kernel dtype.

        Raises ValueError for an unknown name (not in ``model.consts``) or a
        missing one (in ``names``, default :attr:`constants`).
        """
        names = self.constants if names is None else names
        unknown = sorted(set(constants) - self._declared)
        if unknown:
            raise ValueError(f"unknown constant(s) {unknown} for model "
                             f"{self.model.name!r}; expected {list(names)} (other "
                             "declared constants are accepted and ignored)")
        missing = [n for n in names if n not in constants]
        if missing:
            raise ValueError(f"missing constant(s) {missing} for model "
                             f"{self.model.name!r}")
        return {n: real_array(n, constants[n], self.dtype) for n in names}

    def batch_shape(self, state: np.ndarray, consts: dict) -> tuple[int, ...]:
        """The broadcast of ``state.shape[:-1]`` and every constant's shape."""
        shapes = [state.shape[:-1]] + [c.shape for c in consts.values()]
        try:
            return np.broadcast_shapes(*shapes)
        except ValueError:
            detail = ", ".join(f"{n} {c.shape}" for n, c in consts.items())
            raise ValueError(f"state batch {state.shape[:-1]} and constants "
                             f"({detail}) do not broadcast together") from None

    # ------------------------------------------------------------------ kernels

    def _spec(self, kernel: str, conserved=None) -> KernelSpec:
        exprs = standard_kernel(self.model, kernel, conserved)
        return KernelSpec.from_exprs(exprs, self.model.name, self.dtype.name)

    @functools.cached_property
    def step_symbols(self) -> tuple[sp.Symbol, ...]:
        """Inputs ``step_<param>`` of the ``gd_drift`` kernel: the GD step Δθ."""
        return step_symbols(self.model)

    @functools.cached_property
    def flow(self) -> GradientFlow:
        """The symbolic flow (``symbolic.spec.flow.gradient_flow``); the ``rhs``
        kernel computes its right-hand side in unexpanded form."""
        return gradient_flow(self.model)

    @functools.cached_property
    def specs(self) -> dict[str, KernelSpec]:
        """The flow kernels' specs (``rhs``, ``gd_step``; the conserved-quantity
        kernels are in :attr:`law_specs`)."""
        return {k: self._spec(k) for k in ("rhs", "gd_step")}

    @functools.cached_property
    def _laws(self):
        return resolve_laws(self.model, self._conserved_arg, self.flow)

    @functools.cached_property
    def drift(self) -> GDDrift:
        """The symbolic one-step GD change of the conserved quantities."""
        return gd_drift(self._laws[1])

    @property
    def law_names(self) -> tuple[str, ...]:
        """Names of the conserved quantities (``law0, law1, ...`` when discovered)."""
        return self._laws[0]

    @functools.cached_property
    def law_specs(self) -> dict[str, KernelSpec]:
        """Specs of ``invariants`` (Q_i) and ``gd_drift`` (exact one-step change)."""
        names, laws = self._laws
        conserved = dict(zip(names, laws.laws))
        return {k: self._spec(k, conserved) for k in ("invariants", "gd_drift")}

    def spec(self, name: str) -> KernelSpec:
        """The :class:`~exactflow.codegen.KernelSpec` of kernel ``name``."""
        if name in ("rhs", "gd_step"):
            return self.specs[name]
        if name in ("invariants", "gd_drift"):
            return self.law_specs[name]
        raise ValueError(f"kernel must be one of {list(KERNELS)}, got {name!r}")

    def kernel(self, name: str):
        """The loaded generated function ``name(*params, *constants)``."""
        return load(self.spec(name))

    def source(self, name: str) -> str:
        """Generated source text of kernel ``name`` (also in the kernel cache)."""
        return emit(self.spec(name))

    # ------------------------------------------------------------------ evaluation

    def column_kernel(self, name: str):
        """Kernel ``name`` on parameter columns (the fast internal layout).

        Returns ``f(columns, consts) -> tuple of arrays``: ``columns`` is a
        sequence of ``n_params`` arrays (e.g. the rows of an ``(n_params, m)``
        array), ``consts`` maps at least the kernel's constant names to arrays
        broadcasting with them; one array per output comes back.
        """
        if name not in self._column_kernels:
            fn = self.kernel(name)
            names = self._own_constants(name)
            if name == "gd_drift":
                rhs = self.column_kernel("rhs")

                def call(columns, consts, fn=fn, names=names, rhs=rhs):
                    return fn(*columns, *rhs(columns, consts),
                              *(consts[n] for n in names))
            else:
                def call(columns, consts, fn=fn, names=names):
                    return fn(*columns, *(consts[n] for n in names))

            self._column_kernels[name] = call
        return self._column_kernels[name]

    def _own_constants(self, name: str) -> tuple[str, ...]:
        skip = self.n_params + (len(self.step_symbols) if name == "gd_drift" else 0)
        return self.spec(name).input_names[skip:]

    def constants_of(self, name: str) -> tuple[str, ...]:
        """Names of the constants kernel ``name`` needs (``gd_drift``: with the
        constants of ``rhs``, which computes its step)."""
        need = set(self._own_constants(name))
        if name == "gd_drift":
            need |= set(self.constants)
        return tuple(c.name for c in self.model.consts if c.name in need)

    def _evaluate(self, name: str, state, constants: dict) -> np.ndarray:
        state = self._state(state)
        names = self.constants_of(name)
        consts = self.check_constants(constants, names)
        batch = self.batch_shape(state, consts)
        out = self.column_kernel(name)(np.moveaxis(state, -1, 0), consts)
        return np.stack([np.broadcast_to(o, batch) for o in out], axis=-1)

    def rhs(self, state, **constants) -> np.ndarray:
        """θ̇ = −η ⊙ ∇L at ``state`` (shape ``batch + (n_params,)``)."""
        return self._evaluate("rhs", state, constants)

    def gd_step(self, state, **constants) -> np.ndarray:
        """One GD step θ − η ⊙ ∇L (the rates are the step sizes)."""
        return self._evaluate("gd_step", state, constants)

    def invariants(self, state, **constants) -> np.ndarray:
        """Q_i(θ), shape ``batch + (n_laws,)`` (order of :attr:`law_names`)."""
        return self._evaluate("invariants", state, constants)

    def gd_drift(self, state, **constants) -> np.ndarray:
        """Q_i(θ − η⊙∇L) − Q_i(θ), exactly (to rounding), ``batch + (n_laws,)``."""
        return self._evaluate("gd_drift", state, constants)

    def gd(self, state, steps: int, *, record: bool = False, **constants) -> np.ndarray:
        """``steps`` GD steps from ``state`` over the whole batch.

        Returns the final state (``batch + (n_params,)``), or with
        ``record=True`` every iterate, ``batch + (steps + 1, n_params)``.
        """
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) \
                or steps < 0:
            raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
        state = self._state(state)
        names = self.constants_of("gd_step")
        consts = self.check_constants(constants, names)
        batch = self.batch_shape(state, consts)
        size = math.prod(batch)
        cols = np.ascontiguousarray(
            np.moveaxis(np.broadcast_to(state, batch + (self.n_params,)), -1, 0)
        ).reshape(self.n_params, size)
        flat = {n: (c if c.ndim == 0 else np.broadcast_to(c, batch).reshape(size))
                for n, c in consts.items()}
        path = [cols] if record else None
        step = self.column_kernel("gd_step")
        for _ in range(int(steps)):
            cols = np.stack(step(cols, flat))
            if record:
                path.append(cols)
        if record:
            out = np.stack(path, axis=0)  # (T, n, size)
            return np.moveaxis(out, 2, 0).reshape(batch + out.shape[:2])
        return cols.T.reshape(batch + (self.n_params,))


_MEMO: dict = {}


def compile_flow(model: Model, dtype: str = "float64") -> FlowKernels:
    """The :class:`FlowKernels` of ``model`` (memoised per model and dtype)."""
    key = (model, dtype)
    if key not in _MEMO:
        _MEMO[key] = FlowKernels(model, dtype)
    return _MEMO[key]
