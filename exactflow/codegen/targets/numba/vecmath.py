"""exp, expm1 and φ₁ for the Numba target in plain arithmetic, so loops vectorise.

Numba calls libm for ``math.exp`` and ``math.expm1``, one value at a time: a
loop that calls them is never vectorised (the PyPI llvmlite has no SVML), and
libm's ``exp`` costs 10 ns a value here against NumPy's 1 ns.  The helpers
:func:`helper_lines` writes instead are straight-line arithmetic and selects,
which LLVM vectorises with the loop they are inlined into (``fastmath`` stays
off: the vector and scalar forms of a loop give the same bits):

* range reduction ``x = k·ln 2 + r``, |r| ≤ ln 2 / 2, with ``k`` rounded by the
  1.5·2^52 (float32: 1.5·2^23) shift and ln 2 split in two (Cody and Waite), so
  that ``k·ln2_hi`` is exact;
* e^r − 1 = r + r²·q(r), q the Taylor polynomial of (e^r − 1 − r)/r² through
  r^12/14! (float32: r^6/8!), whose truncation is below 10⁻¹⁷ (float32 10⁻⁹) of
  the value on |r| ≤ ln 2 / 2;
* e^x = (1 + (e^r − 1))·2^k, the power of two built from its exponent bits and
  applied as two factors so that results down to the subnormals are formed;
  e^x − 1 = 2^k·(e^r − 1) + (2^k − 1), exact in its two parts for small |k|.

Measured against 50-digit mpmath (``tests/codegen/test_numba_vecmath.py``):
exp within 1 ulp, expm1 within 2 ulp, on the whole float range; ±inf, NaN,
overflow (inf) and underflow (0, −1) as libm gives them.
"""

from __future__ import annotations

import math
import re

__all__ = ["CONSTANTS", "VECTOR", "helper_lines", "vector_lines"]

# per dtype: bit widths, exponent bias and the reduction's constants; the
# thresholds are those past which e^x overflows, e^x underflows to 0 and
# e^x − 1 rounds to −1
CONSTANTS = {
    "float64": dict(
        bits=64, mantissa=52, bias=1023, emin=-1022, emax=1023,
        shift=6755399441055744.0, inv_ln2=1.4426950408889634,
        ln2_hi=6.93147180369123816490e-01, ln2_lo=1.90821492927058770002e-10,
        over=709.782712893384, under=-745.2, clamp_lo=-746.0, clamp_hi=720.0,
        minus_one=-40.0, degree=14),
    "float32": dict(
        bits=32, mantissa=23, bias=127, emin=-126, emax=127,
        shift=12582912.0, inv_ln2=1.4426950216293335,
        ln2_hi=0.693145751953125, ln2_lo=1.428606765330187e-06,
        over=88.72283935546875, under=-103.98, clamp_lo=-104.0, clamp_hi=96.0,
        minus_one=-20.0, degree=8),
}

_INLINE = ('@numba.njit(_F(_F), cache=True, inline="always", fastmath=False, '
           'error_model="numpy")')

# docstring and body of each helper, after ``def _<name>(x):``
_BODIES = {
    "exp": ('"""e^x within 1 ulp, in arithmetic a loop vectorises."""', [
        "e, k = _vx_reduce(x)",
        "half = numpy.floor(k * _VX_HALF)  # two factors: down to the subnormals",
        "out = (e + _VX_ONE) * _vx_pow2(half) * _vx_pow2(k - half)",
        "out = _INF if x > _VX_OVER else out",
        "out = _VX_ZERO if x < _VX_UNDER else out",
        "return x if x != x else out"]),
    "expm1": ('"""e^x - 1 within 2 ulp, in arithmetic a loop vectorises."""', [
        "e, k = _vx_reduce(x)",
        "j = max(min(k, _VX_EMAX), _VX_EMIN)",
        "s = _vx_pow2(j)",
        "out = (s * e + (s - _VX_ONE)) * _vx_pow2(k - j)",
        "out = -_VX_ONE if x < _VX_MINUS_ONE else out",
        "out = _INF if x > _VX_OVER else out",
        "return x if x != x else out"]),
    # e^x - 1 written out again: a nested helper call stopped LLVM's vectoriser
    "phi1": ('"""(e^x - 1)/x, continued by 1 at x = 0 (selects, no branch);\n'
             "divided by x before the last power of two, so finite where e^x\n"
             'overflows and (e^x - 1)/x does not."""', [
                 "e, k = _vx_reduce(x)",
                 "j = max(min(k, _VX_EMAX - _VX_SPARE), _VX_EMIN)",
                 "s = _vx_pow2(j)",
                 "zero = x == _VX_ZERO",
                 "d = _VX_ONE if zero else x",
                 "out = (s * e + (s - _VX_ONE)) / d * _vx_pow2(k - j)",
                 "out = -_VX_ONE / d if x < _VX_MINUS_ONE else out",
                 "out = _VX_ONE if zero else out",
                 "out = _INF if x > _VX_HI else out",
                 "return x if x != x else out"]),
}


def _literal(value: float, dtype: str) -> str:
    """A module constant of the dtype (Numba keeps a float32 global float32)."""
    return f"_DTYPE({value!r})"


#: the calls of a generated line that have an arithmetic helper here
_CALLS = {"math.exp(": "exp", "_expm1(": "expm1", "_phi1(": "phi1"}
VECTOR = re.compile(r"\bmath\.exp\(|\b_expm1\(|\b_phi1\(")
# what keeps LLVM from vectorising a loop: a libm call (sqrt is an instruction),
# the log helper (a branch around libm's log), a power (libm's pow)
_SCALAR = re.compile(r"\bmath\.(?!sqrt\()\w+\(|\b_logz\(|\*\*")


