"""The mathematics of the spectral condition: the layer model, the steps of the
derivation as SymPy expressions in the widths, and the ``scales`` kernel.

See the package docstring (:mod:`exactflow.derivations.spectral_scaling`) for the
derivation; this module holds its expressions.  Widths are positive SymPy symbols
(``n_in``, ``n_out`` for one layer; ``n``, ``d_in``, ``d_out`` for the network
``d_in → n → … → n → d_out``), so every scaling is an expression whose behaviour
as n → ∞ SymPy can take the limit of (:mod:`.table`).
"""

from __future__ import annotations

import functools

import sympy as sp

from ...symbolic.spec.flow import GradientFlow, gradient_flow
from ...symbolic.spec.kernels import KernelExprs
from ...symbolic.spec.model import Model, ParamGroup, symmetric_matrix

__all__ = [
    "NAME", "KINDS", "OPTIMIZERS", "model", "flow", "symbols", "balance",
    "rms", "spectral_target", "gaussian_norm", "exact_init_std", "init_std",
    "backward_norm", "update_norm", "learning_rate", "adam_epsilon",
    "parametrization", "kernels",
]

NAME = "spectral_scaling"
REFERENCES = ("Yang, Simon & Bernstein (2023), arXiv:2310.17813",)
#: the parametrisations compared: standard, neural-tangent, and the one derived here
KINDS = ("sp", "ntk", "mup")
OPTIMIZERS = ("sgd", "adam")

n_in, n_out = sp.symbols("n_in n_out", positive=True)  # fan-in, fan-out of a layer
n = sp.Symbol("n", positive=True)  # the hidden width
d_in, d_out = sp.symbols("d_in d_out", positive=True)  # fixed input/output sizes
sigma = sp.Symbol("sigma", positive=True)  # entry standard deviation
eta_W1, eta_W2, eta_W3 = sp.symbols("eta_W1 eta_W2 eta_W3", positive=True)
sigma_yy = sp.Symbol("sigma_yy", nonnegative=True)


# ------------------------------------------------------------ the layer model


@functools.cache
def symbols(d: int = 2, width: int = 2) -> dict[str, tuple[sp.Symbol, ...]]:
    """Entry symbols of ``W1`` (width×d), ``W2`` (width×width), ``W3`` (1×width),
    the input ``x`` and the data moments, row-major."""
    for name, v in (("d", d), ("width", width)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}")

    def mat(name, rows, cols):
        return tuple(sp.Symbol(f"{name}_{i}{j}", real=True)
                     for i in range(rows) for j in range(cols))

    return {
        "W1": mat("W1", width, d), "W2": mat("W2", width, width),
        "W3": mat("W3", 1, width),
        "x": sp.symbols(f"x0:{d}", real=True),
        "sigma_xx": tuple(sp.Symbol(f"sigma_xx{i}{j}", real=True)
                          for i in range(d) for j in range(i, d)),
        "sigma_xy": sp.symbols(f"sigma_xy0:{d}", real=True),
    }


def _matrices(d: int, width: int) -> tuple[sp.Matrix, sp.Matrix, sp.Matrix]:
    sy = symbols(d, width)
    return (sp.Matrix(width, d, sy["W1"]), sp.Matrix(width, width, sy["W2"]),
            sp.Matrix(1, width, sy["W3"]))


@functools.cache
def model(d: int = 2, width: int = 2) -> Model:
    """The three-layer linear network f(x) = W3 W2 W1 x (input, hidden, output
    layer), layer rates η_W1, η_W2, η_W3, loss ½E[(y − f)²] through Σxx, Σxy.

    It is the smallest member of the layer family d → n → n → 1 that the
    parametrisation acts on: the rates η_Wl are what the spectral condition sets.
    """
    sy = symbols(d, width)
    W1, W2, W3 = _matrices(d, width)
    beta = (W3 * W2 * W1).T  # f(x) = βᵀx
    sxx = symmetric_matrix(sy["sigma_xx"], d)
    sxy = sp.Matrix(sy["sigma_xy"])
    loss = sp.Rational(1, 2) * (sigma_yy - 2 * (beta.T * sxy)[0, 0]
                                + (beta.T * sxx * beta)[0, 0])
    return Model(
        name=NAME,
        params=(ParamGroup("W1", sy["W1"], eta_W1, (width, d)),
                ParamGroup("W2", sy["W2"], eta_W2, (width, width)),
                ParamGroup("W3", sy["W3"], eta_W3, (1, width))),
        consts=(eta_W1, eta_W2, eta_W3, sigma_yy) + sy["sigma_xx"] + sy["sigma_xy"],
        loss=loss,
        inputs=sy["x"],
        forward=(beta.T * sp.Matrix(sy["x"]))[0, 0],
        assumptions=f"linear layers {d} → {width} → {width} → 1 (activation "
                    "omitted: the model in which the layer rates act); general "
                    "data moments Σxx (symmetric), Σxy",
        references=REFERENCES,
    )


