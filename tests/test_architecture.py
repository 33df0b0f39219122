"""The architecture of CONTRIBUTING.md, checked on the code itself.

::

    exactflow/__init__.py  _api.py  _build.py  _compat.py  cli/      glue: anything
        present/  experiments/                           may use the layers below
    derivations/ ──► symbolic/ ◄── codegen/ ◄── simulate/

* **Layering.**  Every import counts — at module level, in a class body, and
  inside a function body.  An import that runs against the arrows is allowed
  only when it is listed in :data:`UPWARD`, with the reason.
* **No cycles**, neither between modules nor between packages (each module
  belongs to the folder it lives in), counting function-body imports.
* **One registry per family.**  Codegen targets are named only in
  ``codegen/targets/``, solver structures only in ``symbolic/solve/structures/``;
  everything else reads the registries (``TARGETS``, ``STRUCTURES``).
* **A 400-line ceiling** per module, with the exceptions of :data:`LONG`.
* **Cheap imports**: ``import exactflow`` loads no optional package.
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
OPTIONAL = ("numba", "cupy", "dask", "distributed", "matplotlib", "scipy", "jinja2",
            "xarray", "zarr", "jax", "tqdm")
#: the most lines a module may have, and the modules allowed more (with why)
CEILING = 400
LONG: dict[str, str] = {}
#: imports that run against the layering, each with its reason
UPWARD: dict[tuple[str, str], str] = {
    ("exactflow.derivations._bundle", "exactflow._build"):
        "Derivation.kernel(): the one place a derivation asks for its kernels",
    ("exactflow.derivations._bundle", "exactflow.present.derivation"):
        "Derivation.latex(): the one renderer of derivations (as the CLI's)",
    ("exactflow.symbolic.solve.result", "exactflow.present.transcript"):
        "SolveResult displays itself (Jupyter) through the one transcript renderer",
    ("exactflow.symbolic.solve.result", "exactflow._build"):
        "SolveResult.kernel(): a solved model's kernel, generated on request",
}


def module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


ALL_MODULES = modules()


class _Imports(ast.NodeVisitor):
    """Every import of a module: ``(line, target, in_function)``."""

    def __init__(self, module: str, is_package: bool, known) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.found: list[tuple[int, str, bool]] = []
        self._depth = 0

    def _function(self, node):
        self._depth += 1
        self.generic_visit(node)
        self._depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function

    def visit_Import(self, node: ast.Import) -> None:
        self.found += [(node.lineno, a.name, self._depth > 0) for a in node.names]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            target = ".".join(base + ([node.module] if node.module else []))
        else:
            target = node.module or ""
        for alias in node.names:  # `from pkg import submodule` imports the submodule
            sub = f"{target}.{alias.name}"
            self.found.append((node.lineno, sub if sub in self.known else target,
                               self._depth > 0))


def imports_of(source: str, module: str, is_package: bool = False,
               known=None) -> list[tuple[int, str, bool]]:
    visitor = _Imports(module, is_package, ALL_MODULES if known is None else known)
    visitor.visit(ast.parse(source))
    return visitor.found


def _all_imports() -> dict[str, list[tuple[int, str, bool]]]:
    out = {}
    for name, path in ALL_MODULES.items():
        out[name] = imports_of(path.read_text(encoding="utf-8"), name,
                               path.name == "__init__.py")
    return out


IMPORTS = _all_imports()


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


# per layer: the third-party packages and the exactflow packages it may import
# at module level (optional packages only inside functions, see OPTIONAL)
RULES = {
    "exactflow.symbolic": {
        "third_party": {"sympy", "mpmath", "numpy"},
        "internal": ("exactflow.symbolic",),
    },
    "exactflow.derivations": {
        "third_party": {"sympy", "mpmath", "numpy"},
        "internal": ("exactflow.symbolic", "exactflow.derivations"),
    },
    "exactflow.codegen": {
        "third_party": {"sympy", "mpmath", "numpy", "jinja2"},
        "internal": ("exactflow.symbolic", "exactflow.codegen"),
    },
    "exactflow.simulate": {
        "third_party": {"sympy", "mpmath", "numpy"},
        "internal": ("exactflow.symbolic", "exactflow.codegen", "exactflow.simulate"),
    },
    "exactflow.present": {
        "third_party": {"sympy", "mpmath", "numpy"},
        "internal": ("exactflow.symbolic", "exactflow.codegen", "exactflow.simulate",
                     "exactflow.derivations", "exactflow.present"),
    },
    "exactflow.experiments": {
        "third_party": {"sympy", "mpmath", "numpy"},
        "internal": ("exactflow.symbolic", "exactflow.codegen", "exactflow.simulate",
                     "exactflow.derivations", "exactflow.experiments"),
    },
}


def violations(module: str, found) -> list[str]:
    layer = next((layer for layer in RULES if within(module, layer)), None)
    bad = []
    for line, name, in_function in found:
        top = name.split(".")[0]
        if name in ("exactflow._version", "exactflow._progress"):
            continue  # leaves every layer may use
        if top != "exactflow":
            if in_function:  # optional dependencies are imported where needed
                continue
            allowed = (STDLIB | RULES[layer]["third_party"] if layer
                       else STDLIB | CORE_DEPS)
            if top not in allowed:
                bad.append(f"{module}:{line} imports {name} at module level")
        elif layer and not any(within(name, ok) for ok in RULES[layer]["internal"]):
            if (module, name) not in UPWARD:
                bad.append(f"{module}:{line} imports {name} ({layer} may import "
                           f"only {', '.join(RULES[layer]['internal'])})")
    return bad


@pytest.mark.parametrize("module", sorted(ALL_MODULES))
def test_layering(module):
    assert violations(module, IMPORTS[module]) == []


def test_every_upward_edge_is_used():
    used = {(m, n) for m, found in IMPORTS.items() for _, n, _ in found}
    assert set(UPWARD) <= used, "an allowlisted upward import no longer exists"


def test_the_walk_sees_the_layers():
    # guard against a vacuous pass: the walker finds the packages and their imports
    assert {"exactflow", "exactflow.cli", "exactflow.symbolic.spec.flow",
            "exactflow.derivations.single_neuron"} <= set(ALL_MODULES)
    found = {n for _, n, _ in IMPORTS["exactflow.symbolic.spec.flow"]}
    assert {"sympy", "exactflow.symbolic.spec.model"} <= found
    lazy = [n for _, n, f in IMPORTS["exactflow.derivations._bundle"] if f]
    assert "exactflow._build" in lazy


@pytest.mark.parametrize("module, source, expected", [
    ("exactflow.derivations.toy", "from ..codegen import render", "exactflow.codegen"),
    ("exactflow.derivations.toy", "from .. import _build", "exactflow._build"),
    ("exactflow.derivations.toy", "def f():\n    from .._build import load_kernel",
     "exactflow._build"),
    ("exactflow.codegen.targets.numpy.printer",
     "import exactflow.derivations.single_neuron",
     "exactflow.derivations"),
    ("exactflow.symbolic.spec.flow", "import scipy.integrate", "scipy"),
    ("exactflow.symbolic.spec.flow", "from ...derivations import CATALOG",
     "exactflow.derivations"),
    ("exactflow.symbolic.spec.flow", "class K:\n    import numba", "numba"),
    ("exactflow.symbolic.spec.flow",
     "try:\n    import cupy\nexcept ImportError:\n    pass", "cupy"),
    ("exactflow.simulate.sweep", "from exactflow.derivations import single_neuron",
     "exactflow.derivations"),
    ("exactflow._build", "import matplotlib", "matplotlib"),
])
def test_checker_catches(module, source, expected):
    bad = violations(module, imports_of(textwrap.dedent(source), module))
    assert len(bad) == 1 and expected in bad[0]


@pytest.mark.parametrize("module, source", [
    ("exactflow.derivations.toy", "from ..symbolic.spec.model import Model"),
    ("exactflow.derivations._bundle", "def f():\n    from .._build import load_kernel"),
    ("exactflow.codegen.render", "import jinja2\nfrom ..symbolic import spec"),
    ("exactflow.symbolic.proof.zero", "from fractions import Fraction\nimport mpmath"),
    ("exactflow.cli", "from .derivations import CATALOG\nimport numpy"),
    ("exactflow.present.figures", "def f():\n    import matplotlib.pyplot"),
])
def test_checker_allows(module, source):
    assert violations(module, imports_of(source, module)) == []


# ------------------------------------------------------------------------- cycles


def _graph(imports, key=lambda m: m) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {key(m): set() for m in imports}
    for m, found in imports.items():
        for _, name, _ in found:
            if name.split(".")[0] != "exactflow":
                continue
            # an import of a module also names the package it is in
            while name not in ALL_MODULES and "." in name:
                name = name.rpartition(".")[0]
            a, b = key(m), key(name)
            if a != b:
                graph[a].add(b)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(max(10_000, sys.getrecursionlimit()))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _folder(module: str) -> str:
    path = ALL_MODULES[module]
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def test_no_import_cycles_between_modules():
    assert cycles(_graph(IMPORTS)) == []


def test_no_import_cycles_between_packages():
    # a package's __init__ re-exporting its own members is not a cycle: the
    # edge from a folder to its subfolders is the folder's public face
    def key(m: str) -> str:
        return _folder(m)

    graph = _graph(IMPORTS, key)
    for a in graph:
        graph[a] = {b for b in graph[a] if not within(b, a)}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


# --------------------------------------------------------------------- registries


def _string_constants(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef,
                                    ast.AsyncFunctionDef))
                  and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    exported = {id(c) for n in ast.walk(tree) if isinstance(n, ast.Assign)
                and any(getattr(t, "id", None) == "__all__" for t in n.targets)
                for c in ast.walk(n.value)}  # __all__ lists Python names
    return [(n.lineno, n.value) for n in ast.walk(tree)
            if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and id(n) not in docstrings | exported]


def _named_outside(names: set[str], home: str, scope: str = "exactflow") -> list[str]:
    found = []
    for module, path in ALL_MODULES.items():
        if within(module, home) or not within(module, scope):
            continue
        found += [f"{module}:{line} names {value!r}"
                  for line, value in _string_constants(path) if value in names]
    return found


def test_targets_are_named_only_in_their_folder():
    from exactflow.codegen.targets import TARGETS

    assert set(TARGETS) >= {"numpy", "numba", "cuda"}
    assert _named_outside(set(TARGETS), "exactflow.codegen.targets") == []


def test_structures_are_named_only_in_their_folder():
    from exactflow.symbolic.solve.structures import STRUCTURES

    names = {s.name for s in STRUCTURES}
    assert {"riccati", "linear", "matrix-riccati", "separable"} <= names
    assert _named_outside(names, "exactflow.symbolic.solve.structures",
                          "exactflow.symbolic") == []


def test_the_literal_finder_sees_literals():
    # the kernel role "exact" is named by the catalog: the scan must see it
    assert _named_outside({"exact"}, "exactflow.codegen") != []


# ------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("module", sorted(ALL_MODULES))
def test_module_is_under_the_ceiling(module):
    lines = len(ALL_MODULES[module].read_text(encoding="utf-8").splitlines())
    assert lines <= CEILING or module in LONG, (
        f"{module} has {lines} lines (> {CEILING}): split it, or list it in LONG "
        "with the reason")


def test_long_modules_are_still_long():
    for module in LONG:
        lines = len(ALL_MODULES[module].read_text(encoding="utf-8").splitlines())
        assert lines > CEILING, f"{module} is short now: remove it from LONG"


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
    # the parser reads the target registry, which loads no printer and no SymPy
    mods = _modules_after("import exactflow.cli; exactflow.cli.build_parser()")
    assert _loaded(mods, OPTIONAL + ("sympy",)) == []
    heavy = ("exactflow.derivations", "exactflow.codegen.passes",
             "exactflow.codegen.targets.numpy.lower", "exactflow._build")
    assert sorted(m for m in mods if m.startswith(heavy)) == []
