"""The dsolve fallback and the "no closed form" ending (never an exception)."""

from __future__ import annotations

import sympy as sp

from exactflow.present.transcript import transcript
from exactflow.symbolic.solve import solve
from exactflow.symbolic.solve.reduce import ReducedSystem

x, y = sp.symbols("x y", real=True)
k = sp.Symbol("k", positive=True)


def test_affine_system_by_dsolve():
    # affine, not linear: no recogniser of the list matches
    sys_ = ReducedSystem((x, y), (y, k - x), {x: x, y: y})
    res = solve(sys_)
    assert res.structure == "dsolve" and res.verified
    assert "Recognised: dsolve" in transcript(res)


def test_unsolvable_system_ends_in_the_transcript():
    sys_ = ReducedSystem((x, y), (y**3 - x, sp.sin(x) * y), {x: x, y: y})
    res = solve(sys_)  # no exception
    assert res.structure is None and res.reduced_solution is None
    out = transcript(res, "markdown")
    assert "Reduced system, no closed form found" in out