@functools.cache
def flow(d: int = 2, width: int = 2) -> GradientFlow:
    """θ̇ = −η ⊙ ∇L for :func:`model`."""
    return gradient_flow(model(d, width))


def balance(d: int = 2, width: int = 2) -> tuple[sp.Matrix, sp.Matrix]:
    """C1 = W1W1ᵀ/η_W1 − W2ᵀW2/η_W2 and C2 = W2W2ᵀ/η_W2 − W3ᵀW3/η_W3 (conserved)."""
    W1, W2, W3 = _matrices(d, width)
    return (W1 * W1.T / eta_W1 - W2.T * W2 / eta_W2,
            W2 * W2.T / eta_W2 - W3.T * W3 / eta_W3)


# ------------------------------------------------- the steps of the derivation


def rms(v) -> sp.Expr:
    """‖v‖_RMS = ‖v‖₂/√dim v."""
    v = sp.Matrix(v)
    return sp.sqrt((v.T * v)[0, 0] / len(v))


def spectral_target(fan_in, fan_out) -> sp.Expr:
    """The spectral condition: ‖W‖_* and ‖ΔW‖_* of order √(fan_out/fan_in)."""
    return sp.sqrt(fan_out / fan_in)


def gaussian_norm(std, fan_in, fan_out) -> sp.Expr:
    """‖G‖_* ≈ σ(√fan_out + √fan_in) for i.i.d. N(0, σ²) entries (large sizes)."""
    return std * (sp.sqrt(fan_out) + sp.sqrt(fan_in))


def exact_init_std(fan_in, fan_out) -> sp.Expr:
    """The σ solving gaussian_norm(σ) = spectral_target, by ``sympy.solve``."""
    (root,) = sp.solve(sp.Eq(gaussian_norm(sigma, fan_in, fan_out),
                             spectral_target(fan_in, fan_out)), sigma)
    return root


def init_std(fan_in, fan_out) -> sp.Expr:
    """σ = fan_in^{-1/2} min(1, √(fan_out/fan_in)), within a factor 2 of
    :func:`exact_init_std` at every size (the claim ``init std``)."""
    return sp.Min(1, sp.sqrt(fan_out / fan_in)) / sp.sqrt(fan_in)


def backward_norm(widths) -> sp.Expr:
    """‖∂L/∂h_l‖ / ‖∂L/∂h_L‖ bound through layers l+1 … L under the condition:
    ∏ √(n_k/n_{k−1}) over ``widths = (n_l, …, n_L)``, which telescopes."""
    widths = tuple(widths)
    return sp.Mul(*(spectral_target(a, b) for a, b in zip(widths, widths[1:])))


def update_norm(fan_in, fan_out, optimizer: str) -> sp.Expr:
    """‖ΔW‖_* of one step at unit rate, for a rank-one gradient g hᵀ with
    ‖h‖ = √fan_in (the desideratum) and ‖g‖ = 1/√fan_out (the backward bound with
    n_L and ‖∂L/∂f‖ fixed): SGD gives ‖g‖‖h‖, Adam (sign descent) the norm
    ‖sign(g) sign(h)ᵀ‖_* = √(fan_out fan_in) of a ±1 rank-one matrix."""
    if optimizer == "sgd":
        return sp.sqrt(fan_in) / sp.sqrt(fan_out)
    if optimizer == "adam":
        return sp.sqrt(fan_out * fan_in)
    raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")


