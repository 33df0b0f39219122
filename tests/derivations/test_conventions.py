"""The catalog's one convention (docs/conventions.md), checked for every entry.

Argument names: every public function of every catalog entry is inspected —
rates are ``eta`` or ``eta_<group>`` (a group of the entry's model where it has
one), no dialect names (``tau``, ``s``, ``Syx``, ``eta1`` …) survive.  Axes:
batch first, then time, then the parameter's own shape, called on each entry's
trajectory functions.  Old names still work for one release, with a warning.
"""

from __future__ import annotations

import importlib
import inspect
import re

import numpy as np
import pytest

import exactflow
from exactflow.derivations import deep_linear_modes as dm
from exactflow.derivations import diagonal_linear as dg
from exactflow.derivations import multi_neuron_linear as mn
from exactflow.derivations import single_neuron as sn
from exactflow.derivations import two_layer_linear_balanced as tl
from exactflow.derivations import wide_linear_scalar as wl

NAMES = exactflow.catalog()
#: names other entries used for a rate, a target or data moments
DIALECT = {"tau", "time_const", "s", "strength", "Syx", "Sxy", "syx", "eta1", "eta2",
           "lr", "learning_rate_a", "alpha_xx"}
RATE = re.compile(r"eta(_[A-Za-z][A-Za-z0-9]*)?")


def _public_functions(name):
    """The entry's numerical functions (on arrays; its SymPy builders, which take
    the symbols of the docs' formulas, are not part of the convention)."""
    module = importlib.import_module(f"exactflow.derivations.{name}")
    for attr in module.__all__:
        obj = getattr(module, attr)
        if (inspect.isfunction(obj) and not _symbolic(obj.__module__)):
            yield attr, obj


def _symbolic(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last in {"maths", "claims", "bundle"} or last.startswith("claims")


@pytest.mark.parametrize("name", NAMES)
def test_argument_names_follow_the_convention(name):
    checked = 0
    for attr, func in _public_functions(name):
        params = inspect.signature(func).parameters
        checked += 1
        assert not DIALECT & params.keys(), (attr, sorted(DIALECT & params.keys()))
        for p in params:
            if p.startswith("eta"):
                assert RATE.fullmatch(p), (attr, p)
    assert checked > 0


def _groups(name):
    module = importlib.import_module(f"exactflow.derivations.{name}")
    try:
        model = module.model()
    except (AttributeError, TypeError):
        return None
    return {g.name for g in model.params}


@pytest.mark.parametrize("name", NAMES)
def test_rates_name_a_group_of_the_model(name):
    groups = _groups(name)
    if groups is None:
        pytest.skip(f"{name} has no default model")
    names = {g.lower() for g in groups}
    for attr, func in _public_functions(name):
        for p in inspect.signature(func).parameters:
            if p.startswith("eta_") and p != "eta_ratio":  # η_u/η_w of `regime`
                assert p[4:].lower() in names, (attr, p, sorted(groups))


T = np.array([[0.0, 0.5, 1.0], [1.5, 2.0, 3.0]])  # any shape: (2, 3)
B = 4


def _aligned_multi_neuron():
    # one neuron per singular pair of a diagonal β* (aligned start)
    beta_star = np.array([[2.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # (d, c) = (3, 2)
    A0 = np.array([[0.3, 0.0], [0.0, 0.2]])  # (h, c)
    W0 = np.array([[0.1, 0.0, 0.0], [0.0, 0.4, 0.0]])  # (h, d)
    return A0, W0, beta_star


CASES = {
    "single_neuron batch": (
        lambda: sn.trajectory(T, np.full(B, 0.5), np.ones((B, 3)), [1.0, 0.0, 0.0]),
        [(B, 2, 3), (B, 2, 3, 3)]),
    "single_neuron one": (
        lambda: sn.trajectory(T, 0.5, np.ones(3), [1.0, 0.0, 0.0]),
        [(2, 3), (2, 3, 3)]),
    "wide_linear_scalar batch": (
        lambda: wl.trajectory(T, np.ones((B, 3)), 0.5 * np.ones((B, 3)), 1.0, 0.5),
        [(B, 2, 3, 3)] * 2),
    "wide_linear_scalar one": (
        lambda: wl.trajectory(T, np.ones(3), 0.5 * np.ones(3), 1.0, 0.5),
        [(2, 3, 3)] * 2),
    "diagonal_linear batch": (
        lambda: dg.trajectory(T, np.eye(3), [1.0, 0.0, -1.0], alpha=np.full(B, 0.5)),
        [(B, 2, 3, 3)] * 3),
    "diagonal_linear whitened": (
        lambda: dg.whitened_trajectory(T, [1.0, 0.0, -1.0], alpha=np.full(B, 0.5)),
        [(B, 2, 3, 3)] * 3),
    "multi_neuron_linear one": (
        lambda: mn.trajectory(T, *_aligned_multi_neuron()),
        [(2, 3, 2, 2), (2, 3, 2, 3)]),
    "two_layer_linear_balanced one": (
        lambda: tl.trajectory(T, *tl.balanced_init(np.array([[0.1, 0.2]]), 0.5, 1),
                              np.array([[1.0], [0.5]])),
        [(2, 3, 1, 2), (2, 3, 2, 2), (2, 3, 1, 1)]),
    "deep_linear_modes two-layer batch": (
        lambda: dm.two_layer_trajectory(T, np.full(B, 0.1), np.full(B, 0.2), 1.0),
        [(B, 2, 3)] * 2),
    # scalar modes broadcast with NumPy's rules: starts × times is batch first
    "deep_linear_modes broadcast": (
        lambda: dm.trajectory(T[None], np.full((B, 1, 1), 0.1), 1.0, 3),
        [(B, 2, 3)]),
    "two_layer_linear_balanced modes broadcast": (
        lambda: tl.mode_trajectory(T[None], 1.0, 0.5, np.full((B, 1, 1), 0.1)),
        [(B, 2, 3)] * 3),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_batch_first_then_time_then_shape(case):
    call, shapes = CASES[case]
    out = call()
    out = out if isinstance(out, tuple) else (out,)
    assert [np.shape(o) for o in out] == shapes


def test_batches_are_the_single_starts():
    # batch entry i is the trajectory of start i (not an accident of the shapes)
    u0 = np.array([[0.3, -0.1, 0.2], [0.0, 0.5, 0.1]])
    w0 = np.array([[0.2, 0.4, -0.3], [0.6, 0.1, 0.0]])
    u, w = wl.trajectory(T, u0, w0, 1.0, 0.5)
    a, b = sn.trajectory(T, np.array([0.5, 1.0]), w0, [1.0, 0.0, 0.0])
    for i in range(2):
        np.testing.assert_array_equal(u[i], wl.trajectory(T, u0[i], w0[i], 1.0, 0.5)[0])
        np.testing.assert_array_equal(
            b[i], sn.trajectory(T, [0.5, 1.0][i], w0[i], [1.0, 0.0, 0.0])[1])


@pytest.mark.parametrize("call,old", [
    (lambda: dm.trajectory(1.0, 0.1, s=1.0), "'s'"),
    (lambda: dm.learning_time(0.1, 0.5, 1.0, tau=2.0), "'tau'"),
    (lambda: tl.mode_trajectory(1.0, 1.0, 0.0, 0.1, tau=2.0), "'tau'"),
    (lambda: wl.classify(np.ones(2), np.ones(2), 1.0, beta=0.5), "'beta'"),
])
def test_old_names_warn_for_one_release(call, old):
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*exactflow 0.3"):
        call()
