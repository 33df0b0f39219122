"""exp, expm1, φ₁, log, log1p, logz, hypot, atan and atan2 for the Numba target
in plain arithmetic, so loops vectorise.

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

and log, log1p and logz (log continued by −∞ for x ≤ 0):

* x = 2^e·m with m in [√½, √2), exponent and mantissa read from the bits
  (subnormals scaled by 2^54, float32 2^25, first);
* log m = f − (f²/2 − s·(f²/2 + R(s²))), f = m − 1, s = f/(2 + f), R the
  series of (2·atanh(s) − 2s)/s in s² through s^20 (float32 s^8): with
  s² ≤ (3 − 2√2)² its truncation is below 10⁻¹⁸ (float32 3·10⁻⁹) of the value;
  log x = e·ln 2 + log m, with e·ln2_hi exact;
* log1p x = log u · x/(u − 1) with u = 1 + x rounded (x where u = 1), the
  rounding of u compensated by the ratio.

hypot scales both arguments by an exact power of two beyond 2^±500 (float32
2^±60) before squaring; atan and atan2 reduce the ratio r in [0, 1] about the
nearest tan(jπ/16), j = 0..4, to |t| ≤ tan(π/32), with the quotient corrected
once and the sum with jπ/16 compensated (within 1.5 ulp; 1.1 seen).

Measured against 50-digit mpmath (``tests/codegen/test_numba_vecmath.py``):
exp and log within 1 ulp, expm1 within 2 ulp, log1p within 2.5 ulp, on the
whole float range; ±inf, NaN, overflow (inf), underflow (0, −1) and the
logarithms' domain (−inf at 0, NaN below) as libm gives them.
"""

from __future__ import annotations

import re

from .preludes import (
    CONSTANTS,
    FMA,
    INLINE,
    atan_core,
    atan_prelude,
    exp_prelude,
    literal,
    log_prelude,
)

__all__ = ["CONSTANTS", "VECTOR", "helper_lines", "vector_lines"]

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


# log x = e ln 2 + log m, written out in each helper that needs it (a nested
# helper call stopped LLVM's vectoriser); ``x`` is the argument's name
_LOG_LINES = [
    "sub = x < _VL_TINY  # subnormal: scaled into the normal range first",
    "y = x * _VL_SCALE if sub else x",
    "e = _vl_exponent(y) - (_VL_SCALE_BITS if sub else _VX_ZERO)",
    "m = _vl_mantissa(y)  # in [1, 2)",
    "big = m > _VL_SQRT2",
    "m = m * _VX_HALF if big else m",
    "e = e + _VX_ONE if big else e",
    "f = m - _VX_ONE",
    "s = f / (_VL_TWO + f)",
    "z = s * s",
    "hfsq = _VX_HALF * f * f",
    "out = (e * _VL_LN2_HI - ((hfsq - (s * (hfsq + _vl_series(z))"
    " + e * _VL_LN2_LO)) - f))",
    "out = -_INF if x == _VX_ZERO else out",
    "out = _INF if x == _INF else out",
    "out = _NAN if x < _VX_ZERO else out",
    "out = x if x != x else out",
]

_BODIES["log"] = ('"""log x within 1 ulp, in arithmetic a loop vectorises."""',
                  _LOG_LINES + ["return out"])
_BODIES["logz"] = ('"""log x for x > 0, -inf elsewhere (NaN included), as\n'
                   '_logz; in arithmetic a loop vectorises."""',
                   _LOG_LINES + ["return out if x > _VX_ZERO else -_INF"])
_BODIES["log1p"] = (
    '"""log(1 + x) within 2.5 ulp, in arithmetic a loop vectorises: log u\n'
    'times x/(u - 1), u = 1 + x rounded (x where u = 1)."""', [
        "x0 = x",
        "x = _VX_ONE + x0",
        *_LOG_LINES,
        "d = x - _VX_ONE",
        "out = out * (x0 / (_VX_ONE if d == _VX_ZERO else d))",
        "out = x0 if d == _VX_ZERO else out",
        "out = _INF if x0 == _INF else out",
        "return x0 if x0 != x0 else out"])

