"""What holds for every catalog entry, checked once for all of them.

Each entry is a package of its own (``exactflow.derivations.<name>``); these
tests are parametrised over :func:`exactflow.catalog`, so a new entry gets them
by being registered.  References are independent of the code under test:
exact rational arithmetic and 50-digit mpmath on the symbolic expressions,
SciPy's DOP853 for the flow, and (for the generated kernels) the other
targets.
"""

from __future__ import annotations

import importlib
import random
import shutil
from pathlib import Path

import numpy as np
import pytest
import sympy as sp
from scipy.integrate import solve_ivp

import exactflow
from exactflow import _build
from exactflow.derivations import CATALOG
from exactflow.symbolic.laws.patterns import PIECEWISE, indicator_form
from exactflow.symbolic.proof.zero import is_identically_zero
from exactflow.symbolic.spec.flow import time_derivative
from exactflow.symbolic.spec.kernels import STANDARD_KERNELS

NAMES = exactflow.catalog()


@pytest.fixture(scope="module", params=NAMES)
def d(request):
    return exactflow.derivation(request.param)


def _point(symbols, seed: int, lo=0.2, hi=1.2) -> dict:
    """Rational values in [lo, hi] (positive: rates, scales and times alike)."""
    rng = random.Random(seed)
    return {s: sp.Rational(rng.randint(int(lo * 1000), int(hi * 1000)), 1000)
            for s in symbols}


def _signed_point(symbols, seed: int, lo=0.2, hi=1.2) -> dict:
    """As :func:`_point`, with a random sign on every symbol not declared
    nonnegative (data, parameters), so that piecewise atoms take every branch."""
    rng = random.Random(seed)
    out = {}
    for s in symbols:
        v = sp.Rational(rng.randint(int(lo * 1000), int(hi * 1000)), 1000)
        out[s] = v if s.is_nonnegative or rng.random() < 0.5 else -v
    return out


def _is_piecewise(exprs) -> bool:
    return any(e.atoms(*PIECEWISE) for e in exprs)


def _branches(exprs, at) -> tuple:
    """Which branch each piecewise atom of ``exprs`` takes at the point ``at``."""
    atoms = sorted(set().union(*(e.atoms(*PIECEWISE) for e in exprs)),
                   key=sp.default_sort_key)
    out = []
    for atom in atoms:
        if isinstance(atom, (sp.Max, sp.Min)):
            values = [a.xreplace(at) for a in atom.args]
            out.append(values.index(atom.xreplace(at)))
        elif isinstance(atom, sp.Piecewise):
            out.append(next(i for i, (_, c) in enumerate(atom.args)
                            if c.xreplace(at) == sp.true))
        else:  # Heaviside, Abs, sign: the sign of the argument
            out.append(sp.sign(atom.args[0].xreplace(at)))
    return tuple(out)


def test_the_catalog_is_every_package():
    assert NAMES == sorted(CATALOG) and len(NAMES) >= 6
    for name, module in CATALOG.items():
        assert module.__name__ == f"exactflow.derivations.{name}"
        assert hasattr(module, "__path__"), f"{name} is a package"


def test_identity_and_references(d):
    module = CATALOG[d.name]
    assert d.model.name == d.name and d.title
    assert d.references, "every entry cites its paper"
    doc = module.__doc__ or ""
    assert "References" in doc and ">>>" in doc  # the docstring is the derivation


def test_claims_have_unique_names_and_tags(d):
    names = [c.name for c in d.claims]
    assert len(names) == len(set(names))
    assert all(c.tags and set(c.tags) <= {"symbolic", "numeric"} for c in d.claims)


def test_flow_is_minus_rate_times_gradient(d):
    m = d.model
    for s in m.symbols:
        assert is_identically_zero(d.flow.equations[s]
                                   + m.rates[s] * sp.diff(m.loss, s)).is_zero


def test_conserved_quantities_are_conserved(d):
    for name, q in d.conserved.items():
        assert is_identically_zero(time_derivative(d.flow, q)).is_zero, name


def test_kernel_names(d):
    own = [k.name for k in d.kernels()]
    assert d.kernel_names == tuple(own) + STANDARD_KERNELS
    with pytest.raises(ValueError, match="kernel must be one of"):
        d.kernel_exprs("no_such_kernel")


@pytest.mark.parametrize("kernel", STANDARD_KERNELS)
def test_standard_kernel_equals_its_expressions_at_50_digits(d, kernel):
    exprs = d.kernel_exprs(kernel)
    f = d.kernel(kernel=kernel)
    points = [_point(exprs.inputs, seed) for seed in range(3)]
    outputs = [e for _, e in exprs.outputs]
    if _is_piecewise(outputs):  # activation patterns: points on several branches
        points += [_signed_point(exprs.inputs, seed) for seed in range(3, 9)]
        # several patterns, and every atom on each of its sides (atoms that switch
        # together, like Max(0, z) and Heaviside(z), limit the number of patterns)
        seen = {_branches(outputs, at) for at in points}
        assert len(seen) >= 3
        assert all(len({b[i] for b in seen}) >= 2 for i in range(len(next(iter(seen)))))
    for at in points:
        got = f(*[float(at[s]) for s in exprs.inputs])
        for (name, e), g in zip(exprs.outputs, got):
            ref = float(sp.N(e.xreplace(at), 50))
            assert np.isclose(float(g), ref, rtol=1e-12, atol=1e-14 * max(1, abs(ref))
                              ), (name, float(g), ref)


