r"""Reduction of a gradient flow by its symmetries and conserved quantities.

Exact steps, each recorded for the transcript:

**Rotations about the data direction**: :mod:`.rotation`.

**Change of variables and conserved constants**: :mod:`.variables`.

**Rescalings** (``reduce_flow(..., coordinates="invariant")``, see
:mod:`.scaling`).  The diagonal rescalings θ_i → c^{k_i} θ_i of the (slice)
loss give Noether charges Q = Σ k_i θ_i²/η_i (new constants) and invariant
monomials (new coordinates); the halves of each charge are the auxiliary Y.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp

from ..laws.scaling import invariant_setup
from ..proof.zero import is_identically_zero
from ..spec.flow import GradientFlow, time_derivative
from .rotation import Slice, rotation_slice
from .variables import NotReducible, ReductionError, change_variables

__all__ = ["ReducedSystem", "Slice", "rotation_slice", "reduce_flow",
           "change_variables", "NotReducible", "ReductionError"]


@dataclass(frozen=True)
class ReducedSystem:
    """An autonomous system ż = F(z) obtained from a model's flow.

    Attributes
    ----------
    coords : tuple of Symbol
        The reduced coordinates z.
    rhs : tuple of Expr
        ż in the order of ``coords``; free symbols are z and constants.
    definitions : dict
        z_i as expressions of the model's state (after any slice).
    constants : dict
        Constant symbol → the conserved quantity it stands for.
    values : dict
        Constants fixed to a value (e.g. δ = 0 for balanced initialisation).
    relations : tuple of Expr
        Polynomials in z and constants that vanish on the level set
        (conserved quantities written in z, and constraints among z).
    slice : Slice or None
        The rotation reduction applied first, if any.
    steps : tuple of (str, str)
        (heading, text) of each reduction step, for the transcript.
    """

    coords: tuple[sp.Symbol, ...]
    rhs: tuple[sp.Expr, ...]
    definitions: dict[sp.Symbol, sp.Expr]
    constants: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    values: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)
    relations: tuple[sp.Expr, ...] = ()
    constraints: tuple[sp.Expr, ...] = ()
    slice: Slice | None = None
    steps: tuple[tuple[str, str], ...] = ()
    levels: dict[sp.Symbol, sp.Expr] = field(default_factory=dict)

    @property
    def equations(self) -> dict[sp.Symbol, sp.Expr]:
        return dict(zip(self.coords, self.rhs))


def reduce_flow(flow: GradientFlow, coordinates: dict | None = None,
                conserved: dict | None = None, values: dict | None = None,
                rotations: bool = True) -> ReducedSystem:
    """Reduce ``flow``: rotation slice, then change of variables on the level set.

    Parameters
    ----------
    flow : GradientFlow
    coordinates : dict or "invariant", optional
        ``{z: expression}`` in the model's symbols (or in the slice symbols u, r, s
        when the rotation slice applies); default: keep the (slice) state.
        ``"invariant"``: reduce by the rescaling symmetries of the (slice) loss
        (:func:`~exactflow.symbolic.laws.scaling.invariant_setup`): their Noether
        charges Q = Σ k_i θ_i²/η_i become constants ``delta_1, delta_2, …`` (unless
        a constant combination of ``conserved``; ``values`` may fix them), and
        the invariant monomials become the coordinates ``p_1, p_2, …``.  When
        ż is not a function of p by its factors, a rational function of p and
        one half of a charge (Σ over k_i > 0 or k_i < 0 of |k_i|θ_i²/η_i ≥ 0, or
        their sum) is accepted when that half satisfies a binomial or quadratic
        relation over ℚ(constants, p); otherwise :class:`ReductionError`.
    conserved : dict, optional
        ``{c: Q}`` conserved quantities; each is checked (dQ/dt ≡ 0) and its value
        enters as the constant c.
    values : dict, optional
        ``{c: value}`` fixes constants, e.g. ``{delta: 0}`` (balanced).
    rotations : bool
        Try the rotation slice first.

    Examples
    --------
    The single neuron with whitened data, reduced to β = a w (on the slice):

    >>> import sympy as sp
    >>> from exactflow.derivations.single_neuron import model
    >>> from exactflow.symbolic import gradient_flow
    >>> sys_ = reduce_flow(gradient_flow(model(2, whitened=True)), "invariant")
    >>> sys_.definitions
    {p_1: a*u, p_2: a*r}
    >>> sys_.constants
    {delta_1: (a**2*eta_w - eta_a*w0**2 - eta_a*w1**2)/(eta_a*eta_w)}
    >>> [h for h, _ in sys_.steps][:2]
    ['Symmetry reduction', 'Rescaling symmetry']
    """
    conserved = dict(conserved or {})
    values = {sp.sympify(k): sp.sympify(v) for k, v in (values or {}).items()}
    steps: list[tuple[str, str]] = []
    unused = {}
    for c, q in conserved.items():
        dq = time_derivative(flow, q)
        if sp.expand(dq) != 0 and not is_identically_zero(dq, points=3).is_zero:
            raise ReductionError(f"{c} = {q} is not conserved: dQ/dt ≢ 0")
        if not sp.sympify(q).is_rational_function(*flow.model.symbols):
            unused[c] = q  # |u|^η…: no polynomial relation for the Gröbner basis
    if unused:
        conserved = {c: q for c, q in conserved.items() if c not in unused}
        steps.append(("Conserved quantities not used", "; ".join(
            f"{c} = {sp.sstr(q)}" for c, q in unused.items())
            + ": conserved, but not rational in the parameters, so they give no "
            "polynomial relation for the reduction"))
    invariant = isinstance(coordinates, str)
    if invariant and coordinates != "invariant":
        raise ValueError(f"coordinates must be a dict or 'invariant', got "
                         f"{coordinates!r}")
    sl = rotation_slice(flow) if rotations else None
    state, rhs = flow.model.symbols, tuple(flow.rhs)
    cons = dict(conserved)
    if sl is not None:
        state, rhs = sl.state, sl.rhs
        cons = {c: sp.expand(q.xreplace(sl.on_slice)) for c, q in conserved.items()}
        steps.append((
            "Symmetry reduction",
            f"The loss is invariant under joint rotations of {sl.group} = "
            f"({', '.join(map(str, sl.w))}) and the data vector "
            f"({', '.join(map(str, sl.b))}) (X_ij L ≡ 0 for every generator), so the "
            f"flow commutes with them.  Rotate onto the slice {sl.b[0]} = s, "
            f"{sl.group} = u e1 + r e2 with s = ‖b‖, u = {sl.group}·b/s, "
            f"r = ‖Π⊥{sl.group}‖ ≥ 0; the slice is invariant, and the lift is "
            f"{sl.group}(t) = u(t) b/s + (r(t)/r0) Π⊥{sl.group}(0)."))
    auxiliary: tuple[sp.Expr, ...] = ()
    if invariant:
        taken = {x.name for x in (*flow.model.symbols, *flow.model.consts,
                                  *state, *conserved)}
        setup = invariant_setup(flow, sl, state, rhs, cons, taken)
        if not setup.coordinates:
            raise NotReducible("coordinates='invariant': no monomial of degree "
                                 "≤ 4 is invariant under the rescalings "
                                 + "; ".join(x.describe() for x in setup.symmetries))
        conserved.update(setup.charges)
        cons.update(setup.on_state)
        coordinates, auxiliary = setup.coordinates, setup.auxiliary
        steps.append(("Rescaling symmetry", setup.text))
    unknown = set(values) - set(conserved)
    if unknown:
        raise ReductionError(f"values given for {sorted(map(str, unknown))}, which "
                             "are not conserved quantities")
    relations = []
    for c, q in cons.items():
        target = values.get(c, c)
        relations.append(sp.expand(q - target))
    if cons:
        steps.append((
            "Conserved quantities",
            "; ".join(f"{c} = {sp.sstr(q)}" + (f" = {values[c]}" if c in values else
                                               " (a constant)")
                      for c, q in cons.items())))
    notes: tuple[str, ...] = ()
    constraints: tuple[sp.Expr, ...] = ()
    if coordinates:
        coordinates = {sp.sympify(z): sp.sympify(e) for z, e in coordinates.items()}
        zs = tuple(coordinates)
        try:
            new_rhs, constraints, notes = change_variables(
                state, rhs, coordinates, relations, auxiliary=auxiliary)
        except ReductionError as err:
            if not invariant:
                raise NotReducible(
                    "the coordinates " + ", ".join(
                        f"{z} = {sp.sstr(e)}" for z, e in coordinates.items())
                    + f" do not close: {err}") from None
            raise NotReducible(
                "coordinates='invariant': the invariant coordinates "
                + ", ".join(f"{z} = {sp.sstr(e)}" for z, e in coordinates.items())
                + " do not close on the level set of "
                + ", ".join(map(str, cons)) + f": {err}") from None
        definitions = dict(coordinates)
        rel_z = tuple(g for g in constraints)
        steps.append((
            "Change of variables",
            "; ".join(f"{z} = {sp.sstr(e)}" for z, e in coordinates.items())
            + ".  ż is reduced modulo the Gröbner basis (lex, state > new "
            "coordinates) of the definitions and conserved quantities."
            + ("  " + "  ".join(notes) if notes else "")))
        if constraints:
            steps.append(("Constraints on the level set",
                          "; ".join(f"{sp.sstr(g)} = 0" for g in constraints)))
        coords, rhs_out = zs, new_rhs
    else:
        coords, rhs_out = tuple(state), tuple(rhs)
        definitions = {x: x for x in state}
        rel_z = tuple(relations)
    rhs_out = tuple(sp.sympify(e).xreplace(values) for e in rhs_out)
    # constants whose relation the recognisers may use: c as a function of z
    levels = {} if coordinates else {c: q for c, q in cons.items()
                                     if c not in values}
    return ReducedSystem(coords, rhs_out, definitions, conserved, values,
                         rel_z, constraints, sl, tuple(steps), levels)
