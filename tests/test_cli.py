"""The ``exactflow`` command, in-process through ``main()`` and as a subprocess.

Most tests run against a small toy catalog (a scalar two-layer model built with the
real symbolic core, one entry with a false claim) so that they check the CLI and
not the cost of the real proofs; the ``single_neuron`` tests check the real catalog.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
import sympy as sp

import exactflow
import exactflow.cli
import exactflow.derivations
from exactflow.cli import main
from exactflow.derivations._bundle import Derivation
from exactflow.symbolic.proof.verify import Claim, Solution, conserved_claim
from exactflow.symbolic.spec.flow import gradient_flow, time_derivative
from exactflow.symbolic.spec.model import Model, ParamGroup

# ------------------------------------------------------------------------ toy catalog

a, w, bs = sp.symbols("a w beta_star", real=True)
eta_a, eta_w = sp.symbols("eta_a eta_w", positive=True)
t = sp.Symbol("t", nonnegative=True)


def _toy(name: str, *, false_claim: bool = False, solution: bool = True) -> Derivation:
    model = Model(
        name=name,
        params=(ParamGroup("a", (a,), eta_a), ParamGroup("w", (w,), eta_w)),
        consts=(eta_a, eta_w, bs),
        loss=(bs - a * w) ** 2 / 2,
        assumptions="scalar data, Σxx = 1 & Σxy = β*",
        references=("Toy et al. (2000), arXiv:0000.00000",),
    )
    flow = gradient_flow(model)
    delta = eta_w * a**2 - eta_a * w**2
    claims = [
        conserved_claim("delta conserved", lambda: flow, lambda f: delta,
                        "dδ/dt ≡ 0 along the flow"),
        Claim("flow is -eta*grad", "ȧ = −η_a ∂L/∂a",
              lambda: (time_derivative(flow, a) == flow.equations[a], "symbolic",
                       0.0, ""), tags=("symbolic",)),
    ]
    if false_claim:
        claims.append(Claim("one equals two", "1 = 2 (false on purpose)",
                            lambda: (False, "exact-rational", 1.0, "1 - 2 = -1 ≠ 0")))
    sol = None
    if solution:  # the trivial solution at the saddle a = w = 0, β* = 0
        sol = Solution(t, {a: sp.Integer(0), w: sp.Integer(0)},
                       {a: sp.Symbol("a_init"), w: sp.Symbol("w_init")},
                       domain="a₀ = w₀ = 0 only")
    return Derivation(
        name=name, title=f"Toy scalar network ({name})", model=model, flow=flow,
        conserved={"delta": delta}, solution=sol, claims=tuple(claims),
        sections=(("Invariant", r"\delta &= \eta_w a^2 - \eta_a w^2"),),
    )


def _entry(derivation: Derivation) -> types.SimpleNamespace:
    return types.SimpleNamespace(derivation=lambda: derivation)  # module-like


@pytest.fixture
def toy_catalog(monkeypatch):
    catalog = {
        "toy": _entry(_toy("toy")),
        "toy_bad": _entry(_toy("toy_bad", false_claim=True, solution=False)),
    }
    monkeypatch.setattr(exactflow.derivations, "CATALOG", catalog)
    return catalog


@pytest.fixture
def good_catalog(monkeypatch):
    monkeypatch.setattr(exactflow.derivations, "CATALOG", {"toy": _entry(_toy("toy"))})


def _real_single_neuron():
    try:
        return exactflow.derivation("single_neuron")
    except (AttributeError, ImportError) as exc:  # still being written
        pytest.skip(f"single_neuron derivation not available yet: {exc!r}")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def assert_usage_error(code: int, out: str, err: str, *words: str) -> None:
    assert code == 2
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("exactflow: error: ")
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


# ----------------------------------------------------------------------- list, derive


def test_list(toy_catalog, capsys):
    code, out, err = run(capsys, "list")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == ["toy", "toy_bad"]
    assert "Toy scalar network (toy)" in lines[0]


def test_derive_text(toy_catalog, capsys):
    code, out, err = run(capsys, "derive", "toy")
    assert (code, err) == (0, "")
    for part in ("Model: toy", "Σxx = 1", "Toy et al. (2000)", "rate eta_a",
                 "rate eta_w", "da/dt = ", "dw/dt = ",
                 "delta = a**2*eta_w - eta_a*w**2",
                 r"\delta &= \eta_w a^2 - \eta_a w^2",  # LaTeX sections as-is
                 "domain: a₀ = w₀ = 0 only", "delta conserved", "dδ/dt ≡ 0"):
        assert part in out, part
    # the printed flow parses back to the derived flow
    printed = out.split("dw/dt = ")[1].splitlines()[0]
    names = {"a": a, "w": w, "beta_star": bs, "eta_a": eta_a, "eta_w": eta_w}
    assert sp.expand(sp.sympify(printed, locals=names) - eta_w * a * (bs - a * w)) == 0


def test_derive_latex(toy_catalog, capsys):
    code, out, err = run(capsys, "derive", "toy", "--format", "latex")
    assert (code, err) == (0, "")
    assert r"\section*{Toy scalar network (toy)}" in out
    assert out.count(r"\begin{align*}") == out.count(r"\end{align*}") >= 4
    assert out.count(r"\begin{itemize}") == out.count(r"\end{itemize}")
    assert r"\dot{a} &= " in out and r"\dot{w} &= " in out
    assert r"\delta &= " in out  # conserved quantity named by its LaTeX symbol
    # text mode is escaped for pdflatex: no raw Unicode maths, no bare & or _
    assert out.isascii()
    assert r"$\Sigma xx$ = 1 \& $\Sigma xy$ = $\beta*$" in out
    assert r"\texttt{toy}" in out


def test_latex_text_escapes_and_accents():
    from exactflow.present.latex import latex_text as _latex_text

    assert _latex_text("Raventós: β̇ ≠ ȧ, x_1 & 50% {a} ∉ §") == (
        r"Ravent\'{o}s: $\dot{\beta}$ $\neq$ $\dot{a}$, x\_1 \& 50\% \{a\} "
        r"$\notin$ \S{}")


def test_derive_markdown(toy_catalog, capsys):
    code, out, err = run(capsys, "derive", "toy", "--format", "markdown")
    assert (code, err) == (0, "")
    assert out.startswith("# toy — Toy scalar network (toy)\n")
    for heading in ("## Model", "## Parameters and learning rates", "## Gradient flow",
                    "## Conserved quantities", "## Invariant", "## Solution",
                    "## Claims"):
        assert f"\n{heading}\n" in out, heading
    assert out.count("$$") % 2 == 0 and out.count("$$") >= 8
    assert out.count(r"\begin{aligned}") == out.count(r"\end{aligned}") >= 4
    assert "| `a` | scalar | $a$ | $\\eta_{a}$ |" in out


def test_derive_without_solution(toy_catalog, capsys):
    code, out, _ = run(capsys, "derive", "toy_bad")
    assert code == 0
    assert "no closed form" in out


# ----------------------------------------------------------------------------- verify


def test_verify_passes(good_catalog, capsys):
    code, out, err = run(capsys, "verify", "toy")
    assert (code, err) == (0, "")
    header = out.splitlines()[1].split()
    assert header[:3] == ["claim", "result", "method"]
    assert "delta conserved" in out and "symbolic" in out
    assert "FAILED" not in out
    assert out.rstrip().splitlines()[-1].startswith(
        "Summary: 2 claims in 1 derivation: 2 passed, 0 failed")


def test_verify_failing_claim_exits_1(toy_catalog, capsys):
    code, out, err = run(capsys, "verify", "toy", "toy_bad")
    assert code == 1
    assert err == ""
    assert "FAILED one equals two: 1 - 2 = -1 ≠ 0" in out
    assert "exact-rational" in out and "1.0e+00" in out
    assert "5 claims in 2 derivations: 4 passed, 1 failed" in out


def test_verify_all_markdown(toy_catalog, capsys):
    code, out, _ = run(capsys, "verify", "--all", "--format", "markdown")
    assert code == 1
    assert "## toy — " in out and "## toy_bad — " in out
    assert "| claim | result | method | residual / max error | time [s] |" in out
    assert "| one equals two | FAILED | exact-rational | 1.0e+00 |" in out
    assert out.rstrip().splitlines()[-1].startswith("**Summary:** 5 claims")


def test_verify_progress_on_a_terminal(toy_catalog, capsys, monkeypatch):
    code, quiet, err = run(capsys, "verify", "toy_bad")
    assert (code, err) == (1, "")
    monkeypatch.setattr(exactflow.cli._common, "_show_progress", lambda: True)
    code, out, err = run(capsys, "verify", "toy_bad")
    assert code == 1
    assert err.splitlines()[0].startswith("[toy_bad 1/3] delta conserved ... ok (")
    assert err.splitlines()[2].startswith("[toy_bad 3/3] one equals two ... FAILED (")

    def rows(text):  # the table without the timings
        return [ln.rsplit(None, 1)[0] for ln in text.splitlines()[1:6]]

    assert rows(out) == rows(quiet)


def test_verify_all_good(good_catalog, capsys):
    code, _, _ = run(capsys, "verify", "--all")
    assert code == 0


@pytest.mark.parametrize("argv, words", [
    (["verify"], ["--all"]),
    (["verify", "toy", "--all"], ["not both"]),
    (["verify", "nope"], ["unknown derivation 'nope'"]),
    (["verify", "toy", "--format", "latex"], ["invalid choice", "latex"]),
])
def test_verify_bad_input(toy_catalog, capsys, argv, words):
    assert_usage_error(*run(capsys, *argv), *words)


def test_verify_checks_names_before_running(toy_catalog, capsys, monkeypatch):
    ran = []
    real = Derivation.verify
    monkeypatch.setattr(Derivation, "verify",
                        lambda self, names=None: ran.append(self.name) or real(self))
    assert_usage_error(*run(capsys, "verify", "toy", "nope"), "nope")
    assert ran == []


# ---------------------------------------------------------------------------- codegen


@pytest.fixture
def fake_build(monkeypatch, tmp_path):
    """A stand-in for `exactflow._build`, to test the CLI's wiring on its own."""
    calls = []

    def kernel_source(derivation, kernel, target, dtype):
        calls.append(("source", derivation.name, kernel, target, dtype))
        if kernel != "exact":
            raise ValueError(f"kernel must be one of ['exact'], got {kernel!r}")
        return f"# Generated by exactflow for {derivation.name} ({target}, {dtype})\n"

    def write_kernel(derivation, kernel, target, dtype, directory):
        calls.append(("write", derivation.name, kernel, target, dtype, directory))
        path = Path(directory) / f"{derivation.name}_{kernel}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(kernel_source(derivation, kernel, target, dtype))
        return path

    module = types.ModuleType("exactflow._build")
    module.kernel_source, module.write_kernel = kernel_source, write_kernel
    monkeypatch.setitem(sys.modules, "exactflow._build", module)
    monkeypatch.setattr(exactflow, "_build", module, raising=False)
    return calls


