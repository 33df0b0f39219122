"""``exactflow solve``: a user's model file, formats and bad input."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from exactflow.cli import solve as cli_solve

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *argv):
    p = argparse.ArgumentParser()
    cli_solve.add_arguments(p)
    code = cli_solve.run(p.parse_args(list(argv)))
    return code, capsys.readouterr().out


@pytest.mark.parametrize("fmt, marker", [("text", "Reduced system\n---"),
                                         ("markdown", "## Reduced system"),
                                         ("latex", r"\paragraph{Reduced system}")])
def test_chain3_file(capsys, fmt, marker):
    code, out = _run(capsys, "--model", str(ROOT / "examples" / "chain3.py"),
                     "--format", fmt)
    assert code == 0 and marker in out
    assert "curve-quadrature" in out and "delta1" in out


def test_model_file_without_reduction(tmp_path, capsys):
    path = tmp_path / "lin.py"
    path.write_text(
        "import sympy as sp\n"
        "from exactflow.symbolic.spec.model import Model, ParamGroup\n"
        "x, y = sp.symbols('x y', real=True)\n"
        "eta = sp.Symbol('eta', positive=True)\n"
        "MODEL = Model('lin', (ParamGroup('x', (x,), eta), ParamGroup('y', (y,), eta)),"
        " (eta,), (x - 2*y)**2/2 + (x + y)**2/2)\n")
    code, out = _run(capsys, "--model", str(path))
    assert code == 0
    assert "Recognised: linear" in out and "reduced ODE residual ≡ 0: ok" in out


@pytest.mark.parametrize("argv", [[], ["single_neuron", "--model", "x.py"],
                                  ["no_such_model"], ["--model", "missing.py"]])
def test_bad_input(capsys, argv):
    with pytest.raises(ValueError):
        _run(capsys, *argv)


@pytest.mark.slow  # ~40 s: two exact-rational residual checks
def test_solve_wide_linear_scalar_end_to_end(capsys):
    from exactflow.cli import main

    code = main(["solve", "wide_linear_scalar"])
    out = capsys.readouterr().out
    assert code == 0
    assert "Recognised: reparam-linear" in out
    verif = [ln for ln in out.splitlines() if "verif" in ln.lower()]
    assert verif, "no verification section in the transcript"
    assert "reduced ODE residual ≡ 0: ok" in out
    assert "model flow residual ≡ 0 (lifted solution): ok" in out


def test_catalog_entry_solved_in_its_setting(capsys):
    """``diagonal_linear`` is solved in the setting of its closed form (one whitened
    coordinate, equal rates): separable after β = u² − v² with u·v = c, through
    Euler's substitution, and the implicit t(β) is verified."""
    code, out = _run(capsys, "diagonal_linear")
    assert code == 0
    assert "Setting\n---" in out and "equal rates" in out
    assert "Recognised: separable" in out
    assert "implicit solution: dt/dbeta · F(beta) = 1: ok" in out


def test_invariant_coordinates_flag(capsys):
    """chain3's one invariant abc does not close (its speed is not a function of
    abc and the charges): a result, "does not reduce" naming the coordinates,
    exit 0."""
    path = ROOT / "examples" / "chain3.py"
    code, out = _run(capsys, "--model", str(path), "--invariant")
    assert code == 0 and "does not reduce" in out and "p_1 = a*b*c" in out


def test_kernel_dir_writes_a_working_kernel(tmp_path, capsys):
    """--kernel-dir: the balanced two-layer chain's sigmoid u(t) as a NumPy module,
    checked against the textbook form s·u₀/(u₀ + (s − u₀)e^{−2ηst}) including
    t = 1e4, where e^{2ηst} overflows unless growth-scaled."""
    import runpy

    import numpy as np

    path = tmp_path / "chain2.py"
    path.write_text(
        "import sympy as sp\n"
        "from exactflow.symbolic.spec.model import Model, ParamGroup\n"
        "a, b, u, d = sp.symbols('a b u d', real=True)\n"
        "eta, s = sp.symbols('eta s', positive=True)\n"
        "MODEL = Model('chain2', (ParamGroup('a', (a,), eta),"
        " ParamGroup('b', (b,), eta)), (eta, s), (s - a*b)**2/2)\n"
        "REDUCTION = {'coordinates': {u: a*b}, 'conserved': {d: a**2 - b**2},"
        " 'values': {d: 0}}\n")
    out_dir = tmp_path / "kernels"
    code, out = _run(capsys, "--model", str(path), "--kernel-dir", str(out_dir))
    assert code == 0 and "Kernel\n---" in out
    (module,) = out_dir.glob("chain2_*_exact_*_float64.py")
    ns = runpy.run_path(str(module))
    t = np.array([0.0, 0.7, 3.0, 1e4])
    (u,) = ns["exact"](t, 0.8, 1.5, 0.01)
    want = 1.5 * 0.01 / (0.01 + (1.5 - 0.01) * np.exp(-2 * 0.8 * 1.5 * t))
    np.testing.assert_allclose(u, want, rtol=1e-13)


def test_kernel_dir_without_closed_form_exits_1(tmp_path, capsys):
    code, out = _run(capsys, "--model", str(ROOT / "examples" / "chain3.py"),
                     "--kernel-dir", str(tmp_path))
    assert code == 1 and "no kernel was written" in out


def test_kernel_dir_that_is_a_file_is_bad_input(tmp_path, capsys):
    path = tmp_path / "not_a_dir"
    path.write_text("")
    with pytest.raises(ValueError, match="--kernel-dir .*not a directory"):
        _run(capsys, "--model", str(ROOT / "examples" / "my_model.py"),
             "--kernel-dir", str(path))


def test_piecewise_model_is_reported_not_crashed(capsys):
    """Leaky-ReLU units (examples/my_model.py): the flow has Heaviside switches; the
    solver reports the reduced system (its two laws used) instead of failing inside
    a polynomial test."""
    code, out = _run(capsys, "--model", str(ROOT / "examples" / "my_model.py"))
    assert code == 0
    assert "Q1 = " in out and "the flow is piecewise" in out
