"""The infinite-width derivation bundle: sections, claims, kernels."""

from __future__ import annotations

from .._bundle import Derivation
from . import maths as iw
from .claims import claims

__all__ = ["derivation"]


def _sections():
    return (
        ("Network (NTK parametrisation, neural-tangents' stax)",
         r"z^{1} &= \tfrac{W}{\sqrt{d}}\,\mathsf W^1x + b\,\beta^1,\quad"
         r" z^{l+1} = \tfrac{W}{\sqrt{n}}\,\mathsf W^{l+1}\phi(z^l) + b\,\beta^{l+1}"),
        ("Kernel recursion",
         r"K^0 &= W^2\tfrac{x^\top x'}{d} + b^2,\quad \Theta^0 = K^0\\"
         r"K^{l+1} &= W^2\,\mathbb E[\phi(u)\phi(v)] + b^2,\quad"
         r" \Theta^{l+1} = K^{l+1} + W^2\,\mathbb E[\phi'(u)\phi'(v)]\,\Theta^l"),
        ("Arc-cosine (ReLU, leaky ReLU)",
         r"\mathbb E\phi\phi &= \gamma k_{12} + (1-\gamma)^2\tfrac{\sqrt{k_{11}k_{22}}}"
         r"{2\pi}\big(\sin\varphi + (\pi-\varphi)\cos\varphi\big),\quad"
         r" \mathbb E\phi'\phi' = \gamma + (1-\gamma)^2\tfrac{\pi-\varphi}{2\pi}"),
        ("Arcsine (erf)",
         r"\mathbb E\phi\phi &= \tfrac2\pi\arcsin\tfrac{2k_{12}}"
         r"{\sqrt{(1+2k_{11})(1+2k_{22})}},\quad \mathbb E\phi'\phi'"
         r" = \tfrac4\pi\big((1+2k_{11})(1+2k_{22})-4k_{12}^2\big)^{-1/2}"),
        ("Kernel gradient flow (sum loss)",
         r"f_t &= f_0 + \Theta_{xX}\Theta_{XX}^{-1}(I-e^{-t\Theta_{XX}})(y-f_0)"),
        ("Adam limit (derived here), two-layer ReLU, f_0 = 0",
         r"f_{t+1}(x) &= f_t(x) - \eta\Big\{\mathbb E_w\big[\mathrm{relu}(w^\top x)"
         r"\mathcal A_t(s(w))\big] + \mathbb E|a|\,\mathbb E_w\Big[1(w^\top x>0)"
         r"\sum_k x_k\mathcal A_t(u_k(w))\Big]\Big\}"),
    )


def derivation() -> Derivation:
    """The infinite-width derivation bundle."""
    return Derivation(
        name=iw.NAME,
        title="Infinite-width networks: NNGP/NTK kernels, lazy limits, an Adam "
              "limit",
        model=iw.model(),
        flow=iw.flow(),
        conserved=iw.balances(),
        solution=None,
        claims=claims(),
        references=iw.REFERENCES,
        sections=_sections(),
        kernels=iw.kernels,
    )
