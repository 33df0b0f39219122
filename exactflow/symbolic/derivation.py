"""The :class:`Derivation` bundle: one model class, everything derived about it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from .spec.flow import GradientFlow
from .spec.model import Model
from .proof.verify import Claim, Solution, VerificationReport

__all__ = ["Derivation", "KernelExprs", "SolveSetup"]


@dataclass(frozen=True)
class SolveSetup:
    """The setting in which a catalog entry's closed form holds, for the solver.

    ``exactflow solve NAME`` reduces ``model``'s flow with ``conserved`` (symbol →
    expression), ``values`` (constants fixed, e.g. a balance condition) and
    ``coordinates`` (None: the model's own, after any rotation slice), and
    states ``setting`` in its transcript.
    """

    model: Model
    conserved: dict[sp.Symbol, sp.Expr]
    setting: str
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    coordinates: dict[sp.Symbol, sp.Expr] | None = None


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


@dataclass(frozen=True)
class Derivation:
    """A model class: model, flow, conserved quantities, solution and claims.

    Attributes
    ----------
    name : str
        Catalog key.
    title : str
        One-line description.
    model : Model
        The model at the derivation's reference size.
    flow : GradientFlow
        Its gradient flow.
    conserved : dict
        ``{name: expression}`` of the conserved quantities.
    solution : Solution or None
        The exact solution, where one exists.
    claims : tuple of Claim
        The statements :meth:`verify` checks.
    solve_setup : callable returning SolveSetup, optional
        The setting of the closed form for ``exactflow solve NAME`` (default: the
        model and conserved quantities above).
    """

    name: str
    title: str
    model: Model
    flow: GradientFlow
    conserved: dict[str, sp.Expr]
    solution: Solution | None
    claims: tuple[Claim, ...]
    references: tuple[str, ...] = ()
    sections: tuple[tuple[str, str], ...] = ()  # (heading, LaTeX) for latex()/derive
    kernels: Callable[[], tuple[KernelExprs, ...]] = field(
        default=lambda: (), repr=False
    )
    solve_setup: Callable[[], SolveSetup] | None = field(default=None, repr=False)

    def verify(self, names: list[str] | None = None) -> VerificationReport:
        """Run every claim (or those named) and collect the results."""
        claims = self.claims
        if names is not None:
            unknown = set(names) - {c.name for c in claims}
            if unknown:
                raise ValueError(f"unknown claim(s) {sorted(unknown)} for {self.name}")
            claims = tuple(c for c in claims if c.name in names)
        return VerificationReport(self.name, tuple(c.run() for c in claims))

    def latex(self) -> str:
        """The derivation as a LaTeX fragment (``align*`` blocks per section)."""
        parts = [rf"\section*{{{self.title}}}"]
        for heading, body in self.sections:
            parts.append(rf"\paragraph{{{heading}}}")
            parts.append("\\begin{align*}\n" + body + "\n\\end{align*}")
        return "\n".join(parts) + "\n"

    def __post_init__(self) -> None:
        # building a closed form's kernel expressions takes seconds: once only
        object.__setattr__(self, "kernels", functools.cache(self.kernels))

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        kernels = self.kernels()
        for k in kernels:
            if k.name == kernel:
                return k
        names = [k.name for k in kernels]
        raise ValueError(
            f"kernel must be one of {names} for {self.name}, got {kernel!r}"
        )

    def kernel(
        self, target: str = "numpy", kernel: str = "exact", dtype: str = "float64"
    ):
        """The generated kernel as a callable (see :mod:`exactflow.codegen`)."""
        from .._build import load_kernel  # the one upward edge

        return load_kernel(self, kernel, target, dtype)

    def kernel_source(
        self, target: str = "numpy", kernel: str = "exact", dtype: str = "float64"
    ) -> str:
        """The generated source text of a kernel."""
        from .._build import kernel_source

        return kernel_source(self, kernel, target, dtype)
