"""The diagonal-network derivation bundle: sections, solver setting, claims."""

from __future__ import annotations

import functools

import sympy as sp

from ...symbolic.spec.model import Model, ParamGroup
from .._bundle import Derivation, SolveSetup, entry
from . import maths as dl
from .claims import claims

__all__ = ["derivation"]


def _sections():
    return (
        (
            "Model",
            r"f(x) &= \beta^\top x,\quad \beta = u\odot u - v\odot v,"
            r"\quad \mathcal L = \tfrac12\|X\beta - y\|^2",
        ),
        (
            "Gradient flow",
            r"\dot u &= -2\eta_u\,u\odot X^\top\rho,\quad"
            r" \dot v = 2\eta_v\,v\odot X^\top\rho,\quad \rho = X\beta - y",
        ),
        (
            "Conserved quantities",
            r"c_i &= |u_i|^{\eta_v}|v_i|^{\eta_u}"
            r"\quad(u_iv_i \text{ at equal rates})",
        ),
        (
            "Exact reduction",
            r"u(t) &= u_0\odot e^{-2\eta_u R(t)},\quad"
            r" v(t) = v_0\odot e^{2\eta_v R(t)},\quad R(t) = X^\top\!\int_0^t\rho\\"
            r"\beta(t) &= -2\alpha^2\sinh(4\eta R(t))\quad(u_0=v_0=\alpha\mathbf 1)",
        ),
        (
            "Implicit bias",
            r"\beta(\infty) &= \arg\min_{X\beta=y} Q_\alpha(\beta),"
            r"\quad Q_\alpha = \alpha^2\sum_i q(\beta_i/\alpha^2),"
            r"\quad q(z) = 2-\sqrt{4+z^2}+z\operatorname{arcsinh}\tfrac z2\\"
            r"\nabla Q_\alpha(\beta(t)) &= "
            r"\operatorname{arcsinh}\tfrac{\beta}{2\alpha^2}"
            r" = -4\eta R(t)\in\operatorname{row}(X)",
        ),
        (
            "Limits",
            r"4\alpha^2Q_\alpha(\beta) &\to \|\beta\|_2^2\ (\alpha\to\infty),"
            r"\quad Q_\alpha(\beta)/\ln(1/\alpha^2)\to\|\beta\|_1\ (\alpha\to0)",
        ),
        (
            "Whitened closed form",
            r"e^{4R} &= \hat y_1/\hat y_2,\quad"
            r" \hat y_{1,2} = e^{-4D\tau} + 2(D\mp s + 2u_0^2|2v_0^2)"
            r"\tfrac{1-e^{-4D\tau}}{4D},\quad D = \sqrt{s^2+4u_0^2v_0^2}",
        ),
    )


@functools.cache
def _solve_setup() -> SolveSetup:
    """One coordinate, whitened, equal rates: u·v is conserved and β = u² − v²
    obeys β̇ = 4η√(β² + 4c²)(β* − β), separable (Euler's substitution)."""
    base = dl.model(1, whitened=True)
    eta = sp.Symbol("eta", positive=True)
    u, v = base.symbols
    model = Model(dl.NAME, tuple(ParamGroup(g.name, g.symbols, eta, g.shape)
                                 for g in base.params),
                  (eta,) + tuple(c for c in base.consts if c not in (dl.eta_u,
                                                                     dl.eta_v)),
                  base.loss, base.inputs, base.forward,
                  assumptions="whitened inputs, d = 1, equal rates η_u = η_v = η",
                  references=base.references)
    beta = sp.Symbol("beta", real=True)
    return SolveSetup(model, {sp.Symbol("c", real=True): u * v},
                      "whitened inputs, one coordinate, equal rates η_u = η_v = η",
                      coordinates={beta: u**2 - v**2})


def derivation() -> Derivation:
    """The diagonal-network derivation bundle."""
    d = 2
    return entry(
        dl,
        "Diagonal linear network β = u⊙u − v⊙v (Woodworth et al. 2020)",
        (d,),
        solve_setup=_solve_setup,
        conserved=dl.conserved(d),
        solution=dl.solution(d),
        claims=claims(),
        sections=_sections(),
    )
