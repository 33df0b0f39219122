"""The layering of STYLE.md §1 and the cheap imports of §3.

::

    exactflow/__init__.py  exactflow/_build.py  exactflow/cli.py      glue: anything
       derivations/ ──► symbolic/ ◄── codegen/ ◄── simulate/

Only *module-level* imports count (including those in class bodies and under
``if``/``try``): an import inside a function body is the allowed lazy, upward edge.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import exactflow

PACKAGE_DIR = Path(exactflow.__file__).resolve().parent
STDLIB = set(sys.stdlib_module_names) | {"__future__"}
CORE_DEPS = {"sympy", "mpmath", "numpy", "jinja2"}  # pyproject `dependencies`
OPTIONAL = ("numba", "cupy", "dask", "matplotlib", "scipy", "jinja2")


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


ALL_MODULES = modules()


class _ModuleLevelImports(ast.NodeVisitor):
    """Collect imports executed when the module is imported (not in functions)."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[int, str]] = []

    def visit_FunctionDef(self, node):  # lazy imports are fine
        pass

    visit_AsyncFunctionDef = visit_Lambda = visit_FunctionDef

    def visit_Import(self, node: ast.Import) -> None:
        self.found += [(node.lineno, alias.name) for alias in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:  # `from pkg import submodule` imports the submodule
            sub = f"{target}.{alias.name}"
            self.found.append((node.lineno, sub if sub in ALL_MODULES else target))


def imports_of(source: str, module: str,
               is_package: bool = False) -> list[tuple[int, str]]:
    visitor = _ModuleLevelImports(module, is_package)
    visitor.visit(ast.parse(source))
    return visitor.found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# per layer: the third-party packages and the exactflow packages it may import;
# the glue (exactflow, _build, cli) may import any exactflow module and core deps
RULES = {
    "exactflow.symbolic": {
        "allowed_third_party": {"sympy", "mpmath", "numpy"},
        "allowed_internal": ("exactflow.symbolic",),
    },
    "exactflow.derivations": {
        "allowed_third_party": {"sympy", "mpmath", "numpy"},
        "allowed_internal": ("exactflow.symbolic", "exactflow.derivations"),
    },
    "exactflow.codegen": {
        "allowed_third_party": {"sympy", "mpmath", "numpy", "jinja2"},
        "allowed_internal": ("exactflow.symbolic", "exactflow.codegen"),
    },
    "exactflow.simulate": {
        "allowed_third_party": {"sympy", "mpmath", "numpy"},
        "allowed_internal": ("exactflow.symbolic", "exactflow.codegen",
                             "exactflow.simulate"),
    },
}


def violations(module: str, found: list[tuple[int, str]]) -> list[str]:
    layer = next((layer for layer in RULES if within(module, layer)), None)
    bad = []
    for line, name in found:
        top = name.split(".")[0]
        if top != "exactflow":
            allowed = (STDLIB | RULES[layer]["allowed_third_party"] if layer
                       else STDLIB | CORE_DEPS)
            if top not in allowed:
                bad.append(f"{module}:{line} imports {name} at module level")
        elif layer and not any(within(name, ok)
                               for ok in RULES[layer]["allowed_internal"]):
            bad.append(f"{module}:{line} imports {name} ({layer} may import only "
                       f"{', '.join(RULES[layer]['allowed_internal'])})")
    return bad


@pytest.mark.parametrize("module", sorted(ALL_MODULES))
def test_layering(module):
    path = ALL_MODULES[module]
    found = imports_of(path.read_text(encoding="utf-8"), module,
                       is_package=path.name == "__init__.py")
    assert violations(module, found) == []


def test_the_walk_sees_the_layers():
    # guard against a vacuous pass: the walker finds the packages and their imports
    assert {"exactflow", "exactflow.cli", "exactflow.symbolic.spec.flow",
            "exactflow.derivations.single_neuron"} <= set(ALL_MODULES)
    path = ALL_MODULES["exactflow.symbolic.spec.flow"]
    found = {n for _, n in imports_of(path.read_text(), "exactflow.symbolic.spec.flow")}
    assert {"sympy", "exactflow.symbolic.spec.model"} <= found


@pytest.mark.parametrize("module, source, expected", [
    ("exactflow.derivations.toy", "from ..codegen import render",
     "exactflow.codegen"),
    ("exactflow.derivations.toy", "from .. import _build", "exactflow._build"),
    ("exactflow.codegen.printers", "import exactflow.derivations.single_neuron",
     "exactflow.derivations"),
    ("exactflow.symbolic.spec.flow", "import scipy.integrate", "scipy"),
    ("exactflow.symbolic.spec.flow", "from ...derivations import CATALOG",
     "exactflow.derivations"),
    ("exactflow.symbolic.spec.flow", "class K:\n    import numba", "numba"),
    ("exactflow.symbolic.spec.flow", "try:\n    import cupy\nexcept ImportError:\n    pass",
     "cupy"),
    ("exactflow.simulate.sweep", "from exactflow.derivations import single_neuron",
     "exactflow.derivations"),
    ("exactflow._build", "import matplotlib", "matplotlib"),
])
def test_checker_catches(module, source, expected):
    bad = violations(module, imports_of(textwrap.dedent(source), module))
    assert len(bad) == 1 and expected in bad[0]


@pytest.mark.parametrize("module, source", [
    ("exactflow.derivations.toy", "from ..symbolic.model import Model"),
    ("exactflow.derivations.toy", "def f():\n    from .._build import load_kernel"),
    ("exactflow.codegen.render", "import jinja2\nfrom ..symbolic import flow"),
    ("exactflow.symbolic.proof.zero", "from fractions import Fraction\nimport mpmath"),
    ("exactflow.cli", "from .derivations import CATALOG\nimport numpy"),
])
def test_checker_allows(module, source):
    assert violations(module, imports_of(source, module)) == []


# ---------------------------------------------------------------------- cheap imports


def _modules_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print('\\n'.join(sorted(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True, timeout=120, check=True)
    return set(proc.stdout.split())


def _loaded(mods: set[str], roots) -> list[str]:
    return sorted(m for m in mods if m.split(".")[0] in roots)


def test_import_exactflow_is_light():
    mods = _modules_after("import exactflow")
    assert _loaded(mods, OPTIONAL) == []


def test_import_cli_is_light():
    mods = _modules_after("import exactflow.cli")
    assert _loaded(mods, OPTIONAL + ("sympy",)) == []
    heavy = ("exactflow.derivations", "exactflow.codegen", "exactflow._build")
    assert sorted(m for m in mods if m.startswith(heavy)) == []
