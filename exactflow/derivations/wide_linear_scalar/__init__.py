r"""Width-d linear network on scalar data, f(x) = κ Σᵢ uᵢwᵢ x, layer rates η_u, η_w.

Model (docs §2): x ∈ ℝ, u, w ∈ ℝᵈ, output scale κ > 0, p = u·w, loss
L = ½E[(y − κpx)²] = ½(E[y²] − 2κβp + ακ²p²) with α = E[x²] > 0, β = E[xy];
gradient flow u̇ = η_u κ w r, ẇ = η_w κ u r with the residual r = β − ακp.

**Parametrisation.** Xu & Ziyin (2024) solve this network exactly, but their exact
parametrisation (how width enters κ, the initialisation and the rates), their phase
boundaries and their formal definitions of the three mechanisms are *not found*
(docs §1).  Everything here is defined for the parametrisation just
stated; the regime rule and the mechanism observables are this module's own
definitions, not the paper's.

**Conserved.** Q = uuᵀ/η_u − wwᵀ/η_w (every entry), hence T = c·tr Q =
‖u‖²/ρ − ρ‖w‖², and the Gram determinant G = ‖u‖²‖w‖² − p² (c = √(η_uη_w),
ρ = √(η_u/η_w)).

**Solution.** With τ(t) = ∫₀ᵗ κ r, du/dτ = η_u w and dw/dτ = η_w u, so with
A± = (u₀ ± ρw₀)/2,

    u = A₊e^{cτ} + A₋e^{−cτ},   w = (A₊e^{cτ} − A₋e^{−cτ})/ρ,
    p = P₊e^{2cτ} + P₋e^{−2cτ},  P₊ = ‖A₊‖²/ρ ≥ 0,  P₋ = −‖A₋‖²/ρ ≤ 0.

y = 2cτ obeys ẏ = b − Ae^{y} + Be^{−y} (A = 2cακ²P₊, B = −2cακ²P₋, b = 2cκβ), the
Riccati equation of z = e^{y}.  Linearised, z = N/M with (N, M) = e^{tH}(1, 1),
H = [[b/2, B], [A, −b/2]]; with the growing e^{Dt/2} divided out (D = √(b² + 4AB),
E = e^{−Dt}, h = (1 − E)/D, σ± = (D ± b)/2 + {B, A}, all ≥ 0):

    y(t) = log(E + σ₊h) − log(E + σ₋h) = log1p(g₀h/(E + σ₋h)),   g₀ = b + B − A,

finite for every t (no overflow), with τ(∞) = log(σ₊/σ₋)/(2c), infinite only when
σ₊ or σ₋ vanishes (P₊ = 0 and β ≥ 0, or P₋ = 0 and β ≤ 0: the orbit escapes to the
saddle at the origin).  The NTK is the scalar K = κ²(η_u‖w‖² + η_w‖u‖²) =
2cκ²(P₊e^{y} − P₋e^{−y}) = 2cκ²√(p² − 4P₊P₋), which multiplies xx'.

The generated ``exact`` kernel takes the scalar invariants (t, P₊, P₋, κ, α, β, η_u,
η_w), not (p₀, ‖u₀‖², ‖w₀‖²): P₊ = (‖u₀‖²/ρ + 2p₀ + ρ‖w₀‖²)/4 cancels when
u₀ ≈ −ρw₀, whereas ‖u₀ + ρw₀‖²/(4ρ) is exact there (P₊ = 0 is a case of its own).
The mechanisms (alignment, disalignment, rescaling) and the kernel/feature rule
are defined in :mod:`.numeric` (:func:`observables`; :func:`regime` and
:func:`classify` are in :mod:`.numeric_regimes`).

References
----------
Mathematics: ``docs/math/wide_linear_scalar.md`` (cited here as "docs §N").
Xu, Ziyin (2024), "Three Mechanisms of Feature Learning in a Linear Network",
arXiv:2401.07085 (ICLR 2025); the closed form is docs §2 (derived).

Examples
--------
>>> import numpy as np
>>> from exactflow.derivations.wide_linear_scalar import trajectory
>>> u, w = trajectory(np.array([0.0, 50.0]), np.array([0.3, 0.0]),
...                   np.array([0.0, 0.4]), sigma_xx=1.0, sigma_xy=2.0)
>>> print(f"{u[1] @ w[1]:.10f}")  # p(∞) = β/(ακ)
2.0000000000
"""

from __future__ import annotations

from .._lazy import lazy_exports

# the mathematics, the numerical functions and the bundle, each loaded on first
# use (the numerical functions need no SymPy when their kernel is cached)
__getattr__, __dir__ = lazy_exports(__name__, {
    "maths": ("REFERENCES", "P_minus", "P_plus", "alpha", "beta", "c",
        "conserved_matrix", "eta_u", "eta_w", "exact_kernel", "flow",
        "gram_determinant", "initial_amplitudes", "kappa", "kernels", "model", "rho",
        "riccati_coefficients", "sigma_yy", "solution", "stable_parts", "stable_y",
        "stable_ydot", "symbols", "t", "tau", "tau_solution", "textbook_y", "x"),
    "numeric": ("invariants", "ntk", "observables", "trajectory"),
    "numeric_regimes": ("Regime", "classify", "regime"),
    "trajectory_observables": ("trajectory_loss", "trajectory_ntk"),
    "bundle": ("derivation",),
}, ("maths", "numeric", "numeric_regimes", "trajectory_observables",
     "derivation"))
