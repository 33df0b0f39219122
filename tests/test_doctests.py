"""One doctest runner: every module of the package whose source has ``>>>``.

The list is found, not written down, so a new module's examples are run as
soon as it has them.
"""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest

import exactflow

PACKAGE = Path(exactflow.__file__).resolve().parent


def _modules_with_examples() -> list[str]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if ">>>" not in path.read_text(encoding="utf-8"):
            continue
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
        if parts[-1] == "__main__":
            continue
        out.append(".".join(parts))
    return out


MODULES = _modules_with_examples()


def test_the_walk_finds_the_examples():
    assert {"exactflow", "exactflow.derivations.single_neuron",
            "exactflow.codegen.targets", "exactflow.symbolic.solve.engine",
            "exactflow.derivations._standard"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has '>>>' but no example was run"
