"""Finite vs infinite width on a real data set: GD, Adam, the NTK and the Adam limit.

Tests the claim of Sernau (2024, arXiv:2406.18800) that infinite-width models
lag behind finite networks mostly through their SGD-like dynamics: on
scikit-learn's bundled ``load_digits`` (8×8 images, no download), the binary
task "even vs odd digit" (y = ±1), two-layer ReLU networks
f(x) = n^{−1/2} Σ_j a_j relu(w_jᵀx/√d) with antisymmetric initialisation
(f₀ ≡ 0) are trained

* by gradient descent (step η_GD) and by Adam (step η/√n, ε = 0) at widths
  2⁸…2¹⁴ (``models`` "gd", "adam"), several seeds;
* in the limit n → ∞: the NTK (kernel GD with the same step, ``"ntk"``,
  exact: :func:`~exactflow.derivations.infinite_width.predict`) and the Adam
  limit derived in this project (``"adam_limit"``,
  :func:`~exactflow.derivations.infinite_width.adam.adam_limit`, Monte Carlo
  over ``directions`` directions, the seed drawing them).

Inputs are standardised with the training statistics and scaled to norm √d;
the loss is ½Σᵢ(f(xᵢ) − yᵢ)² over the training set (the sum, as in the
kernel formulas, not the catalog's mean); η_GD = ``gd_step``/λ_max(Θ_XX).
Results: test error (sign of f, a tie f = 0 counts ½) and training loss per
model, seed, width and step; the limits do not depend on the width (their
values are repeated along it).  ``data="synthetic"`` replaces the digits by a
small teacher task (for tests without scikit-learn).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MODELS", "compute", "load", "models_of", "sweep", "table",
           "add_arguments", "from_args"]

MODELS = ("gd", "adam", "ntk", "adam_limit")
DEFAULTS = {"data": "digits", "n_train": 300, "n_test": 500,
            "widths": [2**k for k in range(8, 15)], "steps": [0, 10, 30, 100, 300],
            "gd_step": 1.0, "lr_adam": 0.01, "beta1": 0.9, "beta2": 0.999,
            "directions": 2**14, "models": list(MODELS)}


def load(data: str, n_train: int, n_test: int, seed: int = 0):
    """(x_train, y_train, x_test, y_test), inputs of norm √d, labels ±1."""
    if data == "digits":
        try:
            from sklearn.datasets import load_digits
        except ImportError as exc:
            raise ImportError("the digits data set needs scikit-learn: install the "
                              "exactflow[experiments] extra") from exc
        x, label = load_digits(return_X_y=True)
        y = np.where(label % 2 == 0, 1.0, -1.0)
    elif data == "synthetic":
        rng = np.random.default_rng(1234)
        x = rng.standard_normal((n_train + n_test, 8))
        y = np.where(np.sin(2 * x[:, 0]) + x[:, 1] * x[:, 2] > 0, 1.0, -1.0)
    else:
        raise ValueError(f"data must be 'digits' or 'synthetic', got {data!r}")
    if n_train + n_test > len(x) or min(n_train, n_test) < 1:
        raise ValueError(f"n_train + n_test must be between 2 and {len(x)}")
    perm = np.random.default_rng(seed).permutation(len(x))
    x, y = x[perm], y[perm]
    mu, sd = x[:n_train].mean(0), x[:n_train].std(0) + 1e-8
    z = (x - mu) / sd
    z *= np.sqrt(z.shape[1]) / np.maximum(np.linalg.norm(z, axis=1, keepdims=True),
                                          1e-12)
    sl = slice(n_train, n_train + n_test)
    return z[:n_train], y[:n_train], z[sl], y[sl]


def _error(f, y):
    margin = f * y
    return np.mean(margin < 0, axis=-1) + 0.5 * np.mean(margin == 0, axis=-1)


def _run(model, seed, widths, steps, x, y, xs, s):
    from ..derivations import infinite_width as iw
    from ..derivations.infinite_width import adam, finite

    lam_max = np.linalg.eigvalsh(iw.ntk(x, x, depth=1)).max()
    lr_gd = s["gd_step"] / lam_max
    if model == "ntk":
        f_t = iw.predict(steps, x, y, x, depth=1, learning_rate=lr_gd)
        f_s = iw.predict(steps, x, y, xs, depth=1, learning_rate=lr_gd)
        return [(f_t, f_s)] * len(widths)
    if model == "adam_limit":
        out = adam.adam_limit(x, y, xs, steps, s["lr_adam"], "adam", s["beta1"],
                              s["beta2"], directions=s["directions"], seed=seed)
        return [out] * len(widths)
    lr = lr_gd if model == "gd" else s["lr_adam"]
    return [finite.train_two_layer(x, y, xs, n, steps, lr, model, s["beta1"],
                                   s["beta2"], seed=seed) for n in widths]


def compute(coords, settings):
    """One block: every model and width for the block's seeds."""
    from ._runner import needs

    xr = needs("xarray")
    s = {**DEFAULTS, **settings}
    x, y, xs, ys = load(s["data"], s["n_train"], s["n_test"])
    widths, steps = np.asarray(s["widths"]), np.asarray(s["steps"])
    seeds = coords["seed"]
    shape = (len(seeds), len(widths), len(steps))
    dims = ("seed", "width", "step")
    data = {}
    for model in s["models"]:
        err, loss = np.empty(shape), np.empty(shape)
        for j, seed in enumerate(seeds):
            for k, (f_t, f_s) in enumerate(_run(model, int(seed), widths, steps,
                                                x, y, xs, s)):
                err[j, k] = _error(f_s, ys)
                loss[j, k] = 0.5 * np.sum((f_t - y) ** 2, axis=-1)
        data[f"test_error_{model}"] = (dims, err, {"long_name": f"{model}: test "
                                                   "error (sign of f)"})
        data[f"train_loss_{model}"] = (dims, loss, {"long_name": f"{model}: "
                                                    "½Σ(f − y)² on the training set"})
    attrs = {k: (",".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
             for k, v in s.items()}
    attrs.update({
        "network": "f(x) = n^-1/2 Σ a_j relu(w_j·x/√d), antisymmetric init",
        "loss": "½ Σ_i (f(x_i) − y_i)² (sum over the training set)",
        "task": "load_digits: even (+1) vs odd (−1)" if s["data"] == "digits"
        else "synthetic teacher", "adam_limit": "derived in exactflow"})
    return xr.Dataset(data, coords={"seed": seeds, "width": widths, "step": steps},
                      attrs=attrs)


def models_of(ds) -> list[str]:
    """The models a result holds, in the order of :data:`MODELS`."""
    return [m for m in MODELS if f"test_error_{m}" in ds]


def sweep(data="digits", n_train=300, n_test=500, widths=None, steps=None, seeds=3,
          gd_step=1.0, lr_adam=0.01, beta1=0.9, beta2=0.999, directions=2**14,
          models=MODELS, client=None, store=None, resume=False, progress=None):
    """Run the experiment (see the module docstring); an ``xarray.Dataset``."""
    from ._runner import Sweep, run

    bad = set(models) - set(MODELS)
    if bad:
        raise ValueError(f"models must be among {list(MODELS)}, got {sorted(bad)}")
    settings = {"data": data, "n_train": int(n_train), "n_test": int(n_test),
                "widths": [int(w) for w in (widths or DEFAULTS["widths"])],
                "steps": [int(t) for t in (steps or DEFAULTS["steps"])],
                "gd_step": float(gd_step), "lr_adam": float(lr_adam),
                "beta1": float(beta1), "beta2": float(beta2),
                "directions": int(directions), "models": list(models)}
    axes = {"seed": np.arange(int(seeds))}
    return run(Sweep("infinite_width_digits", axes, compute, settings), store,
               client, resume, progress)


def table(ds, step=None) -> str:
    """Markdown: mean ± std over seeds of the test error per model and width."""
    step = int(ds["step"].values[-1]) if step is None else step
    head = "| model | " + " | ".join(f"2^{int(np.log2(w))}" for w in ds["width"].values)
    lines = [head + " |", "|---|" + "---:|" * ds.sizes["width"]]
    for m in models_of(ds):
        e = ds[f"test_error_{m}"].sel(step=step)
        mean, sd = e.mean("seed").values, e.std("seed").values
        lines.append(f"| {m} | " + " | ".join(f"{a:.3f} ± {b:.3f}"
                                              for a, b in zip(mean, sd)) + " |")
    return "\n".join(lines)


def add_arguments(parser):
    parser.add_argument("--data", choices=("digits", "synthetic"), default="digits")
    parser.add_argument("--n-train", type=int, default=DEFAULTS["n_train"])
    parser.add_argument("--n-test", type=int, default=DEFAULTS["n_test"])
    parser.add_argument("--widths", type=int, nargs="+", default=None,
                        help="hidden widths (default 2^8 … 2^14)")
    parser.add_argument("--steps", type=int, nargs="+", default=None)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--lr-adam", type=float, default=DEFAULTS["lr_adam"])
    parser.add_argument("--directions", type=int, default=DEFAULTS["directions"])


def from_args(args):
    return {"data": args.data, "n_train": args.n_train, "n_test": args.n_test,
            "widths": args.widths, "steps": args.steps, "seeds": args.seeds,
            "lr_adam": args.lr_adam, "directions": args.directions}
