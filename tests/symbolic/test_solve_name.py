"""The name of a solved system's kernel: the entry's name and a digest of its
solution (``engine.structural_digest``)."""

from __future__ import annotations

import sympy as sp


def test_structural_digest_names_equal_solutions_alike_and_reads_a_dag_once():
    """The solved kernel's name carries a digest of the solution: equal for equal
    expressions however they were built, different for other symbols (other
    assumptions included) or structure, and computed per distinct node (a
    60-level expression whose written-out tree has 2^60 leaves)."""
    from exactflow.symbolic.solve.engine import structural_digest

    a, b = sp.symbols("a b", real=True)
    assert structural_digest(a + b) == structural_digest(b + a)
    assert structural_digest((a, sp.exp(a * b))) == structural_digest(
        sp.Tuple(a, sp.exp(b * a)))
    different = [a + b, a * b, sp.Symbol("a") + b, sp.Symbol("a", positive=True) + b,
                 sp.exp(a) + b, (a + b, a), (a, a + b)]
    assert len({structural_digest(e) for e in different}) == len(different)
    e = a
    for _ in range(60):
        e = sp.Add(sp.Mul(e, e, evaluate=False), b, evaluate=False)
    assert len(structural_digest(e)) == 64
    assert structural_digest(e) != structural_digest(sp.Add(e, 1, evaluate=False))
