"""Every CLI command, fuzzed with bad input: one line on stderr, exit 2, never a
traceback.

* model files broken in combinations of ways (a loss that is not finite, not
  real, a distribution, undeclared symbols, malformed ``REDUCTION``, the file
  exiting or raising, text that is not Python) through ``solve`` and ``laws``;
* bad arguments for every command (unknown names, options out of range,
  missing or non-file paths, unknown options).
"""

from __future__ import annotations

import string

from common import MODEL_FILE_HEAD as HEAD
from common import MODEL_FILE_MODEL as MODEL
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exactflow.cli import main

from .tally import examples, record

SETTINGS = {"deadline": None, "suppress_health_check": list(HealthCheck)}


#: loss expressions that make a model invalid
BAD_LOSSES = ["sp.nan", "sp.oo", "-sp.oo", "sp.zoo*x", "sp.I*x", "sp.DiracDelta(x)",
              "sp.Symbol('z')*x", "'x*y'", "sp.Function('g')(sp.Symbol('q'))"]
#: REDUCTION values that are malformed
BAD_REDUCTIONS = ["5", "[1]", "'invariant'", "{'coords': {}}",
                  "{'coordinates': 5}", "{'coordinates': {'p': x*y}}",
                  "{'coordinates': {sp.Symbol('p'): None}}",
                  "{'conserved': [x**2 - y**2]}",
                  "{'conserved': {sp.Symbol('Q'): 'x**2'}}",
                  "{'conserved': {sp.Symbol('Q'): x**2 + y**2}}",
                  "{'values': {sp.Symbol('zz'): 1}}",
                  "{'conserved': {sp.Symbol('Q'): x**2 - y**2}, "
                  "'values': {sp.Symbol('Q'): sp.nan}}"]
#: whole-file failures
BAD_FILES = ["import sys; sys.exit(0)\n", "raise SystemExit(1)\n",
             "raise RuntimeError('x')\n", "raise MemoryError()\n",
             "def model(): return model()\n", "MODEL = None\n", "MODEL = 5\n",
             "def model(): raise KeyError(1)\n", "LOSS = (x*y - 1\n", ""]


@st.composite
def broken_model(draw):
    kind = draw(st.sampled_from(["loss", "reduction", "file", "junk"]))
    if kind == "loss":
        good = draw(st.sampled_from(["(x*y - 1)**2/2", "x**2 + y**2", "0"]))
        text = HEAD + f"LOSS = {good} + {draw(st.sampled_from(BAD_LOSSES))}\n" + MODEL
    elif kind == "reduction":
        text = (HEAD + "LOSS = (x*y - 1)**2/2\n" + MODEL + "REDUCTION = "
                + draw(st.sampled_from(BAD_REDUCTIONS)) + "\n")
    elif kind == "file":
        text = HEAD + draw(st.sampled_from(BAD_FILES))
    else:  # text that is not a model at all
        text = draw(st.text(string.printable, max_size=60))
    return kind, text


def _check(argv, capsys, category):
    code = main(argv)
    out, err = capsys.readouterr()
    if "Traceback" in out + err:
        record(category, "cli: traceback")
        raise AssertionError(f"{argv}: a traceback\n{err}")
    if code != 2 or not err.startswith("exactflow: error: ") or err.count("\n") != 1:
        record(category, "cli: not one line or not exit 2")
        raise AssertionError(f"{argv}: exit {code}, stderr {err!r}, stdout "
                             f"{out[:200]!r}")
    record(category)


@settings(max_examples=examples(25), **SETTINGS)
@given(model=broken_model(), command=st.sampled_from(["solve", "laws"]))
def test_broken_model_files(model, command, tmp_path_factory, capsys):
    kind, text = model
    if kind == "junk" and command == "laws":
        return  # junk is covered through solve; laws shares the loader
    path = tmp_path_factory.mktemp("m") / "model.py"
    path.write_text(text)
    if command == "laws" and kind == "reduction":
        return  # laws does not read REDUCTION
    _check([command, "--model", str(path)], capsys, f"cli:model-{kind}")


BAD_ARGV = [
    ["derive", "no_such_entry"], ["derive", "single_neuron", "--format", "pdf"],
    ["verify", "no_such_entry"], ["codegen", "single_neuron"],
    ["codegen", "single_neuron", "--target", "fortran"],
    ["codegen", "single_neuron", "--target", "c", "--kernel", "nope"],
    ["report", "no_such_entry"], ["laws", "no_such_model"],
    ["laws", "deep_linear", "--dims", "a,b"],
    ["laws", "deep_linear", "--dims", "0,2,2"],
    ["laws", "single_neuron", "--degree", "0"], ["laws", "single_neuron",
                                                  "--degree", "x"],
    ["laws", "deep_linear", "--dims", "100,100,100"],
    ["solve", "no_such_entry"], ["solve"], ["solve", "single_neuron", "--model",
                                            "m.py"],
    ["solve", "--model", "/nonexistent/m.py"], ["solve", "--model", "m.txt"],
    ["solve", "single_neuron", "--standalone"],
    ["plot", "/nonexistent/store.zarr"], ["sweep", "no_such_experiment"],
    ["list", "--no-such-option"], ["no_such_command"], [],
]


@settings(max_examples=examples(20), **SETTINGS)
@given(argv=st.sampled_from(BAD_ARGV), extra=st.sampled_from(
    [[], ["--no-such-option"], ["--format", "pdf"]]))
def test_bad_arguments_of_every_command(argv, extra, capsys):
    _check(argv + extra, capsys, "cli:argv")
