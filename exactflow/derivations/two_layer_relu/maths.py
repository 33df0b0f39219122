"""The mathematics of the two-layer (leaky) ReLU network: model, flow, δ_k, the
activation-pattern form, the function-space flow, the NTK and the signed
spherical coordinates.

See the package docstring (:mod:`exactflow.derivations.two_layer_relu`) for the
derivation; this module holds its SymPy expressions.  Sizes: input dimension
``d``, hidden width ``h``, ``n`` samples.
"""

from __future__ import annotations

import functools

import sympy as sp

from ...symbolic.laws.patterns import IndicatorForm
from ...symbolic.spec.flow import GradientFlow, gradient_flow
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup

__all__ = [
    "NAME",
    "REFERENCES",
    "eta_a",
    "eta_w",
    "gamma",
    "symbols",
    "activation",
    "model",
    "flow",
    "delta",
    "slopes",
    "pattern_model",
    "pattern_flow",
    "pattern_form",
    "drive",
    "preconditioner",
    "ntk",
    "spherical",
    "kappa",
    "spherical_preconditioner",
    "kernels",
]

NAME = "two_layer_relu"
REFERENCES = ("Kunin et al. (2024), arXiv:2406.06158, §5 and App. C–D",)
eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
#: the leaky slope γ of σ(z) = max(z, γz); 0 ≤ γ < 1 (γ = 0: ReLU)
gamma = sp.Symbol("gamma", nonnegative=True)


def _size(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


@functools.cache
def symbols(d: int, h: int, n: int) -> dict[str, sp.Matrix]:
    """Symbol matrices at sizes (d, h, n): ``a`` (h×1), ``W`` (h×d, rows w_k),
    ``X`` (n×d, rows x_i), ``y`` (n×1), ``x`` (the input, d×1) and ``chi``
    (h×n, the activation indicators χ_ki = 1[w_kᵀx_i > 0])."""
    d, h, n = _size("d", d), _size("h", h), _size("n", n)

    def mat(name, rows, cols, sep="_", **assumptions):
        return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(
            f"{name}{i}{sep}{j}", **assumptions))

    return {
        "a": sp.Matrix([sp.Symbol(f"a{k}", real=True) for k in range(h)]),
        "W": mat("w", h, d, real=True),
        "X": mat("X", n, d, real=True),
        "y": sp.Matrix([sp.Symbol(f"y{i}", real=True) for i in range(n)]),
        "x": sp.Matrix([sp.Symbol(f"x{j}", real=True) for j in range(d)]),
        "chi": mat("chi", h, n, real=True),
    }


def activation(z: sp.Expr) -> sp.Expr:
    """σ(z) = max(z, γz)."""
    return sp.Max(z, gamma * z)


def _forward(a: sp.Matrix, W: sp.Matrix, x: sp.Matrix, slope=None) -> sp.Expr:
    """Σ_k a_k σ(w_kᵀx); with ``slope(k)`` the pattern form Σ_k a_k c_k w_kᵀx."""
    out = sp.Integer(0)
    for k in range(W.rows):
        z = (W[k, :] * x)[0, 0]
        out += a[k] * (activation(z) if slope is None else slope(k) * z)
    return out


def _loss(sy, slope=None) -> sp.Expr:
    n = sy["X"].rows
    total = sp.Integer(0)
    for i in range(n):
        xi = sy["X"][i, :].T
        s = None if slope is None else (lambda k, i=i: slope(k, i))
        total += (sy["y"][i] - _forward(sy["a"], sy["W"], xi, s)) ** 2
    return total / (2 * n)


def _groups(sy) -> tuple[ParamGroup, ParamGroup]:
    h, d = sy["W"].shape
    return (ParamGroup("a", tuple(sy["a"]), eta_a, (h,)),
            ParamGroup("w", tuple(sy["W"]), eta_w, (h, d)))


@functools.cache
def model(d: int = 2, h: int = 2, n: int = 2) -> Model:
    """The two-layer (leaky) ReLU network at sizes (d, h, n), loss over n samples.

    L = (1/2n) Σ_i (y_i − Σ_k a_k σ(w_kᵀx_i))², σ(z) = max(z, γz).
    """
    sy = symbols(d, h, n)
    return Model(
        name=NAME,
        params=_groups(sy),
        consts=(eta_a, eta_w, gamma) + tuple(sy["X"]) + tuple(sy["y"]),
        loss=_loss(sy),
        inputs=tuple(sy["x"]),
        forward=_forward(sy["a"], sy["W"], sy["x"]),
        assumptions=f"{n} samples (X, y), d = {d}, h = {h}; σ(z) = max(z, γz), "
        "0 ≤ γ < 1",
        references=REFERENCES,
    )


@functools.cache
def flow(d: int = 2, h: int = 2, n: int = 2) -> GradientFlow:
    """θ̇ = −η ⊙ ∇L for :func:`model` (Heaviside factors from σ′)."""
    return gradient_flow(model(d, h, n))


def delta(k: int, d: int = 2, h: int = 2) -> sp.Expr:
    """The conserved δ_k = η_w a_k² − η_a‖w_k‖² of neuron ``k``."""
    sy = symbols(d, h, 1)
    return eta_w * sy["a"][k] ** 2 - eta_a * sum(v**2 for v in sy["W"][k, :])


