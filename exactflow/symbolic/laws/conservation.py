r"""Discovery of the polynomial conservation laws of a model.

A conservation law holds along gradient flow for *every* dataset and loss iff
:math:`\nabla Q(\theta)\perp\eta\odot\nabla_\theta f_c(x;\theta)` for all inputs
x and output components c (Marcotte, Gribonval & Peyré 2023;
docs/math/conservation_laws.md §1), and
for a piecewise-linear network on every activation pattern (``patterns``).
:func:`discover_laws` finds a basis of all such Q of degree ≤ K with rational
coefficients depending on the rates η, by exact linear algebra:

1. the ansatz :math:`Q=\sum_m c_m\theta^m` (degree 1…K) gives
   :math:`\sum_g\eta_gM_gc=0` (``ansatz``); its kernel over the field ℚ(η) is
   the space of laws.  Rates are *not* replaced by numbers in the result;
2. at random positive rationals η* the kernel over ℚ has dimension k, never
   less than the generic dimension, and its support S (the monomials used);
3. on S the system splits into independent blocks; in each, rows independent
   at η* are selected, the kernel is recomputed over ℚ(η) by fraction-field
   elimination, and every row of the block is checked against it exactly over
   ℚ(η) (``ansatz.generic_kernel``).  If a check fails, η* was special and the
   search restarts.  Otherwise k vectors, exactly in the kernel and independent
   over ℚ(η), span a kernel of dimension ≤ k: the basis is complete for degree
   ≤ K — a proof, not a probabilistic statement;
4. each block is presented readably (``present``): reduced row echelon form
   over ℚ(η) of the laws on the fewest parameter groups, sparsest first, each
   law cleared of denominators and content (``eta_w*a**2 - eta_a*w0**2``).

:meth:`ConservationLaws.verify` then proves every law independently: the
condition :math:`\sum_p\eta_p\partial_pQ\,\partial_pf_c\equiv0` with the
model's own expressions (indicators reduced), by :func:`is_identically_zero`.

>>> from exactflow.derivations.single_neuron import model
>>> laws = discover_laws(model(2), degree=2)
>>> laws.pretty()
['eta_w*a**2 - eta_a*(w0**2 + w1**2)']
>>> laws.verify().passed
True
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sympy as sp
from sympy.polys.domains import QQ

from ..proof.verify import Claim, VerificationReport, combine
from ..proof.zero import is_identically_zero
from ..spec.flow import gradient_flow, time_derivative
from ..spec.model import Model
from .ansatz import build_ansatz, check_size, generic_kernel
from .basis import format_law, present
from .echelon import Echelon, rank_of
from .fields import GradientFields, gradient_fields
from .patterns import reduce_expr

__all__ = ["ConservationLaws", "discover_laws"]


@dataclass(frozen=True)
class ConservationLaws:
    """A basis of the polynomial conservation laws of degree ≤ ``degree``.

    Attributes
    ----------
    model : Model
    degree : int
    laws : tuple of sympy.Expr
        Reduced row echelon basis over ℚ(η), each law a polynomial in θ and η
        with coprime coefficients (e.g. ``eta_w*a**2 - eta_a*w0**2``).
    search : str
        How the basis was obtained (sizes, the random rates used).
    """

    model: Model
    degree: int
    laws: tuple[sp.Expr, ...]
    search: str = ""
    fields: GradientFields = field(repr=False, compare=False, default=None)

    def __len__(self) -> int:
        return len(self.laws)

    def __iter__(self):
        return iter(self.laws)

    def __getitem__(self, i: int) -> sp.Expr:
        return self.laws[i]

    def __repr__(self) -> str:
        return (f"<ConservationLaws of {self.model.name!r}: {len(self.laws)} "
                f"law(s) of degree <= {self.degree}>")

    def _repr_markdown_(self) -> str:
        head = (f"**{len(self.laws)} conservation law(s)** of `{self.model.name}`, "
                f"degree ≤ {self.degree} (a basis over ℚ(η)):")
        rows = [f"- $Q_{{{i}}} = {sp.latex(q)}$" for i, q in enumerate(self.laws, 1)]
        return "\n".join([head, "", *rows]) if rows else head

    def pretty(self) -> list[str]:
        """One line per law, terms grouped by rate monomial (``η_w a² − η_a(…)``)."""
        rates = tuple(dict.fromkeys(self.model.rates.values()))
        return [format_law(q, rates, self.model.symbols) for q in self.laws]

    def spans(self, expressions) -> bool:
        """True when ``expressions`` span exactly the same space over ℚ(η) as
        the laws (e.g. the entries of η_v UᵀU − η_u VᵀV)."""
        params = self.model.symbols
        rates = tuple(dict.fromkeys(self.model.rates.values()))
        K = QQ.frac_field(*rates)

        def rank(exprs) -> int:
            e = Echelon(K)
            for q in exprs:
                terms = sp.Poly(sp.expand(q), *params).terms()
                e.add({m: K.from_sympy(c) for m, c in terms})
            return len(e)

        expressions = list(expressions)
        mine = rank(self.laws)
        return mine == rank(expressions) == rank(list(self.laws) + expressions)

    def functional_rank(self, points: int = 3, seed: int = 0) -> int:
        """Rank of the Jacobian ∂Q_i/∂θ_p at random rational (θ, η), maximised
        over ``points`` points: the number of functionally independent laws."""
        if not self.laws:
            return 0
        params = self.model.symbols
        rates = tuple(dict.fromkeys(self.model.rates.values()))
        jac = [[sp.diff(q, p) for p in params] for q in self.laws]
        rng = random.Random(seed)
        best = 0
        for _ in range(points):
            values = {s: sp.Rational(rng.randint(-97, 97), rng.randint(1, 97))
                      for s in params}
            values.update({r: sp.Rational(rng.randint(1, 97), rng.randint(1, 97))
                           for r in rates})
            rows = [{j: QQ.from_sympy(e.xreplace(values)) for j, e in enumerate(row)}
                    for row in jac]
            best = max(best, rank_of(rows))
        return best

    def claims(self, flow: bool = False) -> tuple[Claim, ...]:
        """One claim per law: ∇Q·(η⊙∇f_c) ≡ 0 for every c and pattern; with
        ``flow=True`` also dQ/dt ≡ 0 along the flow of the model's own loss."""
        out = [Claim(f"law {i + 1}: ∇Q·(η⊙∇f) ≡ 0",
                     f"Q = {sp.sstr(q)} is conserved for every dataset and loss",
                     lambda q=q: combine(self._condition_checks(q)), ("symbolic",))
               for i, q in enumerate(self.laws)]
        if flow:
            out += [Claim(f"law {i + 1}: dQ/dt ≡ 0 along the model's flow",
                          f"Q = {sp.sstr(q)} along θ̇ = −η⊙∇L",
                          lambda q=q: combine([is_identically_zero(
                              time_derivative(gradient_flow(self.model), q))]),
                          ("symbolic",))
                    for i, q in enumerate(self.laws)]
        return tuple(out)

    def verify(self, flow: bool = False) -> VerificationReport:
        """Prove every law (see :meth:`claims`)."""
        return VerificationReport(self.model.name,
                                  tuple(c.run() for c in self.claims(flow)))

    def _condition_checks(self, q: sp.Expr):
        f = self.fields or gradient_fields(self.model)
        checks = []
        for row in f.grads:
            expr = sp.Add(*(r * sp.diff(q, p) * g
                            for p, r, g in zip(f.params, f.rates, row) if q.has(p)))
            for coeff in reduce_expr(expr, f.form).values():
                checks.append(is_identically_zero(coeff))
        return checks or [is_identically_zero(sp.Integer(0))]


