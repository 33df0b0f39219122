"""The two-layer ReLU derivation bundle: sections, claims, kernels."""

from __future__ import annotations

import functools

from .._bundle import Derivation
from . import maths as tl
from .claims import claims

__all__ = ["derivation"]


def _sections():
    return (
        (
            "Model",
            r"f(x) &= \textstyle\sum_k a_k\,\sigma(w_k^\top x),\quad"
            r" \sigma(z)=\max(z,\gamma z),\quad"
            r" \mathcal L = \tfrac1{2n}\textstyle\sum_i (f(x_i)-y_i)^2",
        ),
        (
            "Gradient flow on an activation pattern",
            r"\dot a_k &= -\eta_a\, w_k^\top\xi_k,\quad \dot w_k = -\eta_w\, a_k\xi_k,"
            r"\quad \xi_k = \tfrac1n\textstyle\sum_i c_{ki}\,x_i\,(f(x_i)-y_i),"
            r"\quad c_{ki}=\sigma'(w_k^\top x_i)",
        ),
        ("Conserved quantities", r"\delta_k &= \eta_w a_k^2 - \eta_a\|w_k\|^2"),
        (
            "Function space and NTK",
            r"\dot\beta_k &= -M_k\xi_k,\quad M_k = \eta_w a_k^2 I"
            r" + \eta_a w_kw_k^\top,\quad"
            r" K_{ij} = \textstyle\sum_k c_{ki}\,x_i^\top M_k x_j\,c_{kj}",
        ),
        (
            "Signed spherical coordinates",
            r"\dot\mu_k &= -\kappa_k\,\hat\beta_k^\top\xi_k,\quad"
            r" \dot{\hat\beta}_k = -\tfrac{\kappa_k+\delta_k}{2\mu_k}"
            r"(I-\hat\beta_k\hat\beta_k^\top)\xi_k,\quad"
            r" \kappa_k=\sqrt{\delta_k^2+4\eta_a\eta_w\mu_k^2}",
        ),
        (
            "Limits",
            r"\delta_k\to+\infty&:\ M_k\to\delta_k I;\quad"
            r" \delta_k=0:\ M_k=\sqrt{\eta_a\eta_w}|\mu_k|"
            r"(I+\hat\beta_k\hat\beta_k^\top);"
            r"\quad \delta_k\to-\infty:\ \dot{\hat\beta}_k\to0",
        ),
    )


@functools.cache
def derivation() -> Derivation:
    """The two-layer ReLU derivation bundle (reference size d = h = n = 2)."""
    d, h, n = 2, 2, 2
    return Derivation(
        name=tl.NAME,
        title="Two-layer (leaky) ReLU network f(x) = Σ_k a_k σ(w_kᵀx) "
        "(Kunin et al. 2024, §5)",
        model=tl.model(d, h, n),
        flow=tl.flow(d, h, n),
        conserved={f"delta{k}": tl.delta(k, d, h) for k in range(h)},
        solution=None,  # no closed form: the activation patterns switch
        claims=claims(),
        references=tl.REFERENCES,
        sections=_sections(),
        kernels=tl.kernels,
    )
