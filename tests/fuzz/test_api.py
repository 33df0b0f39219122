"""Every public numerical function of every catalog entry, fuzzed.

The functions are discovered from each entry package's ``__all__`` (those
defined in its ``numeric*`` and ``*observables`` modules); each has one row in
:data:`~tests.fuzz.table.TABLE` declaring its arguments and a strategy for
valid calls across its documented domain (extremes, zeros, exact balance and
alignment, batch shapes, float32, Python scalars, 0-d arrays, lists).

* valid calls must return finite results of the documented shapes;
* every argument, replaced by a value of each invalid category (NaN, inf, a
  wrong sign, a wrong shape, complex, text, None, empty, …), must make the
  function raise ``ValueError`` or ``TypeError`` whose message names that
  argument — never another exception, never a NaN, never a result.
"""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactflow.derivations import CATALOG

from .kinds import bad_values
from .table import TABLE
from .tally import examples, names_argument, record

SETTINGS = {"deadline": None, "suppress_health_check": list(HealthCheck)}


def public_functions() -> dict[str, object]:
    """``entry.function`` for every numerical function a catalog entry exports."""
    out = {}
    for name, package in CATALOG.items():
        for attr in getattr(package, "__all__", ()):
            obj = getattr(package, attr)
            module = getattr(obj, "__module__", "") or ""
            part = module.rpartition(".")[2]
            if inspect.isfunction(obj) and module.startswith(package.__name__) and (
                    part.startswith("numeric") or part.endswith("observables")):
                out[f"{name}.{attr}"] = obj
    return out


FUNCTIONS = public_functions()

#: the catalog entries whose public functions are all fuzzed (every function of
#: an entry listed here must have a row; entries not yet listed are named in
#: ``NOT_YET_COVERED`` so that a new entry cannot slip in unnoticed)
COVERED = ("single_neuron", "deep_linear_modes", "diagonal_linear",
           "wide_linear_scalar", "multi_neuron_linear", "two_layer_linear_balanced",
           "spectral_scaling", "infinite_width", "two_layer_relu")
NOT_YET_COVERED: tuple[str, ...] = ()


def test_every_public_function_of_a_covered_entry_has_a_row():
    entries = {name.split(".")[0] for name in FUNCTIONS}
    unknown = sorted(entries - set(COVERED) - set(NOT_YET_COVERED))
    assert not unknown, (f"catalog entries {unknown}: add rows for their functions "
                         "to tests/fuzz/rows_*.py and the entry to COVERED")
    wanted = {n for n in FUNCTIONS if n.split(".")[0] in COVERED}
    missing = sorted(wanted - set(TABLE))
    assert not missing, (f"add a row to tests/fuzz/table.py for {missing} (its "
                         "arguments and a strategy of valid calls)")
    stale = sorted(set(TABLE) - set(FUNCTIONS))
    assert not stale, f"rows for functions that are not public: {stale}"
    assert len(wanted) >= 60


def test_every_public_function_states_its_domain_and_accuracy():
    # the corner checks of each claim: tests/derivations/test_domain_corners_*.py
    # and the entries' own extreme-domain tests
    missing = [name for name, func in FUNCTIONS.items()
               if not all(word in (inspect.getdoc(func) or "").lower()
                          for word in ("domain", "accuracy"))]
    assert not missing, f"state the domain and accuracy of {missing}"


def test_rows_declare_every_argument():
    for name, row in TABLE.items():
        params = inspect.signature(FUNCTIONS[name]).parameters
        assert set(row.args) == set(params), (name, sorted(params))


def _show(kwargs) -> str:
    def one(v):
        if isinstance(v, np.ndarray):
            return f"np.array({np.array2string(v, precision=17, separator=', ')}" \
                   f", dtype={v.dtype})"
        return repr(v)

    return ", ".join(f"{k}={one(v)}" for k, v in kwargs.items())


def _values(out, infinite=()):
    """Every number in a result (tuples, dataclasses, arrays, floats).

    Fields named in ``infinite`` (documented to be ±inf) count when not NaN;
    ``("*",)`` allows ±inf anywhere (the row's check says where).
    """
    if "*" in infinite:
        for v in _values(out):
            yield np.where(np.isnan(v), np.nan, 0.0)
    elif dataclasses.is_dataclass(out):
        for f in dataclasses.fields(out):
            value = getattr(out, f.name)
            if f.name in infinite:
                yield np.where(np.isnan(value), np.nan, 0.0)
            else:
                yield from _values(value)
    elif isinstance(out, (tuple, list)):
        for x in out:
            yield from _values(x)
    elif isinstance(out, (np.ndarray, float, np.floating, int, np.integer)) \
            and not isinstance(out, bool):
        yield np.asarray(out, dtype=float)


def _finite(out, infinite=()) -> bool:
    return all(np.all(np.isfinite(v)) for v in _values(out, infinite))


@pytest.mark.parametrize("name", sorted(TABLE))
@settings(max_examples=examples(40), **SETTINGS)
@given(data=st.data())
def test_valid_calls_are_finite(name, data):
    row = TABLE[name]
    kwargs = data.draw(row.valid, label="call")
    try:
        out = FUNCTIONS[name](**kwargs)
    except Exception as exc:
        record("valid", "valid extreme giving NaN or raising")
        raise AssertionError(f"{name}({_show(kwargs)}) raised {exc!r}") from exc
    if not _finite(out, row.infinite):
        record("valid", "valid extreme giving NaN or raising")
        raise AssertionError(f"{name}({_show(kwargs)}) is not finite: {out!r}")
    record("valid")
    if row.check is not None:
        row.check(kwargs, out)


@pytest.mark.parametrize("name", sorted(TABLE))
@settings(max_examples=examples(60), **SETTINGS)
@given(data=st.data())
def test_invalid_input_raises_naming_the_argument(name, data):
    row = TABLE[name]
    kwargs = data.draw(row.valid, label="call")
    arg = data.draw(st.sampled_from(sorted(row.args)), label="argument")
    spec = row.args[arg]
    if spec is None:  # an argument with no invalid values (e.g. a free choice)
        return
    category, bad = data.draw(st.sampled_from(bad_values(spec, kwargs[arg])),
                              label="bad value")
    call = {**kwargs, arg: bad}
    label = f"invalid:{category}"
    try:
        out = FUNCTIONS[name](**call)
    except (ValueError, TypeError) as exc:
        if not names_argument(str(exc), arg):
            record(label, "unnamed argument")
            raise AssertionError(f"{name}: the message {str(exc)!r} does not name "
                                 f"{arg} ({category}: {arg}={bad!r})") from exc
        record(label)
        return
    except Exception as exc:
        record(label, "wrong exception type")
        raise AssertionError(f"{name}({_show(call)}) raised {exc!r}, not "
                             "ValueError/TypeError") from exc
    if not _finite(out):
        record(label, "silent NaN")
        raise AssertionError(f"{name}: {arg}={bad!r} ({category}) gave a NaN")
    record(label, "invalid input accepted")
    raise AssertionError(f"{name}: {arg}={bad!r} ({category}) was accepted")
