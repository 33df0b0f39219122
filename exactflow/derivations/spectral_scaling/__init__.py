r"""The spectral condition for feature learning, and μP derived from it.

Setting: an MLP d_in → n_1 → … → n_{L−1} → d_out, layer l a matrix
W_l ∈ ℝ^{n_l × n_{l−1}} (fan-in n_{l−1}, fan-out n_l; a bias is a layer of
fan-in 1), features h_l = φ(W_l h_{l−1}).  Widths are positive SymPy symbols, and
every Θ(·) below is decided by a limit as n → ∞ (:mod:`.table`).

**Desideratum.**  ‖h_l‖₂ = Θ(√n_l) and ‖Δh_l‖₂ = Θ(√n_l): the features and their
change in one step have entries of size Θ(1) at every width.

**Derivation** (each step a claim of :func:`derivation`):

1. ‖Wx‖_RMS ≤ √(n_{l−1}/n_l) ‖W‖_* ‖x‖_RMS, with equality on the top singular
   direction; so the desideratum needs ‖W_l‖_* = Θ(√(n_l/n_{l−1})), and, through
   Δh_l = ΔW_l h_{l−1} + W_l Δh_{l−1} + ΔW_l Δh_{l−1}, the same of ‖ΔW_l‖_* —
   the *spectral condition*.
2. At batch size 1 the gradient (∂ℓ/∂z_l) h_{l−1}ᵀ is rank one and aligned with
   the incoming features, so an update attains the bound.
3. An i.i.d. N(0, σ²) matrix has ‖G‖_* ≈ σ(√n_l + √n_{l−1}) (checked on sampled
   matrices), hence σ_l = Θ(n_{l−1}^{−1/2} min(1, √(n_l/n_{l−1}))).
4. The backward bound telescopes, ‖∂ℓ/∂h_l‖ = Θ(1/√n_l) with d_out fixed, so
   ‖∇_{W_l}ℓ‖_* = Θ(√(n_{l−1}/n_l)) and SGD needs η_l = Θ(n_l/n_{l−1}).
5. Adam's first step is sign descent; a ±1 rank-one matrix has norm
   √(n_l n_{l−1}), so Adam needs η_l = Θ(1/n_{l−1}) (checked on later steps with
   low-rank gradients; ε must stay below the Θ(1/n_l) gradient entries).

For d_in → n → … → n → d_out this is the μP table (initial variance; SGD rate;
Adam rate): input Θ(1/d_in); Θ(n); Θ(1) — hidden Θ(1/n); Θ(1); Θ(1/n) — output
Θ(1/n²); Θ(1/n); Θ(1/n).  When d_in exceeds the widths the min(1, ·) factor is
active at the input layer and its features scale like √(n/d_in) at
initialisation (``exactflow.experiments.coord_check`` shows both regimes).

**Model.**  The entry's gradient-flow model (:func:`model`) is the layer family's
smallest honest member: the linear network f(x) = W3W2W1x (input, hidden, output
layer) with layer rates η_W1, η_W2, η_W3 — the quantities the parametrisation
sets — and loss ½E[(y − f)²]; it conserves the layer balances
C_l = W_lW_lᵀ/η_l − W_{l+1}ᵀW_{l+1}/η_{l+1}.  It has no closed form here.

**Width exponents of the exact wide linear network** (:mod:`.widths`, derived
here, not taken from Xu & Ziyin, whose parametrisation is not known to us): for
f = κΣuᵢwᵢx with κ = d^{−a}, init variance d^{−b}, η_u/η_w = d^{e}, the relative
NTK change of the whole run scales like d^{2γ}, Θ(1) or d^{γ}, γ = a + b − 1 −
|e|/2: lazy, feature learning, strongly rich.

References
----------
Yang, Simon & Bernstein (2023), "A spectral condition for feature learning",
arXiv:2310.17813.  Yang & Hu (2021), "Feature learning in infinite-width neural
networks" (μP), arXiv:2011.14522.  Xu & Ziyin (2024), arXiv:2401.07085 (the exact
wide linear network).

Examples
--------
>>> from exactflow.derivations import spectral_scaling as ss
>>> ss.parametrization(ss.n, ss.n, "sgd")
{'init_std': 1/sqrt(n), 'lr': 1}
>>> t = ss.table(["input", "hidden", "output"], optimizer="adam")
>>> [t["mup", layer]["lr"] for layer in t.layers]
[1/d_in, 1/n, 1/n]
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions, the table and the bundle, each loaded
# on first use (importing the catalog imports no SymPy); ``table`` is the function
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("KINDS", "OPTIMIZERS", "REFERENCES", "adam_epsilon", "balance", "d_in",
              "d_out", "exact_init_std", "flow", "gaussian_norm", "init_std",
              "kernels", "learning_rate", "model", "n", "n_in", "n_out",
              "parametrization", "spectral_target", "symbols", "update_norm"),
    "numeric": ("scales", "spectral_norm"),
    "table": ("LAYERS", "MUP_TABLE", "Table", "first_step_ratios", "leading_term",
              "same_order", "table"),
    "bundle": ("derivation",),
}, ("parametrization", "table", "Table", "LAYERS", "MUP_TABLE", "KINDS",
    "OPTIMIZERS", "first_step_ratios", "leading_term", "same_order",
    "spectral_target", "gaussian_norm",
    "exact_init_std", "init_std", "learning_rate", "update_norm", "adam_epsilon",
    "model", "flow", "symbols", "balance", "kernels", "scales", "spectral_norm",
    "derivation", "n", "n_in", "n_out", "d_in", "d_out", "REFERENCES"))
