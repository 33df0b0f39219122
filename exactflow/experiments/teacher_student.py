r"""Teacher–student phase portrait of two-layer ReLU networks (Kunin et al., Fig. 1).

A student f(x) = Σ_k a_k σ(w_kᵀx) of width h learns a teacher of k = 3 ReLU
units by full-batch GD; over a grid of initialisation scale τ and imbalance δ,
with several seeds, the sweep records at log-spaced checkpoints the kernel
distance S(0, t), the Hamming distance of the activation patterns, the
parameter distance and the train and test losses (:mod:`exactflow.simulate
.two_layer` trains every block of networks at once).

Conventions (the authors'):

* teacher: k unit-norm first-layer rows with Gaussian directions, readouts
  sgn(𝒩(0, 1)), ReLU; inputs uniform on the unit sphere 𝕊^{d−1}, noiseless labels;
* student, *symmetrised*: h even, the first h/2 rows w_k = τα u_k (u_k uniform
  on the sphere) with a_k = τ/α, the second half the same rows with a_k = −τ/α,
  so f ≡ 0 at the start; α = √((√(4 + (δ/τ²)²) − δ/τ²)/2), hence
  a_k² − ‖w_k‖² = δ for every neuron (δ > 0 upstream, δ < 0 downstream).  This
  α is the one of the authors' code; the paper's α is its inverse
  (‖w‖ = τ/α_paper, |a| = ατ_paper);
* loss (1/n) Σ_i (f(x_i) − y_i)² (no ½) with the step lr/τ² on both layers
  (``lr_scaling="tau^-2"``; ``"none"``: lr) — in the project's convention
  L = ½ mean, the rates η_a = η_w = 2 lr/τ², and its conserved δ_k equals
  η (a_k² − ‖w_k‖²) = ηδ;
* each seed fixes the teacher, the student's directions and the training inputs,
  drawn in that order from ``numpy.random.default_rng(seed)`` and shared by the
  whole (τ, δ) grid; the test inputs come from ``default_rng(test_seed)``.
  Train and test losses are mean squared errors (the paper's test MSE).

Presets (:data:`PRESETS`): ``"paper"`` is Fig. 1(b) — τ = logspace(−1, 0.3, 17),
δ = linspace(−1, 1, 17), seeds 100–115, d = 100, h = 50, n = 1000, 10⁴ test
points, lr = 5·10⁻³, 10⁵ steps, checkpoints 0, 10, …, 10⁵ — a cluster job
(hours per seed on two cores); ``"small"`` keeps the 17 × 17 grid with 4 seeds
(100–103), d = 20, h = 50, n = 200, 1000 test points and 10³ steps
(checkpoints 0, 10, 100, 1000), and runs in minutes.

>>> from exactflow.experiments import teacher_student as ts
>>> sorted(ts.PRESETS)
['paper', 'small']
"""

from __future__ import annotations

import numpy as np

from ._runner import Sweep, needs, run

# the training engine (exactflow.simulate, which loads SymPy) is imported where
# it is used, so that building the command line stays cheap

__all__ = ["PRESETS", "VARIABLES", "alpha", "compute", "initial_student", "sweep",
           "task", "add_arguments", "from_args"]

NAME = "teacher-student"
VARIABLES = ("kernel_distance", "hamming", "param_distance", "train_loss",
             "test_loss")

