"""The :class:`SolveResult`: everything :func:`~.engine.solve` found, step by step."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..proof.verify import ClaimResult, Solution
from ..spec.flow import GradientFlow
from ..spec.kernels import KernelExprs
from .branches import Branch
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
    when no explicit form was found.  ``branches`` are the verified closed
    forms where the lift is 0/0 (b = 0, the start at rest: :mod:`.branches`);
    :meth:`kernel` evaluates each where its inputs vanish.
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
    branches: list[Branch] = field(default_factory=list)

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
        """The ``exact`` kernel: the (lifted, else reduced) closed form; or the
        closed form of one of :attr:`branches` (its ``kernel`` role)."""
        branch = next((b for b in self.branches if b.kernel == kernel), None)
        if branch is not None:
            state = branch.solution.state
        elif kernel != "exact":
            raise ValueError(f"kernel must be 'exact' for a solved model, got "
                             f"{kernel!r}")
        elif self.solution is not None:
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
        where = f" ({branch.where})" if branch is not None else ""
        return KernelExprs(kernel, inputs, outputs,
                           doc=f"closed form found by exactflow.solve for "
                               f"{self.name}{where}",
                           growth_variable=t)

    def kernel(self, target: str | None = None, dtype: str = "float64"):
        """The generated kernel of the closed form (``target`` None: NumPy).

        With :attr:`branches`, a callable that evaluates each branch's kernel
        where its inputs are exactly zero (after broadcasting) and the generic
        kernel elsewhere (:class:`~.select.BranchKernel`).  A rotation-reduced
        solution raises ``ValueError`` naming the inputs b where ‖b‖² is below
        the dtype's normal range but b ≠ 0 (the lift divides by it), and at
        b = 0 when no closed form was found there, rather than returning NaN.
        """
        from ..._build import load_kernel  # allowlisted upward edge

        generic = load_kernel(self, "exact", target, dtype)
        if self.solution is None or (not self.branches and
                                     self.system.slice is None):
            return generic
        from .select import BranchKernel

        inputs = self.kernel_exprs().inputs
        index = {x: i for i, x in enumerate(inputs)}
        parts = []
        for b in self.branches:
            conditions = [[(float(c), tuple((index[g], p) for g, p in zip(inputs, e)
                                            if p))
                           for e, c in sp.Poly(z, *inputs).terms()] for z in b.zero]
            if b.constant:
                values = [index.get(b.solution.initial[x]) for x in
                          self.solution.state]
            else:
                def values(b=b):
                    return (load_kernel(self, b.kernel, target, dtype),
                            [index[x] for x in self.kernel_exprs(b.kernel).inputs])
            parts.append((b, conditions, [index[x] for x in b.safe], values))
        sl = self.system.slice
        direction = [] if sl is None else [index[x] for x in sl.b]
        return BranchKernel(generic, [str(x) for x in inputs], parts, direction,
                            [str(x) for x in self.solution.state], dtype)

    def kernel_source(self, target: str | None = None, dtype: str = "float64"
                      ) -> str:
        """The generated source text of the closed form's kernel."""
        from ..._build import kernel_source

        return kernel_source(self, "exact", target, dtype)
