"""Jinja2 rendering: one environment for every target, created on first use.

Templates live beside their target (``targets/<target>/<role>.<ext>.j2``)
and receive only strings and lists of strings, never SymPy objects.
``jinja2`` is imported on the first render, so ``import exactflow`` stays
cheap.
"""

from __future__ import annotations

import functools

__all__ = ["environment", "header_context", "render"]


@functools.cache
def environment():
    """The shared :class:`jinja2.Environment` (strict, whitespace-tidy)."""
    import jinja2

    return jinja2.Environment(
        loader=jinja2.PackageLoader("exactflow.codegen", "targets"),
        undefined=jinja2.StrictUndefined,  # a misspelt context key fails loudly
        trim_blocks=True,
        lstrip_blocks=True,  # block tags leave no stray blank lines
        keep_trailing_newline=True,
        autoescape=False,
    )


def render(template: str, context: dict[str, str | list[str]]) -> str:
    """Render ``template`` (e.g. ``"numpy/module.py.j2"``) with ``context``.

    Raises
    ------
    TypeError
        When a context value is not a string or a list of strings.
    """
    for key, value in context.items():
        ok = isinstance(value, str) or (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        )
        if not ok:
            raise TypeError(
                f"template context {key!r} must be a str or a list of str, "
                f"got {type(value).__name__}"
            )
    return environment().get_template(template).render(context)


def header_context(spec, kernel=None) -> dict[str, str | list[str]]:
    """The context keys of every generated file's header (origin, versions and,
    given the lowered ``kernel``, its transcendental calls per point), for
    :class:`~exactflow.codegen.spec.KernelSpec` ``spec``."""
    import sympy

    from .._version import __version__
    from .counts import describe

    counts = [] if kernel is None else describe(kernel, spec.input_names)
    return {"version": __version__, "sympy_version": sympy.__version__,
            "derivation": spec.derivation, "kernel": spec.name, "dtype": spec.dtype,
            "counts": counts}
