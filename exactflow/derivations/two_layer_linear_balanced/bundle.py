"""The λ-balanced two-layer linear derivation bundle: sections, solver setting,
claims."""

from __future__ import annotations

import functools
import itertools

import sympy as sp

from .._bundle import Derivation, SolveSetup, entry
from . import maths as tl
from .claims import claims

__all__ = ["derivation"]


def _sections():
    return (
        (
            "Model",
            r"f(x) &= W_2W_1x,\quad \Sigma_{xx}=I,\quad"
            r" \tau\dot W_1 = W_2^\top(\Sigma_{yx}-W_2W_1),\ "
            r"\tau\dot W_2 = (\Sigma_{yx}-W_2W_1)W_1^\top",
        ),
        (
            "Conserved matrix (λ-balancedness)",
            r"\eta_1W_2^\top W_2-\eta_2W_1W_1^\top,\quad"
            r" W_2^\top W_2-W_1W_1^\top &= \lambda I_h",
        ),
        (
            "Matrix Riccati equation",
            r"Q &= \begin{pmatrix}W_1^\top\\ W_2\end{pmatrix},\quad"
            r" \tau\dot Q = FQ-\tfrac12QQ^\top Q,\quad"
            r" F=\begin{pmatrix}-\tfrac\lambda2 I & \Sigma_{yx}^\top\\"
            r" \Sigma_{yx} & \tfrac\lambda2 I\end{pmatrix}",
        ),
        (
            "Exact solution",
            r"\mathcal P &= QQ^\top = \begin{pmatrix}W_1^\top W_1 & W_1^\top W_2^\top\\"
            r" W_2W_1 & W_2W_2^\top\end{pmatrix}"
            r" = e^{FT}Q_0\Big[I_h+Q_0^\top\Big(\int_0^{T}e^{2F\sigma}d\sigma\Big)Q_0"
            r"\Big]^{-1}Q_0^\top e^{FT},\quad T=t/\tau",
        ),
        (
            "Spectrum of F",
            r"\pm\sqrt{s_i^2+\lambda^2/4},\quad -\tfrac\lambda2"
            r"\ (\text{input complement}),\quad +\tfrac\lambda2"
            r"\ (\text{output complement})",
        ),
        (
            "Limits",
            r"|\lambda|\to\infty&:\ \text{lazy},\quad"
            r" \lambda=0:\ u_i=\frac{s_iu_{i0}}{u_{i0}+(s_i-u_{i0})e^{-2s_iT}}",
        ),
    )


@functools.cache
def _solve_setup() -> SolveSetup:
    """Equal rates η = 1/τ at (d_in, h, d_out) = (2, 1, 1): c = ηλ is the one
    entry of the conserved matrix, F is 3×3 and the rotation slice about Σyx
    splits it into 2×2 and 1×1 blocks."""
    sy = tl.symbols(2, 1, 1)
    c = (tl.eta * (sy["W2"].T * sy["W2"] - sy["W1"] * sy["W1"].T))[0, 0]
    return SolveSetup(tl.model(2, 1, 1, equal_rates=True),
                      {sp.Symbol("c", real=True): c},
                      "equal rates η = 1/τ, sizes (d_in, h, d_out) = (2, 1, 1), "
                      "c = ηλ")


def derivation() -> Derivation:
    """The λ-balanced two-layer linear derivation bundle."""
    return entry(
        tl,
        "λ-balanced two-layer linear network W₂W₁x (Dominé et al. 2024)",
        (2, 2, 2),
        solve_setup=_solve_setup,
        conserved={
            f"C_{i}_{j}": c
            for (i, j), c in zip(
                itertools.product(range(2), repeat=2), tl.conserved_matrix(2, 2, 2)
            )
            if i <= j
        },
        solution=tl.solution(),
        claims=claims(),
        sections=_sections(),
    )