class _Patterns:
    """A piecewise right-hand side on a frozen branch of each piecewise atom.

    Every atom (Max, Min, Heaviside, Abs, sign) of the expressions is replaced
    by its indicator form (``symbolic.laws.patterns``); fixing the indicators
    gives the smooth field of one pattern.  Atom j takes its first branch where
    its switching function g_j > 0 (Max(p, q): g = p − q; Min: q − p; the
    others: their argument).
    """

    def __init__(self, exprs, symbols, at):
        form = indicator_form(tuple(e.xreplace(at) for e in exprs))
        assert all(len(g) == 1 for g in form.groups), "two-branch atoms only"
        self.symbols, self.form, self.cache = symbols, form, {}
        switches = []
        for atom in form.atoms:
            if isinstance(atom, sp.Max):
                switches.append(atom.args[0] - atom.args[1])
            elif isinstance(atom, sp.Min):
                switches.append(atom.args[1] - atom.args[0])
            else:
                switches.append(atom.args[0])
        self.g = [sp.lambdify(symbols, s) for s in switches]
        self.dg = [sp.lambdify(symbols, [sp.diff(s, v) for v in symbols])
                   for s in switches]

    def pattern(self, y) -> tuple:
        return tuple(bool(g(*y) > 0) for g in self.g)

    def field(self, pattern):
        if pattern not in self.cache:
            chi = {c: int(b) for (c,), b in zip(self.form.groups, pattern)}
            f = sp.lambdify(self.symbols, [e.xreplace(chi) for e in self.form.exprs])
            self.cache[pattern] = lambda t, y: np.array(f(*y), dtype=float)
        return self.cache[pattern]

    def events(self, pattern):
        out = []
        for g, side in zip(self.g, pattern):
            event = (lambda g: lambda t, y: g(*y))(g)
            event.terminal, event.direction = True, -1 if side else 1
            out.append(event)
        return out


def _dop853_piecewise(patterns, y0, t_end):
    """DOP853 on one pattern's smooth field at a time, stopped where a switching
    function changes sign (located on the dense output) and continued on the
    new pattern's field; stops early where the solution starts to slide along
    a switching surface (both fields point into it).  Returns (time reached,
    state, switches crossed)."""
    t, y, crossed = 0.0, y0, 0
    pattern = patterns.pattern(y0)
    while t < t_end:
        sol = solve_ivp(patterns.field(pattern), (t, t_end), y, method="DOP853",
                        rtol=1e-12, atol=1e-14, events=patterns.events(pattern))
        assert sol.success
        t, y = sol.t[-1], sol.y[:, -1]
        if sol.status != 1:
            break
        j = next(i for i, e in enumerate(sol.t_events) if e.size)
        # every atom switching on this surface flips with it (e.g. Max(z, γz)
        # and the Heaviside factors of its derivative)
        flip = {i for i, g in enumerate(patterns.g)
                if abs(g(*y)) <= 1e-9 * (1 + np.abs(patterns.dg[i](*y)) @ np.abs(y))}
        new = tuple(not b if i in flip | {j} else b for i, b in enumerate(pattern))
        speed = np.dot(patterns.dg[j](*y), patterns.field(new)(t, y))
        if (speed > 0) != new[j]:  # the new field points back: sliding
            break
        pattern, crossed = new, crossed + 1
    return t, y, crossed


