"""The spectral condition's derivation bundle: sections, claims, kernels."""

from __future__ import annotations

import functools

import sympy as sp

from .._bundle import Derivation, SolveSetup
from . import maths as ss
from . import widths
from .claims import claims
from .table import table

__all__ = ["derivation"]


def _tabular(optimizer: str) -> str:
    t = table(["input", "hidden", "output", "bias"], optimizer=optimizer)
    head = r"&\text{layer}&&\text{init var}&&\text{" + optimizer + r" rate}"
    rows = [head]
    for layer in t.layers:
        cells = [sp.latex(t[k, layer][c]) for k in ("sp", "ntk", "mup")
                 for c in ("init_var", "lr")]
        rows.append(rf"&\text{{{layer}}}&&" + "&&".join(
            rf"{cells[i]},\ {cells[i + 1]}" for i in (0, 2, 4)))
    return (r"&\text{(SP; NTK; }\mu\text{P, leading terms as } n\to\infty)\\"
            + r"\\".join(rows))


def _sections():
    i, o = ss.n_in, ss.n_out
    d = widths
    return (
        ("Desideratum and spectral condition (layer n_in → n_out)",
         r"\|h_l\|_2 &= \Theta(\sqrt{n_l}),\ \|\Delta h_l\|_2=\Theta(\sqrt{n_l})"
         r"\quad\Longleftarrow\quad \|W_l\|_*,\ \|\Delta W_l\|_* = \Theta\big("
         + sp.latex(ss.spectral_target(i, o)) + r"\big)"),
        ("RMS operator norm",
         r"\sup_x \frac{\|Wx\|_{\rm RMS}}{\|x\|_{\rm RMS}} &= "
         r"\sqrt{\frac{n_{\rm in}}{n_{\rm out}}}\,\|W\|_*"),
        ("Initialisation from ‖G‖_* ≈ σ(√n_out + √n_in)",
         r"\sigma^* &= " + sp.latex(ss.exact_init_std(i, o)) + r",\quad \sigma = "
         + sp.latex(ss.init_std(i, o)) + r",\quad \tfrac12\le\sigma^*/\sigma<1"),
        ("Rates (rank-one gradients at batch size 1)",
         r"\eta^{\rm SGD} &= " + sp.latex(ss.learning_rate(i, o, "sgd"))
         + r",\quad \eta^{\rm Adam} = " + sp.latex(ss.learning_rate(i, o, "adam"))
         + r",\quad \varepsilon^{\rm Adam} \propto "
         + sp.latex(ss.adam_epsilon(i, o))),
        ("Table, SGD", _tabular("sgd")),
        ("Table, Adam", _tabular("adam")),
        ("Width exponents of the wide linear network (derived here)",
         r"\kappa &= d^{-a},\ \sigma^2\propto d^{-b},\ \eta_u/\eta_w = d^{e},\quad"
         r" \frac{K_\infty}{K_0}-1 = \sqrt{1+\frac{B^2-p_0^2}{E'^2}}-1\sim d^{"
         + sp.latex(d.exponent_expr()) + r"}\\"
         r"\gamma &= " + sp.latex(d.gamma()) + r":\ \text{lazy } (\gamma<0),\ "
         r"\text{feature learning } (\gamma=0),\ \text{strongly rich } (\gamma>0)"),
    )


@functools.cache
def _solve_setup() -> SolveSetup:
    """The scalar chain (d = width = 1) with its two balances: the setting in
    which ``exactflow solve spectral_scaling`` reduces the flow (the matrix
    model's reduction is out of the solver's reach; there is no closed form)."""
    C1, C2 = ss.balance(1, 1)
    return SolveSetup(ss.model(1, 1), {sp.Symbol("C1", real=True): C1[0, 0],
                                       sp.Symbol("C2", real=True): C2[0, 0]},
                      "scalar three-layer chain (d = n = 1), general moments")


@functools.cache
def derivation() -> Derivation:
    """The spectral-condition derivation bundle."""
    d, width = 2, 2
    C1, C2 = ss.balance(d, width)
    conserved = {f"C{k}_{i}{j}": C[i, j] for k, C in ((1, C1), (2, C2))
                 for i in range(width) for j in range(i, width)}
    return Derivation(
        name=ss.NAME,
        title="Spectral condition for feature learning and μP (Yang, Simon & "
              "Bernstein 2023)",
        model=ss.model(d, width),
        flow=ss.flow(d, width),
        conserved=conserved,
        solution=None,
        claims=claims(),
        references=ss.REFERENCES,
        sections=_sections(),
        kernels=ss.kernels,
        solve_setup=_solve_setup,
    )
