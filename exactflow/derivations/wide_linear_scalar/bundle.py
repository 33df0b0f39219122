"""The wide scalar-data network's derivation bundle: sections, claims, kernels."""

from __future__ import annotations

import functools

from .._bundle import Derivation, entry
from . import maths as wl
from .claims import claims

__all__ = ["derivation"]


def _sections():
    d = 2
    return (
        ("Model (parametrisation of docs §2; the paper's is not found)",
         r"f(x) &= \kappa\,(u\cdot w)\,x,\quad \mathcal L = \tfrac12\mathbb E[(y-f)^2],"
         r"\quad \alpha=\mathbb E[x^2],\ \beta=\mathbb E[xy]"),
        ("Gradient flow (d = 2)", wl.flow(d).latex()),
        ("Conserved quantities",
         r"Q &= \frac{uu^\top}{\eta_u}-\frac{ww^\top}{\eta_w},\quad"
         r" G=\|u\|^2\|w\|^2-(u\cdot w)^2"),
        ("Solution in reparametrised time",
         r"u &= u_0\cosh c\tau+\rho\,w_0\sinh c\tau,\quad"
         r" w = w_0\cosh c\tau+\rho^{-1}u_0\sinh c\tau,\quad"
         r" c=\sqrt{\eta_u\eta_w},\ \rho=\sqrt{\eta_u/\eta_w}\\"
         r"p &= P_+e^{2c\tau}+P_-e^{-2c\tau},\quad"
         r" P_\pm=\pm\frac{\|u_0\pm\rho w_0\|^2}{4\rho}"),
        ("Time change (Riccati), overflow-safe",
         r"\dot y &= b-Ae^{y}+Be^{-y},\quad y=2c\tau,\ A=2c\alpha\kappa^2P_+,"
         r"\ B=-2c\alpha\kappa^2P_-,\ b=2c\kappa\beta\\"
         r"y(t) &= \log\frac{E+\sigma_+h}{E+\sigma_-h}"
         r"=\operatorname{log1p}\frac{g_0h}{E+\sigma_-h},\quad E=e^{-Dt},"
         r"\ h=\frac{1-E}{D},\ \sigma_\pm=\frac{D\pm b}{2}+\{B,A\},\ g_0=b+B-A\\"
         r"\tau(\infty) &= \frac{1}{2c}\log\frac{\sigma_+}{\sigma_-}"),
        ("NTK",
         r"K &= \kappa^2(\eta_u\|w\|^2+\eta_w\|u\|^2)"
         r"=2c\kappa^2\big(P_+e^{2c\tau}-P_-e^{-2c\tau}\big)"
         r"=2c\kappa^2\sqrt{p^2-4P_+P_-}"),
        ("Mechanisms (this project's definitions)",
         r"\cos\angle(u,w) &= \frac{p}{\sqrt{p^2+G}},\quad \|u\|\|w\|=\sqrt{p^2+G},"
         r"\quad \Delta p = \underbrace{\sqrt G\Big[\arctan\frac{p}{\sqrt G}\Big]"
         r"_{p_0}^{p_\infty}}_{\text{(dis)alignment}}+\text{rescaling}"),
        ("Regime rule",
         r"\Delta_K &= \max_{p\in[p_0,p_\infty]}\Big|\sqrt{\tfrac{p^2+H}{p_0^2+H}}"
         r"-1\Big|\le\mathrm{tol}\ \Leftrightarrow\ \text{kernel},\quad H=-4P_+P_-\\"
         r"\text{typical init: }\Delta_K &= \sqrt{1+q^2}-1,\quad"
         r" q=\frac{2\beta}{\alpha\kappa d\sigma^2(\rho+\rho^{-1})}"),
    )


@functools.cache
def derivation() -> Derivation:
    """The wide scalar-data network's derivation bundle."""
    d = 2
    Q = wl.conserved_matrix(d)
    conserved = {f"Q{i}{j}": Q[i, j] for i in range(d) for j in range(i, d)}
    conserved["gram"] = wl.gram_determinant(d)
    return entry(
        wl,
        "Width-d linear network on scalar data, f(x) = κ(u·w)x (Xu & Ziyin 2024)",
        (d,),
        conserved=conserved,
        solution=wl.solution(d),
        claims=claims(),
        sections=_sections(),
    )
