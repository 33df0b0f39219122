r"""The models of the conservation-law theorems (docs/math/conservation_laws.md §2–§3).

Factories with small size arguments, each returning a frozen :class:`Model`
whose forward map the conservation-law engine reads, and whose loss is the
squared loss over ``samples`` symbolic data points,
:math:`L=\tfrac12\sum_s\lVert y_s-f(x_s;\theta)\rVert^2` (used by the flow and
gradient-descent checks; the laws themselves hold for every loss).

==========================  ================================  ==================
name                         forward map                       laws (doc §2)
==========================  ================================  ==================
``two_layer_linear``         U Vᵀ x, U: n×r, V: m×r            η_v UᵀU − η_u VᵀV
``deep_linear``              W_L ⋯ W_1 x                       consecutive layers
``relu`` / ``leaky_relu``    Σ_k a_k σ(w_k·x [+ b_k])          one per neuron
``abs_net``                  Σ_k a_k |w_k·x|                   one per neuron
``diagonal_uv``              Σ_i u_i v_i x_i                   η_v u_i² − η_u v_i²
``diagonal_pm``              Σ_i (u_i² − v_i²) x_i             u_i v_i (equal rates)
``homogeneous``              u (v x)^k                         k η_v u² − η_u v²
``relu_power``               u relu(v x)^k                     k η_v u² − η_u v²
``tanh_neuron``              u tanh(v x)                       none
``generic_neuron``           u σ(v x), σ an unknown function   none
==========================  ================================  ==================

References
----------
Marcotte, Gribonval, Peyré (2023), "Abide by the law and follow the flow",
arXiv:2307.00144.  Kunin et al. (2024), arXiv:2406.06158, §4–5.  Woodworth et al.
(2020), arXiv:2002.09277.

>>> from exactflow.symbolic.laws.conservation import discover_laws
>>> discover_laws(diagonal_net(2, "uv")).pretty()
['eta_v*u0**2 - eta_u*v0**2', 'eta_v*u1**2 - eta_u*v1**2']
"""

from __future__ import annotations

import functools

import sympy as sp

from ..symbolic.spec.model import Model, ParamGroup
from . import single_neuron as _single_neuron

__all__ = ["ZOO", "zoo_model", "parameter_count", "single_neuron", "two_layer_linear",
           "deep_linear",
           "two_layer_relu", "diagonal_net", "homogeneous_neuron"]

REFERENCES = ("Marcotte, Gribonval, Peyré (2023), arXiv:2307.00144",)
ACTIVATIONS = ("relu", "leaky_relu", "abs")


def _rate(name: str) -> sp.Symbol:
    return sp.Symbol(name, positive=True)


def _matrix(name: str, rows: int, cols: int) -> sp.Matrix:
    return sp.Matrix(rows, cols, lambda i, j: sp.Symbol(f"{name}{i}_{j}", real=True))


def _vector(name: str, n: int) -> sp.Matrix:
    return sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"{name}{i}", real=True))