def vector_lines(lines: list[str]) -> tuple[list[str], set[str]] | None:
    """``lines`` (generated Numba statements) with exp, expm1 and φ₁ calling the
    arithmetic helpers ``_vexp``, ``_vexpm1``, ``_vphi1``, and the names of those
    used; None when a line keeps a call that LLVM cannot vectorise, where libm's
    calls are the faster (a helper costs more than libm's exp, one at a time)."""
    used: set[str] = set()

    def swap(match) -> str:
        used.add(_CALLS[match.group(0)])
        return f"_v{_CALLS[match.group(0)]}("

    out = [VECTOR.sub(swap, line) for line in lines]
    if any(_SCALAR.search(line) for line in out):
        return None
    return out, used


def helper_lines(dtype: str, names: set[str]) -> list[str]:
    """Source lines of the helpers ``_vexp``, ``_vexpm1``, ``_vphi1`` for the
    names in ``names`` (``"exp"``, ``"expm1"``, ``"phi1"``), for a module with
    ``_DTYPE``, ``_F``, ``_INF``, ``numba``, ``numpy`` and ``llvm_ir`` defined;
    the bit cast and constants they share come first.  Numba inlines them into
    their callers' IR (``inline="always"``): left to LLVM, the single neuron's
    trajectory loop was not vectorised (36 ms against 11 for 10^6 times)."""
    if not names:
        return []
    c = CONSTANTS[dtype]
    lit = {key: _literal(c[key], dtype) for key in (
        "shift", "inv_ln2", "ln2_hi", "ln2_lo", "over", "under", "clamp_lo",
        "clamp_hi", "minus_one")}
    coefficients = [1.0 / math.factorial(k) for k in range(2, c["degree"] + 1)]
    lines = [
        "", "",
        "# exp and expm1 in plain arithmetic (see exactflow.codegen.targets.numba."
        "vecmath):",
        "# loops that call them vectorise, where libm calls are made one by one.",
        f"_VX_INT = llvm_ir.IntType({c['bits']})",
        f"_VX_FLOAT = llvm_ir.{'DoubleType' if c['bits'] == 64 else 'FloatType'}()",
        "_VX_SHIFT = " + lit["shift"] + "  # 1.5 * 2**mantissa bits: rounds to k",
        "_VX_INV_LN2 = " + lit["inv_ln2"],
        "_VX_LN2_HI = " + lit["ln2_hi"] + "  # trailing zero bits: k*_VX_LN2_HI exact",
        "_VX_LN2_LO = " + lit["ln2_lo"],
        "_VX_OVER = " + lit["over"] + "  # e^x overflows above",
        "_VX_UNDER = " + lit["under"] + "  # e^x underflows to 0 below",
        "_VX_LO = " + lit["clamp_lo"],
        "_VX_HI = " + lit["clamp_hi"],
        "_VX_MINUS_ONE = " + lit["minus_one"] + "  # e^x - 1 rounds to -1 below",
        f"_VX_EMIN = _DTYPE({c['emin']}.0)  # the normal powers of two",
        f"_VX_EMAX = _DTYPE({c['emax']}.0)",
        "_VX_SPARE = _DTYPE(32.0)  # phi1: room below the largest power of two",
        "_VX_ZERO = _DTYPE(0.0)  # constants as globals of the dtype: no float64",
        "_VX_HALF = _DTYPE(0.5)",
        "_VX_ONE = _DTYPE(1.0)",
        "_VX_Q = (  # 1/k!, k = 2, 3, ...",
        *(f"    {_literal(v, dtype)}," for v in coefficients),
        ")",
        "", "",
        "@numba.extending.intrinsic",
        "def _vx_pow2(typingctx, k):",
        f'    """2**k for a whole number k, {c["emin"]} <= k <= {c["emax"]}, from the '
        'exponent bits',
        '    (integers of the float\'s own width: vectors as wide as the float\'s)."""',
        "    def codegen(context, builder, signature, args):",
        "        i = builder.fptosi(args[0], _VX_INT)",
        f"        i = builder.add(i, llvm_ir.Constant(_VX_INT, {c['bias']}))",
        f"        i = builder.shl(i, llvm_ir.Constant(_VX_INT, {c['mantissa']}))",
        "        return builder.bitcast(i, _VX_FLOAT)",
        "",
        "    return _F(_F), codegen",
        "", "",
        "@numba.njit(numba.types.UniTuple(_F, 2)(_F), cache=True,",
        '            inline="always", fastmath=False, error_model="numpy")',
        "def _vx_reduce(x):",
        '    """(e^r - 1, k) with x = k ln 2 + r, |r| <= ln 2 / 2 (x clamped to the',
        '    range where e^x or (e^x - 1)/x is neither 0 nor inf)."""',
        "    x = min(max(x, _VX_LO), _VX_HI)",
        "    shifted = x * _VX_INV_LN2 + _VX_SHIFT",
        "    k = shifted - _VX_SHIFT",
        "    r = (x - k * _VX_LN2_HI) - k * _VX_LN2_LO",
        f"    q = _VX_Q[{len(coefficients) - 1}]",
    ]
    for i in range(len(coefficients) - 2, -1, -1):
        lines.append(f"    q = q * r + _VX_Q[{i}]")
    lines += [
        "    return r + (r * r) * q, k",
    ]
    for name in ("exp", "expm1", "phi1"):
        if name in names:
            doc, body = _BODIES[name]
            lines += ["", "", _INLINE, f"def _v{name}(x):"]
            lines += [f"    {line}" for line in doc.split("\n")]
            lines += [f"    {line}" for line in body]
    return lines
