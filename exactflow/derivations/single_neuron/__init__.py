r"""Single hidden neuron, f(x) = a wᵀx, squared loss, layer rates η_a, η_w.

Model: two-layer linear network with one hidden neuron, a ∈ ℝ, w ∈ ℝᵈ,
β = a w, loss L = ½E[(y − aᵀwx)²] = ½(E[y²] − 2βᵀΣxy + βᵀΣxxβ), gradient flow
ȧ = −η_a ∂_a L, ẇ = −η_w ∇_w L (docs §1).

The rescaling a → a/c, w → c w leaves f unchanged and the flow conserves
δ = η_w a² − η_a‖w‖² (docs §2).  In function space β̇ = −M ∇_β L with
M = η_w a² I + η_a w wᵀ = (κ+δ)/2 I + (κ−δ)/2 β̂β̂ᵀ, κ = √(δ² + 4η_aη_w‖β‖²)
(Eq. 4, docs §6).

Exact solution for whitened inputs (Σxx = I, Σxy = β*), docs §5: in unit-rate
coordinates ã = (η_w/η_a)^{1/4} a, w̃ = (η_a/η_w)^{1/4} w, τ = √(η_aη_w) t,
δ̃ = δ/√(η_aη_w), with u = w̃·β̂*, z = (u, ã·√Λ) obeys ż = A z,
A = [[−δ̃/2, s], [s, δ̃/2]], s = ‖β*‖, the component of w̃ orthogonal to β* decays
like e^{−δ̃τ/2}, and the common scale Λ obeys Λ̇ = ‖z‖² + r² — one real formula
for every δ (including 0), every sign of a₀ (including 0), any rates and any d.

References
----------
Mathematics: ``docs/math/single_neuron.md`` (cited here as "docs §N").
Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick: exact
solutions reveal how unbalanced initializations promote rapid feature learning",
arXiv:2406.06158, Eqs. (2)–(4) and Theorem 3.1.

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.single_neuron import trajectory
>>> a, w = trajectory(np.array([0.0, 1.0]), 1.0, np.array([-1.0, 0.0]),
...                   np.array([0.0, 1.0]))
>>> print(f"{a[1]:.10f}")  # docs, reference values: δ = 0, t = 1
0.7901885275
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (the numerical functions need no SymPy when their kernel is cached)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("REFERENCES", "a", "a_init", "delta", "eta_a", "eta_w", "exact_kernel",
        "flow", "ka0", "kernels", "kp0", "kr0", "ks", "kt", "limit", "model",
        "preconditioner", "scaled_kernel", "solution", "symbols", "t",
        "textbook_kernel"),
    "numeric": ("implicit_bias", "kernel_distance", "kernel_distance_between", "ntk",
        "trajectory"),
    "observables": ("initial", "trajectory_loss", "trajectory_ntk"),
    "bundle": ("derivation",),
}, ("maths", "numeric", "observables", "derivation"))