# ----------------------------------------------------------- activation patterns


def slopes(d: int, h: int, n: int) -> sp.Matrix:
    """c_ki = σ′(w_kᵀx_i) = χ_ki + (1 − χ_ki)γ on the pattern χ (h×n)."""
    chi = symbols(d, h, n)["chi"]
    return chi.applyfunc(lambda c: c + (1 - c) * gamma)


@functools.cache
def pattern_model(d: int = 2, h: int = 2, n: int = 2) -> Model:
    """:func:`model` on one activation pattern: σ(w_kᵀx_i) = c_ki w_kᵀx_i.

    The indicators χ_ki ∈ {0, 1} are constants of the model; an identity of
    this model that holds for every value of the χ holds on every pattern.
    """
    sy = symbols(d, h, n)
    c = slopes(d, h, n)
    return Model(
        name=NAME,
        params=_groups(sy),
        consts=(eta_a, eta_w, gamma) + tuple(sy["X"]) + tuple(sy["y"])
        + tuple(sy["chi"]),
        loss=_loss(sy, lambda k, i: c[k, i]),
        inputs=tuple(sy["x"]),
        assumptions=f"one activation pattern χ of {n} samples, d = {d}, h = {h}",
        references=REFERENCES,
    )


@functools.cache
def pattern_flow(d: int = 2, h: int = 2, n: int = 2) -> GradientFlow:
    """The flow on the activation pattern χ (locally constant between switches)."""
    return gradient_flow(pattern_model(d, h, n))


def pattern_form(d: int, h: int, n: int) -> IndicatorForm:
    """The indicators χ as an :class:`IndicatorForm` (one atom per (k, i)), for
    reducing identities modulo χ² = χ."""
    chi = symbols(d, h, n)["chi"]
    W = symbols(d, h, n)["W"]
    X = symbols(d, h, n)["X"]
    atoms = tuple(activation((W[k, :] * X[i, :].T)[0, 0])
                  for k in range(h) for i in range(n))
    return IndicatorForm((), tuple((chi[k, i],) for k in range(h)
                                   for i in range(n)), atoms)


def drive(d: int, h: int, n: int) -> list[sp.Matrix]:
    """ξ_k = (1/n) Σ_i c_ki x_i (f(x_i) − y_i), the neuron-specific drive (d×1)."""
    sy = symbols(d, h, n)
    c = slopes(d, h, n)
    X, y = sy["X"], sy["y"]
    f = [sum(sy["a"][k] * c[k, i] * (sy["W"][k, :] * X[i, :].T)[0, 0]
             for k in range(h)) for i in range(n)]
    return [sum((c[k, i] * X[i, :].T * (f[i] - y[i]) for i in range(n)),
                sp.zeros(d, 1)) / n for k in range(h)]


def preconditioner(k: int, d: int, h: int) -> sp.Matrix:
    """M_k = η_w a_k² I + η_a w_k w_kᵀ."""
    sy = symbols(d, h, 1)
    w = sy["W"][k, :].T
    return eta_w * sy["a"][k] ** 2 * sp.eye(d) + eta_a * w * w.T


def ntk(d: int, h: int, n: int) -> sp.Matrix:
    """K_ij = Σ_k c_ki x_iᵀ M_k x_j c_kj (n×n)."""
    sy = symbols(d, h, n)
    c = slopes(d, h, n)
    X = sy["X"]
    Ms = [preconditioner(k, d, h) for k in range(h)]
    return sp.Matrix(n, n, lambda i, j: sum(
        c[k, i] * (X[i, :] * Ms[k] * X[j, :].T)[0, 0] * c[k, j] for k in range(h)))


def spherical(k: int, d: int, h: int) -> tuple[sp.Expr, sp.Matrix]:
    """(μ_k, β̂_k) = (sgn(a_k)‖β_k‖, sgn(a_k)β_k/‖β_k‖) = (a_k‖w_k‖, w_k/‖w_k‖)."""
    sy = symbols(d, h, 1)
    w = sy["W"][k, :].T
    norm = sp.sqrt(sum(v**2 for v in w))
    return sy["a"][k] * norm, w / norm


def kappa(delta_: sp.Expr, mu: sp.Expr) -> sp.Expr:
    """κ = √(δ² + 4η_aη_w μ²) (= η_w a² + η_a‖w‖² on the neuron)."""
    return sp.sqrt(delta_**2 + 4 * eta_a * eta_w * mu**2)


def spherical_preconditioner(delta_: sp.Expr, mu: sp.Expr,
                             beta_hat: sp.Matrix) -> sp.Matrix:
    """M = (κ+δ)/2 I + (κ−δ)/2 β̂β̂ᵀ in the coordinates (δ, μ, β̂)."""
    k = kappa(delta_, mu)
    d = beta_hat.rows
    return (k + delta_) / 2 * sp.eye(d) + (k - delta_) / 2 * beta_hat * beta_hat.T


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernels: none (no closed form; the standard kernels
    ``rhs``, ``gd_step``, ``invariants``, ``gd_drift`` are generated from the
    model)."""
    return ()
