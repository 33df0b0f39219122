"""Claims, their checks and the verification report.

A :class:`Claim` is a statement with a check; running it gives a
:class:`ClaimResult` that records whether it held, the method that established it
(``symbolic``, ``exact-rational``, ``mpmath-50`` or ``numeric: <integrator>``), the
residual or max error, and the time taken.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from ..spec.flow import GradientFlow, time_derivative
from .zero import ZeroCheck, is_identically_zero

__all__ = [
    "Claim",
    "ClaimResult",
    "VerificationReport",
    "Solution",
    "identity_claim",
    "conserved_claim",
    "solution_claims",
    "combine",
]


@dataclass(frozen=True)
class ClaimResult:
    name: str
    passed: bool
    method: str
    residual: float
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class Claim:
    """A named statement and the function that checks it."""

    name: str
    statement: str
    check: Callable[[], tuple[bool, str, float, str]] = field(repr=False)
    tags: tuple[str, ...] = ()

    def run(self) -> ClaimResult:
        start = time.perf_counter()
        try:
            passed, method, residual, detail = self.check()
        except Exception as exc:  # a crashing check is a failed claim, reported
            passed, method, residual, detail = False, "error", float("nan"), repr(exc)
        return ClaimResult(
            self.name,
            bool(passed),
            method,
            float(residual),
            time.perf_counter() - start,
            detail,
        )


@dataclass(frozen=True)
class VerificationReport:
    derivation: str
    results: tuple[ClaimResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        failed = sum(not r.passed for r in self.results)
        state = "all passed" if not failed else f"{failed} FAILED"
        return (f"<VerificationReport {self.derivation!r}: {len(self.results)} "
                f"claims, {state}>")

    def _repr_markdown_(self) -> str:
        rows = ["| claim | result | method | residual / max error | time [s] |",
                "|---|---|---|---:|---:|"]
        for r in self.results:
            name = " ".join(r.name.split()).replace("|", r"\|")
            rows.append(f"| {name} | {'ok' if r.passed else '**FAILED**'} | "
                        f"{r.method} | {r.residual:.1e} | {r.seconds:.2f} |")
        return f"**{self.derivation}**: {repr(self)[1:-1]}\n\n" + "\n".join(rows)

    def table(self) -> str:
        """A plain-text table: claim, result, method, residual, seconds."""
        rows = [("claim", "result", "method", "residual / max error", "time [s]")]
        for r in self.results:
            rows.append(
                (
                    r.name,
                    "ok" if r.passed else "FAILED",
                    r.method,
                    f"{r.residual:.2e}",
                    f"{r.seconds:.2f}",
                )
            )
        widths = [max(len(row[i]) for row in rows) for i in range(5)]
        lines = [
            "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def combine(checks: Sequence[ZeroCheck]) -> tuple[bool, str, float, str]:
    """Fold several zero checks into one claim outcome (weakest method wins)."""
    order = ["symbolic", "exact-rational"]
    methods = sorted(
        {c.method for c in checks},
        key=lambda m: order.index(m) if m in order else len(order),
    )
    passed = all(c.is_zero for c in checks)
    worst = max((c.max_abs for c in checks), default=0.0)
    method = methods[-1] if methods else "symbolic"
    detail = "; ".join(sorted({c.detail for c in checks if not c.is_zero})) or (
        f"{len(checks)} identities"
    )
    return passed, method, worst, detail


def identity_claim(
    name: str,
    statement: str,
    build: Callable[[], Sequence[sp.Expr]],
    tags: tuple[str, ...] = ("symbolic",),
    **zero_kw,
) -> Claim:
    """A claim that every expression returned by ``build()`` is identically zero."""

    def check():
        return combine([is_identically_zero(e, **zero_kw) for e in build()])

    return Claim(name, statement, check, tags)


def conserved_claim(
    name: str,
    flow: Callable[[], GradientFlow],
    quantity: Callable[[GradientFlow], sp.Expr],
    statement: str,
) -> Claim:
    """``dQ/dt ≡ 0`` along the flow."""
    return identity_claim(
        name, statement, lambda: [time_derivative(f := flow(), quantity(f))]
    )


@dataclass(frozen=True)
class Solution:
    """A closed-form trajectory θ(t) of a flow.

    ``state`` maps every state symbol of the flow's model to its closed form in
    ``time`` and the initial-value symbols; ``initial`` maps each state symbol to
    its initial-value symbol; ``domain`` states where the form is valid.
    """

    time: sp.Symbol
    state: dict[sp.Symbol, sp.Expr]
    initial: dict[sp.Symbol, sp.Symbol]
    domain: str = ""

    def residuals(self, flow: GradientFlow) -> list[sp.Expr]:
        """θ̇(t) − F(θ(t)) for every component."""
        subs = dict(self.state)
        out = []
        for sym, rhs in flow.equations.items():
            lhs = sp.diff(self.state[sym], self.time)
            out.append(lhs - rhs.xreplace(subs))
        return out

    def initial_residuals(self) -> list[sp.Expr]:
        return [self.state[s].subs(self.time, 0) - self.initial[s] for s in self.state]


def solution_claims(
    prefix: str,
    flow: Callable[[], GradientFlow],
    solution: Callable[[], Solution],
    statement: str,
    **zero_kw,
) -> list[Claim]:
    """Two claims: the ODE residual vanishes, and the initial condition holds."""
    return [
        identity_claim(
            f"{prefix}: ODE residual ≡ 0",
            statement,
            lambda: solution().residuals(flow()),
            **zero_kw,
        ),
        identity_claim(
            f"{prefix}: initial condition",
            statement,
            lambda: solution().initial_residuals(),
            **zero_kw,
        ),
    ]
