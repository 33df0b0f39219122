"""The :class:`SolveResult`: everything :func:`~.engine.solve` found, step by step."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..proof.verify import ClaimResult, Solution
from ..spec.flow import GradientFlow
from ..spec.kernels import KernelExprs
from .reduce import ReducedSystem
from .structures.base import Applied, Match
from .symbols import t

__all__ = ["SolveResult"]


@dataclass
class SolveResult:
    """Everything :func:`~.engine.solve` found (rendered by
    ``exactflow.present.transcript``).

    ``match`` is the recognised structure with its data, ``applied`` what its
    recipe produced; ``reduced_solution`` maps each reduced coordinate to its
    closed form in t and the initial values ``{z: z_init}``; ``solution`` is
    the lift to the model's state (a :class:`Solution`) where one exists;
    ``quadrature`` is ``(t_expr, variable)``: t as an integral of the variable
    when no explicit form was found.
    """

    name: str
    system: ReducedSystem
    flow: GradientFlow | None = None
    match: Match | None = None
    applied: Applied | None = None
    recipe: list[tuple[str, str]] = field(default_factory=list)
    reduced_solution: dict[sp.Symbol, sp.Expr] | None = None
    solution: Solution | None = None
    quadrature: tuple[sp.Expr, sp.Symbol] | None = None
    checks: list[ClaimResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        state = ("no closed form" if self.reduced_solution is None and
                 self.quadrature is None else
                 "verified" if self.verified else
                 "not verified" if self.checks else "unchecked")
        return (f"<SolveResult {self.name!r}: {self.structure or 'no structure'}, "
                f"{len(self.system.coords)} reduced coordinate(s), {state}>")

    def _repr_markdown_(self) -> str:
        from ...present.transcript import transcript  # allowlisted upward edge

        return transcript(self, "markdown")

    @property
    def structure(self) -> str | None:
        """The recognised structure's registry name (None: not recognised)."""
        return self.match.name if self.match else None

    @property
    def verified(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        """The ``exact`` kernel: the (lifted, else reduced) closed form."""
        if kernel != "exact":
            raise ValueError(f"kernel must be 'exact' for a solved model, got "
                             f"{kernel!r}")
        if self.solution is not None:
            state = self.solution.state
        elif self.reduced_solution is not None:
            state = self.reduced_solution
        else:
            raise ValueError(f"{self.name}: no closed form to generate a kernel from")
        free = set().union(*(e.free_symbols for e in state.values())) - {t}
        inputs = (t,) + tuple(sorted(free, key=sp.default_sort_key))
        outputs = tuple((str(x), e) for x, e in state.items())
        # t is the growth variable: e^{tF}-type growth that cancels in the
        # value is evaluated scaled (exactflow.codegen.growth), not overflowed
        return KernelExprs("exact", inputs, outputs,
                           doc=f"closed form found by exactflow.solve for {self.name}",
                           growth_variable=t)

    def kernel(self, target: str | None = None, dtype: str = "float64"):
        """The generated kernel of the closed form (``target`` None: NumPy)."""
        from ..._build import load_kernel  # allowlisted upward edge

        return load_kernel(self, "exact", target, dtype)

    def kernel_source(self, target: str | None = None, dtype: str = "float64"
                      ) -> str:
        """The generated source text of the closed form's kernel."""
        from ..._build import kernel_source

        return kernel_source(self, "exact", target, dtype)
