"""The kernel of a solution with branches: each closed form where it holds.

:class:`BranchKernel` wraps the generated kernel of a solution's generic closed
form and those of its :class:`~.branches.Branch` es.  Where a branch's inputs
are all exactly zero (elementwise, after broadcasting) the branch's value is
returned; there the generic kernel is called with those inputs set to 1 (any
value where it is finite), so it neither warns nor produces NaN.  The array
module is that of the arguments (``__array_namespace__``), NumPy by default, so
the same selection works for every target's arrays, also under tracing (then
every branch is evaluated and selected by ``where``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["BranchKernel"]


def _namespace(args):
    for a in args:
        if not isinstance(a, np.ndarray) and hasattr(a, "__array_namespace__"):
            return a.__array_namespace__()
    return np


def _concrete_any(mask, traced: bool = True) -> bool:
    """``mask.any()`` as a bool; ``traced`` when it is not concrete (under
    tracing: every branch is evaluated, no argument check can be made)."""
    try:
        return bool(mask.any())
    except TypeError:  # a tracer: no data-dependent control flow
        return traced


class BranchKernel:
    """``f(*inputs, **kw) -> outputs`` selecting, per point, the closed form.

    Parameters
    ----------
    generic : callable
        The generated kernel of the generic closed form.
    names : sequence of str
        Its input names, in order.
    branches : sequence of (branch, conditions, safe, values)
        Each :class:`~.branches.Branch`; its conditions, each a polynomial in
        the inputs as ``[(coefficient, ((input index, power), ...)), ...]``
        (the branch holds where all vanish exactly); the input indices set to 1
        for the generic kernel there; and ``values``: a function returning the
        branch's kernel and the indices of its inputs, or, for a constant
        branch, per output the index of the input it returns (None: 0).
    direction : sequence of int
        The input indices of b of a rotation reduction (the lift divides by
        ‖b‖): where ‖b‖² is below the dtype's normal range but b ≠ 0, or b = 0
        and no branch covers it, ``ValueError`` names them (0/0 there).
    outputs : sequence of str
        The output names (for ``repr``).
    dtype : str
        The kernel's dtype.
    """

    def __init__(self, generic: Callable, names: Sequence[str], branches,
                 direction: Sequence[int], outputs: Sequence[str],
                 dtype: str = "float64"):
        self.generic = generic
        self.names = tuple(names)
        self.branches = list(branches)
        self.direction = tuple(direction)
        self.outputs = tuple(outputs)
        self.dtype = dtype
        self._kernels: dict[str, tuple] = {}

    def __repr__(self) -> str:
        where = "; ".join(b[0].where for b in self.branches) or "none"
        return (f"<BranchKernel ({', '.join(self.names)}) -> "
                f"({', '.join(self.outputs)}); branches: {where}>")

    def __call__(self, *args, **kw):
        if len(args) != len(self.names):
            raise TypeError(f"expected {len(self.names)} arguments "
                            f"({', '.join(self.names)}), got {len(args)}")
        xp = _namespace(args)
        arrays = [xp.asarray(a) for a in args]

        def vanish(conditions):
            masks = [sum(c * functools.reduce(lambda p, ie: p * arrays[ie[0]]**ie[1],
                                              mono, 1) for c, mono in poly) == 0
                     for poly in conditions]
            return functools.reduce(lambda m, n: m & n, masks)

        masks = [vanish(conditions) for _, conditions, _, _ in self.branches]
        if self.direction:
            self._check_direction(xp, arrays)
        self._check_scales(xp, arrays)
        safe = list(args)
        for (_, _, ix, _), m in zip(self.branches, masks):
            if _concrete_any(m):
                for i in ix:
                    safe[i] = xp.where(m, 1, arrays[i])
        out = list(self.generic(*safe, **kw))
        for (branch, _, _, values), m in zip(self.branches, masks):
            if not _concrete_any(m):
                continue
            if not callable(values):  # θ(t) ≡ θ₀
                got = [xp.zeros_like(o) if i is None else arrays[i] + xp.zeros_like(o)
                       for i, o in zip(values, out)]
            else:
                f, inputs = self._branch_kernel(branch, values)
                got = f(*[args[i] for i in inputs], **kw)
            out = [xp.where(m, g, o) for g, o in zip(got, out)]
        return tuple(out)

    def _branch_kernel(self, branch, load):
        """The branch's kernel and input indices, generated on first use."""
        if branch.kernel not in self._kernels:
            self._kernels[branch.kernel] = load()
        return self._kernels[branch.kernel]

    def _check_scales(self, xp, arrays) -> None:
        """Non-zero inputs (t aside) whose squares are not normal numbers are
        refused: the closed forms square them (a start 1e-200 next to the
        saddle gave inf at t = 1e3 instead of escaping)."""
        low = float(np.sqrt(xp.finfo(self.dtype).tiny))
        for name, a in zip(self.names, arrays):
            if name != "t" and _concrete_any((a != 0) & (abs(a) < low),
                                             traced=False):
                raise ValueError(
                    f"{name}: a non-zero value below {low:.3g} in magnitude (its "
                    f"square is below the {self.dtype} normal range, and the "
                    "closed form squares it); rescale the problem")

    def _check_direction(self, xp, arrays) -> None:
        names = ", ".join(self.names[i] for i in self.direction)
        zero = functools.reduce(lambda m, i: m & (arrays[i] == 0),
                                self.direction[1:], arrays[self.direction[0]] == 0)
        covered = any(b[0].kernel == "exact_zero_b" for b in self.branches)
        if not covered and _concrete_any(zero, traced=False):
            raise ValueError(f"{names}: all zero at some point, where this closed "
                             "form is 0/0 and no other was found")
        squares = sum(xp.asarray(arrays[i], dtype=self.dtype)**2
                      for i in self.direction)
        tiny = xp.finfo(self.dtype).tiny
        if _concrete_any((squares < tiny) & ~zero, traced=False):
            raise ValueError(
                f"{names}: their sum of squares is below {tiny:.3g} but not zero "
                f"at some point: the closed form divides by it ({self.dtype} "
                "range); rescale the problem or use float64")
