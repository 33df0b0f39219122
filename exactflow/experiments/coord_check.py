r"""Coordinate check: how each layer's features and updates scale with width.

A framework-free version of the check users know from the ``mup`` package.  For
each width n, seed and step, an MLP d_in → n → … → n → d_out (``depth`` weight
layers, an elementwise activation, optional biases) is trained on one fixed batch
with SGD or Adam in the standard (``sp``), neural-tangent (``ntk``) or derived
(``mup``) parametrisation of
:func:`exactflow.derivations.spectral_scaling.parametrization` — initial std
``init_scale`` × σ_l, rate ``lr`` × η_l, and (μP with Adam) ε × 1/n_l — and per
layer it records

* ``mean_abs``: mean |z_l| of the layer's output z_l = h_{l−1}W_lᵀ (+ b_l), over
  the batch and the units — the statistic ``mup`` plots;
* ``rms_change``: the RMS of z_l − z_l(step 0);
* ``spectral_norm``, ``update_norm``: ‖W_l‖_* and ‖W_l − W_l(0)‖_* (with
  ``norms=True``; Lanczos to ``rtol``, exact when a side is ≤ 128).

Step s is the state after s updates (s = 0: initialisation; ``mup``'s panel t is
s = t − 1).  The theory (``spectral_scaling``): under μP every statistic is flat
in n, and ‖ΔW_l‖_* follows √(n_l/n_{l−1}) — slope +½, 0, −½ for the input
(when n ≫ d_in), hidden and output layers.  When d_in exceeds the widths the
min(1, √(n/d_in)) factor of the input layer's σ is active and its features grow
like √(n/d_in) at initialisation; ``attrs["regime"]`` says which case a data set
is in.  Needs the ``exactflow[sweep]`` extra.  Example::

    from exactflow.experiments import coord_check as cc
    ds = cc.run("mup", "adam", widths=[256, 512, 1024, 2048, 4096], d_in=32,
                d_out=10, depth=3, steps=3, seeds=4, lr=1e-3, client=None)
    cc.slopes(ds)                  # (layer, step): ≈ 0 everywhere under μP
    cc.slopes(ds, "update_norm")   # ≈ +½, 0, −½ = cc.target_slopes(ds)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from ._mlp import ACTIVATIONS, LOSSES, STATISTICS, Layers, train
from ._runner import Sweep, needs
from ._runner import run as _run

__all__ = ["NAME", "STATISTICS", "run", "sweep", "slopes", "target_slopes",
           "add_arguments", "from_args"]

NAME = "coord-check"
#: the parametrisations and optimizers of ``spectral_scaling`` (spelled out here
#: so that ``exactflow sweep --help`` does not load SymPy; a test checks they agree)
KINDS = ("sp", "ntk", "mup")
OPTIMIZERS = ("sgd", "adam")
_LR = {"sgd": 0.1, "adam": 1e-3}


def _int(name: str, value, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return int(value)


def _positive(name: str, value, allow_zero: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    x = float(value)
    if not np.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'≥ 0' if allow_zero else '> 0'} and "
                         f"finite, got {value!r}")
    return x


def _choice(name: str, value, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {value!r}")
    return value


@functools.lru_cache(maxsize=256)
def _layer_scales(kind, optimizer, sizes, bias) -> dict:
    """Multipliers of init_scale, lr and eps per layer (and bias), as floats."""
    from ..derivations.spectral_scaling import adam_epsilon, parametrization

    out = {"std": [], "lr": [], "eps": [], "lr_bias": [], "eps_bias": []}
    for fi, fo in zip(sizes, sizes[1:]):
        p = parametrization(fi, fo, optimizer, kind)
        out["std"].append(float(p["init_std"]))
        out["lr"].append(float(p["lr"]))
        mup = kind == "mup" and optimizer == "adam"
        out["eps"].append(float(adam_epsilon(fi, fo)) if mup else 1.0)
        if bias:
            q = parametrization(1, fo, optimizer, kind)
            out["lr_bias"].append(float(q["lr"]))
            out["eps_bias"].append(float(adam_epsilon(1, fo)) if mup else 1.0)
    return out


def _block(coords, settings):
    """One block of the sweep: widths × seeds, every step and layer."""
    xr = needs("xarray")
    cfg = settings
    depth, steps = cfg["depth"], cfg["steps"]
    widths, seeds = coords["width"], coords["seed"]
    names = ("mean_abs", "rms_change") + (STATISTICS[2:] if cfg["norms"] else ())
    data = {k: np.zeros((widths.size, seeds.size, steps + 1, depth)) for k in names}
    loss = np.zeros((widths.size, seeds.size, steps + 1))
    per_layer = {k: np.zeros((widths.size, depth))
                 for k in ("fan_in", "fan_out", "init_std", "lr")}
    for i, n in enumerate(widths):
        sizes = (cfg["d_in"],) + (int(n),) * (depth - 1) + (cfg["d_out"],)
        sc = _layer_scales(cfg["parametrization"], cfg["optimizer"], sizes, cfg["bias"])
        layers = Layers(
            sizes, tuple(cfg["init_scale"] * s for s in sc["std"]),
            tuple(cfg["lr"] * r for r in sc["lr"]),
            tuple(cfg["eps"] * e for e in sc["eps"]),
            tuple(cfg["lr"] * r for r in sc["lr_bias"]) if cfg["bias"] else None,
            tuple(cfg["eps"] * e for e in sc["eps_bias"]) if cfg["bias"] else None)
        per_layer["fan_in"][i], per_layer["fan_out"][i] = sizes[:-1], sizes[1:]
        per_layer["init_std"][i], per_layer["lr"][i] = layers.std, layers.lr
        for j, seed in enumerate(seeds):
            data_rng = np.random.default_rng([int(seed), 0xDA7A, cfg["d_in"]])
            X = data_rng.standard_normal((cfg["batch"], cfg["d_in"]))
            if cfg["loss"] == "xent":
                target = data_rng.integers(0, cfg["d_out"], cfg["batch"])
            else:
                target = data_rng.standard_normal((cfg["batch"], cfg["d_out"]))
            stats = train(layers, X, target, steps=steps, optimizer=cfg["optimizer"],
                          activation=cfg["activation"], loss=cfg["loss"],
                          zero_readout=cfg["zero_readout"], norms=cfg["norms"],
                          rtol=cfg["rtol"],
                          rng=np.random.default_rng([int(seed), int(n), 1]))
            for k in names:
                data[k][i, j] = stats[k]
            loss[i, j] = stats["loss"]
    dims = ("width", "seed", "step", "layer")
    variables = {k: (dims, v) for k, v in data.items()}
    variables["loss"] = (dims[:3], loss)
    variables.update({k: (("width", "layer"), v) for k, v in per_layer.items()})
    kinds = ["input"] + ["hidden"] * (depth - 2) + ["output"]
    attrs = {k: (int(v) if isinstance(v, bool) else v) for k, v in cfg.items()}
    attrs["step_meaning"] = "step s: after s updates on the fixed batch (0: init)"
    return xr.Dataset(variables, coords={
        "width": widths, "seed": seeds, "step": np.arange(steps + 1),
        "layer": np.arange(1, depth + 1),
        "kind": ("layer", np.array(kinds, dtype=object))}, attrs=attrs)


def _regime(widths, d_in) -> str:
    if min(widths) >= 8 * d_in:
        return (f"n ≫ d_in (every width ≥ 8·d_in = {8 * d_in}): the μP-table regime, "
                "min(1, √(n/d_in)) = 1")
    if max(widths) < d_in:
        return (f"d_in = {d_in} > n: min(1, √(n/d_in)) is active at the input "
                "layer; its features scale like √(n/d_in) at initialisation")
    return f"mixed: widths span d_in = {d_in}"


def run(parametrization: str = "mup", optimizer: str = "adam",
        widths: Sequence[int] = (256, 512, 1024, 2048, 4096), d_in: int = 32,
        d_out: int = 10, depth: int = 3, steps: int = 3, seeds=4,
        lr: float | None = None, *, batch: int = 8, activation: str = "relu",
        loss: str = "xent", bias: bool = False, zero_readout: bool = False,
        init_scale: float = 1.0, eps: float = 1e-8, norms: bool = True,
        rtol: float = 1e-3, client=None, store=None, resume: bool = False,
        progress: bool | None = None):
    r"""Run the coordinate check; an ``xarray.Dataset`` with dims
    (width, seed, step, layer).

    Parameters
    ----------
    parametrization : {"mup", "sp", "ntk"}
    optimizer : {"sgd", "adam"}
    widths : sequence of int
        Hidden widths n (each ≥ 1, distinct).
    d_in, d_out : int
        Input and output sizes.
    depth : int
        Number of weight layers (≥ 2): input, depth − 2 hidden, output.
    steps : int
        Updates on the fixed batch; statistics are recorded at steps 0…steps.
    seeds : int or sequence of int
        Number of seeds (0, 1, …) or the seeds themselves; a seed fixes the batch
        (the same at every width) and, with the width, the initial weights.
    lr : float, optional
        Base rate, multiplied per layer by the parametrisation's rate (default
        0.1 for SGD, 1e-3 for Adam).  Under μP it is the relative size of an
        update in spectral norm, ‖ΔW_l‖_* ≈ lr·√(n_l/n_{l−1}) for Adam.
    batch : int
        Size of the fixed batch (inputs N(0, I); labels uniform for ``xent``,
        N(0, I) targets for ``mse``).
    activation : {"relu", "tanh", "linear"}
    loss : {"xent", "mse"}
        Mean softmax cross-entropy, or ½ mean over the batch of the squared error.
    bias : bool
        Biases (zero at initialisation; rate and ε as a layer of fan-in 1).
    zero_readout : bool
        Initialise the output layer at zero (as ``mup``'s example does).
    init_scale, eps : float
        Base std multiplier and Adam's base ε (μP scales it by 1/n_l per layer).
    norms : bool
        Record ‖W_l‖_* and ‖ΔW_l‖_* (the costly part at large widths).
    rtol : float
        Lanczos tolerance of the norms.
    client, store, resume, progress
        As :func:`exactflow.experiments._runner.run`: None runs here, a
        ``distributed.Client`` or scheduler address runs the (width, seed) blocks
        on Dask; ``store`` a zarr path written block by block.

    Returns
    -------
    xarray.Dataset
        ``mean_abs``, ``rms_change`` (and ``spectral_norm``, ``update_norm``) of
        dims (width, seed, step, layer); ``loss`` (width, seed, step); the per-layer
        ``fan_in``, ``fan_out``, ``init_std``, ``lr`` (width, layer); coordinate
        ``kind`` (input / hidden / output) on ``layer``; every setting in attrs.
    """
    kind = _choice("parametrization", parametrization, KINDS)
    optimizer = _choice("optimizer", optimizer, OPTIMIZERS)
    if isinstance(widths, str | bytes) or not isinstance(widths,
                                                         Sequence | np.ndarray):
        raise TypeError(f"widths must be a sequence of integers, got {widths!r}")
    widths = [_int("widths", w) for w in widths]
    if not widths or len(set(widths)) != len(widths):
        raise ValueError(f"widths must be distinct and non-empty, got {widths}")
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        seeds = list(range(_int("seeds", seeds)))
    elif isinstance(seeds, Sequence | np.ndarray) and not isinstance(seeds, str):
        seeds = [_int("seeds", s, 0) for s in seeds]
        if not seeds or len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must be distinct and non-empty, got {seeds}")
    else:
        raise TypeError(f"seeds must be an integer or a sequence of integers, "
                        f"got {seeds!r}")
    settings = {
        "parametrization": kind, "optimizer": optimizer,
        "d_in": _int("d_in", d_in), "d_out": _int("d_out", d_out),
        "depth": _int("depth", depth, 2), "steps": _int("steps", steps),
        "lr": _positive("lr", _LR[optimizer] if lr is None else lr),
        "batch": _int("batch", batch),
        "activation": _choice("activation", activation, ACTIVATIONS),
        "loss": _choice("loss", loss, LOSSES),
        "init_scale": _positive("init_scale", init_scale),
        "eps": _positive("eps", eps, allow_zero=True),
        "rtol": _positive("rtol", rtol),
    }
    for name, flag in (("bias", bias), ("zero_readout", zero_readout),
                       ("norms", norms)):
        if not isinstance(flag, bool):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
        settings[name] = flag
    if settings["loss"] == "xent" and settings["d_out"] < 2:
        raise ValueError("d_out must be at least 2 for the cross-entropy loss")
    settings["regime"] = _regime(widths, settings["d_in"])
    sweep_ = Sweep(NAME, {"width": np.array(widths), "seed": np.array(seeds)},
                   _block, settings)
    return _run(sweep_, store, client, resume, progress)


#: the name ``exactflow sweep`` calls (same arguments as :func:`run`)
sweep = run


def _seed_mean_log2(ds, statistic: str):
    if statistic not in ds.data_vars or "layer" not in ds[statistic].dims:
        have = [k for k in STATISTICS if k in ds.data_vars]
        raise ValueError(f"statistic must be one of {have}, got {statistic!r}")
    values = ds[statistic].mean("seed", skipna=False)
    return np.log2(values.where(values > 0))


def slopes(ds, statistic: str = "mean_abs"):
    r"""Least-squares slope of log₂(seed mean of ``statistic``) against log₂ width,
    per (layer, step): an ``xarray.DataArray``.

    A step at which the statistic vanishes in every layer (the changes at step 0)
    is left out; where it vanishes in some layers only (a zero-initialised
    readout at step 0), that (layer, step) is NaN and listed in
    ``attrs["undefined"]``.  Needs at least two widths.
    """
    xr = needs("xarray")
    if ds.sizes.get("width", 0) < 2:
        raise ValueError("ds must hold at least two widths to fit a slope")
    logs = _seed_mean_log2(ds, statistic)
    keep = [s for s in ds["step"].values
            if bool(np.isfinite(logs.sel(step=s)).any())]
    if not keep:
        raise ValueError(f"{statistic} is zero at every step: no slope to fit")
    logs = logs.sel(step=keep)
    x = np.log2(ds["width"].values.astype(float))
    x = x - x.mean()
    centred = logs - logs.mean("width", skipna=False)
    fit = (centred * xr.DataArray(x, dims="width")).sum("width", skipna=False) / float(
        x @ x)
    fit = fit.transpose("layer", "step")
    undefined = [f"layer {int(k)} step {int(s)}"
                 for k in fit["layer"].values for s in fit["step"].values
                 if not np.isfinite(fit.sel(layer=k, step=s))]
    fit.attrs.update({"statistic": statistic, "undefined": "; ".join(undefined)})
    return fit.rename(f"slope of {statistic}")


def target_slopes(ds):
    r"""The spectral condition's slope of √(n_l/n_{l−1}) against log₂ width, per
    layer: +½ (input), 0 (hidden), −½ (output) when d_in, d_out are fixed."""
    xr = needs("xarray")
    x = np.log2(ds["width"].values.astype(float))
    y = 0.5 * np.log2(ds["fan_out"] / ds["fan_in"])
    x = x - x.mean()
    fit = ((y - y.mean("width")) * xr.DataArray(x, dims="width")).sum(
        "width", skipna=False)
    return (fit / float(x @ x)).rename("target slope")


# --------------------------------------------------- ``exactflow sweep`` options


def add_arguments(parser) -> None:
    """The options of ``exactflow sweep coord-check``."""
    parser.add_argument("--parametrization", choices=KINDS, default="mup")
    parser.add_argument("--optimizer", choices=OPTIMIZERS, default="adam")
    parser.add_argument("--widths", type=int, nargs="+",
                        default=[256, 512, 1024, 2048, 4096])
    parser.add_argument("--d-in", type=int, default=32)
    parser.add_argument("--d-out", type=int, default=10)
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--lr", type=float, default=None,
                        help="base rate (default 0.1 for SGD, 1e-3 for Adam)")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--activation", choices=tuple(ACTIVATIONS), default="relu")
    parser.add_argument("--loss", choices=LOSSES, default="xent")
    parser.add_argument("--bias", action="store_true")
    parser.add_argument("--zero-readout", action="store_true")
    parser.add_argument("--no-norms", action="store_true",
                        help="skip ‖W‖_* and ‖ΔW‖_* (faster at large widths)")


def from_args(args) -> dict:
    """The keyword arguments of :func:`run` from parsed options."""
    return {"parametrization": args.parametrization, "optimizer": args.optimizer,
            "widths": args.widths, "d_in": args.d_in, "d_out": args.d_out,
            "depth": args.depth, "steps": args.steps, "seeds": args.seeds,
            "lr": args.lr, "batch": args.batch, "activation": args.activation,
            "loss": args.loss, "bias": args.bias, "zero_readout": args.zero_readout,
            "norms": not args.no_norms}