DESCRIPTIONS = {
    "kernel_distance": "S(0, t) = 1 − <K0, Kt>/(|K0| |Kt|), empirical NTK on the "
                       "training set",
    "hamming": "sum over neurons of the fraction of training inputs whose "
               "activation 1[w_k·x >= 0] changed since step 0",
    "param_distance": "sqrt(|W_t − W_0|² + |a_t − a_0|²)",
    "train_loss": "(1/n) Σ (f(x_i) − y_i)² on the training set",
    "test_loss": "(1/m) Σ (f(x) − y)² on the test set",
}
CONVENTIONS = {
    "loss": "(1/n) Σ (f − y)² (no ½); GD step lr/tau² (lr_scaling 'tau^-2') on "
            "both layers, i.e. rates eta_a = eta_w = 2 lr/tau² for the ½-mean loss",
    "teacher": "teacher_width ReLU units, unit-norm Gaussian directions, readouts "
               "sgn(N(0, 1)); inputs uniform on the unit sphere; noiseless labels",
    "student": "symmetrised: w_k = tau alpha u_k, a_k = ±tau/alpha (second half "
               "negated), alpha = sqrt((sqrt(4 + (delta/tau²)²) − delta/tau²)/2), "
               "so a_k² − |w_k|² = delta (the authors' code's alpha, the inverse "
               "of the paper's)",
    "rng": "numpy default_rng(seed): teacher, then student directions, then "
           "training inputs; test inputs from default_rng(test_seed)",
    "activation_pattern": "1[w_k·x >= 0] (sigma'(0) = 1)",
    "reference": "Kunin et al. (2024), arXiv:2406.06158, Fig. 1",
}

PRESETS: dict[str, dict] = {
    "paper": dict(tau=np.logspace(-1, 0.3, 17), delta=np.linspace(-1, 1, 17),
                  seeds=range(100, 116), d=100, width=50, teacher_width=3,
                  n_train=1000, n_test=10_000, lr=5e-3, steps=100_000,
                  checkpoints=[0, 10, 100, 1000, 10_000, 100_000]),
    "small": dict(tau=np.logspace(-1, 0.3, 17), delta=np.linspace(-1, 1, 17),
                  seeds=range(100, 104), d=20, width=50, teacher_width=3,
                  n_train=200, n_test=1000, lr=5e-3, steps=1000,
                  checkpoints=[0, 10, 100, 1000]),
}


def alpha(tau, delta):
    """α = √((√(4 + (δ/τ²)²) − δ/τ²)/2) (the authors' code's α), so that
    (τ/α)² − (τα)² = δ; written without cancellation for δ > 0."""
    tau, delta = np.asarray(tau, float), np.asarray(delta, float)
    u = delta / tau**2
    root = np.sqrt(4.0 + u * u)
    # (root − u)/2 = 2/(root + u): the second form has no cancellation for u > 0
    return np.sqrt(np.where(u > 0, 2.0 / (root + u), (root - u) / 2.0))


def _sphere(rng, n: int, d: int) -> np.ndarray:
    x = rng.standard_normal((n, d))
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _relu_net(X, W, a) -> np.ndarray:
    return np.maximum(X @ W.T, 0.0) @ a


