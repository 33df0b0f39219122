r"""Deep linear networks in mode coordinates: the scalar chain f = w_N⋯w_1 x.

Model (docs §1): with whitened inputs and a decoupled initialisation
(Saxe, McClelland & Ganguli 2014) every singular mode of the input–output map
evolves on its own, as a chain of N scalar weights w_1, …, w_N (N = number of
weight layers, written N_l − 1 in Saxe et al.) trained on the mode strength
s = E[xy] > 0 with layer rates η_l:

    L = ½E[(y − u x)²],  u = w_N⋯w_1,  ẇ_l = η_l (s − u) u / w_l.

Conserved (docs §2): every consecutive difference
D_l = w_{l+1}²/η_{l+1} − w_l²/η_l.  On the balanced set (all D_l = 0) the mode
obeys, with the time constant τ = (η_1⋯η_N)^{−1/N} (τ = 1/η for equal rates),

    τ u̇ = N |u|^{2−2/N} (s − u),

so u₀ ∈ (0, s) rises sigmoidally to s, u₀ > s decays to s, u₀ = 0 and u₀ = s
are fixed, and for N ≥ 2 a negative u₀ decays to 0 (the chain never changes
the sign of its product); N = 1 is linear regression, τu̇ = s − u.

Depth 2 has the closed form (overflow-safe orientation; the textbook form is
s e^{2st/τ}/(e^{2st/τ} − 1 + s/u₀))

    u(t) = s u₀ / (u₀ + (s − u₀) e^{−2st/τ})
         = u₀ / (e^{−2st/τ} + 2u₀ ∫₀^{t/τ} e^{−2sσ} dσ)     (u₀ ≥ 0, every s),

and u(t) = u₀ e^{−2st/τ}/(1 − 2u₀ ∫₀^{t/τ} e^{−2sσ} dσ) for u₀ < 0.  For every
depth the learning time t(u₀ → u_f) = (τ/N) ∫ du/(u^{2−2/N}(s − u)) is, with
z = u/s and y = z^{1/N},

    t = τ s^{2/N−2} [Φ_N(y_f) − Φ_N(y₀)],   Φ_N' (y) = 1/(y^{N−1}(1 − y^N)),

elementary for every integer N (logarithms and arctangents at the N-th roots
of unity, :func:`roots_antiderivative`; SymPy's ``ratint`` reproduces it for
N = 1, 2, 3, 4, 6, :func:`antiderivative`) and, for real depth, the
incomplete-beta / Gauss form z^{a}/a · ₂F₁(1, a; a+1; z), a = 2/N − 1
(:func:`hyper_antiderivative`).  Depth 2 gives
t = (τ/2s) ln(u_f(s − u₀)/(u₀(s − u_f))).

Depth dependence (derived here, checked by the claims): from u₀ = ε to s − ε
the time is (τ/s) ln(s/ε) + o(1) at N = 2 (and exactly s times that at N = 1),
and ~ τ ε^{−(1−2/N)}/(s(N − 2)) as ε → 0 for N ≥ 3, so at a fixed per-layer
rate deeper chains are slower for small enough ε; at fixed ε the time peaks
near N ≈ L + √(L² − 4L), L = ln(1/ε), and then falls like τ/(N s ε) (the
factor N in the ODE wins over the plateau).  With the rate scaled as 1/N
(τ = Nτ₀) the time converges as N → ∞ to τ₀∫du/(u²(s − u)): finite and
depth-independent for an initial product u₀ of order s (Saxe et al.'s
"special class of initial conditions"), but growing like 1/u₀ when u₀ = a^N.

The decoupled unbalanced depth-2 mode is the single neuron with d = 1
(a = w_2, w = w_1, η_a = η_2, η_w = η_1, β* = s), whose closed form
(docs/math/single_neuron.md §5) is exact for every initialisation
(:func:`two_layer_trajectory`).

References
----------
Mathematics: ``docs/math/deep_linear_modes.md`` (cited here as "docs §N").
Saxe, McClelland, Ganguli (2014), "Exact solutions to the nonlinear dynamics of
learning in deep linear neural networks", ICLR 2014, arXiv:1312.6120.
Kunin et al. (2024), arXiv:2406.06158, §4 and App. B (conserved differences).

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.deep_linear_modes import learning_time, trajectory
>>> u = trajectory(np.array([1.0, 2.0]), 1e-3, 2.0)  # docs, reference values
>>> print(np.array2string(u, precision=10))
[0.0531731586 1.1971819822]
>>> print(f"{learning_time(1e-3, 2.0 - 1e-3, 2.0):.10f}")
3.8002011673
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (the numerical functions need no SymPy when their kernel is cached)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("REFERENCES", "antiderivative", "conserved_differences", "exact_kernel",
        "flow", "hyper_antiderivative", "integrand", "kernels", "ks", "kt", "ku0",
        "kuf", "learning_time_depth2", "learning_time_expr", "learning_time_kernel",
        "mode_rhs", "mode_solution", "model", "product", "roots_antiderivative", "s",
        "sigma_xx", "sigma_xy", "sigma_yy", "sigmoid", "solution", "symbols", "t",
        "tau", "textbook_sigmoid", "time_constant", "u", "u0", "uf", "x", "y", "z"),
    "numeric": ("balanced_weights", "learning_time", "trajectory",
        "two_layer_trajectory"),
    "observables": ("trajectory_loss", "trajectory_ntk"),
    "bundle": ("derivation",),
}, ("maths", "numeric", "observables", "derivation"))
