r"""Matrix Riccati: Q̇ = FQ − γQQᵀQ with constant symmetric F.

𝒫 = QQᵀ obeys 𝒫̇ = F𝒫 + 𝒫F − 2γ𝒫², linearised by Z = e^{tF}Q₀ and
M = I + 2γQ₀ᵀ(∫₀ᵗe^{2Fσ}dσ)Q₀: 𝒫(t) = ZM⁻¹Zᵀ (and Q(t) = Z/√M when Q is a
column).  The layout of Q is searched over the model's parameter groups
(:func:`..matrix_riccati.match_matrix_riccati`).
"""

from __future__ import annotations

import itertools

import sympy as sp

from ..checks import claim, pointwise_claim
from ..matrix_riccati import match_matrix_riccati, p_symbols, solve_matrix_riccati
from .base import Applied, Match, Structure, t

__all__ = ["MatrixRiccati"]


class MatrixRiccati(Structure):
    name = "matrix-riccati"
    summary = "Q̇ = FQ − γQQᵀQ, constant symmetric F"

    def match(self, sys, groups=None):
        if not groups or sys.constraints:
            return None
        found = match_matrix_riccati(sys, groups)
        if found is None:
            return None
        Q, F, gamma = found
        return Match(self, {"Q": Q, "F": F, "gamma": gamma},
                     f"Q̇ = F Q − γ Q Qᵀ Q with Q = {sp.sstr(Q.tolist())}, constant "
                     f"symmetric F = {sp.sstr(F.tolist())} and γ = {sp.sstr(gamma)}"
                     + (" (on the level set of " + ", ".join(map(str, sys.constants))
                        + ")" if sys.relations else ""))

    def apply(self, match, sys, z0, result, solve=None):
        Q, F, gamma = match.data["Q"], match.data["F"], match.data["gamma"]
        Q0 = Q.applyfunc(lambda z: z0[z])
        out = solve_matrix_riccati(Q, F, gamma, Q0, t)
        result.recipe.append((
            "Linearisation", "𝒫 = Q Qᵀ obeys d𝒫/dt = F𝒫 + 𝒫F − 2γ𝒫²; with "
            "Z = e^(tF) Q0 and M = I + 2γ Q0ᵀ (∫0^t e^(2Fσ) dσ) Q0 (dZ/dt = FZ, "
            "dM/dt = 2γ ZᵀZ): 𝒫(t) = Z M⁻¹ Zᵀ" + (", and Q(t) = Z/√M (h = 1)"
                                                if Q.shape[1] == 1 else "")))
        if out is None:
            result.notes.append("e^(tF) has a block larger than 2×2: the solution is "
                                "left as the formula above")
            return Applied(None)
        P, Qt, E, J, M = out
        parts = {"parts": (E, J, M, P, Q0)}
        if Qt is not None:
            return Applied({z: Qt[i, j] for (i, j), z in zip(
                itertools.product(*map(range, Q.shape)), Q)}, parts)
        return Applied(None, parts)

    def complete(self, match, applied, system, z0, result) -> None:
        """𝒫 = QQᵀ with h > 1: its solution (the reduced solution in 𝒫
        coordinates) and checks."""
        if "parts" not in applied.facts:
            return
        E, J, M, P, Q0 = applied.facts["parts"]
        F, gamma = match.data["F"], match.data["gamma"]
        level = {c: q.xreplace(z0) for c, q in system.levels.items()}
        n = P.shape[0]
        names = p_symbols(n)
        result.reduced_solution = {names[i, j]: P[i, j].xreplace(level)
                                   for i in range(n) for j in range(i, n)}
        result.recipe.append(("𝒫 coordinates", ", ".join(
            f"{names[i, j]} = (QQᵀ)[{i},{j}]" for i in range(n)
            for j in range(i, n))))
        Fl = F.xreplace(level)
        Pm = sp.Matrix(n, n, lambda i, j: names[min(i, j), max(i, j)])
        rhs = Fl * Pm + Pm * Fl - 2 * gamma * Pm * Pm
        Qs = sp.Matrix(*match.data["Q"].shape, lambda i, j: sp.Dummy(f"q{i}{j}"))
        Qd = F * Qs - gamma * Qs * Qs.T * Qs
        lemmas = list(Qd * Qs.T + Qs * Qd.T - (F * Qs * Qs.T + Qs * Qs.T * F
                                                 - 2 * gamma * (Qs * Qs.T) ** 2))
        lemmas += list(E.diff(t) - F * E) + list(E.subs(t, 0) - sp.eye(n))
        lemmas += list(J.diff(t) - E * E) + list(J.subs(t, 0))
        result.checks.append(claim(
            "structure: Q̇ = FQ − γQQᵀQ ⇒ 𝒫̇ = F𝒫 + 𝒫F − 2γ𝒫²; (e^(tF))' = F e^(tF), "
            "e^(0F) = I; J' = e^(2tF), J(0) = 0", lemmas, max_ops=20000, points=2))
        result.checks.append(pointwise_claim(
            "𝒫 residual ≡ 0 (d𝒫/dt = F𝒫 + 𝒫F − 2γ𝒫²)", result.reduced_solution,
            {names[i, j]: rhs[i, j] for i in range(n) for j in range(i, n)},
            points=1))
        P0 = (Q0 * Q0.T).xreplace(level)
        result.checks.append(claim("𝒫 initial condition", [
            result.reduced_solution[names[i, j]].subs(t, 0) - P0[i, j]
            for i in range(n) for j in range(i, n)], points=3, max_ops=20000))