def learning_rate(fan_in, fan_out, optimizer: str) -> sp.Expr:
    """The rate making ‖ΔW‖_* = √(fan_out/fan_in): target / :func:`update_norm`."""
    return sp.simplify(spectral_target(fan_in, fan_out)
                       / update_norm(fan_in, fan_out, optimizer))


def adam_epsilon(fan_in, fan_out) -> sp.Expr:
    """The size of a gradient entry under the condition, 1/fan_out: Adam acts as
    sign descent only while its ε is small against it, so ε must scale so too."""
    return sp.simplify(update_norm(fan_in, fan_out, "sgd")
                       / sp.sqrt(fan_out * fan_in))


def _size(name: str, value) -> sp.Expr:
    try:
        v = sp.sympify(value)
    except (sp.SympifyError, TypeError):
        raise TypeError(f"{name} must be a positive number or SymPy expression, "
                        f"got {type(value).__name__}") from None
    if not isinstance(v, sp.Expr) or v.is_positive is not True:
        raise ValueError(f"{name} must be positive (a number > 0, or an expression "
                         f"in symbols declared positive=True), got {value!r}")
    return v


def parametrization(fan_in, fan_out, optimizer: str = "sgd",
                    kind: str = "mup") -> dict[str, sp.Expr]:
    r"""Initial standard deviation and learning rate of one layer.

    Parameters
    ----------
    fan_in, fan_out : positive number or SymPy expression
        The layer's input and output sizes n_{l−1}, n_l (a bias is a layer with
        fan-in 1).  Symbols must be declared ``positive=True``.
    optimizer : {"sgd", "adam"}
    kind : {"mup", "sp", "ntk"}
        ``"mup"``: derived here from the spectral condition; ``"sp"``: standard
        (entries of variance 1/fan_in, one rate for every layer); ``"ntk"``: the
        neural-tangent parametrisation written on the weights themselves (rate
        1/fan_in for SGD, 1/√fan_in for Adam).

    Returns
    -------
    dict
        ``{"init_std": Expr, "lr": Expr}``: the entries' standard deviation and
        the multiplier of the base learning rate, for W itself (the rate applied
        to ∇_W L).

    Examples
    --------
    >>> parametrization(1024, 10, "adam")
    {'init_std': sqrt(10)/1024, 'lr': 1/1024}
    >>> parametrization(d_in, n, "sgd")["lr"]
    n/d_in
    """
    fan_in, fan_out = _size("fan_in", fan_in), _size("fan_out", fan_out)
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}, got {optimizer!r}")
    if kind == "mup":
        return {"init_std": init_std(fan_in, fan_out),
                "lr": learning_rate(fan_in, fan_out, optimizer)}
    if kind == "sp":
        return {"init_std": 1 / sp.sqrt(fan_in), "lr": sp.Integer(1)}
    if kind == "ntk":
        return {"init_std": 1 / sp.sqrt(fan_in),
                "lr": 1 / fan_in if optimizer == "sgd" else 1 / sp.sqrt(fan_in)}
    raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")


# ------------------------------------------------------------------ kernels


@functools.cache
def kernels() -> tuple[KernelExprs, ...]:
    """The entry's own kernel ``scales``: the derived parametrisation on arrays.

    Calls per point when only ``n_in`` varies (the first input): one square
    root, √n_in, shared by the initialisation scale min(1, √n_out/√n_in)/√n_in
    and the target norm √n_out/√n_in (√n_out is computed once); the rates and
    the Adam ε are quotients.  None fewer: both outputs are irrational in n_in.
    """
    return (
        KernelExprs(
            "scales",
            (n_in, n_out),
            (("init_std", init_std(n_in, n_out)),
             ("lr_sgd", learning_rate(n_in, n_out, "sgd")),
             ("lr_adam", learning_rate(n_in, n_out, "adam")),
             ("eps_adam", adam_epsilon(n_in, n_out)),
             ("target_norm", spectral_target(n_in, n_out))),
            "spectral condition: init std fan_in^-1/2 min(1, sqrt(fan_out/fan_in)), "
            "rates fan_out/fan_in (SGD) and 1/fan_in (Adam), Adam epsilon scale "
            "1/fan_out, target norm sqrt(fan_out/fan_in)",
        ),
    )
