"""The multi-neuron linear derivation bundle: sections, claims, kernels."""

from __future__ import annotations

import functools

from .._bundle import Derivation, entry
from . import maths as mnl
from .claims import claims

__all__ = ["derivation"]


def _sections():
    return (
        (
            "Model",
            r"f(x) &= A^\top W x,\quad \beta = W^\top A,\quad"
            r" R = \Sigma_{xx}\beta-\Sigma_{xy}",
        ),
        ("Gradient flow", r"\dot W &= -\eta_w A R^\top,\quad \dot A = -\eta_a W R"),
        ("Conserved matrix", r"\Delta &= \eta_w AA^\top - \eta_a WW^\top"),
        (
            "Function-space preconditioner",
            r"\operatorname{vec}\dot\beta &= -\textstyle\sum_k M_k"
            r"\operatorname{vec}R,\quad"
            r" M_k = \tfrac{\kappa_k+\delta_k}{2}\hat a_k\hat a_k^\top\otimes I_d"
            r" + \tfrac{\kappa_k-\delta_k}{2} I_c\otimes\hat w_k\hat w_k^\top",
        ),
        (
            "NTK",
            r"\Theta(x,x') &= \eta_a\,x^\top W^\top W x'\,I_c"
            r" + \eta_w\,x^\top x'\,A^\top A",
        ),
        (
            "Isotropic start, rank-aware form (rank beta = h)",
            r"\eta_w A^\top A &= \textstyle\sum_i"
            r" \tfrac{\kappa_i+\delta}{2}v_iv_i^\top,\quad \eta_a W^\top W"
            r" = \textstyle\sum_i \tfrac{\kappa_i-\delta}{2}u_iu_i^\top",
        ),
        (
            "Mirror flow on singular values",
            r"\dot\lambda_i &= -\sqrt{\delta^2+4\eta_a\eta_w\lambda_i^2}"
            r"\;u_i^\top R\,v_i",
        ),
        (
            "Exact solution",
            r"&\text{none in general; aligned start, whitened data: per mode }"
            r"(\alpha_k,\gamma_k) = \text{single neuron with } d=1",
        ),
    )


@functools.cache
def derivation() -> Derivation:
    """The multi-neuron linear derivation bundle (reference size h = d = c = 2)."""
    return entry(
        mnl,
        "Two-layer linear network f(x) = AᵀWx, h neurons, c outputs "
        "(Kunin et al. 2024, §4)",
        (2, 2, 2),
        conserved={
            f"Delta{i}{j}": mnl.conserved_matrix(2, 2, 2)[i, j]
            for i in range(2)
            for j in range(i, 2)
        },
        solution=None,  # no closed form in general: the singular vectors rotate
        claims=claims(),
        sections=_sections(),
    )
