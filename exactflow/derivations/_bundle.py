"""The :class:`Derivation` bundle: one model class, everything derived about it.

A catalog entry's ``bundle.derivation()`` returns one; ``exactflow.derivation(name)``
is the public way to get it.  Kernels are reached through :meth:`Derivation.kernel`
(the entry's own kernels, e.g. ``exact``, and the standard kernels ``rhs``,
``gd_step``, ``invariants``, ``gd_drift`` of every model) and, for an entry's own
numerical functions, :func:`generated_kernel`: both go through
``exactflow._build``, the one place a model meets a printer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from ..symbolic.proof.verify import Claim, Solution, VerificationReport
from ..symbolic.spec.flow import GradientFlow
from ..symbolic.spec.kernels import STANDARD_KERNELS, KernelExprs, standard_kernel
from ..symbolic.spec.model import Model

__all__ = ["Derivation", "KernelExprs", "KernelSource", "SolveSetup", "entry",
           "generated_kernel"]


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


def _find(kernels: tuple[KernelExprs, ...], kernel: str, owner: str,
          names: list[str]) -> KernelExprs:
    for k in kernels:
        if k.name == kernel:
            return k
    raise ValueError(f"kernel must be one of {names} for {owner}, got {kernel!r}")


@dataclass(frozen=True)
class KernelSource:
    """An entry's own kernels, without the rest of its derivation.

    ``build()`` returns the entry's :class:`KernelExprs`; it should be cached
    (building a closed form's expressions takes seconds).
    """

    name: str
    build: Callable[[], tuple[KernelExprs, ...]] = field(repr=False)

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        own = self.build()
        return _find(own, kernel, self.name, [k.name for k in own])


def generated_kernel(name: str, build: Callable[[], tuple[KernelExprs, ...]],
                     kernel: str = "exact", target: str | None = None,
                     dtype: str = "float64"):
    """Kernel ``kernel`` of the catalog entry ``name`` as a callable.

    For an entry's numerical functions: the same memoised kernel as
    ``exactflow.derivation(name).kernel(target, kernel, dtype)``, without
    building the rest of the derivation.
    """
    from .._build import load_kernel  # the one upward edge (see CONTRIBUTING.md)

    return load_kernel(KernelSource(name, build), kernel, target, dtype)


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
    references : tuple of str
        The papers, as "Authors (year), arXiv:id".
    sections : tuple of (str, str)
        ``(heading, LaTeX)`` of the derivation's own results, for
        :meth:`latex` and ``exactflow derive``.
    kernels : callable returning tuple of KernelExprs
        The entry's own kernels (e.g. ``exact``); the standard kernels
        :data:`~exactflow.symbolic.spec.kernels.STANDARD_KERNELS` are added.
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
    sections: tuple[tuple[str, str], ...] = ()
    kernels: Callable[[], tuple[KernelExprs, ...]] = field(
        default=lambda: (), repr=False
    )
    solve_setup: Callable[[], SolveSetup] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # building a closed form's kernel expressions takes seconds: once only
        object.__setattr__(self, "kernels", functools.cache(self.kernels))
        object.__setattr__(self, "_standard", {})

    def __repr__(self) -> str:
        own = [k.name for k in self.kernels()]
        return (f"<Derivation {self.name!r}: {self.title}; {len(self.claims)} "
                f"claims, kernels {own + list(STANDARD_KERNELS)}>")

    def _repr_markdown_(self) -> str:
        from ..present.derivation import derive_markdown  # allowlisted upward edge

        return derive_markdown(self, level=2)

    def verify(self, names: list[str] | None = None, progress: bool | None = None
               ) -> VerificationReport:
        """Run every claim (or those named) and collect the results.

        ``progress`` shows a bar (None: only when a person is watching, a
        terminal or a notebook).
        """
        from .._progress import progress as bar

        claims = self.claims
        if names is not None:
            unknown = set(names) - {c.name for c in claims}
            if unknown:
                raise ValueError(f"unknown claim(s) {sorted(unknown)} for {self.name}")
            claims = tuple(c for c in claims if c.name in names)
        runs = bar(claims, f"verify {self.name}", len(claims), progress, "claim")
        return VerificationReport(self.name, tuple(c.run() for c in runs))

    def latex(self, standalone: bool = False) -> str:
        """The derivation as LaTeX: a fragment for ``\\input`` (needs
        ``amsmath``, ``amssymb``) or, with ``standalone``, a whole document.

        The same text as ``exactflow derive NAME --format latex``.
        """
        from ..present.derivation import derive_latex  # allowlisted upward edge

        return derive_latex(self, standalone)

    @property
    def kernel_names(self) -> tuple[str, ...]:
        """The entry's own kernels, then the standard ones."""
        own = tuple(k.name for k in self.kernels())
        return own + tuple(k for k in STANDARD_KERNELS if k not in own)

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        """The :class:`KernelExprs` of ``kernel`` (one of :attr:`kernel_names`)."""
        own = self.kernels()
        if any(k.name == kernel for k in own) or kernel not in STANDARD_KERNELS:
            return _find(own, kernel, self.name, list(self.kernel_names))
        if self.model is None:
            raise ValueError(f"{self.name}: the standard kernel {kernel!r} needs a "
                             "model")
        if kernel not in self._standard:
            self._standard[kernel] = standard_kernel(self.model, kernel,
                                                     self.conserved)
        return self._standard[kernel]

    def kernel(self, target: str | None = None, kernel: str = "exact",
               dtype: str = "float64"):
        """The generated kernel as a callable (``target`` None: NumPy).

        Targets are the names of ``exactflow.codegen.targets.TARGETS``;
        ``kernel`` is one of :attr:`kernel_names`.
        """
        from .._build import load_kernel  # the one upward edge

        return load_kernel(self, kernel, target, dtype)

    def kernel_source(self, target: str | None = None, kernel: str = "exact",
                      dtype: str = "float64") -> str:
        """The generated source text of a kernel."""
        from .._build import kernel_source

        return kernel_source(self, kernel, target, dtype)


def entry(maths, title: str, sizes: tuple = (), **fields) -> Derivation:
    """The :class:`Derivation` of the catalog entry whose mathematics module is
    ``maths`` (its ``NAME``, ``REFERENCES``, ``kernels`` and the ``model`` and
    ``flow`` at ``sizes``), with the remaining ``fields`` (``conserved``,
    ``solution``, ``claims``, ``sections``, ``solve_setup``)."""
    return Derivation(name=maths.NAME, title=title, model=maths.model(*sizes),
                      flow=maths.flow(*sizes), references=maths.REFERENCES,
                      kernels=maths.kernels, **fields)