def test_invariants_are_constant_along_dop853(d):
    m = d.model
    rhs, inv = d.kernel(kernel="rhs"), d.kernel(kernel="invariants")
    n = len(m.symbols)
    exprs = d.kernel_exprs("rhs")
    consts_rhs = exprs.inputs[n:]
    consts_inv = d.kernel_exprs("invariants").inputs[n:]
    piecewise = _is_piecewise([e for _, e in exprs.outputs])
    # a piecewise flow (activation patterns) is integrated from switch to switch,
    # from signed starts until the first whose path switches pattern (each start
    # checked on the way); smooth flows in one run
    for seed in range(11, 41) if piecewise else (11,):
        at = (_signed_point if piecewise else _point)(m.consts, seed - 4, 0.3, 0.9)
        y0 = np.array([float(v) for v in (_signed_point if piecewise else _point)(
            m.symbols, seed, 0.2, 0.8).values()])
        def field(_, y):
            return np.array(rhs(*y, *[float(at[c]) for c in consts_rhs]))

        if piecewise and not np.any(field(0, y0)):
            continue  # every unit inactive: a stationary start, nothing to follow
        if piecewise:
            patterns = _Patterns([e for _, e in exprs.outputs], m.symbols, at)
            t1, y1, crossed = _dop853_piecewise(patterns, y0, 2.0)
            # the generated kernel is the field of the pattern it is evaluated on
            for y in (y0, y1) if t1 == 2.0 else (y0,):
                np.testing.assert_allclose(field(0, y), patterns.field(
                    patterns.pattern(y))(0, y), rtol=1e-12, atol=1e-14)
        else:
            sol = solve_ivp(field, (0.0, 0.5), y0, method="DOP853", rtol=1e-12,
                            atol=1e-14)
            assert sol.success
            y1, crossed = sol.y[:, -1], 0
        before = np.array(inv(*y0, *[float(at[c]) for c in consts_inv]))
        after = np.array(inv(*y1, *[float(at[c]) for c in consts_inv]))
        moved = np.abs(y1 - y0).max()
        assert moved > 1e-3  # the parameters moved: the test is not vacuous
        np.testing.assert_allclose(after, before, rtol=1e-9, atol=1e-11)
        if crossed:
            break
    assert crossed or not piecewise, "no activation pattern switched"


def test_gd_drift_is_the_exact_change_of_each_invariant(d):
    m = d.model
    n = len(m.symbols)
    step = d.kernel_exprs("gd_step")
    drift = d.kernel_exprs("gd_drift")
    inv = d.kernel_exprs("invariants")
    at = {**_point(m.consts, 3, 0.05, 0.3), **_point(m.symbols, 5, 0.2, 0.9)}
    theta = [at[s] for s in m.symbols]
    nxt = [e.xreplace(at) for _, e in step.outputs]
    delta = [b - a for a, b in zip(theta, nxt)]
    moved = {**at, **dict(zip(m.symbols, nxt))}
    exact = [sp.N(q.xreplace(moved) - q.xreplace(at), 50) for _, q in inv.outputs]
    f = d.kernel(kernel="gd_drift")
    args = [float(v) for v in theta] + [float(v) for v in delta]
    args += [float(at[c]) for c in drift.inputs[2 * n:]]
    got = f(*args)
    for g, ref in zip(got, exact):
        scale = max(abs(float(sp.N(q.xreplace(at)))) for _, q in inv.outputs)
        assert abs(float(g) - float(ref)) <= 1e-13 * max(scale, 1.0), (g, ref)


def _finite_close(a, b, rtol):
    a, b = np.asarray(a, float), np.asarray(b, float)
    assert np.array_equal(np.isfinite(a), np.isfinite(b))
    ok = np.isfinite(a)
    np.testing.assert_allclose(a[ok], b[ok], rtol=rtol, atol=rtol * 1e-3)


def test_own_kernels_agree_between_numpy_and_numba(d):
    pytest.importorskip("numba")
    rng = np.random.default_rng(0)
    for k in d.kernels():
        args = [rng.uniform(0.1, 1.5, 64) for _ in k.inputs]
        ref = d.kernel(kernel=k.name)(*args)
        got = d.kernel("numba", kernel=k.name)(*args)
        for r, g in zip(ref, got):
            _finite_close(g, r, 1e-11)


def test_every_kernel_generates_for_every_target(d):
    from exactflow.codegen.targets import TARGETS

    for target in TARGETS:
        for kernel in d.kernel_names:
            source = d.kernel_source(target, kernel)
            assert f"from derivation '{d.name}', kernel '{kernel}'" in \
                source.splitlines()[0]


def test_the_package_layout_is_a_one_way_chain(d):
    # maths <- numeric <- claims <- bundle: an earlier module never imports a
    # later one (tests/test_architecture.py checks every cycle; this checks order)
    order = ["maths", "numeric", "claims", "bundle"]
    package = importlib.import_module(f"exactflow.derivations.{d.name}")
    for i, name in enumerate(order):
        module = importlib.import_module(f"{package.__name__}.{name}")
        later = {f"{package.__name__}.{o}" for o in order[i + 1:]}
        text = Path(module.__file__).read_text(encoding="utf-8")
        for other in later:
            short = other.rsplit(".", 1)[1]
            assert f"from .{short} import" not in text
            assert f"from . import {short}" not in text


@pytest.mark.skipif(shutil.which("gcc") is None, reason="gcc is not on PATH")
def test_own_kernels_agree_between_numpy_and_the_cuda_point_code(d, tmp_path):
    from tests.codegen.c_host import compile_host

    rng = np.random.default_rng(1)
    for k in d.kernels():
        spec = _build.kernel_spec(d, k.name, "float64")
        host = compile_host(spec, tmp_path, f"{d.name}_{k.name}")
        args = [rng.uniform(0.1, 1.5, 64) for _ in k.inputs]
        for r, g in zip(d.kernel(kernel=k.name)(*args), host(*args)):
            _finite_close(g, r, 1e-11)
