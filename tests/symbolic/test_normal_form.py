"""Normal forms modulo conserved relations (``solve/normal_form.py``).

Properties of a normal form, each independent of how it is computed: it is 0
exactly on the ideal, it is unchanged by adding an element of the ideal, and
none of its monomials is divisible by a leading monomial of the basis
(checked against SymPy's own ``groebner`` basis).
"""

from __future__ import annotations

import random

import pytest
import sympy as sp

from exactflow.symbolic.solve.normal_form import LevelSet

x, y, z = sp.symbols("x y z", real=True)
c, d = sp.symbols("c d", positive=True)
RELATIONS = [x**2 - y**2 - c, x * z - d * y]


def _random_poly(rng, gens, degree=3, terms=5):
    out = 0
    for _ in range(terms):
        mono = sp.Mul(*(g**rng.randint(0, degree) for g in gens))
        out += sp.Rational(rng.randint(-5, 5), rng.randint(1, 4)) * \
            rng.choice([1, c, d, c / d, c + d]) * mono
    return sp.expand(out)


@pytest.mark.parametrize("order", ["lex", "grevlex"])
def test_normal_form_is_zero_exactly_on_the_ideal(order):
    red = LevelSet(RELATIONS, (x, y, z), {c, d}, order)
    reference = sp.groebner(RELATIONS, x, y, z, order=order,
                            domain=sp.QQ.frac_field(c, d))
    leading = [sp.Poly(g, x, y, z).monoms(order=order)[0] for g in reference.exprs]
    rng = random.Random(3)
    for _ in range(6):
        p = _random_poly(rng, (x, y, z))
        in_ideal = sp.expand(sum(_random_poly(rng, (x, y, z), 2, 3) * r
                                 for r in RELATIONS))
        assert red.nf(in_ideal) == 0
        assert red.nf(sp.expand(p + in_ideal)) == red.nf(p)
        for monom in red.nf(p).monoms():
            assert not any(all(a >= b for a, b in zip(monom, lead))
                           for lead in leading)
    reduced = sp.expand(c * y + z / d - 3)  # no monomial is a leading one
    assert red.nf(reduced).as_expr() == reduced


def test_coefficients_outside_the_constants_field_use_expressions():
    root = sp.sqrt(2)
    red = LevelSet(RELATIONS, (x, y, z), {c, d}, "grevlex",
                   exprs=[root * x**3, sp.sqrt(c) * z])
    assert red.domain == sp.EX
    assert red.nf(sp.expand(root * y * (x**2 - y**2 - c))) == 0
    assert red.nf(sp.expand(sp.sqrt(c) * (x * z - d * y) + root)).as_expr() == root


@pytest.mark.parametrize("bad", [1 / x, sp.sqrt(y), sp.exp(z), x**sp.Rational(1, 2)])
def test_expressions_that_are_not_polynomials_are_refused(bad):
    for exprs in ((), [sp.sqrt(2) * x]):  # the field of constants and EX
        red = LevelSet(RELATIONS, (x, y, z), {c, d}, "lex", exprs=exprs)
        with pytest.raises(ValueError):
            red.element(bad + x)


def test_linear_equations_collect_each_monomial():
    red = LevelSet([x**2 + y**2 - c], (x, y), {c}, "grevlex")
    k, m = sp.symbols("k m")
    eqs = red.linear_equations([(1, red.nf(x**2 * y)), (k, red.nf(y**3)),
                                (m, red.nf(y))])
    # x²y ≡ cy − y³: (k − 1)y³ + (c + m)y = 0 on the level set
    assert sorted(eqs, key=sp.default_sort_key) == sorted(
        [k - 1, c + m], key=sp.default_sort_key)
    assert sp.solve(eqs, [k, m], dict=True) == [{k: 1, m: -c}]

