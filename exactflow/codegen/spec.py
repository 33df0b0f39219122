"""The :class:`KernelSpec`: what a generated kernel computes, checked on creation.

A spec is data, frozen and validated cheaply in ``__post_init__`` (no simplify, no
CSE): names are identifiers, every free symbol of the outputs is a declared input,
and the dtype is one the printers know.  Code generation starts from a spec and
knows nothing about the model it came from.
"""

from __future__ import annotations

import functools
import keyword
from dataclasses import dataclass

import sympy as sp

from .info import DTYPES, KernelInfo

__all__ = ["DTYPES", "KernelSpec", "output_lines"]


@functools.lru_cache(maxsize=64)
def _text(expr: sp.Expr) -> str:
    return str(expr)


def output_lines(spec: KernelSpec) -> list[str]:
    """``name = expression`` for each output, as SymPy prints it; the text is
    kept for the last few expressions (printing a closed form takes a second,
    and every target and dtype of a kernel quotes the same outputs)."""
    return [f"{name} = {_text(expr)}" for name, expr in spec.outputs]


def _check_name(what: str, name: object) -> str:
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{what} must be a Python identifier, got {name!r}")
    return name


def _check_public(what: str, name: object) -> str:
    _check_name(what, name)
    if name.startswith("_"):  # _t0, _f0, ... belong to the generated code
        raise ValueError(f"{what} {name!r}: names starting with '_' are reserved")
    return name


@dataclass(frozen=True)
class KernelSpec:
    """A pointwise kernel: scalar inputs in, named scalar expressions out.

    Parameters
    ----------
    name : str
        Kernel role (``"exact"``, ``"rhs"``, ...); the generated function's name.
    derivation : str
        Name of the derivation it belongs to (only used in names and headers).
    inputs : tuple of sympy.Symbol
        Arguments in order; each is broadcast over arrays by the generated code.
    outputs : tuple of (str, sympy.Expr)
        Named real expressions in the inputs, in return order.
    dtype : {"float64", "float32"}
        Floating type the kernel computes in.
    doc : str
        One paragraph for the generated docstring.
    growth_variable : sympy.Symbol, optional
        An input (the time t ≥ 0) in which the outputs' exponentials grow: the
        outputs are then evaluated as e^{R·t}·S with S bounded
        (:mod:`exactflow.codegen.growth`), so growth that cancels in the value
        does not overflow.

    Raises
    ------
    ValueError
        On a bad name, a repeated name, an unknown dtype or an output that uses a
        symbol missing from ``inputs``.
    TypeError
        When an input is not a Symbol or an output is not a SymPy expression.
    """

    name: str
    derivation: str
    inputs: tuple[sp.Symbol, ...]
    outputs: tuple[tuple[str, sp.Expr], ...]
    dtype: str = "float64"
    doc: str = ""
    growth_variable: sp.Symbol | None = None

    def __post_init__(self) -> None:
        _check_public("kernel name", self.name)
        _check_name("derivation name", self.derivation)
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {list(DTYPES)}, got {self.dtype!r}")
        if not isinstance(self.doc, str):
            raise TypeError(f"doc must be a str, got {type(self.doc).__name__}")
        inputs = tuple(self.inputs)
        for s in inputs:
            if not isinstance(s, sp.Symbol):
                raise TypeError(f"inputs must be sympy Symbols, got {s!r}")
            _check_public("input", s.name)
        names = [s.name for s in inputs]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: repeated input names in {names}")
        outputs = tuple(self._output(pair) for pair in self.outputs)
        if not outputs:
            raise ValueError(f"{self.name}: a kernel needs at least one output")
        out_names = [n for n, _ in outputs]
        if len(set(out_names)) != len(out_names):
            raise ValueError(f"{self.name}: repeated output names in {out_names}")
        used = set().union(*(e.free_symbols for _, e in outputs))
        undeclared = used - set(inputs)
        if undeclared:
            raise ValueError(
                f"{self.name}: outputs use undeclared symbols "
                f"{sorted(map(str, undeclared))}; declared inputs are {names}"
            )
        if self.growth_variable is not None and self.growth_variable not in inputs:
            raise ValueError(f"{self.name}: growth_variable {self.growth_variable} "
                             f"is not an input; inputs are {names}")
        object.__setattr__(self, "inputs", inputs)
        object.__setattr__(self, "outputs", outputs)

    @staticmethod
    def _output(pair: object) -> tuple[str, sp.Expr]:
        try:
            name, expr = pair  # type: ignore[misc]
        except (TypeError, ValueError):
            raise TypeError(f"outputs must be (name, expression) pairs, got {pair!r}")
        _check_public("output", name)
        expr = sp.sympify(expr)
        if not isinstance(expr, sp.Expr) or expr.is_Relational:
            raise TypeError(f"output {name!r} must be a real expression, got {expr!r}")
        if expr.has(sp.I, sp.zoo, sp.Derivative, sp.Integral):
            raise ValueError(
                f"output {name!r} must be a real closed form without I, zoo, "
                f"Derivative or Integral, got {expr}"
            )
        return name, expr

    @classmethod
    def from_exprs(cls, exprs, derivation: str, dtype: str = "float64") -> KernelSpec:
        """The spec of a :class:`~exactflow.symbolic.spec.kernels.KernelExprs`
        (or any object with its fields) for ``derivation`` and ``dtype``."""
        return cls(name=exprs.name, derivation=derivation, inputs=tuple(exprs.inputs),
                   outputs=tuple(exprs.outputs), dtype=dtype, doc=exprs.doc,
                   growth_variable=getattr(exprs, "growth_variable", None))

    @property
    def input_names(self) -> tuple[str, ...]:
        """Argument names, in order."""
        return tuple(s.name for s in self.inputs)

    @property
    def output_names(self) -> tuple[str, ...]:
        """Output names, in return order."""
        return tuple(n for n, _ in self.outputs)

    @property
    def info(self) -> KernelInfo:
        """The names and dtype alone (what loading a cached kernel needs)."""
        return KernelInfo(self.name, self.derivation, self.dtype, self.input_names,
                          self.output_names)
