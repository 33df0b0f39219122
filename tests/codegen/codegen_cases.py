"""Small hand-made kernels for the code-generation tests (no catalog needed).

Each is a :class:`KernelSpec` over a few real symbols that exercises one family
of constructs: sqrt/exp/powers, Piecewise, the named closed forms ``phi1`` and
``intexp``, shared exponentials, constants and plain copies.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from exactflow.codegen import KernelSpec
from exactflow.symbolic.spec.functions import intexp, phi1

x, y = sp.symbols("x y", real=True)
t = sp.Symbol("t", nonnegative=True)
INPUTS = (x, y, t)

MIXED = (
    ("u", sp.sqrt(x**2 + y**2) * sp.exp(-t) + intexp(-x, t)),
    ("v", sp.Piecewise((sp.sqrt(x), x >= 0), (sp.sqrt(-x), True)) / (1 + y**2)),
    ("w", phi1(x * y) - sp.Max(x, y) ** 3 + sp.Abs(t - x) ** sp.Rational(3, 2)),
    ("z", sp.exp(-2 * t) + 3 * sp.exp(-t) * x - sp.exp(x * t) + 1
     + (1 + x**2) ** sp.Rational(-1, 4)),
    ("c", x),
    ("k", sp.pi / 3),
)
PLAIN = (("r", sp.sqrt(x**2 + y**2 + t**2)), ("e", sp.exp(-t) * x**3 / (1 + y**4)))


@functools.cache
def spec(kind: str = "mixed", dtype: str = "float64", name: str = "") -> KernelSpec:
    """``mixed`` or ``plain`` as a spec of derivation ``codegen_tests``."""
    outputs = {"mixed": MIXED, "plain": PLAIN}[kind]
    return KernelSpec(name or kind, "codegen_tests", INPUTS, outputs, dtype,
                      doc=f"The {kind} test kernel.")


def sample(n: int, seed: int = 0) -> list[np.ndarray]:
    """Points with x, y in [-2, 2] and t in [0, 3]."""
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2, 2, n), rng.uniform(-2, 2, n), rng.uniform(0, 3, n)]


@functools.cache
def lambdified(kind: str = "mixed"):
    """``sympy.lambdify`` of the same outputs (NumPy), the independent reference."""
    outputs = {"mixed": MIXED, "plain": PLAIN}[kind]
    return sp.lambdify(INPUTS, [e for _, e in outputs], modules="numpy")


@functools.cache
def _mp(kind: str):
    outputs = {"mixed": MIXED, "plain": PLAIN}[kind]
    return sp.lambdify(INPUTS, [e for _, e in outputs],
                       modules=[{"mpmath": mpmath}, "mpmath"])


def mpmath_values(kind: str, *point: float, dps: int = 50) -> list[mpmath.mpf]:
    """The outputs at one point, evaluated with ``dps`` decimal digits."""
    with mpmath.workdps(dps):
        return [mpmath.mpf(v) for v in _mp(kind)(*(mpmath.mpf(p) for p in point))]


def vector_llvm(source: str, function: str, args) -> str:
    """LLVM IR of ``function`` of a generated Numba module ``source``, compiled
    afresh (Numba cannot show the IR of cached code) and run once on ``args``."""
    namespace: dict = {}
    exec(compile(source.replace("cache=True", "cache=False"), "<generated>", "exec"),
         namespace)
    namespace[function](*args)
    return "".join(namespace[function].inspect_llvm().values())


def vector_widths(llvm: str, dtype: str) -> list[int]:
    """Lane counts of the vector multiplications of ``dtype`` values in ``llvm``."""
    import re

    element = "double" if dtype == "float64" else "float"
    return [int(w) for w in re.findall(rf"= fmul <(\d+) x {element}>", llvm)]
