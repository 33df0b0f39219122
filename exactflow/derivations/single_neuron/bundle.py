"""The single-neuron derivation bundle: sections, solver setting, claims."""

from __future__ import annotations

import functools

import sympy as sp

from .._bundle import Derivation, SolveSetup, entry
from . import maths as sn
from .claims import claims

__all__ = ["derivation"]


def _sections():
    d = 2
    f = sn.flow(d)
    return (
        ("Model", r"f(x) &= a\,w^\top x,\quad \mathcal L = \tfrac12\mathbb E[(y-f)^2]"),
        ("Gradient flow (d = 2)", f.latex()),
        ("Conserved quantity", r"\delta &= " + sp.latex(sn.delta(d))),
        (
            "Function-space preconditioner (Eq. 4)",
            r"M &= \tfrac{\kappa+\delta}{2} I"
            r" + \tfrac{\kappa-\delta}{2}\hat\beta\hat\beta^\top,"
            r"\quad \kappa=\sqrt{\delta^2+4\eta_a\eta_w\|\beta\|^2}",
        ),
        (
            "Exact solution, whitened inputs (unit-rate coordinates)",
            r"(u, q)^\top &= e^{\tau A} z_0,\quad"
            r" A = \begin{pmatrix}-\tilde\delta/2 & s\\"
            r" s & \tilde\delta/2\end{pmatrix},\quad r = r_0 e^{-\tilde\delta\tau/2}\\"
            r"\Lambda &= 1+\int_0^\tau (u^2+q^2+r^2),\quad"
            r" \tilde a = q/\sqrt\Lambda,\quad"
            r" \tilde w = (u e_1 + r e_2)/\sqrt\Lambda",
        ),
        (
            "Limit",
            r"\eta_w a_\infty^2 &= \tfrac{D+\delta}{2},\quad"
            r" \operatorname{sgn} a_\infty"
            r" = \operatorname{sgn}\big(\eta_a w_0^\top\beta_*"
            r" + a_0\tfrac{\delta+D}{2}\big)",
        ),
        (
            "Kernel distance (whitened data)",
            r"S(0,t) &= 1-\frac{\langle M_0, M_t\rangle_F}{\|M_0\|_F\|M_t\|_F},\quad"
            r" M = \eta_w a^2 I + \eta_a w w^\top",
        ),
        (
            "Implicit bias, low-rank data (Theorem 3.1)",
            r"\beta(\infty) &= \arg\min_{X\beta=y}\ \Psi_{\tilde\delta}(\beta)"
            r"-\psi_{\tilde\delta}\,\hat\beta_0^\top\beta,\quad"
            r" \tilde\delta=\delta/\sqrt{\eta_a\eta_w}",
        ),
    )


@functools.cache
def _solve_setup() -> SolveSetup:
    """Whitened inputs at d = 2 (docs §3): the closed form's setting."""
    return SolveSetup(sn.model(2, whitened=True),
                      {sp.Symbol("delta", real=True): sn.delta(2)},
                      "whitened inputs Σxx = I, Σxy = β*, d = 2 (the setting of "
                      "the closed form)")


def derivation() -> Derivation:
    """The single-neuron derivation bundle."""
    d = 2
    return entry(
        sn,
        "Single hidden neuron f(x) = a wᵀx (Kunin et al. 2024)",
        (d,),
        solve_setup=_solve_setup,
        conserved={"delta": sn.delta(d)},
        solution=sn.solution(d),
        claims=claims(),
        sections=_sections(),
    )
