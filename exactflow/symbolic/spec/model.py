"""Declarative, frozen model specifications.

A :class:`Model` is data: parameter groups with their layer-wise learning-rate
symbols, the forward map, the loss written through data moments, and the declared
constants (data moments, teacher, rates).  It validates itself cheaply on
construction and refuses any symbol it was not told about.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

__all__ = ["Model", "ParamGroup", "data_symbols", "moment_loss", "symmetric_matrix"]


@dataclass(frozen=True)
class ParamGroup:
    """One layer (group) of parameters sharing a learning rate.

    Parameters
    ----------
    name : str
        Group name, e.g. ``"a"`` or ``"w"``.
    symbols : tuple of sympy.Symbol
        The explicit components, in row-major order of ``shape``.
    rate : sympy.Symbol
        The positive learning-rate symbol of the group (``eta_a``).
    shape : tuple of int
        Shape of the group; ``()`` for a scalar.
    """

    name: str
    symbols: tuple[sp.Symbol, ...]
    rate: sp.Symbol
    shape: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        symbols = tuple(self.symbols)
        object.__setattr__(self, "symbols", symbols)
        object.__setattr__(self, "shape", tuple(int(n) for n in self.shape))
        size = 1
        for n in self.shape:
            size *= n
        if len(symbols) != size:
            raise ValueError(
                f"parameter group {self.name!r}: shape {self.shape} needs {size} "
                f"symbols, got {len(symbols)}"
            )
        if not all(isinstance(s, sp.Symbol) for s in symbols):
            raise TypeError(f"parameter group {self.name!r}: symbols must be Symbols")
        if not isinstance(self.rate, sp.Symbol) or self.rate.is_positive is not True:
            raise ValueError(
                f"parameter group {self.name!r}: rate must be a Symbol declared "
                "positive=True"
            )


def symmetric_matrix(upper, d: int) -> sp.Matrix:
    """The symmetric d×d matrix whose upper triangle, row by row, is ``upper``.

    >>> symmetric_matrix(sp.symbols("s00 s01 s11"), 2)
    Matrix([
    [s00, s01],
    [s01, s11]])
    """
    entries = iter(upper)
    m = sp.zeros(d, d)
    for i in range(d):
        for j in range(i, d):
            m[i, j] = m[j, i] = next(entries)
    return m


def moment_loss(
    coefficients: sp.Matrix, sigma_xx: sp.Matrix, sigma_xy: sp.Matrix, syy: sp.Expr
) -> sp.Expr:
    r"""Loss :math:`\tfrac12 E[(y-\beta^\top x)^2]` of a linear-in-x predictor.

    With :math:`\beta` = ``coefficients`` this is
    :math:`\tfrac12(E[y^2]-2\beta^\top\Sigma_{xy}+\beta^\top\Sigma_{xx}\beta)`.
    """
    beta = sp.Matrix(coefficients)
    return sp.Rational(1, 2) * (
        syy
        - 2 * (beta.T * sp.Matrix(sigma_xy))[0, 0]
        + (beta.T * sp.Matrix(sigma_xx) * beta)[0, 0]
    )


@dataclass(frozen=True)
class Model:
    """A model class at a chosen size.

    Parameters
    ----------
    name : str
        Catalog key (equals the derivation module name).
    params : tuple of ParamGroup
        Fixes the state layout (groups in order, components row-major).
    consts : tuple of sympy.Symbol
        Every other symbol the loss may use: data moments, teacher, rates.
    loss : sympy.Expr
        The loss under the stated assumptions.
    inputs : tuple of sympy.Symbol
        Input symbols of the forward map.
    forward : sympy.Expr
        The network output f(x; θ), in the ``inputs``, ``params`` and ``consts``.
    assumptions : str
        Human-readable statement of the assumptions (e.g. whitened inputs).
    references : tuple of str
        Papers the model comes from.
    """

    name: str
    params: tuple[ParamGroup, ...]
    consts: tuple[sp.Symbol, ...]
    loss: sp.Expr
    inputs: tuple[sp.Symbol, ...] = ()
    forward: sp.Expr | None = None
    assumptions: str = ""
    references: tuple[str, ...] = ()
    symbols: tuple[sp.Symbol, ...] = field(init=False)

    def __post_init__(self) -> None:
        params = tuple(self.params)
        consts = tuple(self.consts)
        object.__setattr__(self, "params", params)
        object.__setattr__(self, "consts", consts)
        object.__setattr__(self, "inputs", tuple(self.inputs))
        if not params:
            raise ValueError(f"{self.name}: a model needs at least one parameter group")
        flat = tuple(s for g in params for s in g.symbols)
        every = flat + consts + self.inputs
        if any(s.name.startswith("_") for s in every):
            raise ValueError(f"{self.name}: names starting with '_' are reserved")
        if len(set(every)) != len(every):
            raise ValueError(f"{self.name}: a symbol is declared twice")
        rates = {g.rate for g in params}
        missing = rates - set(consts)
        if missing:
            raise ValueError(
                f"{self.name}: learning rates {sorted(map(str, missing))} must be "
                "declared in consts"
            )
        loss = sp.sympify(self.loss)
        undeclared = loss.free_symbols - set(flat) - set(consts)
        if undeclared:
            raise ValueError(f"{self.name}: undeclared {sorted(map(str, undeclared))}")
        if loss.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise ValueError(f"{self.name}: the loss is not finite ({loss})")
        if loss.has(sp.I):
            raise ValueError(f"{self.name}: the loss must be real, it contains I")
        if loss.has(sp.DiracDelta):
            raise ValueError(f"{self.name}: the loss contains DiracDelta, a "
                             "distribution, not a function of the parameters")
        if self.forward is not None:
            undeclared = sp.sympify(self.forward).free_symbols - set(every)
            if undeclared:
                raise ValueError(
                    f"{self.name}: forward map uses undeclared "
                    f"{sorted(map(str, undeclared))}"
                )
        object.__setattr__(self, "loss", loss)
        object.__setattr__(self, "symbols", flat)

    def __repr__(self) -> str:
        groups = ", ".join(f"{g.name}{list(g.shape) if g.shape else ''}"
                           for g in self.params)
        return (f"<Model {self.name!r}: {len(self.symbols)} parameters ({groups}), "
                f"{len(self.consts)} constants>")

    def _repr_markdown_(self) -> str:
        rows = ["| group | shape | learning rate |", "|---|---|---|"]
        rows += [f"| `{g.name}` | {tuple(g.shape) or 'scalar'} | "
                 f"${sp.latex(g.rate)}$ |" for g in self.params]
        parts = [f"**Model `{self.name}`**"
                 + (f" ({self.assumptions})" if self.assumptions else ""), ""]
        if self.forward is not None:
            parts += [f"$$f = {sp.latex(self.forward)}$$", ""]
        loss = sp.latex(self.loss)
        parts += [f"$$L = {loss}$$" if len(loss) < 2000 else
                  f"L: {len(loss)} characters of LaTeX", "", *rows]
        return "\n".join(parts)

    def group(self, name: str) -> ParamGroup:
        """The parameter group called ``name``."""
        for g in self.params:
            if g.name == name:
                return g
        raise KeyError(f"{self.name}: no parameter group {name!r}")

    @property
    def rates(self) -> dict[sp.Symbol, sp.Symbol]:
        """Map from each parameter symbol to its learning-rate symbol."""
        return {s: g.rate for g in self.params for s in g.symbols}


def data_symbols(d: int) -> dict[str, tuple[sp.Symbol, ...]]:
    """The data symbols of a model with ``d`` inputs: the inputs ``x0…``, the
    whitened target ``beta_star0…`` and the moments ``sigma_xx<ij>`` (upper
    triangle, row-major) and ``sigma_xy0…`` (see :func:`symmetric_matrix`)."""
    if isinstance(d, bool) or not isinstance(d, int) or d < 1:
        raise ValueError(f"d must be a positive integer, got {d!r}")
    idx = [(i, j) for i in range(d) for j in range(i, d)]
    return {
        "beta_star": sp.symbols(f"beta_star0:{d}", real=True),
        "x": sp.symbols(f"x0:{d}", real=True),
        "sigma_xx": tuple(sp.Symbol(f"sigma_xx{i}{j}", real=True) for i, j in idx),
        "sigma_xy": sp.symbols(f"sigma_xy0:{d}", real=True),
    }