def test_codegen_stdout_and_file_wiring(toy_catalog, fake_build, capsys, tmp_path):
    code, out, err = run(capsys, "codegen", "toy", "--target", "cuda",
                         "--dtype", "float32")
    assert (code, err) == (0, "")
    assert out == "# Generated by exactflow for toy (cuda, float32)\n"
    assert fake_build[-1] == ("source", "toy", "exact", "cuda", "float32")

    code, out, err = run(capsys, "codegen", "toy", "--target", "numpy",
                         "-o", str(tmp_path / "gen"))
    assert (code, err) == (0, "")
    path = Path(out.strip())
    assert path.parent == tmp_path / "gen" and path.is_file()
    assert fake_build[1][:5] == ("write", "toy", "exact", "numpy", "float64")


def test_codegen_bare_o_writes_to_cwd(toy_catalog, fake_build, capsys, tmp_path,
                                      monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "codegen", "toy", "--target", "numpy", "-o")
    assert code == 0
    assert Path(out.strip()).resolve().parent == tmp_path.resolve()


@pytest.mark.parametrize("argv, words", [
    (["codegen", "toy"], ["--target"]),
    (["codegen", "toy", "--target", "fortran"], ["invalid choice", "fortran"]),
    (["codegen", "toy", "--target", "numpy", "--dtype", "float16"], ["float16"]),
    (["codegen", "toy", "--target", "numpy", "--kernel", "nope"], ["'nope'"]),
    (["codegen", "nope", "--target", "numpy"], ["unknown derivation"]),
])
def test_codegen_bad_input(toy_catalog, fake_build, capsys, argv, words):
    assert_usage_error(*run(capsys, *argv), *words)