def _law_order(model: Model):
    """Sort key: the parameter groups a law uses, then its leading monomial."""
    params = model.symbols

    def key(q: sp.Expr):
        groups = tuple(i for i, g in enumerate(model.params) if q.has(*g.symbols))
        lead = max(sp.Poly(q, *params).monoms())
        return groups, tuple(-e for e in lead)

    return key


def _random_rates(n: int, rng: random.Random) -> list:
    values: list = []
    while len(values) < n:
        v = QQ(rng.randint(1, 10**4), rng.randint(1, 10**4))
        if v not in values:
            values.append(v)
    return values


def discover_laws(model: Model, degree: int = 2, *, seed: int = 0,
                  attempts: int = 3) -> ConservationLaws:
    """All polynomial conservation laws of ``model`` of degree ≤ ``degree``.

    Parameters
    ----------
    model : Model
        A model with a forward map (polynomial, piecewise-polynomial or with
        non-polynomial atoms; see ``fields``).
    degree : int
        Maximal total degree K ≥ 1 of the laws in θ.
    seed : int
        Seed of the random rational rates used to find the kernel's support.
    attempts : int
        Restarts allowed when the random rates turn out special.

    Returns
    -------
    ConservationLaws
        A basis over ℚ(η) of the laws (empty when there are none).

    Raises
    ------
    ValueError
        On a bad ``degree`` or a model without a usable forward map.
    """
    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 1:
        raise ValueError(f"degree must be an integer >= 1, got {degree!r}")
    check_size(len(model.symbols), degree)
    fields = gradient_fields(model)
    ansatz = build_ansatz(fields, degree)
    rates = fields.unique_rates
    K = QQ.frac_field(*rates)
    eta_k = [K.from_sympy(r) for r in rates]
    sizes = [len(g.symbols) for g in model.params]
    rng = random.Random(seed)
    for _ in range(attempts):
        eta_star = _random_rates(len(rates), rng)
        result = generic_kernel(ansatz, K, eta_k, eta_star)
        if result is None:
            continue
        k, blocks = result
        search = (f"degree ≤ {degree}: {len(ansatz.columns)} monomials, "
                  f"{ansatz.nrows} conditions; kernel of dimension {k} at η* = "
                  f"({', '.join(map(str, eta_star))}), recomputed over ℚ(η) in "
                  f"{len(blocks)} independent block(s) (complete for this degree)")
        laws: list[sp.Expr] = []
        for cols, kernel in blocks:
            columns = [ansatz.columns[j] for j in cols]
            laws += present(kernel, columns, fields.params, sizes, K)
        return ConservationLaws(model, degree, tuple(sorted(laws, key=_law_order(
            model))), search, fields)
    raise RuntimeError(f"{model.name}: no generic rates found in {attempts} "
                       "attempts (increase attempts or change seed)")