_BODIES["hypot"] = (
    '"""sqrt(x^2 + y^2) within 1.5 ulp, in arithmetic a loop vectorises: where\n'
    'the larger of |x|, |y| is beyond 2**+-500 (float32 2**+-60) both are\n'
    'scaled by a power of two first (exact), so no square overflows or\n'
    'underflows; inf if either is infinite, as libm."""', [
        "ax = abs(x)",
        "ay = abs(y)",
        "m = max(ax, ay)",
        "big = m > _VH_BIG",
        "small = m < _VH_SMALL",
        "a = ax * (_VH_DOWN if big else (_VH_UP if small else _VX_ONE))",
        "b = ay * (_VH_DOWN if big else (_VH_UP if small else _VX_ONE))",
        "out = math.sqrt(a * a + b * b) * (_VH_UP if big else (",
        "    _VH_DOWN if small else _VX_ONE))",
        "return _INF if (ax == _INF) | (ay == _INF) else out"])

# m pi/16 + sign (t + p) with the rounding of the leading sum kept (Fast2Sum:
# |m pi/16| >= |t| whenever m > 0)
_SUM = ["head = m * _VA_PI16_HI",
        "st = sign * t",
        "total = head + st",
        "out = total + (((head - total) + st) + (m * _VA_PI16_LO + sign * p))"]

# atan and atan2 (their reduction and series, atan_core, depend on the dtype):
# docstring, the lines before the core and those after
_ATAN = {
    "atan": ('"""atan x within 1.5 ulp, in arithmetic a loop vectorises: r = |x|\n'
             'or 1/|x| in [0, 1], reduced about the nearest of tan(j pi/16), a\n'
             'short series; libm\'s special values (signed zeros, +-inf, NaN)."""', [
                 "a = abs(x)",
                 "big = a > _VX_ONE",
                 "r = _VX_ONE / a if big else a"], [
                 "m = _VA_EIGHT - k if big else k  # atan x = pi/2 - atan(1/x)",
                 "sign = -_VX_ONE if big else _VX_ONE",
                 *_SUM,
                 "return math.copysign(out, x)"]),
    "atan2": ('"""atan2(y, x) within 1.5 ulp, in arithmetic a loop vectorises: the\n'
              'smaller of |x|, |y| over the larger as in _vatan, then the quadrant;\n'
              'libm\'s special values (signed zeros, infinities, NaN)."""', [
                  "ax = abs(x)",
                  "ay = abs(y)",
                  "swap = ay > ax",
                  "num = ax if swap else ay",
                  "r = num / (ay if swap else ax)",
                  "r = _VX_ZERO if num == _VX_ZERO else r  # atan2(+-0, +-0)",
                  "r = _VX_ONE if (ax == _INF) & (ay == _INF) else r"], [
                  "m = _VA_EIGHT - k if swap else k",
                  "sign = -_VX_ONE if swap else _VX_ONE",
                  "neg = math.copysign(_VX_ONE, x) < _VX_ZERO  # x < 0 or x = -0",
                  "m = _VA_SIXTEEN - m if neg else m  # pi - angle",
                  "sign = -sign if neg else sign",
                  *_SUM,
                  "out = math.copysign(out, y)",
                  "return x + y if (x != x) | (y != y) else out"]),
}

#: the calls of a generated line that have an arithmetic helper here
_CALLS = {"math.exp(": "exp", "_expm1(": "expm1", "_phi1(": "phi1",
          "math.log(": "log", "math.log1p(": "log1p", "_logz(": "logz",
          "math.hypot(": "hypot", "math.atan(": "atan", "math.atan2(": "atan2"}
VECTOR = re.compile("|".join(r"\b" + re.escape(call) for call in _CALLS))
_EXP = {"exp", "expm1", "phi1"}
_LOG = {"log", "log1p", "logz"}
# what keeps LLVM from vectorising a loop: a libm call (sqrt is an instruction),
# a power (libm's pow)
_SCALAR = re.compile(r"\bmath\.(?!sqrt\()\w+\(|\*\*")


def vector_lines(lines: list[str], varying=()) -> tuple[list[str], set[str]] | None:
    """``lines`` (generated Numba statements) with the calls of :data:`_CALLS`
    (exp, ..., atan2) calling the arithmetic helpers ``_vexp``, ..., and the names
    of those used; None when a line keeps a call that LLVM cannot vectorise, or
    when the calls inside branches on a point's value (``varying``: the names
    loaded per point) are more than twice the others: there libm's calls are
    the faster (a helper costs more than libm's exp, one at a time)."""
    used: set[str] = set()

    def swap(match) -> str:
        used.add(_CALLS[match.group(0)])
        return f"_v{_CALLS[match.group(0)]}("

    out = [VECTOR.sub(swap, line) for line in lines]
    if any(_SCALAR.search(line) for line in out):
        return None
    if _branch_calls(lines, varying):
        return None
    return out, used


_NAME = re.compile(r"[A-Za-z_]\w*")


