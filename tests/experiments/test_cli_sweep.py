"""``exactflow sweep`` and ``exactflow plot`` through the experiment registry."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pytest.importorskip("xarray")
pytest.importorskip("zarr")

sys.path.insert(0, str(Path(__file__).parent))

from exactflow.cli import main  # noqa: E402


@pytest.fixture
def toy_registry(monkeypatch):
    import exactflow.experiments as ex

    monkeypatch.setitem(ex.EXPERIMENTS, "toy", "toy_experiment")


def test_sweep_then_plot(toy_registry, tmp_path, capsys):
    store = tmp_path / "s.zarr"
    assert main(["sweep", "toy", "--steps", "4", "-o", str(store)]) == 0
    assert "toy: a 2, b 1, step 4" in capsys.readouterr().out
    assert main(["sweep", "toy", "-o", str(store)]) == 2  # exists, no --resume
    assert "exists" in capsys.readouterr().err
    assert main(["sweep", "toy", "--steps", "4", "-o", str(store), "--resume"]) == 0
    capsys.readouterr()
    assert main(["plot", str(store), "-o", str(tmp_path / "fig")]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(tmp_path / "fig" / "toy.txt")]
    assert (tmp_path / "fig" / "toy.txt").read_text() == "(2, 1, 4)\n"


def test_bad_input_is_one_line(toy_registry, tmp_path, capsys):
    assert main(["sweep"]) == 2
    assert main(["sweep", "nosuch", "-o", "x"]) == 2
    assert main(["plot", str(tmp_path / "missing.zarr")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["plot", str(tmp_path / "empty")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 4 and all(line.startswith("exactflow: error:") for line in err)
