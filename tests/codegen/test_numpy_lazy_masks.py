"""φ₁'s continuation at 0 in the generated NumPy kernels: the mask x == 0 is
computed, and 1 copied over, only in blocks where ``numpy.all(x)`` fails (a
read of x instead of a comparison and a masked copy in nearly every block),
and only where x still holds its value when the select reads it."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from codegen_cases import spec

from exactflow.codegen import KernelSpec, load
from exactflow.symbolic.spec.functions import phi1


@pytest.mark.parametrize("layout", ["zeros in a few blocks", "none", "scalar zero"])
def test_phi1_at_zero_only_in_blocks_with_a_zero(layout):
    """φ₁(x) = expm1(x)/x is patched to 1 where x = 0, the mask computed only in
    blocks where x has a zero (``numpy.all``): every layout against expm1(x)/x
    computed independently, and 1 at the zeros."""
    x, y, t = spec("plain").inputs
    f = load(KernelSpec("phi_zero", "codegen_tests", (x, y, t),
                        (("q", phi1(x * y) + t),)))
    rng = np.random.default_rng(11)
    n = 5000
    xs = rng.uniform(-2, 2, n)
    if layout == "zeros in a few blocks":
        xs[[7, 2600, 2601]] = 0.0
    elif layout == "scalar zero":
        xs = np.float64(0.0)
    ts = rng.uniform(0, 1, n)
    got = f(xs, 0.75, ts, block=500, threads=1)[0]
    z = np.broadcast_to(xs * 0.75, (n,))
    with np.errstate(invalid="ignore"):
        ref = np.where(z == 0, 1.0, np.expm1(z) / z) + ts
    np.testing.assert_allclose(got, ref, rtol=1e-15, atol=0)
    assert (got[np.broadcast_to(xs, (n,)) == 0] == 1.0 + ts[np.broadcast_to(xs, (n,))
                                                          == 0]).all()


def test_a_zero_test_reads_its_operand_only_while_it_holds():
    """The mask x == 0 is computed late (at its select) only if no operation in
    between has written over x's scratch buffer: here r = √(x² + y²) dies early
    and its buffer is reused by the later work."""
    x, y, t = spec("plain").inputs
    r = sp.sqrt(x**2 + y**2)
    late = sp.exp(-t) * (1 + x * t) / (2 + sp.cos(y * t)) + 1
    f = load(KernelSpec("stale_zero", "codegen_tests", (x, y, t),
                        (("q", sp.Piecewise((0.0, sp.Eq(r, 0)), (late, True))),)))
    rng = np.random.default_rng(12)
    n = 3000
    xs, ys, ts = rng.uniform(-2, 2, n), rng.uniform(-2, 2, n), rng.uniform(0, 3, n)
    xs[[5, 1700]] = ys[[5, 1700]] = 0.0
    got = f(xs, ys, ts, block=400, threads=1)[0]
    ref = np.exp(-ts) * (1 + xs * ts) / (2 + np.cos(ys * ts)) + 1
    ref[[5, 1700]] = 0.0
    np.testing.assert_allclose(got, ref, rtol=1e-14, atol=0)
