"""The notebooks of docs/notebooks run from top to bottom (nbclient, a real kernel)."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = sorted((Path(__file__).parents[2] / "docs" / "notebooks").glob("*.ipynb"))


def _run(path: Path):
    nb = nbformat.read(path, as_version=4)
    with warnings.catch_warnings():  # jupyter's own deprecations are not ours
        warnings.simplefilter("ignore", DeprecationWarning)
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(path.parent)}}
                                ).execute()
    return nb


def _texts(nb) -> list[str]:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            assert o.output_type != "error", f"{o.ename}: {o.evalue}"
            out.append(str(o.get("data", {}).get("text/plain", o.get("text", ""))))
    return out


def test_the_notebooks_are_found():
    assert {p.stem for p in NOTEBOOKS} >= {"getting_started", "single_neuron_figures",
                                           "your_own_model"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path):
    texts = _texts(_run(path))
    assert texts, "the notebook produced no output"
    if path.stem == "your_own_model":
        assert "('separable', True)" in texts
        assert "True" in texts  # the laws are proven
    if path.stem == "single_neuron_figures":
        assert any("S(0, 20)" in t for t in texts)
    if path.stem == "getting_started":
        assert any("VerificationReport" in t and "all passed" in t for t in texts)
