"""Loading generated JAX code: compiled under a fake file name kept in linecache."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ...loading import filename, load_source

__all__ = ["jax_module", "load"]


def jax_module():
    """``import jax``, or ImportError naming the ``exactflow[jax]`` extra."""
    try:
        import jax
    except ImportError as exc:
        raise ImportError(
            "the JAX target needs jax: install the exactflow[jax] extra "
            f"(pip install 'exactflow[jax]'); import failed: {exc}") from exc
    return jax


def load(info, source: str | None = None, path: Path | None = None,
         context=None) -> Callable:
    """The kernel function of ``source``: pure ``jax.numpy``, for ``jax.jit``,
    ``jax.vmap`` and ``jax.grad``.

    A float64 kernel needs JAX's 64-bit mode: loading one turns on
    ``jax_enable_x64`` (JAX would otherwise compute in float32).

    Raises
    ------
    ImportError
        Without jax (the ``exactflow[jax]`` extra).
    """
    jax = jax_module()
    if info.dtype == "float64" and not jax.config.jax_enable_x64:
        jax.config.update("jax_enable_x64", True)
    if source is None:
        from .lower import emit

        source = emit(info)
    module = f"exactflow.generated.{info.derivation}.{info.name}_{info.dtype}_jax"
    return load_source(source, filename(info, "jax"), info.name, module)