def test_codegen_output_is_a_file(toy_catalog, fake_build, capsys, tmp_path):
    (tmp_path / "f").write_text("")
    assert_usage_error(*run(capsys, "codegen", "toy", "--target", "numpy",
                            "-o", str(tmp_path / "f")), "directory")


def test_codegen_real_single_neuron(capsys, tmp_path):
    pytest.importorskip("exactflow._build", reason="exactflow._build not written yet")
    from exactflow._build import write_kernel  # noqa: F401  (must exist)

    _real_single_neuron()
    code, out, err = run(capsys, "codegen", "single_neuron", "--target", "numpy",
                         "-o", str(tmp_path))
    assert (code, err) == (0, "")
    path = Path(out.strip())
    assert path.is_file() and path.parent == tmp_path
    text = path.read_text()
    assert text.startswith("# Generated by exactflow") and "single_neuron" in text
    compile(text, str(path), "exec")

    code, out, _ = run(capsys, "codegen", "single_neuron", "--target", "numpy")
    assert code == 0 and out.rstrip("\n") == text.rstrip("\n")


# ----------------------------------------------------------------------------- report


def test_report(toy_catalog, capsys, tmp_path):
    directory = tmp_path / "rep"
    code, out, err = run(capsys, "report", "-o", str(directory))
    assert code == 1  # toy_bad has a false claim
    assert err == ""
    names = sorted(p.name for p in directory.iterdir())
    pdfs = ["toy.pdf", "toy.tex", "toy_bad.pdf", "toy_bad.tex"] \
        if shutil.which("pdflatex") else []
    assert names == sorted(["index.md", "toy.md", "toy_bad.md", *pdfs])
    index = (directory / "index.md").read_text()
    assert "| [toy](toy.md) | Toy scalar network (toy) | 2 | 2 | 0 |" in index
    assert ("| [toy_bad](toy_bad.md) | Toy scalar network (toy_bad) | 3 | 2 | 1 |"
            in index)
    assert "## Kernels" in (directory / "toy.md").read_text()
    page = (directory / "toy_bad.md").read_text()
    assert page.startswith("# toy_bad — ")
    assert "## Verification" in page and "SOME CLAIMS FAILED" in page
    assert "- **one equals two** (FAILED, exact-rational): 1 = 2" in page
    assert str(directory / "index.md") in out