def task(seed: int, d: int, width: int, teacher_width: int, n_train: int,
         n_test: int, test_seed: int = 201) -> dict[str, np.ndarray]:
    """One seed's teacher, student directions and data.

    Returns a dict: ``U`` (width/2, d), the unit rows of the student's first
    half; ``X``, ``y``, ``X_test``, ``y_test``; ``teacher_W`` (k, d) and
    ``teacher_a`` (k,).  The teacher, the student's directions and the
    training inputs come from one generator, in that order.
    """
    rng = np.random.default_rng(seed)
    Wt = _sphere(rng, teacher_width, d)
    at = np.sign(rng.standard_normal(teacher_width))
    U = _sphere(rng, width // 2, d)
    X = _sphere(rng, n_train, d)
    X_test = _sphere(np.random.default_rng(test_seed), n_test, d)
    return {"U": U, "X": X, "y": _relu_net(X, Wt, at), "X_test": X_test,
            "y_test": _relu_net(X_test, Wt, at), "teacher_W": Wt, "teacher_a": at}


def initial_student(U, tau, delta):
    """Symmetrised start: W (…, h, d), a (…, h) for τ, δ broadcast together."""
    tau, delta = np.broadcast_arrays(np.asarray(tau, float), np.asarray(delta, float))
    al = alpha(tau, delta)[..., None]
    half = (tau[..., None] * al)[..., None] * U          # (…, h/2, d)
    W = np.concatenate([half, half], axis=-2)
    readout = np.broadcast_to(tau[..., None] / al, half.shape[:-1])
    return W, np.concatenate([readout, -readout], axis=-1)


def compute(coords, settings):
    """One block of the sweep: every (τ, δ, seed) of ``coords``, trained at once
    (one group of networks per seed, sharing that seed's data)."""
    from ..simulate.two_layer import gd

    xr = needs("xarray")
    s = settings
    taus, deltas = np.asarray(coords["tau"]), np.asarray(coords["delta"])
    seeds = np.asarray(coords["seed"])
    T, D = np.meshgrid(taus, deltas, indexing="ij")
    Xs, ys, Xts, yts, Ws, As = [], [], [], [], [], []
    for seed in seeds:
        t = task(int(seed), s["d"], s["width"], s["teacher_width"], s["n_train"],
                 s["n_test"], s["test_seed"])
        W, a = initial_student(t["U"], T.ravel(), D.ravel())
        Xs.append(t["X"]), ys.append(t["y"]), Xts.append(t["X_test"])
        yts.append(t["y_test"]), Ws.append(W), As.append(a)
    step = s["lr"] / (T.ravel() ** 2 if s["lr_scaling"] == "tau^-2" else 1.0)
    eta = np.broadcast_to(2.0 * step, (len(seeds), T.size))  # ½-loss rates
    result = gd(np.stack(Xs), np.stack(ys), np.stack(Ws), np.stack(As), eta_a=eta,
                eta_w=eta, steps=s["steps"], gamma=s["gamma"],
                checkpoints=s["checkpoints"], X_test=np.stack(Xts),
                y_test=np.stack(yts), dtype=s["dtype"], method=s["method"])
    names = {"kernel_distance": "kernel_distance", "hamming": "hamming",
             "param_distance": "param_distance", "train_loss": "train_mse",
             "test_loss": "test_mse"}
    shape = (len(seeds), taus.size, deltas.size, -1)
    data = {v: (("tau", "delta", "seed", "step"),
                np.moveaxis(result.metrics[m].reshape(shape), 0, 2))
            for v, m in names.items()}
    ds = xr.Dataset(data, coords={"tau": taus, "delta": deltas, "seed": seeds,
                                  "step": result.checkpoints})
    for v, text in DESCRIPTIONS.items():
        ds[v].attrs["description"] = text
    ds.attrs.update({k: (list(v) if isinstance(v, (list, tuple)) else v)
                     for k, v in s.items()})
    ds.attrs.update(CONVENTIONS)
    return ds


def _positive_int(name, value, minimum=1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _positive_float(name, value) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {value!r}") from None
    if not (np.isfinite(x) and x > 0):
        raise ValueError(f"{name} must be positive and finite, got {value!r}")
    return x


def _axis(name, values, positive=False, integer=False) -> np.ndarray:
    arr = np.asarray(list(values) if not np.ndim(values) == 0 else [values])
    if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in ("iu" if integer
                                                                else "iuf"):
        raise ValueError(f"{name} must be a non-empty 1-D sequence of "
                         f"{'integers' if integer else 'numbers'}, got {values!r}")
    if not integer:
        arr = arr.astype(np.float64)
        if not np.all(np.isfinite(arr)) or (positive and np.any(arr <= 0)):
            what = "finite and positive" if positive else "finite"
            raise ValueError(f"{name} must be {what}, got {values!r}")
    elif np.any(arr < 0):
        raise ValueError(f"{name} must be non-negative integers, got {values!r}")
    if np.unique(arr).size != arr.size:
        raise ValueError(f"{name} must not repeat a value, got {values!r}")
    return arr


def default_checkpoints(steps: int) -> list[int]:
    """0, 10, 100, … below ``steps``, and ``steps``."""
    marks, k = [0], 10
    while k < steps:
        marks.append(k)
        k *= 10
    return sorted(set(marks + [int(steps)]))


def sweep(tau=PRESETS["paper"]["tau"], delta=PRESETS["paper"]["delta"],
          seeds=range(100, 116), *, d: int = 100, width: int = 50,
          teacher_width: int = 3, n_train: int = 1000, n_test: int = 10_000,
          lr: float = 5e-3, steps: int = 100_000, checkpoints=None,
          dtype: str = "float64", gamma: float = 0.0, lr_scaling: str = "tau^-2",
          test_seed: int = 201, method: str = "auto", block=None, client=None,
          store=None, resume: bool = False, progress: bool | None = None):
    """The teacher–student sweep over (τ, δ, seed); defaults are Fig. 1(b)'s.

    Parameters
    ----------
    tau, delta : sequence of float
        Initialisation scales τ > 0 and imbalances δ (the grid).
    seeds : sequence of int
        Each seed fixes the teacher, the student's directions and the inputs.
    d, width, teacher_width : int
        Input dimension, student width h (even), teacher width k.
    n_train, n_test : int
        Training and test set sizes.
    lr : float
        Learning rate of the loss (1/n)Σ(f − y)²; the step is lr/τ² with
        ``lr_scaling="tau^-2"`` (default) or lr with ``"none"``.
    steps : int
        GD steps.
    checkpoints : sequence of int, optional
        Steps at which the metrics are recorded (default 0, 10, 100, …, steps).
    dtype : {"float64", "float32"}
        Arithmetic of the training (metrics in float64).
    gamma : float
        Leaky slope of the student, 0 ≤ γ < 1 (the teacher is ReLU).
    test_seed : int
        Seed of the test inputs (shared by every seed).
    method : {"auto", "gemm", "fused"}
        The training engine's method (:mod:`exactflow.simulate.two_layer`).
    block : dict, optional
        Block sizes per axis (default one τ, every δ, one seed per block).
    client, store, resume, progress
        As in :func:`exactflow.experiments._runner.run`: ``client=None`` runs
        here, a ``distributed.Client`` or a scheduler address on a cluster.

    Returns
    -------
    xarray.Dataset
        Dims (tau, delta, seed, step); variables ``kernel_distance``,
        ``hamming``, ``param_distance``, ``train_loss``, ``test_loss``; every
        setting in ``attrs``.
    """
    tau = _axis("tau", tau, positive=True)
    delta = _axis("delta", delta)
    seeds = _axis("seeds", seeds, integer=True)
    width = _positive_int("width", width, 2)
    if width % 2:
        raise ValueError(f"width must be even (the student is symmetrised), got "
                         f"{width}")
    steps = _positive_int("steps", steps, 0)
    checkpoints = default_checkpoints(steps) if checkpoints is None else \
        [int(c) for c in _axis("checkpoints", checkpoints, integer=True)]
    if max(checkpoints) > steps:
        raise ValueError(f"checkpoints must lie in [0, steps = {steps}], got "
                         f"{max(checkpoints)}")
    if lr_scaling not in ("tau^-2", "none"):
        raise ValueError(f"lr_scaling must be 'tau^-2' or 'none', got {lr_scaling!r}")
    settings = {
        "d": _positive_int("d", d), "width": width,
        "teacher_width": _positive_int("teacher_width", teacher_width),
        "n_train": _positive_int("n_train", n_train),
        "n_test": _positive_int("n_test", n_test), "lr": _positive_float("lr", lr),
        "lr_scaling": lr_scaling, "steps": steps, "checkpoints": sorted(checkpoints),
        "dtype": dtype, "gamma": float(gamma),
        "test_seed": _positive_int("test_seed", test_seed, 0), "method": method,
    }
    # bad dtype, gamma or method fail here, before any store is written
    from ..simulate.two_layer.batch import DTYPES, _gamma
    from ..simulate.two_layer.steps import METHODS

    _gamma(gamma)
    if dtype not in DTYPES or method not in METHODS:
        raise ValueError(f"dtype must be one of {DTYPES} and method one of "
                         f"{METHODS}, got {dtype!r} and {method!r}")
    blocks = {"tau": 1, "delta": delta.size, "seed": 1}
    blocks.update(block or {})
    return run(Sweep(NAME, {"tau": tau, "delta": delta, "seed": seeds}, compute,
                     settings, blocks), store, client, resume, progress)


def neuron_paths(settings=((0.1, 0.0), (2.0, 0.0), (0.1, 0.9999), (0.1, -0.9999)),
                 *, d: int = 2, width: int = 50, teacher_width: int = 3,
                 n_train: int = 20, lr: float = 1e-4, steps: int = 1_000_000,
                 points: int = 200, seed: int = 0, gamma: float = 0.0):
    """The neuron trajectories of Fig. 1(a): one seed, a few (τ, δ) settings.

    The setting of the paper: d = 2, h = 50, k = 3, n = 20, 10⁶ steps of
    learning rate 10⁻⁴ (not divided by τ²), δ = ±0.9999 as in the authors'
    code.  Returns an ``xarray.Dataset`` with ``W`` (setting, step, neuron,
    dim), ``a`` (setting, step, neuron) at ``points`` log-spaced checkpoints,
    ``teacher_W`` (teacher, dim), coordinates ``tau`` and ``delta`` per setting.
    """
    from ..simulate.two_layer import gd

    xr = needs("xarray")
    pairs = np.asarray(settings, dtype=float).reshape(-1, 2)
    steps = _positive_int("steps", steps, 1)
    marks = np.unique(np.concatenate([[0], np.rint(np.logspace(
        0, np.log10(steps), _positive_int("points", points, 2))).astype(int)]))
    t = task(seed, d, width, teacher_width, n_train, 1)
    W0, a0 = initial_student(t["U"], pairs[:, 0], pairs[:, 1])
    run_ = gd(t["X"], t["y"], W0, a0, eta_a=2 * lr, eta_w=2 * lr, steps=steps,
              gamma=gamma, checkpoints=marks, keep_path=True)
    W, a = run_.path
    return xr.Dataset(
        {"W": (("setting", "step", "neuron", "dim"), W),
         "a": (("setting", "step", "neuron"), a),
         "teacher_W": (("teacher", "dim"), t["teacher_W"]),
         "train_loss": (("setting", "step"), run_.metrics["train_mse"])},
        coords={"tau": ("setting", pairs[:, 0]), "delta": ("setting", pairs[:, 1]),
                "step": marks},
        attrs={"d": d, "width": width, "teacher_width": teacher_width,
               "n_train": n_train, "lr": lr, "steps": steps, "seed": seed,
               "gamma": gamma, **CONVENTIONS, "lr_scaling": "none",
               "loss": "(1/n) Σ (f − y)² (no ½); GD step lr on both layers"})


# ----------------------------------------------------- the command-line interface


def add_arguments(parser) -> None:
    """``exactflow sweep teacher-student`` options."""
    parser.add_argument("--preset", choices=sorted(PRESETS), default="small",
                        help="small: 17 × 17 grid × 4 seeds at reduced sizes, "
                        "minutes (default); paper: Fig. 1(b), a cluster job")
    parser.add_argument("--seeds", type=int, metavar="N",
                        help="use the preset's first N seeds")
    parser.add_argument("--steps", type=int, help="GD steps (checkpoints 0, 10, …)")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--gamma", type=float, default=0.0,
                        help="leaky slope of the student (default 0: ReLU)")


def from_args(args) -> dict:
    """Keyword arguments of :func:`sweep` from the parsed options."""
    kw = dict(PRESETS[args.preset])
    kw["seeds"] = list(kw["seeds"])
    if args.seeds is not None:
        if args.seeds < 1:
            raise ValueError(f"--seeds must be at least 1, got {args.seeds}")
        kw["seeds"] = list(range(kw["seeds"][0], kw["seeds"][0] + args.seeds))
    if args.steps is not None:
        kw["steps"] = args.steps
        kw["checkpoints"] = default_checkpoints(args.steps) if args.steps >= 0 else [0]
    kw.update(dtype=args.dtype, gamma=args.gamma)
    return kw
