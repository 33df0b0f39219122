"""``exactflow solve`` outcomes: solved (0), no closed form reported (0), a failed
verification (1), bad input — model files broken in every way we could think
of — one line and exit 2, SIGINT 130 with no partial output."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from common import MODEL_FILE_HEAD as HEAD
from common import MODEL_FILE_MODEL as MODEL
from common import interruptible_exactflow, wait_cpu

from exactflow.cli import main

ROOT = Path(__file__).resolve().parents[1]

GOOD = "LOSS = (x*y - 1)**2/2\n" + MODEL

BROKEN = {
    "sys_exit_0": "import sys; sys.exit(0)\n",
    "sys_exit_3": "raise SystemExit(3)\n",
    "syntax": "LOSS = (x*y - 1\n",
    "raises": "raise RuntimeError('boom')\n",
    "memory": "raise MemoryError('boom')\n",
    "recursion": "def model(): return model()\n",
    "no_model": "LOSS = 1\n",
    "not_a_model": "MODEL = 5\n",
    "model_raises": "def model(): raise KeyError('k')\n",
    "nan_loss": "LOSS = (x*y - 1)**2/2 + sp.nan\n" + MODEL,
    "inf_loss": "LOSS = (x*y - 1)**2/2 + sp.oo\n" + MODEL,
    "zoo_loss": "LOSS = (x*y - 1)**2/2 + sp.zoo*x\n" + MODEL,
    "complex_loss": "LOSS = (x*y - sp.I)**2/2\n" + MODEL,
    "dirac_loss": "LOSS = (x*y - 1)**2/2 + sp.DiracDelta(x)\n" + MODEL,
    "string_loss": "LOSS = 'x*y'\n" + MODEL,
    "undeclared": "z = sp.Symbol('z'); LOSS = (x*y - z)**2/2\n" + MODEL,
    "declared_twice": "MODEL = Model('m', (ParamGroup('x', (x,), eta), ParamGroup("
                      "'y', (x,), eta)), (eta,), x**2)\n",
    "reduction_int": GOOD + "REDUCTION = {'coordinates': 5}\n",
    "reduction_list": GOOD + "REDUCTION = {'conserved': [x**2 - y**2]}\n",
    "reduction_str_key": GOOD + "REDUCTION = {'conserved': {'Q': x**2 - y**2}}\n",
    "reduction_str_value": GOOD + "REDUCTION = {'conserved': {sp.Symbol('Q'): "
                           "'x**2 - y**2'}}\n",
    "reduction_none": GOOD + "REDUCTION = {'coordinates': {sp.Symbol('p'): None}}\n",
    "reduction_nan": GOOD + "REDUCTION = {'conserved': {sp.Symbol('Q'): x**2 - y**2}"
                     ", 'values': {sp.Symbol('Q'): sp.nan}}\n",
    "reduction_key": GOOD + "REDUCTION = {'coords': {}}\n",
    "reduction_not_dict": GOOD + "REDUCTION = 'invariant'\n",
    "not_conserved": GOOD + "REDUCTION = {'conserved': {sp.Symbol('Q'): x**2 + y**2}}"
                     "\n",
    "unknown_value": GOOD + "REDUCTION = {'values': {sp.Symbol('zz'): 1}}\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_model_file_is_one_line_exit_2(case, tmp_path, capsys):
    path = tmp_path / f"{case}.py"
    path.write_text(HEAD + BROKEN[case])
    code = main(["solve", "--model", str(path)])
    out, err = capsys.readouterr()
    assert code == 2, (out, err)
    assert err.startswith("exactflow: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in out + err and "verified" not in out


@pytest.mark.parametrize("path", ["/nonexistent/m.py", "model.txt"])
def test_missing_or_wrong_file_is_exit_2(path, capsys):
    assert main(["solve", "--model", path]) == 2
    assert capsys.readouterr().err.count("\n") == 1


@pytest.mark.parametrize("example", ["chain3.py", "my_model.py"])
def test_invariant_that_does_not_reduce_is_a_result(example, capsys):
    # chain3: p = abc does not close; my_model: a piecewise (leaky-ReLU) flow.
    # Both used to end in an error (exit 2, and a PolynomialError traceback, exit 1)
    code = main(["solve", "--model", str(ROOT / "examples" / example), "--invariant"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "does not reduce: " in out and out.count("\n") == 1


def test_discontinuous_loss_invariant_is_a_result(tmp_path, capsys):
    path = tmp_path / "step.py"
    path.write_text(HEAD + "LOSS = sp.Heaviside(x*y - 1)\n" + MODEL)
    code = main(["solve", "--model", str(path), "--invariant"])
    out, err = capsys.readouterr()
    assert code == 0 and "does not reduce" in out and "Traceback" not in err


def test_invariant_without_closed_form_and_kernel_dir_exits_1(tmp_path, capsys):
    out_dir = tmp_path / "k"
    code = main(["solve", "--model", str(ROOT / "examples" / "chain3.py"),
                 "--invariant", "--kernel-dir", str(out_dir)])
    assert code == 1 and "no kernel was written" in capsys.readouterr().out
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_sigint_exits_130_without_traceback_or_partial_files(tmp_path):
    """SIGINT in the middle of a long solve: exit 130, one line, nothing written."""
    out_dir = tmp_path / "kernels"
    # a cold cache of its own: the solve is not a cached result read in 1 s
    env = {**os.environ, "PYTHONPATH": str(ROOT),
           "EXACTFLOW_CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.Popen(
        interruptible_exactflow("solve", "wide_linear_scalar", "--kernel-dir",
                                str(out_dir)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    # imports done (≈ 0.3 s of CPU), inside the ≈ 4 s of CPU of the cold symbolic
    # work and kernel generation that follow, however loaded the machine is
    wait_cpu(proc, 1.2)
    assert proc.poll() is None, "the solve ended before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, (out, err)
    assert "Traceback" not in err and err.strip() == "exactflow: interrupted"
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_laws_refuses_an_oversized_model_before_building_it(capsys):
    # deep_linear --dims 100,100,100 used to build 20,000 symbols for 45 s first
    start = time.perf_counter()
    code = main(["laws", "deep_linear", "--dims", "100,100,100"])
    assert code == 2 and time.perf_counter() - start < 10
    assert "D=20000" in capsys.readouterr().err


@pytest.mark.parametrize("name, dims", [("deep_linear", (3, 4, 5, 2)),
                                        ("relu_bias", (3, 4)), ("relu", (2, 3)),
                                        ("two_layer_linear", (2, 3, 4)),
                                        ("diagonal_pm", (3,)), ("single_neuron", (4,))])
def test_parameter_count_matches_the_built_model(name, dims):
    from exactflow.derivations.zoo import parameter_count, zoo_model

    assert parameter_count(name, dims) == len(zoo_model(name, dims).symbols)


def _interrupt_on_rename(monkeypatch):
    """SIGINT at the worst moment of an atomic write: after the temporary file
    is complete, before it is renamed (``os.replace`` raises KeyboardInterrupt,
    as Python does when SIGINT arrives there)."""
    import exactflow.codegen.cache as cache

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cache.os, "replace", interrupted)


def test_codegen_output_interrupted_exits_130_and_writes_nothing(
        tmp_path, monkeypatch, capsys):
    out_dir = tmp_path / "kernels"
    monkeypatch.setenv("EXACTFLOW_CACHE_DIR", str(tmp_path / "cache"))
    _interrupt_on_rename(monkeypatch)
    code = main(["codegen", "wide_linear_scalar", "--target", "numpy",
                 "-o", str(out_dir)])
    err = capsys.readouterr().err
    assert code == 130 and err.strip() == "exactflow: interrupted"
    assert not out_dir.exists() or not any(out_dir.iterdir())  # no .tmp either
    cache = tmp_path / "cache"
    assert not cache.exists() or not list(cache.rglob("*.tmp"))


def test_report_output_interrupted_exits_130_and_leaves_no_partial_page(
        tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    out_dir = tmp_path / "report"
    _interrupt_on_rename(monkeypatch)
    code = main(["report", "spectral_scaling", "-o", str(out_dir)])
    err = capsys.readouterr().err
    assert code == 130 and err.strip() == "exactflow: interrupted"
    left = sorted(p.name for p in out_dir.iterdir()) if out_dir.exists() else []
    # complete figures may stay; never a page, a temporary file or LaTeX by-products
    assert not [n for n in left if n.endswith((".md", ".tmp", ".aux", ".log"))], left
