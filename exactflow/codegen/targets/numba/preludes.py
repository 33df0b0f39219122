"""The shared source of the Numba arithmetic helpers (:mod:`.vecmath`): each
dtype's constants, the bit-cast intrinsics, the range reductions and the
polynomials, as lines of the generated module."""

from __future__ import annotations

import math

__all__ = ["CONSTANTS", "FMA", "INLINE", "atan_core", "atan_prelude", "estrin",
           "exp_prelude", "literal", "log_prelude"]

INLINE = ('@numba.njit(_F(_F), cache=True, inline="always", fastmath=False, '
          'error_model="numpy")')

# per dtype: bit widths, exponent bias and the reduction's constants; the
# thresholds are those past which e^x overflows, e^x underflows to 0 and
# e^x − 1 rounds to −1
CONSTANTS = {
    "float64": dict(
        bits=64, mantissa=52, bias=1023, emin=-1022, emax=1023,
        shift=6755399441055744.0, inv_ln2=1.4426950408889634,
        ln2_hi=6.93147180369123816490e-01, ln2_lo=1.90821492927058770002e-10,
        over=709.782712893384, under=-745.2, clamp_lo=-746.0, clamp_hi=720.0,
        minus_one=-40.0, degree=14, tiny=2.2250738585072014e-308,
        scale=18014398509481984.0, scale_bits=54, log_terms=10,
        hypot_big=2.0**500, hypot_small=2.0**-500, hypot_down=2.0**-600,
        hypot_up=2.0**600),
    "float32": dict(
        bits=32, mantissa=23, bias=127, emin=-126, emax=127,
        shift=12582912.0, inv_ln2=1.4426950216293335,
        ln2_hi=0.693145751953125, ln2_lo=1.428606765330187e-06,
        over=88.72283935546875, under=-103.98, clamp_lo=-104.0, clamp_hi=96.0,
        minus_one=-20.0, degree=8, tiny=1.1754943508222875e-38,
        scale=33554432.0, scale_bits=25, log_terms=4,
        hypot_big=2.0**60, hypot_small=2.0**-60, hypot_down=2.0**-90,
        hypot_up=2.0**90),
}

def literal(value: float, dtype: str) -> str:
    """A module constant of the dtype (Numba keeps a float32 global float32)."""
    return f"_DTYPE({value!r})"



# a*b + c as llvm.fmuladd: fused (one rounding, half the latency) where the CPU
# has FMA, a multiplication and an addition where it has not
FMA = [
    "", "", "@numba.extending.intrinsic", "def _vx_fma(typingctx, a, b, c):",
    '    """a*b + c, fused where the CPU has FMA (llvm.fmuladd)."""',
    "    def codegen(context, builder, signature, args):",
    '        f = builder.module.declare_intrinsic("llvm.fmuladd", [_VX_FLOAT], '
    'llvm_ir.FunctionType(_VX_FLOAT, [_VX_FLOAT] * 3))',
    "        return builder.call(f, args)", "",
    "    return _F(_F, _F, _F), codegen"]


def _intrinsic(name: str, doc: str, body: list[str]) -> list[str]:
    return ["", "", "@numba.extending.intrinsic", f"def {name}(typingctx, x):",
            f'    """{doc}"""', "    def codegen(context, builder, signature, args):",
            *(f"        {line}" for line in body), "", "    return _F(_F), codegen"]


def exp_prelude(dtype: str) -> list[str]:
    c = CONSTANTS[dtype]
    lit = {key: literal(c[key], dtype) for key in (
        "shift", "inv_ln2", "ln2_hi", "ln2_lo", "over", "under", "clamp_lo",
        "clamp_hi", "minus_one")}
    coefficients = [1.0 / math.factorial(k) for k in range(2, c["degree"] + 1)]
    lines = [
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
        "_VX_Q = (  # 1/k!, k = 2, 3, ...",
        *(f"    {literal(v, dtype)}," for v in coefficients),
        ")",
    ]
    lines += _intrinsic(
        "_vx_pow2", f"2**x for a whole number x, {c['emin']} <= x <= {c['emax']}, "
        "from the exponent\n    bits (integers of the float's own width: vectors "
        "as wide as the float's).\n    x + 1.5*2**mantissa holds x + bias in its "
        "low bits, shifted into the\n    exponent: no float-to-integer conversion, "
        "which AVX2 has not for\n    64-bit integers (LLVM would convert one lane "
        "at a time).", [
            f"y = builder.fadd(args[0], llvm_ir.Constant(_VX_FLOAT, {c['shift']!r}))",
            "i = builder.bitcast(y, _VX_INT)",
            f"i = builder.add(i, llvm_ir.Constant(_VX_INT, {c['bias']}))",
            f"i = builder.shl(i, llvm_ir.Constant(_VX_INT, {c['mantissa']}))",
            "return builder.bitcast(i, _VX_FLOAT)"])
    lines += [
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
    ]
    lines += [f"    {line}" for line in estrin("_VX_Q", len(coefficients), "r", "q")]
    return lines + ["    return r + (r * r) * q, k"]