def test_report_names_and_cached_results(toy_catalog, capsys, tmp_path, monkeypatch):
    from exactflow.derivations._bundle import Derivation

    code, out, _ = run(capsys, "report", "toy", "-o", str(tmp_path / "a"))
    assert code == 0 and "toy_bad" not in out
    calls = []
    original = Derivation.verify
    def counting(self, *args, **kwargs):
        calls.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Derivation, "verify", counting)
    assert run(capsys, "report", "toy", "-o", str(tmp_path / "b"))[0] == 0
    assert calls == []  # the results of the same code were reused
    assert run(capsys, "report", "toy", "--fresh", "-o", str(tmp_path / "c"))[0] == 0
    assert calls == [1]
    assert_usage_error(*run(capsys, "report", "nosuch"), "unknown derivation")


def test_report_default_directory(good_catalog, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, _ = run(capsys, "report")
    assert code == 0
    assert (tmp_path / "exactflow-report" / "index.md").is_file()
    assert "all claims hold" in (tmp_path / "exactflow-report" / "toy.md").read_text()


def test_report_into_a_file_is_bad_input(good_catalog, capsys, tmp_path):
    (tmp_path / "f").write_text("")
    assert_usage_error(*run(capsys, "report", "-o", str(tmp_path / "f")), "directory")


# -------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("argv, words", [
    ([], ["missing command"]),
    (["frobnicate"], ["invalid choice", "frobnicate"]),
    (["derive"], ["NAME"]),
    (["derive", "nope"], ["unknown derivation 'nope'", "toy"]),
    (["derive", "toy", "--format", "pdf"], ["invalid choice", "pdf"]),
    (["list", "extra"], ["unrecognized arguments", "extra"]),
])
def test_bad_input_is_one_line_and_exit_2(toy_catalog, capsys, argv, words):
    assert_usage_error(*run(capsys, *argv), *words)


