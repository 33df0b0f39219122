"""Warm start: a new process with a warm kernel cache imports no SymPy.

Each check runs real interpreters on a private cache directory: the first
process generates the kernel (SymPy), the next ones must find it by a key
computed without SymPy (``exactflow._build.cache_key``) and give bit-identical
results; ``sys.modules`` says what was imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from exactflow import _build
from exactflow.derivations._bundle import _source

ROOT = Path(__file__).resolve().parent.parent

_RUN = r"""
import json, sys
import numpy as np
from exactflow.derivations import single_neuron as sn
from exactflow.derivations._bundle import generated_kernel
target = sys.argv[1]
t = np.linspace(0.0, 30.0, 7)
if target == "numpy":
    a, w = sn.trajectory(t, 0.7, np.array([-1.0, 0.3]), np.array([0.2, 1.0]), 0.5, 2.0)
    values = a.tolist() + w.ravel().tolist()
else:
    f = generated_kernel("exactflow.derivations.single_neuron", target=target)
    values = [float(x) for out in f(t, 0.7, -0.2, 0.9, 1.1, 0.5, 2.0) for x in out]
print(json.dumps({"values": values, "sympy": "sympy" in sys.modules}))
"""


def _run(code: str, cache: Path, *args: str) -> dict:
    env = dict(os.environ, EXACTFLOW_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code, *args], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_exactflow_and_a_catalog_package_loads_no_sympy(tmp_path):
    code = ("import json, sys, exactflow\n"
            "from exactflow.derivations import single_neuron, CATALOG\n"
            "single_neuron.trajectory\n"
            "print(json.dumps({'sympy': 'sympy' in sys.modules, "
            "'entries': sorted(CATALOG)}))\n")
    report = _run(code, tmp_path)
    assert report == {"sympy": False, "entries": sorted(report["entries"])}
    assert len(report["entries"]) >= 6


@pytest.mark.parametrize("target", ["numpy", "numba"])
def test_a_warm_cache_needs_no_sympy(tmp_path, target):
    if target == "numba":
        pytest.importorskip("numba")
    cold = _run(_RUN, tmp_path, target)
    assert cold["sympy"]  # the first process derived and generated the kernel
    warm = _run(_RUN, tmp_path, target)
    assert not warm["sympy"]
    assert warm["values"] == cold["values"]  # the same kernel, bit for bit


def test_the_key_is_computed_without_sympy(tmp_path):
    code = ("import json, sys\n"
            "from exactflow import _build\n"
            "from exactflow.derivations._bundle import _source\n"
            "key = _build.cache_key(_source('exactflow.derivations.single_neuron'))\n"
            "print(json.dumps({'sympy': 'sympy' in sys.modules, 'key': key}))\n")
    report = _run(code, tmp_path)
    assert not report["sympy"]
    source = _source("exactflow.derivations.single_neuron")
    assert report["key"] == _build.cache_key(source)  # same in every process


def test_the_key_names_kernel_target_dtype_and_versions():
    source = _source("exactflow.derivations.single_neuron")
    key = _build.cache_key(source)
    parts = key.split("\0")
    assert parts[:8] == ["exactflow-kernel", _build.__version__,
                         sys.modules["sympy"].__version__ if "sympy" in sys.modules
                         else parts[2], "single_neuron", "exact", "numpy", "float64",
                         parts[7]]
    others = {_build.cache_key(source, "exact", "numba"),
              _build.cache_key(source, "exact", None, "float32"),
              _build.cache_key(_source("exactflow.derivations.deep_linear_modes")),
              key}
    assert len(others) == 4
    with pytest.raises(ValueError, match="dtype must be one of"):
        _build.cache_key(source, "exact", None, "float16")


def test_the_key_follows_the_defining_files(tmp_path, monkeypatch):
    """Editing a defining file changes the digest, hence the key: a stale
    kernel is never looked up."""
    package = tmp_path / "exactflow"
    for rel in ("derivations/toy/maths.py", "symbolic/a.py", "codegen/t/m.py.j2"):
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text(f"# {rel}\n")
    monkeypatch.setattr(_build, "_PACKAGE", package)
    roots = ("derivations/toy", "symbolic", "codegen")
    _build._files_digest.cache_clear()
    before = _build._files_digest(roots)
    (package / "codegen/t/m.py.j2").write_text("# edited\n")
    _build._files_digest.cache_clear()
    after = _build._files_digest(roots)
    _build._files_digest.cache_clear()
    assert before != after


def test_replaced_kernels_have_no_key():
    import dataclasses

    import exactflow

    d = exactflow.derivation("single_neuron")
    assert _build.cache_key(d) is not None
    other = dataclasses.replace(d, kernels=lambda: ())
    assert _build.cache_key(other) is None


def test_the_key_follows_every_catalog_entry(tmp_path, monkeypatch):
    """multi_neuron_linear's kernel is single_neuron's exact kernel: an edit of
    single_neuron's maths must change multi_neuron_linear's key (it did not when
    the key hashed an entry's own package: a stale module was loaded)."""
    import shutil

    package = tmp_path / "exactflow"
    shutil.copytree(Path(_build.__file__).parent, package,
                    ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(_build, "_PACKAGE", package)
    source = _source("exactflow.derivations.multi_neuron_linear")
    _build._files_digest.cache_clear()
    before = _build.cache_key(source)
    with open(package / "derivations" / "single_neuron" / "maths.py", "a") as f:
        f.write("# edited\n")
    _build._files_digest.cache_clear()
    after = _build.cache_key(source)
    _build._files_digest.cache_clear()
    assert before != after