def _positive_int(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _build(name, groups, forward, inputs, samples, assumptions) -> Model:
    """Model with the squared loss over ``samples`` symbolic data points."""
    samples = _positive_int("samples", samples)
    outs = list(forward) if isinstance(forward, sp.MatrixBase) else [forward]
    data, loss = [], sp.Integer(0)
    for s in range(samples):
        xs = [sp.Symbol(f"xs{s}_{j}", real=True) for j in range(len(inputs))]
        ys = [sp.Symbol(f"ys{s}_{c}", real=True) for c in range(len(outs))]
        data += xs + ys
        at = dict(zip(inputs, xs))
        loss += sum((y - f.xreplace(at)) ** 2 for y, f in zip(ys, outs)) / 2
    rates = tuple(dict.fromkeys(g.rate for g in groups))
    fwd = sp.ImmutableMatrix(outs) if len(outs) > 1 else outs[0]
    return Model(name=name, params=tuple(groups), consts=rates + tuple(data),
                 loss=loss, inputs=tuple(inputs), forward=fwd,
                 assumptions=assumptions + f"; squared loss over {samples} sample(s)",
                 references=REFERENCES)


def _group(name, mat: sp.Matrix, rate, vector: bool = False) -> ParamGroup:
    """A group in row-major order: shape (rows, cols), or (rows,) for a vector."""
    return ParamGroup(name, tuple(mat), rate, (mat.shape[0],) if vector
                      else mat.shape)


def single_neuron(d: int = 2) -> Model:
    """The single neuron a wᵀx of ``derivations.single_neuron`` (general moments)."""
    return _single_neuron.model(_positive_int("d", d))


@functools.cache
def two_layer_linear(n: int = 2, r: int = 2, m: int = 2, samples: int = 1) -> Model:
    """f(x) = U Vᵀ x with U ∈ ℝ^{n×r} (rate η_u), V ∈ ℝ^{m×r} (rate η_v)."""
    n, r, m = (_positive_int(k, v) for k, v in (("n", n), ("r", r), ("m", m)))
    U, V, x = _matrix("u", n, r), _matrix("v", m, r), _vector("x", m)
    groups = (_group("u", U, _rate("eta_u")), _group("v", V, _rate("eta_v")))
    return _build("two_layer_linear", groups, U * V.T * x, tuple(x), samples,
                  f"two-layer linear network, (n, r, m) = ({n}, {r}, {m})")


@functools.cache
def deep_linear(widths: tuple[int, ...] = (2, 2, 2, 1), samples: int = 1) -> Model:
    """f(x) = W_L ⋯ W_1 x, W_l ∈ ℝ^{widths[l]×widths[l−1]} with rate η_l."""
    widths = tuple(_positive_int("widths", w) for w in widths)
    if len(widths) < 3:
        raise ValueError(f"widths needs at least 3 entries (2 layers), got {widths}")
    x = _vector("x", widths[0])
    out, groups = x, []
    for layer in range(1, len(widths)):
        W = _matrix(f"w{layer}_", widths[layer], widths[layer - 1])
        groups.append(_group(f"w{layer}", W, _rate(f"eta_{layer}")))
        out = W * out
    fwd = out if out.shape[0] > 1 else out[0]
    return _build("deep_linear", tuple(groups), fwd, tuple(x), samples,
                  f"deep linear chain, widths {widths}")


@functools.cache
def two_layer_relu(d: int = 2, h: int = 2, c: int = 1, bias: bool = False,
                   activation: str = "relu", slope=sp.Rational(1, 10),
                   samples: int = 1) -> Model:
    """f_c(x) = Σ_k a_ck σ(w_k·x + b_k), σ = ReLU, leaky ReLU (slope) or |·|.

    Parameter groups ``a`` (output layer, rate η_a), ``w`` (rate η_w) and, with
    ``bias``, ``b`` (rate η_b).
    """
    d, h, c = (_positive_int(k, v) for k, v in (("d", d), ("h", h), ("c", c)))
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    slope = sp.sympify(slope)
    if activation == "leaky_relu" and not (slope.is_Rational and 0 < slope < 1):
        raise ValueError(f"slope must be a Rational in (0, 1), got {slope!r}")
    W, a, x = _matrix("w", h, d), _matrix("a", c, h), _vector("x", d)
    pre = W * x
    groups = [_group("a", a, _rate("eta_a")), _group("w", W, _rate("eta_w"))]
    if bias:
        b = _vector("b", h)
        pre += b
        groups.append(_group("b", b, _rate("eta_b"), vector=True))
    act = {"relu": lambda z: sp.Max(0, z), "abs": sp.Abs,
           "leaky_relu": lambda z: sp.Max(z, slope * z)}[activation]
    out = a * pre.applyfunc(act)
    fwd = out if c > 1 else out[0]
    name = {"relu": "relu", "leaky_relu": "leaky_relu", "abs": "abs_net"}[activation]
    return _build(name + ("_bias" if bias else ""), tuple(groups), fwd, tuple(x),
                  samples, f"two-layer {activation} network, d={d}, h={h}, c={c}"
                  + (", with biases" if bias else ""))


@functools.cache
def diagonal_net(d: int = 2, parametrization: str = "uv", shared_rate: bool = False,
                 samples: int = 1) -> Model:
    """Diagonal linear net: β = u⊙v (``"uv"``) or β = u⊙u − v⊙v (``"pm"``).

    Rates η_u, η_v, or one rate η for both layers with ``shared_rate=True``.
    With distinct rates the law of ``"pm"`` is |u_i|^{η_v} |v_i|^{η_u}, which is
    not polynomial (the zoo entry ``diagonal_pm`` shares the rate: u_i v_i).
    """
    d = _positive_int("d", d)
    if parametrization not in ("uv", "pm"):
        raise ValueError("parametrization must be 'uv' or 'pm', got "
                         f"{parametrization!r}")
    u, v, x = _vector("u", d), _vector("v", d), _vector("x", d)
    if shared_rate:
        ru = rv = _rate("eta")
    else:
        ru, rv = _rate("eta_u"), _rate("eta_v")
    beta = (u.multiply_elementwise(v) if parametrization == "uv" else
            u.multiply_elementwise(u) - v.multiply_elementwise(v))
    groups = (_group("u", u, ru, vector=True), _group("v", v, rv, vector=True))
    return _build(f"diagonal_{parametrization}", groups, (beta.T * x)[0], tuple(x),
                  samples, f"diagonal linear network ({parametrization}), d={d}")


@functools.cache
def homogeneous_neuron(k: int = 2, activation: str = "power",
                       samples: int = 1) -> Model:
    """f(x) = u σ(v x), one-dimensional input, rates η_u, η_v.

    ``activation``: ``"power"`` σ(z) = z^k, ``"relu_power"`` σ = relu(z)^k,
    ``"abs_power"`` σ = |z|^k (all positively k-homogeneous), ``"tanh"``, or
    ``"generic"`` (an undefined function ``sigma``).
    """
    k = _positive_int("k", k)
    u, v, x = (sp.Symbol(s, real=True) for s in "uvx")
    z = v * x
    sigma = {"power": z**k, "relu_power": sp.Max(0, z) ** k,
             "abs_power": sp.Abs(z) ** k, "tanh": sp.tanh(z),
             "generic": sp.Function("sigma")(z)}.get(activation)
    if sigma is None:
        raise ValueError("activation must be one of power, relu_power, abs_power, "
                         f"tanh, generic; got {activation!r}")
    groups = (ParamGroup("u", (u,), _rate("eta_u")),
              ParamGroup("v", (v,), _rate("eta_v")))
    name = {"power": "homogeneous", "relu_power": "relu_power",
            "abs_power": "abs_power", "tanh": "tanh_neuron",
            "generic": "generic_neuron"}[activation]
    return _build(name, groups, u * sigma, (x,), samples,
                  f"u σ(v x) with σ = {sp.sstr(sigma.subs(z, sp.Symbol('z')))}")


# name -> (factory taking the integer sizes, default sizes, what the sizes mean)
ZOO = {
    "single_neuron": (single_neuron, (2,), "d"),
    "two_layer_linear": (two_layer_linear, (2, 2, 2), "n,r,m"),
    "deep_linear": (lambda *w: deep_linear(tuple(w)), (2, 2, 2, 1), "widths"),
    "relu": (lambda d, h: two_layer_relu(d, h), (2, 2), "d,h"),
    "relu_bias": (lambda d, h: two_layer_relu(d, h, bias=True), (2, 2), "d,h"),
    "leaky_relu": (lambda d, h: two_layer_relu(d, h, activation="leaky_relu"),
                   (2, 2), "d,h"),
    "leaky_relu_bias": (lambda d, h: two_layer_relu(
        d, h, bias=True, activation="leaky_relu"), (2, 2), "d,h"),
    "abs_net": (lambda d, h: two_layer_relu(d, h, activation="abs"), (2, 2), "d,h"),
    "diagonal_uv": (lambda d: diagonal_net(d, "uv"), (2,), "d"),
    "diagonal_pm": (lambda d: diagonal_net(d, "pm", shared_rate=True), (2,), "d"),
    "homogeneous": (lambda k: homogeneous_neuron(k), (2,), "k"),
    "relu_power": (lambda k: homogeneous_neuron(k, "relu_power"), (2,), "k"),
    "tanh_neuron": (lambda: homogeneous_neuron(1, "tanh"), (), ""),
    "generic_neuron": (lambda: homogeneous_neuron(1, "generic"), (), ""),
}


def _pairs(w):
    return sum(a * b for a, b in zip(w[:-1], w[1:]))


# name -> the number of parameters at the given sizes (without building the model)
_COUNTS = {
    "single_neuron": lambda d: d + 1,
    "two_layer_linear": lambda n, r, m: n * r + m * r,
    "deep_linear": lambda *w: _pairs(w),
    "relu": lambda d, h: h * (d + 1), "leaky_relu": lambda d, h: h * (d + 1),
    "abs_net": lambda d, h: h * (d + 1),
    "relu_bias": lambda d, h: h * (d + 2), "leaky_relu_bias": lambda d, h: h * (d + 2),
    "diagonal_uv": lambda d: 2 * d, "diagonal_pm": lambda d: 2 * d,
}


def parameter_count(name: str, dims: tuple[int, ...] | None = None) -> int | None:
    """The number of parameters of zoo model ``name`` at sizes ``dims``, computed
    without building it (None for a model of fixed size or an unknown name).

    Parameters
    ----------
    name : str
        A key of :data:`ZOO`.
    dims : tuple of int, optional
        Its sizes (default: the defaults of :data:`ZOO`).

    Returns
    -------
    int or None
    """
    if name not in _COUNTS:
        return None
    dims = ZOO[name][1] if dims is None else tuple(dims)
    try:
        return int(_COUNTS[name](*dims))
    except TypeError:  # the wrong number of sizes: zoo_model reports it
        return None


def zoo_model(name: str, dims: tuple[int, ...] | None = None) -> Model:
    """The zoo model ``name`` at sizes ``dims`` (defaults in :data:`ZOO`)."""
    if name not in ZOO:
        raise ValueError(f"unknown model {name!r}; expected one of {sorted(ZOO)}")
    factory, default, meaning = ZOO[name]
    dims = default if dims is None else tuple(dims)
    if name != "deep_linear" and len(dims) != len(default):
        raise ValueError(f"{name} takes {len(default)} size(s) ({meaning or 'none'}), "
                         f"got {len(dims)}")
    return factory(*dims)
