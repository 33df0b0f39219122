r"""Infinitely wide networks: NNGP and NTK closed forms, lazy limits, an Adam limit.

**Kernels.**  A fully connected network with ``depth`` hidden layers in the NTK
parametrisation, as neural-tangents writes it,
``stax.serial(Dense(n, W, b), φ, …, Dense(n, W, b), φ, Dense(1, W, b))``, has as
n → ∞ the NNGP kernel K and the neural tangent kernel Θ of the recursion

    K⁰ = W² xᵀx′/d_in + b²,   Θ⁰ = K⁰,
    K^{l+1} = W² E[φ(u)φ(v)] + b²,   Θ^{l+1} = K^{l+1} + W² E[φ′(u)φ′(v)] Θ^l,

(u, v) ~ N(0, [[K^l(x,x), K^l(x,x′)], [K^l(x,x′), K^l(x′,x′)]]).  With
R = √(k₁₁k₂₂) and cos φ = k₁₂/R, the expectations are

* ReLU (arc-cosine kernel, Cho & Saul 2009): E φφ = R(sin φ + (π − φ)cos φ)/(2π),
  E φ′φ′ = (π − φ)/(2π);
* leaky ReLU max(z, γz), 0 ≤ γ ≤ 1: γk₁₂ + (1 − γ)²·(ReLU value) and
  γ + (1 − γ)²(π − φ)/(2π);
* erf (arcsine kernel, Williams 1997):
  (2/π) arcsin(2k₁₂/√((1 + 2k₁₁)(1 + 2k₂₂))) and
  (4/π)((1 + 2k₁₁)(1 + 2k₂₂) − 4k₁₂²)^{−1/2};
* linear: k₁₂ and 1.

Each is proven equal to its Gaussian expectation (symbolic integrals in polar
coordinates for the piecewise-linear family, 50-digit quadrature for erf).  The
generated kernels evaluate them without arccos: a pair carries its sine scale
s = √(k₁₁k₂₂ − k₁₂²), propagated by an exact identity with every term
non-negative, so φ = atan2(s, k₁₂) and π − φ = atan2(s, −k₁₂) are accurate for
parallel, antiparallel and zero inputs (no NaN, no overflow of k₁₁k₂₂).

**Training.**  Gradient flow of L = ½Σᵢ(f(xᵢ) − yᵢ)² with the kernel frozen gives
f_t = f₀ + Θ_xX Θ_XX⁻¹(I − e^{−tΘ_XX})(y − f₀) (Jacot et al. 2018; Lee et al.
2019), evaluated in the eigenbasis of Θ_XX (:func:`predict`).

**An adaptive-optimiser limit (derived in this project, not taken from a
paper).**  For the two-layer ReLU network f(x) = n^{−1/2} Σ_j a_j relu(w_jᵀx̃),
x̃ = x/√d, antisymmetric initialisation (f₀ ≡ 0), trained by Adam(β₁, β₂) or
sign-GD with step η/√n and ε → 0, every coordinate's gradient is n^{−1/2}
times a function of its neuron and of the residual history, and Adam ignores
that common scale; so as n → ∞

    f_{t+1}(x) = f_t(x) − η{E_w[relu(wᵀx̃) 𝒜_t(s(w))]
                 + E|a| E_w[1(wᵀx̃ > 0) Σ_k x̃_k 𝒜_t(u_k(w))]},

s_t(w) = Σᵢ r_{t,i} relu(wᵀx̃ᵢ), u_{t,k}(w) = Σᵢ r_{t,i} 1(wᵀx̃ᵢ > 0) x̃_{ik},
𝒜_t the bias-corrected Adam direction of a scalar gradient history.  It is
0-homogeneous in the residual (so no kernel) and not rotation-invariant.
Sernau (2024) argues that an Adam-like infinite-width limit closes much of
the gap between NTKs and finite networks; its construction is not reproduced
here and nothing above is attributed to it.  Yang & Littwin (2023) show that
the kernel-type limit of Adam depends non-linearly on the loss derivative.
See :mod:`.adam` and ``docs/infinite_width.md``.

**Lazy limits of the catalog** (:mod:`.lazy`): the exact trajectories of
``single_neuron`` (|δ| → ∞), ``wide_linear_scalar`` (initial scale → ∞) and
``two_layer_linear_balanced`` (λ → ∞) tend to kernel gradient flow with the
initial NTK, at the rates checked there.

**Model** (for the catalog's generic checks): the finite network above with
width 2, d = 2, half the squared error of one sample, layer rates
η_a, η_w; it conserves η_w a_j² − η_a‖w_j‖² per neuron.

References
----------
Sernau (2024), "Infinite width models that work", arXiv:2406.18800.
Yang & Littwin (2023), "Tensor Programs IVb", arXiv:2308.01814.
Cho & Saul (2009), "Kernel methods for deep learning", NeurIPS.
Williams (1997), "Computing with infinite networks", NeurIPS.
Jacot, Gabriel & Hongler (2018), arXiv:1806.07572.
Lee, Xiao, Schoenholz, Bahri, Novak, Sohl-Dickstein & Pennington (2019),
arXiv:1902.06720.
Novak et al. (2020), "Neural Tangents", arXiv:1912.02803.

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations import infinite_width as iw
>>> x = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
>>> k = iw.nngp(x, x, depth=1, activation="relu")
>>> print(np.round(k, 6))  # orthogonal: 1/(2π)·½; antiparallel: 0
[[0.25     0.079577 0.      ]
 [0.079577 0.25     0.079577]
 [0.       0.079577 0.25    ]]
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (importing the catalog imports no SymPy)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("ACTIVATIONS", "REFERENCES", "balances", "expectation_forms", "flow",
              "input_map", "kernels", "layer_map", "model"),
    "numeric": ("kernel_pair", "nngp", "ntk", "predict"),
    "bundle": ("derivation",),
}, ("ACTIVATIONS", "REFERENCES", "balances", "derivation", "expectation_forms",
    "flow", "input_map", "kernel_pair", "kernels", "layer_map", "model", "nngp",
    "ntk", "predict"))
