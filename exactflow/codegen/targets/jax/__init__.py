"""The JAX target: the kernels as ``jax.numpy`` functions.

``module.py.j2`` renders one module per :class:`~exactflow.codegen.KernelSpec`
and dtype with one function ``<kernel>(*inputs, block=None)``: the lowered
kernel (temporaries, then outputs) printed by SymPy's ``JaxPrinter``
(:mod:`.lower`).  It is a pure function of its arguments, so it composes with
``jax.jit``, ``jax.vmap`` and ``jax.grad``: derivatives of exact trajectories
with respect to initial conditions and hyper-parameters.  Every branch of a
``Piecewise`` is evaluated and selected with ``jax.numpy.where``, whose
gradient takes only the selected branch's.  Loading needs the
``exactflow[jax]`` extra (:mod:`.loader`); a float64 kernel turns on JAX's
64-bit mode.
"""

from __future__ import annotations

from ..base import Target

__all__ = ["JaxTarget"]


class JaxTarget(Target):
    """``jax.numpy`` functions for jit, vmap and grad (``exactflow[jax]``)."""

    name = "jax"
    suffix = ".py"
    extra = "jax"
