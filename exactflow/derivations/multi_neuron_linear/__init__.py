r"""Two-layer linear network with h hidden neurons and c outputs, f(x) = Aᵀ W x.

Model (docs §1): W ∈ ℝ^{h×d} (rows w_k, rate η_w), A ∈ ℝ^{h×c} (rows a_k,
rate η_a), β = WᵀA = Σ_k w_k a_kᵀ ∈ ℝ^{d×c}, loss
L = ½E‖y − βᵀx‖² = ½(E‖y‖² − 2 tr βᵀΣxy + tr βᵀΣxxβ), with R := ∇_βL = Σxxβ − Σxy
(the paper's XᵀP).  Gradient flow: Ẇ = −η_w A Rᵀ, Ȧ = −η_a W R.

Conserved matrix: Δ = η_w AAᵀ − η_a WWᵀ (all h(h+1)/2 entries), δ_k = Δ_kk.

Function space (docs §2): vec β̇ = −M vec R (columns stacked), M = Σ_k M_k,
M_k = η_w a_ka_kᵀ ⊗ I_d + η_a I_c ⊗ w_kw_kᵀ
    = (κ_k+δ_k)/2 β_kᵀβ_k/‖β_k‖² ⊗ I_d + (κ_k−δ_k)/2 I_c ⊗ β_kβ_kᵀ/‖β_k‖²,
κ_k = √(δ_k² + 4η_aη_w‖β_k‖²); equivalently β̇ = −(η_a WᵀW R + η_w R AᵀA).
NTK: Θ(x, x') = η_a (xᵀWᵀWx') I_c + η_w (xᵀx') AᵀA.

Isotropic initialisation Δ = δ I_h (docs §4–§5): G = η_w AᵀA, H = η_a WᵀW obey
G² − δG = η_aη_w βᵀβ and H² + δH = η_aη_w ββᵀ.  When rank β = h the exact
(rank-aware) solution is G = Σ_i (κ_i+δ)/2 v_iv_iᵀ, H = Σ_i (κ_i−δ)/2 u_iu_iᵀ over
the compact SVD β = Σ σ_i u_iv_iᵀ; the principal square roots put |δ| instead of
0 on the null directions, so they are exact only for h = c (δ > 0), h = d
(δ < 0) or δ = 0.  The singular values follow the mirror flow of Theorem B.6
in its exact form λ̇_i = −κ_i u_iᵀRv_i (docs §6).

There is no closed-form solution for general initialisations (the singular
vectors of β rotate; docs §6), so ``derivation().solution`` is None.  For
whitened data (Σxx = I, Σxy = β*) and an *aligned* initialisation — rows
w_k = α_k u_k, a_k = γ_k v_k with orthonormal {u_k}, {v_k} and β*v_k = s_k u_k,
β*ᵀu_k = s_k v_k — the flow decouples into h scalar neurons
α̇ = −η_w γ(αγ − s), γ̇ = −η_a α(αγ − s), each solved exactly by the single-neuron
closed form (docs/math/single_neuron.md §5 with d = 1): :func:`aligned_solution`,
:func:`trajectory`.

References
----------
Mathematics: ``docs/math/multi_neuron_linear.md`` (cited here as "docs §N").
Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick: exact
solutions reveal how unbalanced initializations promote rapid feature learning",
arXiv:2406.06158, §4 and App. B (Theorems 4.1, 4.2, B.6).  Construction of the
isotropic (λ-balanced) initialisation: Dominé et al. (2024), arXiv:2409.14623.

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.multi_neuron_linear import isotropic_init
>>> A, W = isotropic_init(np.array([[2.0, 0.0], [0.0, 1.0]]), delta=1.0)
>>> np.round(1.0 * A @ A.T - W @ W.T, 12) + 0.0
array([[1., 0.],
       [0., 1.]])
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (the numerical functions need no SymPy when their kernel is cached)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("MODE_INPUTS", "REFERENCES", "aligned_solution", "beta",
        "conserved_matrix", "delta", "eta_a", "eta_w", "flow",
        "isotropic_construction", "kernels", "ksigma", "mode_kernel", "model",
        "neuron_preconditioner_expr", "ntk_expr", "preconditioner_expr",
        "principal_sqrt_expr", "rank_aware_expr", "residual_gradient",
        "spectra_kernel", "symbols", "t", "vec", "weights"),
    "numeric": ("aligned_modes", "beta_dot", "imbalance", "isotropic_init",
        "neuron_preconditioner", "ntk", "preconditioner", "principal_sqrt_gh",
        "rank_aware_gh", "singular_value_rates", "trajectory"),
    "observables": ("trajectory_loss", "trajectory_ntk"),
    "bundle": ("derivation",),
}, ("maths", "derivation", "numeric", "observables"))
