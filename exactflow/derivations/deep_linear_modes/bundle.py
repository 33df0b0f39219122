"""The deep-linear-modes derivation bundle: sections, claims, kernels."""

from __future__ import annotations

import functools

from .._bundle import Derivation, entry
from . import maths as dl
from .claims import claims

__all__ = ["derivation"]


def _sections():
    return (
        (
            "Model (one decoupled mode, whitened inputs)",
            r"f(x) &= w_N\cdots w_1\,x,\quad u = w_N\cdots w_1,\quad"
            r" \mathcal L = \tfrac12\mathbb E[(y-f)^2],\quad \mathbb E[xy]=s",
        ),
        (
            "Gradient flow and conserved differences",
            r"\dot w_l &= \eta_l\,(s-u)\prod_{k\ne l}w_k,\qquad"
            r" \frac{w_{l+1}^2}{\eta_{l+1}}-\frac{w_l^2}{\eta_l} = \text{const}",
        ),
        (
            "Balanced mode",
            r"\tau\dot u &= N\,|u|^{2-2/N}(s-u),\qquad"
            r" \tau = (\eta_1\cdots\eta_N)^{-1/N}",
        ),
        (
            "Depth 2 (overflow-safe orientation)",
            r"u(t) &= \frac{s\,u_0}{u_0+(s-u_0)e^{-2st/\tau}},\qquad"
            r" t(u_0\to u_f) = \frac{\tau}{2s}\ln\frac{u_f(s-u_0)}{u_0(s-u_f)}",
        ),
        (
            "Learning time, every depth",
            r"t &= \tau s^{2/N-2}\big[\Phi_N(y_f)-\Phi_N(y_0)\big],\quad"
            r" y=(u/s)^{1/N},\quad \Phi_N'(y)=\frac{1}{y^{N-1}(1-y^N)}\\"
            r"\Phi_N(y) &= \frac{y^{2-N}}{2-N}-\frac1N\sum_{k=0}^{N-1}\Big["
            r"\cos2\theta_k\,\tfrac12\ln(1-2y\cos\theta_k+y^2)\\"
            r"&\qquad-\sin2\theta_k\,\operatorname{atan2}(y\sin\theta_k,"
            r"1-y\cos\theta_k)\Big],\quad \theta_k=\tfrac{2\pi k}{N}\\"
            r"\int\frac{z^{-p}\,dz}{1-z} &= \frac{z^{a}}{a}\,"
            r"{}_2F_1(1,a;a+1;z),\quad a = \tfrac2N-1\ \text{(real depth)}",
        ),
        (
            "Depth dependence",
            r"t(\epsilon\to s-\epsilon) &\sim \frac{\tau}{s}\ln\frac{s}{\epsilon}"
            r"\ (N=2),\qquad \sim \frac{\tau}{s\,(N-2)}\,"
            r"\epsilon^{-(1-2/N)}\ (N\ge3)\\"
            r"\tau = N\tau_0:\ t &\to \tau_0\int_{u_0}^{u_f}\frac{du}{u^2(s-u)}"
            r"\quad (N\to\infty)",
        ),
    )


@functools.cache
def derivation() -> Derivation:
    """The deep-linear-modes derivation bundle (reference depth 2)."""
    return entry(
        dl,
        "Deep linear networks in mode coordinates, f = w_N⋯w_1 x "
        "(Saxe et al. 2014)",
        (2,),
        conserved={"D1": dl.conserved_differences(2)[0]},
        solution=dl.solution(),
        claims=claims(),
        sections=_sections(),
    )
