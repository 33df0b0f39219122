"""The public functions of ``exactflow``: models by name or file, laws, solve, kernels.

These are re-exported by ``exactflow/__init__.py``; the command line calls the
same functions.  SymPy and the catalog are imported on first use.
"""

from __future__ import annotations

import runpy
from collections.abc import Mapping
from pathlib import Path

__all__ = ["catalog", "derivation", "kernel", "laws", "load_model", "model", "solve"]

_REDUCTION_KEYS = ("coordinates", "conserved", "values")


def catalog() -> list[str]:
    """Names of the derivations in the catalog."""
    from .derivations import CATALOG

    return sorted(CATALOG)


def derivation(name: str):
    """The :class:`~exactflow.derivations._bundle.Derivation` called ``name``.

    Raises
    ------
    TypeError
        When ``name`` is not a string.
    ValueError
        For a name not in :func:`catalog`.
    """
    from .derivations import CATALOG

    if not isinstance(name, str):
        raise TypeError(f"name must be a str, got {type(name).__name__}")
    if name not in CATALOG:
        raise ValueError(
            f"unknown derivation {name!r}; expected one of {sorted(CATALOG)}"
        )
    return CATALOG[name].derivation()


def kernel(name: str, kernel: str = "exact", target: str | None = None,
           dtype: str = "float64"):
    """Kernel ``kernel`` of the catalog entry ``name`` as a callable.

    The same as ``derivation(name).kernel(target, kernel, dtype)``: ``kernel``
    is the entry's own (``"exact"``, …) or a standard one (``"rhs"``,
    ``"gd_step"``, ``"invariants"``, ``"gd_drift"``); ``target`` a name of
    ``exactflow.codegen.targets.TARGETS`` (None: NumPy).
    """
    return derivation(name).kernel(target, kernel, dtype)


def _run_file(path) -> dict:
    p = Path(path)
    if p.suffix != ".py":
        raise ValueError(f"--model expects a .py file, got {str(path)!r}")
    if not p.is_file():
        raise ValueError(f"--model: no such file {str(path)!r}")
    try:
        return runpy.run_path(str(p), run_name="__exactflow_model__")
    except SystemExit as exc:  # sys.exit() in a model file is not a result
        raise ValueError(f"--model {path}: the file called sys.exit({exc.code!r}) "
                         "instead of defining a model") from None
    except Exception as exc:  # the user's code: report it as bad input
        raise ValueError(f"--model {path}: {type(exc).__name__}: {exc}") from exc


def load_model(path):
    """The :class:`~exactflow.symbolic.spec.model.Model` defined by the Python
    file ``path`` (a function ``model()`` returning it, or a module-level
    ``MODEL``).

    Raises
    ------
    ValueError
        For a missing or non-``.py`` file, an exception raised by the file, or
        a file that defines no Model.
    """
    from .symbolic.spec.model import Model

    namespace = _run_file(path)
    try:
        factory = namespace.get("model")
        obj = factory() if callable(factory) else namespace.get("MODEL")
    except Exception as exc:
        raise ValueError(f"--model {path}: {type(exc).__name__}: {exc}") from exc
    if obj is None:
        raise ValueError(f"--model {path}: define a function model() returning a "
                         "Model, or a module-level MODEL")
    if not isinstance(obj, Model):
        raise ValueError(f"--model {path}: model() must return an "
                         f"exactflow.Model, got {type(obj).__name__}")
    return obj


def reduction_of(path) -> dict:
    """The ``REDUCTION`` dict a model file may define (``{}`` when it has none)."""
    spec = _run_file(path).get("REDUCTION")
    if spec is None:
        return {}
    if not isinstance(spec, dict) or set(spec) - set(_REDUCTION_KEYS):
        raise ValueError(f"--model {path}: REDUCTION must be a dict with keys "
                         + ", ".join(_REDUCTION_KEYS))
    return {key: _reduction_part(path, key, value) for key, value in spec.items()}


def _reduction_part(path, key: str, value):
    """``REDUCTION[key]`` checked: a dict from SymPy Symbols to SymPy expressions
    (``coordinates`` may also be ``"invariant"``)."""
    import sympy as sp

    if key == "coordinates" and value == "invariant":
        return value
    where = f"--model {path}: REDUCTION[{key!r}]"
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be a dict from SymPy Symbols to SymPy "
                         f"expressions, got {type(value).__name__}")
    for k, v in value.items():
        if not isinstance(k, sp.Symbol):
            raise ValueError(f"{where}: the key {k!r} is not a SymPy Symbol")
        if not isinstance(v, (sp.Expr, int, float)) or isinstance(v, bool):
            raise ValueError(f"{where}[{k}] must be a SymPy expression, got "
                             f"{type(v).__name__} {v!r}")
        if sp.sympify(v).has(sp.nan, sp.zoo, sp.oo, -sp.oo):
            raise ValueError(f"{where}[{k}] is not finite: {v}")
    return value


