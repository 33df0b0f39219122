"""``exactflow solve``: a user's model file, formats, bad input (through cli_solve)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from exactflow import cli_solve

ROOT = Path(__file__).resolve().parents[1]


def _run(capsys, *argv):
    p = argparse.ArgumentParser()
    cli_solve.add_parser(p.add_subparsers(dest="command"))
    code = cli_solve.run(p.parse_args(["solve", *argv]))
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
        "from exactflow.symbolic.model import Model, ParamGroup\n"
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
    abc and the charges): a ReductionError naming the coordinates, which the
    CLI turns into one line and exit 2."""
    from exactflow.symbolic.reduce import ReductionError

    path = ROOT / "examples" / "chain3.py"
    with pytest.raises(ReductionError, match="p_1"):
        _run(capsys, "--model", str(path), "--invariant")
