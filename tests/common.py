"""Shared test settings: the tolerance table, hypothesis profiles and strategies.

Every numerical comparison takes its tolerance from :data:`TOLERANCE`, keyed by
dtype; parametrise ``(dtype, tol)`` together with :data:`DTYPE_TOL`.
"""

from __future__ import annotations

import os
import sys

from hypothesis import settings
from hypothesis import strategies as st

__all__ = [
    "TOLERANCE", "DTYPE_TOL", "tolerance", "PROFILES", "register_profiles",
    "bounded_floats", "positive_floats", "rates", "vectors", "MODEL_FILE_HEAD",
    "MODEL_FILE_MODEL", "INTERRUPTIBLE", "interruptible_exactflow", "wait_cpu",
]

# relative tolerance of a float result against an exact (mpmath-50 or rational) value
TOLERANCE: dict[str, float] = {"float64": 1e-12, "float32": 2e-5}
DTYPE_TOL: list[tuple[str, float]] = list(TOLERANCE.items())


def tolerance(dtype) -> float:
    """The tolerance for ``dtype`` (a name or a NumPy dtype)."""
    key = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
    try:
        return TOLERANCE[key]
    except KeyError:
        raise ValueError(f"dtype must be one of {sorted(TOLERANCE)}, got {dtype!r}") \
            from None


# `dev` for quick local runs, `ci` reproducible and thorough (HYPOTHESIS_PROFILE=ci),
# `nightly` 100 times the examples of `ci`, freshly random (the fuzz suite,
# tests/fuzz, scales its own counts the same way)
PROFILES: dict[str, dict] = {
    "dev": {"max_examples": 25, "deadline": None},
    "ci": {"max_examples": 30, "derandomize": True, "deadline": None,
           "print_blob": True},
    "nightly": {"max_examples": 3000, "deadline": None, "print_blob": True},
}


def register_profiles() -> str:
    """Register the profiles and load the one named by ``HYPOTHESIS_PROFILE``."""
    for name, kwargs in PROFILES.items():
        settings.register_profile(name, **kwargs)
    name = os.environ.get("HYPOTHESIS_PROFILE", "dev")
    if name not in PROFILES:
        raise ValueError(
            f"HYPOTHESIS_PROFILE must be one of {sorted(PROFILES)}, got {name!r}")
    settings.load_profile(name)
    return name


def bounded_floats(lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in ``[lo, hi]``; no NaN, no infinity, no subnormals."""
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False,
                     allow_subnormal=False)


def positive_floats(lo: float = 1e-2, hi: float = 10.0) -> st.SearchStrategy[float]:
    """Floats in ``[lo, hi]`` with ``lo > 0``."""
    return bounded_floats(lo, hi)


def rates() -> st.SearchStrategy[float]:
    """Layer-wise learning rates η > 0, over two decades."""
    return positive_floats(0.1, 10.0)


def vectors(d: int, lo: float = -3.0, hi: float = 3.0) -> st.SearchStrategy[tuple]:
    """Tuples of ``d`` bounded floats (wrap with ``np.array`` in the test)."""
    return st.tuples(*[bounded_floats(lo, hi)] * d)


#: the text of a model file for ``--model``: a two-parameter model whose ``LOSS``
#: the test appends between :data:`MODEL_FILE_HEAD` and :data:`MODEL_FILE_MODEL`
MODEL_FILE_HEAD = ("import sympy as sp\n"
                   "from exactflow.symbolic.spec.model import Model, ParamGroup\n"
                   "x, y = sp.symbols('x y', real=True)\n"
                   "eta = sp.Symbol('eta', positive=True)\n")
MODEL_FILE_MODEL = ("MODEL = Model('m', (ParamGroup('x', (x,), eta), "
                    "ParamGroup('y', (y,), eta)), (eta,), LOSS)\n")


#: Python code giving SIGINT Python's own handler in a child process: a
#: shell's background job inherits SIGINT ignored, and Python then raises no
#: KeyboardInterrupt.  Children start with this prefix instead of a
#: ``preexec_fn``, which would run the test process's fork handlers (JAX warns
#: at fork when it is loaded, an error under ``-W error``).
INTERRUPTIBLE = ("import signal\n"
                 "signal.signal(signal.SIGINT, signal.default_int_handler)\n")


def interruptible_exactflow(*args: str) -> list[str]:
    """The command line of ``python -m exactflow ARGS`` with SIGINT restored."""
    code = INTERRUPTIBLE + ("import runpy, sys\nsys.argv[0] = 'exactflow'\n"
                            "runpy.run_module('exactflow', run_name='__main__', "
                            "alter_sys=True)\n")
    return [sys.executable, "-c", code, *args]


def wait_cpu(proc, seconds: float, timeout: float = 120.0) -> None:
    """Wait until the child ``proc`` has used ``seconds`` of CPU time (from
    /proc: a point inside its work however loaded the machine is), or has
    ended; where /proc is missing, wait ``3 * seconds`` of wall time."""
    import time

    stat = f"/proc/{proc.pid}/stat"
    if not os.path.exists(stat):
        time.sleep(3 * seconds)
        return
    tick = os.sysconf("SC_CLK_TCK")
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with open(stat) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            return
        if (int(fields[11]) + int(fields[12])) / tick >= seconds:
            return
        time.sleep(0.02)