def log_prelude(dtype: str) -> list[str]:
    c = CONSTANTS[dtype]
    mask = (1 << c["mantissa"]) - 1
    exponent_mask = (1 << (c["bits"] - 1 - c["mantissa"])) - 1
    # the bits of 2**mantissa (exponent field: bias + mantissa), and what the
    # float with the biased exponent in its low bits exceeds the exponent by
    magic = (c["bias"] + c["mantissa"]) << c["mantissa"]
    offset = float(2 ** c["mantissa"] + c["bias"])
    # (2 atanh(s) - 2s)/s = sum of 2 z^k/(2k + 1), z = s^2
    coefficients = [2.0 / (2 * k + 1) for k in range(1, c["log_terms"] + 1)]
    lines = [
        "_VL_TINY = " + literal(c["tiny"], dtype) + "  # the least normal number",
        "_VL_SCALE = " + literal(c["scale"], dtype)
        + f"  # 2**{c['scale_bits']}: subnormals become normal",
        f"_VL_SCALE_BITS = _DTYPE({c['scale_bits']}.0)",
        "_VL_SQRT2 = " + literal(math.sqrt(2.0), dtype),
        "_VL_TWO = _DTYPE(2.0)",
        "_VL_LN2_HI = " + literal(CONSTANTS[dtype]["ln2_hi"], dtype)
        + "  # trailing zero bits: e*_VL_LN2_HI exact",
        "_VL_LN2_LO = " + literal(CONSTANTS[dtype]["ln2_lo"], dtype),
        "_VL_R = (  # 2/(2k + 1), k = 1, 2, ...",
        *(f"    {literal(v, dtype)}," for v in coefficients),
        ")",
    ]
    lines += _intrinsic(
        "_vl_exponent", "The unbiased exponent of a normal x, as a float: the "
        "biased exponent\n    written into the low bits of 2**mantissa, less "
        "2**mantissa + bias (no\n    integer-to-float conversion, which AVX2 has "
        "not for 64-bit integers).", [
            "i = builder.bitcast(args[0], _VX_INT)",
            f"i = builder.lshr(i, llvm_ir.Constant(_VX_INT, {c['mantissa']}))",
            f"i = builder.and_(i, llvm_ir.Constant(_VX_INT, {exponent_mask}))",
            f"i = builder.or_(i, llvm_ir.Constant(_VX_INT, {magic}))",
            "y = builder.bitcast(i, _VX_FLOAT)",
            f"return builder.fsub(y, llvm_ir.Constant(_VX_FLOAT, {offset!r}))"])
    lines += _intrinsic(
        "_vl_mantissa", "x's mantissa with the exponent of 1: in [1, 2).", [
            "i = builder.bitcast(args[0], _VX_INT)",
            f"i = builder.and_(i, llvm_ir.Constant(_VX_INT, {mask}))",
            f"i = builder.or_(i, llvm_ir.Constant(_VX_INT, {c['bias']} << "
            f"{c['mantissa']}))",
            "return builder.bitcast(i, _VX_FLOAT)"])
    lines += ["", "", INLINE, "def _vl_series(z):",
              '    """(2 atanh(s) - 2s)/s at z = s * s."""']
    lines += [f"    {line}" for line in estrin("_VL_R", len(coefficients), "z", "q")]
    return lines + ["    return z * q"]