@pytest.mark.parametrize("exc", [ValueError("bad\nvalue"), TypeError("bad type")])
def test_library_errors_become_one_line(toy_catalog, capsys, monkeypatch, exc):
    def boom(self, names=None):
        raise exc

    monkeypatch.setattr(Derivation, "verify", boom)
    assert_usage_error(*run(capsys, "verify", "toy"), "bad")


def test_keyboard_interrupt_exits_130(toy_catalog, capsys, monkeypatch):
    def interrupt(self, names=None):
        raise KeyboardInterrupt

    monkeypatch.setattr(Derivation, "verify", interrupt)
    code, _, err = run(capsys, "verify", "toy")
    assert code == 130
    assert "Traceback" not in err


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("list", "derive", "verify", "codegen", "report"):
        assert command in out
    code, out, _ = run(capsys, "--version")
    assert (code, out.strip()) == (0, f"exactflow {exactflow.__version__}")


# ------------------------------------------------------------------------- subprocess


def _cli(*argv: str, cwd: Path, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "error", **extra_env}
    env.pop("EXACTFLOW_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "exactflow.cli", *argv], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("argv, words", [
    (["derive", "no_such_model"], ["unknown derivation 'no_such_model'"]),
    (["codegen", "single_neuron", "--target", "fortran"], ["invalid choice"]),
    (["verify"], ["--all"]),
])
def test_subprocess_bad_input(tmp_path, argv, words):
    proc = _cli(*argv, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) == 1
    assert proc.stderr.startswith("exactflow: error: ")
    assert all(w in proc.stderr for w in words)


def test_subprocess_help(tmp_path):
    proc = _cli("--help", cwd=tmp_path)
    assert proc.returncode == 0 and "codegen" in proc.stdout and proc.stderr == ""


def test_console_script(tmp_path):
    script = Path(sys.executable).with_name("exactflow")
    if not script.exists():
        pytest.skip(f"console script not installed next to {sys.executable}")
    proc = subprocess.run([str(script), "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"exactflow {exactflow.__version__}"


# ----------------------------------------------------------------------- real catalog


def test_list_real_catalog(capsys):
    _real_single_neuron()
    code, out, _ = run(capsys, "list")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()]
    assert names == sorted(exactflow.catalog()) and "single_neuron" in names


@pytest.mark.parametrize("fmt", ["text", "latex", "markdown"])
def test_derive_real_single_neuron(capsys, fmt):
    d = _real_single_neuron()
    code, out, err = run(capsys, "derive", "single_neuron", "--format", fmt)
    assert (code, err) == (0, "")
    assert "single_neuron" in out and "2406.06158" in out
    if fmt == "latex":
        assert out.count(r"\item \textbf{") == len(d.claims)
    else:
        assert all(claim.name in out for claim in d.claims)


def test_subprocess_derive_real(tmp_path):
    _real_single_neuron()
    proc = _cli("derive", "single_neuron", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "Gradient flow" in proc.stdout and "eta_a" in proc.stdout


def test_subprocess_ascii_terminal(tmp_path):
    _real_single_neuron()
    proc = _cli("derive", "single_neuron", cwd=tmp_path, PYTHONIOENCODING="ascii")
    assert proc.returncode == 0, proc.stderr
    assert "\\u03b4" in proc.stdout  # δ, escaped rather than a UnicodeEncodeError
