r"""Two-layer (leaky) ReLU network, f(x) = Σ_k a_k σ(w_kᵀx), layer rates η_a, η_w.

Model: first layer W ∈ ℝ^{h×d} (rows w_k, rate η_w), readouts a ∈ ℝ^h (rate
η_a), no biases, σ(z) = max(z, γz) with 0 ≤ γ < 1 (ReLU for γ = 0, leaky
otherwise); loss over n samples L = (1/2n) Σ_i (f(x_i) − y_i)², gradient flow
ȧ = −η_a ∂L/∂a, Ẇ = −η_w ∂L/∂W.

The flow is piecewise: on an activation pattern c_ki = σ′(w_kᵀx_i) ∈ {1, γ}
(constant between switches) it reads ȧ_k = −η_a w_kᵀξ_k, ẇ_k = −η_w a_kξ_k with
the neuron-specific drive ξ_k = (1/n) Σ_i c_ki x_i (f(x_i) − y_i).  Every
identity below is proven on every pattern at once (the pattern indicators are
free symbols, reduced modulo χ² = χ).

Conserved: σ is positively homogeneous, so a_k → a_k/c, w_k → c w_k (c > 0)
leaves f unchanged and each neuron conserves δ_k = η_w a_k² − η_a‖w_k‖² (and no
other polynomial law: ``exactflow laws relu``).

Function space (Eq. 9 of the paper): β_k = a_k w_k obeys β̇_k = −M_kξ_k with
M_k = η_w a_k² I + η_a w_kw_kᵀ, and the NTK on the training set is
K_ij = Σ_k c_ki x_iᵀM_kx_j c_kj = η_a (AAᵀ)_ij + η_w ((D diag(a²) Dᵀ) ⊙ XXᵀ)_ij
with A_ik = σ(w_kᵀx_i), D_ik = c_ki; ḟ(x_i) = −(1/n) Σ_j K_ij (f(x_j) − y_j).

Signed spherical coordinates (Eq. 10): μ_k = sgn(a_k)‖β_k‖ = a_k‖w_k‖,
β̂_k = w_k/‖w_k‖, κ_k = √(δ_k² + 4η_aη_wμ_k²):
μ̇_k = −κ_k β̂_kᵀξ_k and β̂̇_k = −(κ_k + δ_k)/(2μ_k) (I − β̂_kβ̂_kᵀ) ξ_k (μ_k ≠ 0).
Upstream (δ_k → +∞): M_k → δ_k I, the NTK is constant but the patterns move;
balanced (δ_k = 0): M_k = √(η_aη_w)|μ_k|(I + β̂_kβ̂_kᵀ); downstream
(δ_k → −∞): (κ_k + δ_k)/(2μ_k) → 0, the directions β̂_k and hence the
patterns freeze.

There is no closed form (the patterns switch along the flow), so
``derivation().solution`` is None; batched training of many such networks is
in :mod:`exactflow.simulate.two_layer` and the teacher–student phase portrait in
:mod:`exactflow.experiments.teacher_student`.

Mathematics: ``docs/math/two_layer_relu.md``; the experiment and the training
engine's measurements: ``docs/teacher_student.md``.

References
----------
Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick: exact
solutions reveal how unbalanced initializations promote rapid feature learning",
arXiv:2406.06158, §5 (Eqs. 9–10) and App. C–D.

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.two_layer_relu import imbalance, spherical
>>> a, W = np.array([2.0, -1.0]), np.array([[1.0, 0.0], [0.0, 3.0]])
>>> imbalance(a, W)
array([ 3., -8.])
>>> mu, beta_hat = spherical(a, W)
>>> mu, beta_hat[1]
(array([ 2., -3.]), array([0., 1.]))
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first use
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("REFERENCES", "delta", "eta_a", "eta_w", "flow", "gamma", "kernels",
              "model", "pattern_flow", "pattern_model", "symbols"),
    "numeric": ("activation_slopes", "drive", "flow_rhs", "forward", "imbalance",
                "kernel_distance", "ntk", "preconditioner", "spherical",
                "spherical_rhs"),
    "bundle": ("derivation",),
}, ("derivation", "REFERENCES", "model", "flow", "delta", "drive",
    "eta_a", "eta_w", "gamma", "kernels", "pattern_model", "pattern_flow", "symbols",
    "activation_slopes", "forward", "imbalance", "spherical", "preconditioner",
    "ntk", "kernel_distance", "flow_rhs", "spherical_rhs"))
