"""The state layout of a model: parameter groups packed along the last axis.

A state has shape ``batch + (n_params,)``; its last axis lists the parameters in
the order of ``model.symbols``: the groups in declaration order, each group's
components row-major (``u0_0, u0_1, u1_0, ...`` for a 2×2 matrix ``u``).
"""

from __future__ import annotations

import numpy as np

from ..symbolic.spec.model import Model

__all__ = ["StateLayout", "real_array"]


def real_array(name: str, value, dtype) -> np.ndarray:
    """``value`` as an array of ``dtype``; TypeError naming ``name`` otherwise."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be real numbers, got dtype {array.dtype}")
    return array.astype(dtype, copy=False)


class StateLayout:
    """Packing and unpacking of a model's parameter groups.

    Attributes
    ----------
    param_names : tuple of str
        The parameters in state order.
    groups : tuple of (str, slice, tuple of int)
        Name, slice of the last axis and shape of each group.
    """

    def __init__(self, model: Model, dtype=np.float64) -> None:
        self.dtype = np.dtype(dtype)
        self.param_names = tuple(s.name for s in model.symbols)
        out, start = [], 0
        for g in model.params:
            out.append((g.name, slice(start, start + len(g.symbols)), g.shape))
            start += len(g.symbols)
        self.groups = tuple(out)

    @property
    def n_params(self) -> int:
        """Length of the last axis of a state."""
        return len(self.param_names)

    def check(self, state, name: str = "state") -> np.ndarray:
        """``state`` as an array of shape ``batch + (n_params,)``, else ValueError."""
        arr = real_array(name, state, self.dtype)
        if arr.ndim < 1 or arr.shape[-1] != self.n_params:
            raise ValueError(f"{name} must have shape batch + ({self.n_params},) "
                             f"(parameters {list(self.param_names)}), got {arr.shape}")
        return arr

    def pack(self, **groups) -> np.ndarray:
        """A state from named groups, each of shape ``batch + group shape``;
        the groups' batch shapes broadcast.

        >>> import sympy as sp
        >>> from exactflow.symbolic.spec.model import Model, ParamGroup
        >>> a, w0, w1 = sp.symbols("a w0 w1", real=True)
        >>> e = sp.Symbol("eta", positive=True)
        >>> m = Model("toy", (ParamGroup("a", (a,), e),
        ...                   ParamGroup("w", (w0, w1), e, (2,))), (e,), a*w0*w1)
        >>> StateLayout(m).pack(a=[1.0, 2.0], w=[[3.0, 4.0], [5.0, 6.0]])
        array([[1., 3., 4.],
               [2., 5., 6.]])
        """
        names = [g for g, _, _ in self.groups]
        unknown = sorted(set(groups) - set(names))
        missing = [n for n in names if n not in groups]
        if unknown or missing:
            raise ValueError(f"pack needs exactly the groups {names}; "
                             f"unknown {unknown}, missing {missing}")
        parts, batches = [], []
        for name, _, shape in self.groups:
            arr = real_array(name, groups[name], self.dtype)
            k = len(shape)
            if arr.ndim < k or arr.shape[arr.ndim - k:] != shape:
                raise ValueError(f"{name} must have shape batch + {shape}, "
                                 f"got {arr.shape}")
            batches.append(arr.shape[: arr.ndim - k])
            parts.append(arr)
        try:
            batch = np.broadcast_shapes(*batches)
        except ValueError:
            raise ValueError(f"group batch shapes {batches} do not broadcast") from None
        flat = [np.broadcast_to(p, batch + shape).reshape(batch + (-1,))
                for p, (_, _, shape) in zip(parts, self.groups)]
        return np.concatenate(flat, axis=-1)

    def unpack(self, state) -> dict[str, np.ndarray]:
        """Named groups (views of ``state``), each of shape ``batch + group shape``.

        ``state`` may carry extra axes before the parameter axis (e.g. output
        times, ``batch + (T, n_params)``); they are kept.
        """
        state = self.check(state)
        batch = state.shape[:-1]
        return {name: state[..., sl].reshape(batch + shape)
                for name, sl, shape in self.groups}
