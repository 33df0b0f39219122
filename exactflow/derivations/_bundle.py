"""The :class:`Derivation` bundle: one model class, everything derived about it.

A catalog entry's ``bundle.derivation()`` returns one; ``exactflow.derivation(name)``
is the public way to get it.  Kernels are reached through :meth:`Derivation.kernel`
(the entry's own kernels, e.g. ``exact``, and the standard kernels ``rhs``,
``gd_step``, ``invariants``, ``gd_drift`` of every model) and, for an entry's own
numerical functions, :func:`generated_kernel`: both go through
``exactflow._build``, the one place a model meets a printer.

Importing this module loads no SymPy: an entry's numerical functions import it,
and a kernel found in the cache needs none (the SymPy names below are loaded on
first use).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import sympy as sp

    from ..symbolic.proof.verify import Claim, Solution, VerificationReport
    from ..symbolic.spec.flow import GradientFlow
    from ..symbolic.spec.kernels import KernelExprs
    from ..symbolic.spec.model import Model

__all__ = ["Derivation", "KernelExprs", "KernelSource", "SolveSetup", "entry",
           "generated_kernel", "validating"]


def __getattr__(name: str):
    if name == "KernelExprs":  # re-exported, loaded with SymPy on first use
        from ..symbolic.spec.kernels import KernelExprs

        globals()[name] = KernelExprs
        return KernelExprs
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _standard_kernels() -> tuple[str, ...]:
    from ..symbolic.spec.kernels import STANDARD_KERNELS

    return STANDARD_KERNELS


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
    (building a closed form's expressions takes seconds).  ``package`` is the
    catalog package that defines them (``exactflow.derivations.<name>``): its
    kernels are found in the cache by what defines them, without SymPy.
    """

    name: str
    build: Callable[[], tuple[KernelExprs, ...]] = field(repr=False)
    package: str | None = None

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        own = self.build()
        return _find(own, kernel, self.name, [k.name for k in own])


@functools.cache
def _source(package: str) -> KernelSource:
    def build():  # SymPy: only when a kernel must be generated
        return importlib.import_module(".maths", package).kernels()

    return KernelSource(package.rpartition(".")[2], build, package)


def generated_kernel(package: str, build: Callable | None = None,
                     kernel: str = "exact", target: str | None = None,
                     dtype: str = "float64"):
    """Kernel ``kernel`` of the catalog entry whose package is ``package`` (its
    ``__package__``; the kernels are its ``maths.kernels()``) as a callable.

    For an entry's numerical functions: the same memoised kernel as
    ``exactflow.derivation(name).kernel(target, kernel, dtype)``, without
    building the rest of the derivation, and without SymPy when the kernel is
    in the cache.  (``generated_kernel(name, build, ...)`` with a name and a
    function returning the kernel expressions also works; it is not cached
    across processes.)
    """
    from .._build import load_kernel  # the one upward edge (see CONTRIBUTING.md)

    if build is None:
        source = _source(package)
    else:
        source = KernelSource(package.rpartition(".")[2], build)
    return load_kernel(source, kernel, target, dtype)


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
    package: str | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # building a closed form's kernel expressions takes seconds: once only
        object.__setattr__(self, "kernels", functools.cache(self.kernels))
        object.__setattr__(self, "_standard", {})

    def __repr__(self) -> str:
        own = [k.name for k in self.kernels()]
        return (f"<Derivation {self.name!r}: {self.title}; {len(self.claims)} "
                f"claims, kernels {own + list(_standard_kernels())}>")

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
        from ..symbolic.proof.verify import VerificationReport

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
        return own + tuple(k for k in _standard_kernels() if k not in own)

    def kernel_exprs(self, kernel: str = "exact") -> KernelExprs:
        """The :class:`KernelExprs` of ``kernel`` (one of :attr:`kernel_names`)."""
        from ..symbolic.spec.kernels import STANDARD_KERNELS, standard_kernel

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
               dtype: str = "float64", validate: bool = False):
        """The generated kernel as a callable (``target`` None: NumPy).

        Targets are the names of ``exactflow.codegen.targets.TARGETS``;
        ``kernel`` is one of :attr:`kernel_names`.

        Raw kernels do **not** check their arguments (they are meant for hot
        loops, Numba code and device arrays): an argument outside the domain
        (a non-positive learning rate, a NaN) gives NaN or a meaningless
        number, not an error.  The entry's public numerical functions validate
        their input; ``validate=True`` wraps the kernel in a host-side check
        declared from its inputs' assumptions (every argument a finite real
        array, > 0 where the input symbol is positive, ≥ 0 where it is
        non-negative, likewise for negative and non-positive) raising
        ``ValueError``/``TypeError`` naming the argument — for host
        (NumPy-convertible) arguments only.
        """
        from .._build import load_kernel  # the one upward edge

        fn = load_kernel(self, kernel, target, dtype)
        if not validate:
            return fn
        return validating(fn, self.kernel_exprs(kernel).inputs)

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
                      kernels=maths.kernels, package=maths.__package__, **fields)


def validating(fn: Callable, inputs: tuple[sp.Symbol, ...]) -> Callable:
    """``fn`` with its arguments checked against ``inputs``' assumptions.

    Parameters
    ----------
    fn : callable
        A generated kernel taking one argument per symbol of ``inputs``.
    inputs : tuple of sympy.Symbol
        Its input symbols: each argument must be a finite real array, > 0
        where the symbol is positive, ≥ 0 where it is non-negative, < 0 where
        it is negative, ≤ 0 where it is non-positive.

    Returns
    -------
    callable
        Same signature and results as ``fn``; raises ``TypeError`` (not a real
        number) or ``ValueError`` (NaN, inf, outside the sign domain), naming
        the argument, before calling ``fn``.
    """
    from ._checks import finite_array

    names = tuple(s.name for s in inputs)

    @functools.wraps(fn)
    def checked(*args, **kwargs):
        if len(args) > len(names):
            raise TypeError(f"{fn.__name__} takes {len(names)} arguments "
                            f"({', '.join(names)}), got {len(args)}")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                raise TypeError(f"{fn.__name__}: unexpected argument {key!r}")
            values[key] = value
        for sym in inputs:
            if sym.name not in values:
                raise TypeError(f"{fn.__name__}: missing argument {sym.name!r}")
            arr = finite_array(sym.name, values[sym.name])
            if sym.is_positive and np.any(arr <= 0):
                raise ValueError(f"{sym.name} must be > 0 (the kernel's domain)")
            if sym.is_nonnegative and np.any(arr < 0):
                raise ValueError(f"{sym.name} must be >= 0 (the kernel's domain)")
            if sym.is_negative and np.any(arr >= 0):
                raise ValueError(f"{sym.name} must be < 0 (the kernel's domain)")
            if sym.is_nonpositive and np.any(arr > 0):
                raise ValueError(f"{sym.name} must be <= 0 (the kernel's domain)")
        return fn(*args, **kwargs)

    return checked