def model(name: str, sizes: tuple[int, ...] | None = None):
    """A model by name: a zoo model (``exactflow.derivations.zoo.ZOO``, with
    ``sizes``) or a catalog entry's model."""
    from .derivations.zoo import ZOO, zoo_model

    if name in ZOO:
        return zoo_model(name, sizes)
    if name in catalog():
        if sizes is not None:
            raise ValueError(f"sizes (--dims) are only for zoo models, not {name!r}")
        return derivation(name).model
    known = sorted(set(ZOO) | set(catalog()))
    raise ValueError(f"unknown model {name!r}; expected one of {known} or "
                     "--model FILE.py")


def _as_model(model_or_name):
    from .symbolic.spec.model import Model

    if isinstance(model_or_name, Model):
        return model_or_name
    if isinstance(model_or_name, str):
        return model(model_or_name)
    raise TypeError("model_or_name must be an exactflow.Model or a model name, got "
                    f"{type(model_or_name).__name__}")


def laws(model_or_name, degree: int = 2):
    """Every polynomial conservation law of degree ≤ ``degree``, proven.

    Returns the :class:`~exactflow.symbolic.laws.conservation.ConservationLaws`
    (a basis over ℚ(η), conserved for every dataset and loss); ``.verify()``
    proves each law on every activation pattern.
    """
    from .symbolic.laws.conservation import discover_laws

    if isinstance(degree, bool) or not isinstance(degree, int) or degree < 1:
        raise ValueError(f"degree must be a positive integer, got {degree!r}")
    return discover_laws(_as_model(model_or_name), degree)


def solve(model_or_name, conserved: Mapping | None = None,
          coordinates: Mapping | str | None = None, values: Mapping | None = None,
          setting: str = "", progress: bool | None = None):
    """Reduce and solve a model's gradient flow; returns a
    :class:`~exactflow.symbolic.solve.result.SolveResult`.

    ``model_or_name`` is a :class:`~exactflow.symbolic.spec.model.Model` or a
    catalog name (then solved in the setting of its closed form, its
    ``solve_setup``).  ``conserved`` maps symbols to conserved quantities to
    reduce by (default: the degree-2 laws, discovered); ``coordinates`` maps
    new coordinates to expressions, or is ``"invariant"`` for the
    rescaling-invariant monomials; ``values`` fixes constants.  ``progress``
    shows the stages (None: only when someone watches, a terminal or a notebook).

    A catalog entry solved in its own setting (no ``conserved``, ``values`` or
    ``setting`` given) is cached across processes (``exactflow._solved``): a
    repeated solve reads the stored result, which is the one a fresh solve
    returns.
    """
    if (isinstance(model_or_name, str) and model_or_name in catalog()
            and conserved is None and values is None and not setting
            and (coordinates is None or isinstance(coordinates, str))):
        from ._solved import cached_solve

        return cached_solve(model_or_name, coordinates,
                            lambda: _solve(model_or_name, None, coordinates, None,
                                           setting, progress))
    return _solve(model_or_name, conserved, coordinates, values, setting, progress)


def _solve(model_or_name, conserved, coordinates, values, setting, progress=None):
    import dataclasses

    import sympy as sp

    from .symbolic.laws.conservation import discover_laws
    from .symbolic.solve.engine import solve as solve_system
    from .symbolic.solve.reduce import reduce_flow
    from .symbolic.spec.flow import gradient_flow

    if isinstance(model_or_name, str) and model_or_name in catalog():
        d = derivation(model_or_name)
        if d.solve_setup is not None and conserved is None and values is None:
            st = d.solve_setup()
            return _solve(st.model, st.conserved, coordinates or st.coordinates,
                          st.values, st.setting, progress)
        if conserved is None:
            conserved = {sp.Symbol(k, real=True): v for k, v in d.conserved.items()}
        m = d.model
    else:
        m = _as_model(model_or_name)
    from ._progress import progress as bar

    stages = iter(bar(("conservation laws", "reduce", "solve and verify"),
                      f"solve {m.name}", 3, progress, "stage"))
    flow = gradient_flow(m)
    next(stages)
    if conserved is None and m.forward is None:
        conserved = {}  # law discovery needs the forward map
    if conserved is None:
        found = discover_laws(m, 2)
        conserved = {sp.Symbol(f"Q{i}", real=True): q for i, q in enumerate(found, 1)}
    next(stages)
    system = reduce_flow(flow, coordinates=coordinates, conserved=conserved,
                         values=values)
    if setting:
        system = dataclasses.replace(system, steps=(("Setting", setting),)
                                     + system.steps)
    next(stages)
    result = solve_system(system, flow, name=m.name)
    next(stages, None)  # close the bar
    return result
