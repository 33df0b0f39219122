"""The old module paths of exactflow 0.1 still work for one release, and warn."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from exactflow._compat import MOVED


@pytest.mark.parametrize("old", sorted(MOVED))
def test_old_path_warns_and_forwards(old):
    # a fresh interpreter: the module must not be imported already
    code = (
        "import warnings, importlib, sys\n"
        "warnings.simplefilter('error')\n"
        "import exactflow\n"
        f"try:\n    importlib.import_module({old!r})\n"
        "except DeprecationWarning as w:\n    print('warned:', w)\n"
        "warnings.simplefilter('ignore')\n"
        f"m = importlib.import_module({old!r})\n"
        f"new = importlib.import_module({MOVED[old]!r})\n"
        "names = [n for n in getattr(new, '__all__', dir(new))\n"
        "         if not n.startswith('_')]\n"
        "assert names and all(getattr(m, n) is getattr(new, n) for n in names)\n"
        "print('ok', len(names))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"warned: {old} has moved to {MOVED[old]}" in out.stdout
    assert "ok" in out.stdout


def test_new_homes_exist():
    for new in set(MOVED.values()):
        importlib.import_module(new)
