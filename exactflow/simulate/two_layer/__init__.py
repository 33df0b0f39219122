r"""Batched training of two-layer (leaky) ReLU networks, with the paper's metrics.

Many networks f(x) = Σ_k a_k σ(w_kᵀx), σ(z) = max(z, γz), trained at once —
grid points × seeds — by full-batch gradient descent (:func:`gd`) or gradient
flow (:func:`flow`) on L = (1/2n) Σ_i (f(x_i) − y_i)² with layer rates η_a,
η_w, in float64 or float32.  At each checkpoint every network gets the metrics
of Kunin et al. (2024), Fig. 1 (:mod:`.metrics`): the kernel distance S(0, t)
of the full empirical NTK (compact form), the Hamming distance of the
activation patterns, the parameter distance and the train and test errors.

Networks that share their training inputs form a group: ``X`` of shape
(n, d) with ``W0`` (B, h, d), or ``X`` (G, n, d) with ``W0`` (G, B, h, d).
A group's first layers are stacked so that a GD step is two GEMMs
(``method="gemm"``), or, for small networks, every network runs its steps in one
compiled loop (``"fused"``); ``"auto"`` picks by size (:mod:`.steps`).

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> X, y = rng.normal(size=(20, 2)), rng.normal(size=20)
>>> W0, a0 = rng.normal(size=(4, 6, 2)), rng.normal(size=(4, 6))
>>> run = gd(X, y, W0, a0, eta_a=0.05, eta_w=0.05, steps=100,
...          checkpoints=[0, 10, 100], method="gemm")
>>> run.metrics["train_mse"].shape, run.W.shape
((4, 3), (4, 6, 2))
>>> bool(np.all(run.metrics["train_mse"][:, -1] < run.metrics["train_mse"][:, 0]))
True

References
----------
Kunin, Raventós, Dominé, Chen, Klindt, Saxe, Ganguli (2024), "Get rich quick",
arXiv:2406.06158, §5 and Fig. 1; the kernel distance after Fort et al. (2020),
arXiv:2010.15110.
"""

from .batch import TrainResult, gd
from .flow import flow
from .metrics import METRICS, Probe
from .steps import METHODS

__all__ = ["METHODS", "METRICS", "Probe", "TrainResult", "flow", "gd"]
