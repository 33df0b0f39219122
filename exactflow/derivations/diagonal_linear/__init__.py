r"""Diagonal linear network β = u⊙u − v⊙v, squared loss, layer rates η_u, η_v.

Model (the docs): f(x) = βᵀx with β = u⊙u − v⊙v, u, v ∈ ℝᵈ, loss
L = ½E[(y − βᵀx)²] = ½(E[y²] − 2βᵀΣxy + βᵀΣxxβ), gradient flow
u̇ = −η_u ∇_u L = −2η_u u⊙g, v̇ = −η_v ∇_v L = +2η_v v⊙g with g = ∇_β L =
Σxxβ − Σxy.  With samples X ∈ ℝⁿˣᵈ, y ∈ ℝⁿ and the sum convention of the docs
(L = ½‖Xβ − y‖²) the moments are Σxx = XᵀX, Σxy = Xᵀy and g = Xᵀρ, ρ = Xβ − y.

Conserved per coordinate: since u̇_i/u_i = −2η_u g_i and v̇_i/v_i = +2η_v g_i,
c_i = |u_i|^{η_v} |v_i|^{η_u} (u_i v_i at equal rates, docs/math/conservation_laws.md
§3); u_i and
v_i never change sign.

Exact reduction to the integrated residual R(t) = ∫₀ᵗ g (= Xᵀ∫₀ᵗ ρ):
u(t) = u₀ ⊙ e^{−2η_u R(t)}, v(t) = v₀ ⊙ e^{+2η_v R(t)}, so β(t) = b(R(t)) with
b(R) = u₀² e^{−4η_u R} − v₀² e^{4η_v R}, and R solves the d-dimensional ODE
Ṙ = Σxx b(R) − Σxy, R(0) = 0.  For u₀ = v₀ = α𝟙 and η_u = η_v = η,
β(t) = −2α² sinh(4ηR(t)).  There is no closed form for R(t) in general;
:func:`trajectory` integrates that ODE numerically (in the coordinates of
row(X), where R lives; SciPy, imported on first use) and maps R exactly to
(u, v, β); :func:`implicit_bias` finds β(∞) for any initialisation and rates by
Newton's method on the convex dual (NumPy only).  For whitened inputs
(Σxx = I) and equal rates each coordinate obeys a constant-coefficient Riccati
equation in e^{4R}, solved in closed form by :func:`solution`.

Implicit bias: R(t) stays in the row space of X, and
arcsinh(β/(2α²)) = −4ηR (uniform init; in general
arcsinh(β/(2c)) − arcsinh(β₀/(2c)) = −4ηR with c = u₀v₀ at equal rates), so
if the flow interpolates, β(∞) = argmin_{Xβ=y} Q_α(β) with
Q_α(β) = α² Σ q(β_i/α²), q(z) = 2 − √(4+z²) + z arcsinh(z/2), q' = arcsinh(z/2)
(Woodworth et al. 2020).  Limits: 4α²Q_α(β) → ‖β‖₂² as α → ∞ (minimum ℓ₂,
kernel regime) and Q_α(β)/ln(1/α²) → ‖β‖₁ as α → 0 (minimum ℓ₁, rich regime).
Kunin et al.'s q_δ (docs/math/multi_neuron_linear.md §6) is q_δ(x) = ½α²q(x/α²) with α²
= |δ|/4.

References
----------
Mathematics: ``docs/math/diagonal_linear.md`` (cited here as "docs §N").
Woodworth, Gunasekar, Lee, Moroshko, Savarese, Golan, Soudry, Srebro (2020),
"Kernel and Rich Regimes in Overparametrized Models", arXiv:2002.09277, COLT 2020
(the model, the potential Q_α and its limits; attribution of the theorem number as
recalled in the docs).

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.diagonal_linear import implicit_bias
>>> X, y = np.array([[1.0, 1.0]]), np.array([1.0])
>>> print(np.round(implicit_bias(X, y, alpha=0.1), 12))  # symmetric: equal shares
[0.5 0.5]
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (the numerical functions need no SymPy when their kernel is cached)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("REFERENCES", "SWITCH", "alpha", "beta_of", "conserved", "eta", "eta_u",
        "eta_v", "exact_kernel", "exact_map", "flow", "kbeta", "kernels", "kr", "ks",
        "kt", "ku0", "kunin_q", "kv0", "model", "potential", "potential_gradient",
        "potential_kernel", "q", "riccati_pair", "sigma_xx", "solution", "symbols",
        "t", "whitened_kernel", "z"),
    "numeric": ("Q", "grad_Q", "trajectory", "whitened_trajectory"),
    "numeric_bias": ("implicit_bias",),
    "observables": ("trajectory_loss", "trajectory_ntk"),
    "bundle": ("derivation",),
}, ("maths", "numeric", "numeric_bias", "observables", "derivation"))