def estrin(coefficients: str, n: int, x: str, out: str) -> list[str]:
    """Lines setting ``out`` to the polynomial with the ``n`` coefficients
    ``coefficients[0], ...`` (lowest degree first) at ``x``, by Estrin's scheme:
    pairs c₀ + c₁x, c₂ + c₃x, ... joined by x², then by x⁴, ..., each a·b + c
    by ``_vx_fma`` (llvm.fmuladd: one fused operation where the CPU has FMA,
    which halves its latency and rounds once; exp 1.1 → 0.9 ns a point priced
    alone, AVX-512 machine).  Its chain of
    dependent operations grows with log₂ n, Horner's with n: in a loop body
    with many other operations (a kernel's), a long chain is what the CPU waits
    for (the wide scalar network's 7-output loop: 14.3 ns a point against 8.0
    without its two exponentials, whose calls priced alone cost 1.3 ns each)."""
    terms = [f"{coefficients}[{i}]" for i in range(n)]
    power, level, lines = x, 0, []
    while len(terms) > 1:
        joined = [f"{out}{level}_{i // 2}" for i in range(0, len(terms) - 1, 2)]
        lines += [f"{name} = _vx_fma({terms[2 * j + 1]}, {power}, {terms[2 * j]})"
                  for j, name in enumerate(joined)]
        terms = joined + terms[len(joined) * 2:]
        level += 1
        if len(terms) > 1:
            lines.append(f"{x}{2 ** level} = {power} * {power}")
            power = f"{x}{2 ** level}"
    return lines + [f"{out} = {terms[0]}"]


_ATAN_TERMS = {"float64": 7, "float32": 3}


def atan_prelude(dtype: str) -> list[str]:
    """Constants of ``_vatan`` and ``_vatan2``: the boundaries tan((2j − 1)π/32)
    and centres tan(jπ/16), j = 1..4, of the reduction of r in [0, 1] to
    t = (r − c)/(1 + rc), |t| ≤ tan(π/32) (each centre in two parts, so that
    r − c loses nothing to its rounding); π/16 in two parts, the first with 5
    trailing zero bits (m·π/16 exact for m ≤ 16); the Taylor coefficients
    (−1)ⁿ/(2n + 1) of (atan t − t)/t³ in t², through n = 7 (float32 3): the
    next term is below 10⁻¹⁷ (float32 10⁻⁹) of the value."""
    import mpmath
    import numpy

    def rounded(value) -> float:
        return float(numpy.dtype(dtype).type(float(value)))

    bits = CONSTANTS[dtype]["mantissa"]
    lines = []
    with mpmath.workdps(40):
        for j in range(1, 5):
            edge = mpmath.tan((2 * j - 1) * mpmath.pi / 32)
            centre = mpmath.tan(j * mpmath.pi / 16)
            hi = rounded(centre)
            lines += [f"_VA_B{j} = {literal(rounded(edge), dtype)}",
                      f"_VA_C{j} = {literal(hi, dtype)}",
                      f"_VA_CL{j} = {literal(rounded(centre - hi), dtype)}"]
        step = mpmath.pi / 16
        quantum = mpmath.mpf(2) ** (mpmath.floor(mpmath.log(step, 2)) - bits + 5)
        hi = float(mpmath.floor(step / quantum) * quantum)
        lines += [f"_VA_PI16_HI = {literal(hi, dtype)}  # 5 trailing zero bits",
                  f"_VA_PI16_LO = {literal(rounded(step - hi), dtype)}"]
    lines += ["_VA_EIGHT = _DTYPE(8.0)", "_VA_SIXTEEN = _DTYPE(16.0)",
              "_VA_Q = (  # (-1)**n/(2n + 1), n = 1, 2, ...",
              *(f"    {literal((-1) ** n / (2 * n + 1), dtype)},"
                for n in range(1, _ATAN_TERMS[dtype] + 1)), ")"]
    return lines


def atan_core(r: str, dtype: str) -> list[str]:
    """Lines computing ``k`` (the centre's index, 0..4, as a float), ``t`` and
    ``p`` with atan(r) = kπ/16 + t + p from ``r`` in [0, 1] (NaN gives NaN); t
    corrected once for the roundings of its quotient (the sum with kπ/16 may
    cancel down to half of it, which doubles their weight)."""
    pick, low = "_VX_ZERO", "_VX_ZERO"
    for j in range(1, 5):
        pick = f"_VA_C{j} if {r} > _VA_B{j} else ({pick})"
        low = f"_VA_CL{j} if {r} > _VA_B{j} else ({low})"
    return [
        "k = " + " + ".join(f"(_VX_ONE if {r} > _VA_B{j} else _VX_ZERO)"
                            for j in range(1, 5)),
        f"c = {pick}",
        f"cl = {low}",
        f"num = ({r} - c) - cl",
        f"den = _VX_ONE + {r} * c",
        f"err = _vx_fma({r}, c, _VX_ONE - den)  # (1 + rc) - den",
        "t = num / den",
        "t = t + (_vx_fma(-t, den, num) - t * err) / den  # one correction",
        "z = t * t",
        *estrin("_VA_Q", _ATAN_TERMS[dtype], "z", "q"),
        "p = t * (z * q)  # atan t = t + p",
    ]
