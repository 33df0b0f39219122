r"""λ-balanced two-layer linear network, f(x) = W₂W₁x, whitened inputs (the docs).

Model: W₁ ∈ ℝ^{h×d_in}, W₂ ∈ ℝ^{d_out×h}, Σxx = I, Σyx = E[yxᵀ]; loss
L = ½E‖y − W₂W₁x‖² = ½(E‖y‖² − 2 tr(Σyxᵀ W₂W₁) + ‖W₂W₁‖²_F); gradient flow with layer
rates η₁, η₂: Ẇ₁ = η₁ W₂ᵀ(Σyx − W₂W₁), Ẇ₂ = η₂ (Σyx − W₂W₁)W₁ᵀ.

The gauge W₁ → G W₁, W₂ → W₂G⁻¹ conserves the matrix η₁W₂ᵀW₂ − η₂W₁W₁ᵀ; at equal rates
η₁ = η₂ = 1/τ an initialisation with W₂ᵀW₂ − W₁W₁ᵀ = λI_h (**λ-balanced**) stays so.
Then Q = [W₁ᵀ; W₂] obeys the matrix Riccati equation τQ̇ = FQ − ½QQᵀQ with
F = [[−λ/2 I, Σyxᵀ], [Σyx, λ/2 I]], and 𝒫 = QQᵀ = [[W₁ᵀW₁, W₁ᵀW₂ᵀ], [W₂W₁, W₂W₂ᵀ]]
(both NTK blocks on the diagonal, the network map below it) has the closed form

    𝒫(t) = e^{FT} Q₀ [I_h + Q₀ᵀ (∫₀^T e^{2Fσ} dσ) Q₀]⁻¹ Q₀ᵀ e^{FT},   T = t/τ,

for any shapes and any Σyx, including singular F: the integral is written through
``intexp`` (an entire function of the eigenvalues of F), never through (2F)⁻¹.  The
eigenvalues of F are ±√(sᵢ² + λ²/4) per singular value sᵢ of Σyx, −λ/2 on the input
directions outside its row space and +λ/2 on the output directions outside its column
space.  :func:`trajectory` evaluates the closed form overflow-free for any t (the
growing exponentials are factored out column by column), :func:`balanced_init` builds
λ-balanced initialisations, :func:`mode_trajectory` is the per-mode closed form of an
aligned initialisation (the generated ``exact`` kernel).

Limits: |λ| → ∞ is lazy (the NTK blocks move by O(1/|λ|) relative, the network map
follows the linearised dynamics); λ = 0 with aligned initialisation decouples into
Saxe et al.'s sigmoids u(t) = s u₀/(u₀ + (s − u₀)e^{−2st/τ}) per mode
(docs/math/deep_linear_modes.md).

References
----------
Mathematics: ``docs/math/two_layer_linear_balanced.md`` (cited here as "docs §N").
Dominé, Anguita, Proca, Braun, Kunin, Mediano, Saxe (2024), "From lazy to rich: exact
learning dynamics in deep linear networks", arXiv:2409.14623 (ICLR 2025).
Saxe, McClelland, Ganguli (2014), arXiv:1312.6120 (the λ = 0 limit).

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.two_layer_linear_balanced import (
...     balanced_init, trajectory)
>>> W1, W2 = balanced_init(np.array([[0.1, 0.0], [0.0, 0.0]]), lam=0.5, h=2)
>>> beta, K1, K2 = trajectory(np.array([0.0, 1e6]), W1, W2, np.diag([2.0, 1.0]))
>>> print(np.round(beta[-1], 10))  # the target is learned
[[2. 0.]
 [0. 1.]]
>>> print(np.round(K2[-1] - K1[-1, :2, :2], 10))  # the last layer keeps λ = 0.5 more
[[0.5 0. ]
 [0.  0.5]]
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (the numerical functions need no SymPy when their kernel is cached)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("K1", "K2", "REFERENCES", "SMALL", "TINY", "a_init", "b_init", "beta",
        "conserved_matrix", "eta", "eta_1", "eta_2", "f_matrix", "flow", "kernels",
        "klam", "ks", "kt", "ktau", "ku0", "lam", "mode_kernel", "mode_textbook",
        "model", "s_", "sigma_yy", "solution", "stack", "symbols", "t", "tau"),
    "numeric": ("balanced_init", "mode_trajectory", "trajectory"),
    "observables": ("trajectory_loss", "trajectory_ntk"),
    "bundle": ("derivation",),
}, ("maths", "trajectory", "mode_trajectory", "balanced_init", "observables",
     "derivation"))
