"""``exactflow laws``: catalog and zoo names, user model files, bad input."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from exactflow.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "my_model.py"


def _run(capsys, *argv):
    code = main(["laws", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_single_neuron(capsys):
    code, out, _ = _run(capsys, "single_neuron")
    assert code == 0
    assert "Q1 = eta_w*a**2 - eta_a*(w0**2 + w1**2)" in out
    assert "verified    1/1" in out
    assert "N = 1 = D − dim Lie(W)(θ) = 3 − 2" in out
    assert "complete    yes" in out


def test_zoo_with_dims_and_degree(capsys):
    code, out, _ = _run(capsys, "two_layer_linear", "--dims", "1,3,1", "--degree", "2")
    assert code == 0
    assert out.count("\n  Q") == 9 and "N = 5" in out and "complete    yes" in out


def test_incomplete_is_said(capsys):
    code, out, _ = _run(capsys, "diagonal_uv", "--dims", "2")
    assert code == 0 and "complete    yes" in out


def test_no_laws_for_tanh(capsys):
    code, out, _ = _run(capsys, "tanh_neuron")
    assert code == 0
    assert "0 polynomial law(s)" in out and "N = 0" in out


def test_example_model_file(capsys):
    code, out, _ = _run(capsys, "--model", str(EXAMPLE))
    assert code == 0
    assert "model       my_model" in out
    assert out.count("\n  Q") == 2 and "N = 2 = D − dim Lie(W)(θ) = 6 − 4" in out
    assert "complete    yes" in out


def test_module_level_model(tmp_path, capsys):
    path = tmp_path / "m.py"
    path.write_text(textwrap.dedent("""
        import sympy as sp
        from exactflow.symbolic.spec.model import Model, ParamGroup
        a, b, x = sp.symbols("a b x", real=True)
        e = sp.Symbol("eta", positive=True)
        MODEL = Model("mine", (ParamGroup("a", (a,), e), ParamGroup("b", (b,), e)),
                      (e,), sp.Integer(0), (x,), a * b * x)
    """))
    code, out, _ = _run(capsys, "--model", str(path))
    assert code == 0 and "Q1 = a**2 - b**2" in out


@pytest.mark.parametrize("argv, message", [
    ([], "exactly one of NAME or --model"),
    (["single_neuron", "--model", "x.py"], "exactly one of NAME or --model"),
    (["nosuch"], "unknown model 'nosuch'"),
    (["relu", "--degree", "0"], "--degree must be between 1 and 8"),
    (["relu", "--degree", "two"], "--degree must be an integer"),
    (["relu", "--dims", "2,x"], "--dims must be comma-separated integers"),
    (["relu", "--dims", "2,2,2"], "relu takes 2 size(s)"),
    (["relu", "--points", "0"], "--points must be between 1 and 20"),
    (["--model", "missing.py"], "no such file"),
    (["--model", "model.txt"], "expects a .py file"),
])
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = _run(capsys, *argv)
    assert code == 2 and message in err and err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("source, message", [
    ("x = 1\n", "define a function model()"),
    ("def model():\n    return 3\n", "got int"),
    ("def model():\n    raise RuntimeError('boom')\n", "RuntimeError: boom"),
    ("def model(:\n", "SyntaxError"),
])
def test_bad_model_files(tmp_path, capsys, source, message):
    path = tmp_path / "bad.py"
    path.write_text(source)
    code, _, err = _run(capsys, "--model", str(path))
    assert code == 2 and message in err


def test_import_is_light():
    code = ("import sys, exactflow.cli.laws; "
            "print(any(m.split('.')[0] == 'sympy' for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "False"


def test_gradient_descent_option(capsys):
    code, out, _ = _run(capsys, "single_neuron", "--gd")
    assert code == 0
    assert "first-order term ≡ 0: proved" in out
    assert "ΔQ1 = -eta_a*Δw0**2 - eta_a*Δw1**2 + eta_w*Δa**2" in out
    assert "conserved exactly by GD: no combination of the laws" in out