def _branch_calls(lines: list[str], varying) -> bool:
    """True when the calls of :data:`VECTOR` made inside branches on conditions
    that vary from point to point (they use ``varying`` or a name the lines
    assign) are more than twice the others: vectorised, the loop computes every
    branch at every point, which then costs more than it gains.  Measured on an
    AVX2 machine, at exactly twice the loops ran faster vectorised: the deep
    chain's learning time (1 call outside, a log1p and a log in two branches)
    1.9 times, the two-layer kernel's u₀ < 0 loop (2 outside, 4 in its two
    branches) 1.7 times.  Branches on conditions that hold for the whole loop do
    not count: the loop nests take them outside (:mod:`.unswitch`)."""
    assigned = set(varying) | {m.group(0) for line in lines if (
        m := _NAME.match(line.strip())) and re.match(r"\s*\w+\s*=[^=]", line)}
    stack: list[tuple[int, bool]] = []  # (indentation of the if, varies)
    inside = outside = 0
    for line in lines:
        depth = len(line) - len(line.lstrip())
        while stack and depth <= stack[-1][0] and not (
                depth == stack[-1][0] and line.lstrip().startswith(("elif", "else"))):
            stack.pop()
        text = line.strip()
        calls = len(VECTOR.findall(text))
        if text.startswith(("if ", "elif ")):
            varies = bool(set(_NAME.findall(text.split(" ", 1)[1])) & assigned)
            if text.startswith("elif") and stack and stack[-1][0] == depth:
                stack[-1] = (depth, stack[-1][1] or varies)
            else:
                stack.append((depth, varies))
            outside += calls  # the condition itself is evaluated
        elif any(v for d, v in stack if d < depth):
            inside += calls
        else:
            outside += calls
    return inside > 2 * outside


def helper_lines(dtype: str, names: set[str]) -> list[str]:
    """Source lines of the helpers ``_vexp``, ``_vexpm1``, ``_vphi1``, ``_vlog``,
    ``_vlog1p``, ``_vlogz``, ``_vhypot``, ``_vatan``, ``_vatan2`` for the names
    in ``names`` (``"exp"``, ...), for a
    module with ``_DTYPE``, ``_F``, ``_INF``, ``_NAN``, ``numba``, ``numpy`` and
    ``llvm_ir`` defined; the bit casts and constants they share come first.
    Numba inlines them into their callers' IR (``inline="always"``): left to
    LLVM, the single neuron's trajectory loop was not vectorised (36 ms against
    11 for 10^6 times)."""
    if not names:
        return []
    c = CONSTANTS[dtype]
    lines = [
        "", "",
        "# exp, expm1, log, ... in plain arithmetic (see exactflow.codegen.targets."
        "numba.vecmath):",
        "# loops that call them vectorise, where libm calls are made one by one.",
        f"_VX_INT = llvm_ir.IntType({c['bits']})",
        f"_VX_FLOAT = llvm_ir.{'DoubleType' if c['bits'] == 64 else 'FloatType'}()",
        "_VX_ZERO = _DTYPE(0.0)  # constants as globals of the dtype: no float64",
        "_VX_HALF = _DTYPE(0.5)",
        "_VX_ONE = _DTYPE(1.0)",
    ]
    if names & (_EXP | _LOG | set(_ATAN)):
        lines += FMA
    if names & _EXP:
        lines += exp_prelude(dtype)
    if names & _LOG:
        lines += log_prelude(dtype)
    if "hypot" in names:
        lines += [f"_VH_{key.upper()} = {literal(c['hypot_' + key], dtype)}"
                  for key in ("big", "small", "down", "up")]
    if names & set(_ATAN):
        lines += atan_prelude(dtype)
    for name in ("atan", "atan2"):
        if name in names:
            doc, before, after = _ATAN[name]
            two = name == "atan2"
            signature = "_F(_F, _F)" if two else "_F(_F)"
            lines += ["", "", INLINE.replace("_F(_F)", signature),
                      f"def _v{name}({'y, x' if two else 'x'}):"]
            lines += [f"    {line}" for line in [*doc.split("\n"), *before,
                                                   *atan_core("r", dtype), *after]]
    for name in ("exp", "expm1", "phi1", "log", "log1p", "logz", "hypot"):
        if name in names:
            doc, body = _BODIES[name]
            if name == "hypot":
                lines += ["", "", INLINE.replace("_F(_F)", "_F(_F, _F)"),
                          "def _vhypot(x, y):"]
            else:
                lines += ["", "", INLINE, f"def _v{name}(x):"]
            lines += [f"    {line}" for line in doc.split("\n")]
            lines += [f"    {line}" for line in body]
    return lines
