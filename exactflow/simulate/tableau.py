r"""Butcher tableaux, kept as exact fractions: classical RK4 and Dormand–Prince 5(4).

The Dormand–Prince pair (Dormand & Prince 1980, the method ``DOPRI5`` of Hairer,
Nørsett & Wanner, *Solving ODEs I*, §II.5, Table 5.2) has seven stages; its
fifth-order weights ``B`` equal the last row of ``A`` (first same as last,
FSAL: the seventh stage of a step is the first of the next) and ``E = B − B̂``
gives the embedded fourth-order error estimate :math:`h\sum_iE_ik_i`.  ``DENSE``
holds the coefficients of the fourth-order continuous extension (Hairer et al.,
§II.6): with :math:`\Delta=y_1-y_0`, :math:`b=hk_1-\Delta`,

.. math:: u(\theta)=y_0+\theta\bigl(\Delta+(1-\theta)(b+\theta(\Delta-hk_7-b
          +(1-\theta)\,h\textstyle\sum_iD_ik_i))\bigr),

a quartic in θ = (t − t₀)/h with u(0) = y₀, u(1) = y₁, u'(0) = hk₁,
u'(1) = hk₇.  The tests check the order conditions on these fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction as F

__all__ = ["Tableau", "RK4", "DOPRI5", "DENSE"]


@dataclass(frozen=True)
class Tableau:
    """An explicit Runge–Kutta tableau: nodes ``c``, matrix ``a`` (lower
    triangular rows), weights ``b`` and, for an embedded pair, ``e = b − b̂``."""

    name: str
    order: int
    c: tuple[F, ...]
    a: tuple[tuple[F, ...], ...]
    b: tuple[F, ...]
    e: tuple[F, ...] = ()
    error_order: int = 0

    def __post_init__(self) -> None:
        if not len(self.c) == len(self.a) == len(self.b):
            raise ValueError(f"{self.name}: c, a and b need one entry per stage")
        for i, (ci, row) in enumerate(zip(self.c, self.a)):
            if len(row) != i or sum(row, F(0)) != ci:
                raise ValueError(f"{self.name}: row {i} of a must have {i} entries "
                                 "summing to c")


RK4 = Tableau(
    "RK4", 4,
    c=(F(0), F(1, 2), F(1, 2), F(1)),
    a=((), (F(1, 2),), (F(0), F(1, 2)), (F(0), F(0), F(1))),
    b=(F(1, 6), F(1, 3), F(1, 3), F(1, 6)),
)

_B5 = (F(35, 384), F(0), F(500, 1113), F(125, 192), F(-2187, 6784), F(11, 84), F(0))
_B4 = (F(5179, 57600), F(0), F(7571, 16695), F(393, 640), F(-92097, 339200),
       F(187, 2100), F(1, 40))

DOPRI5 = Tableau(
    "DOPRI5", 5,
    c=(F(0), F(1, 5), F(3, 10), F(4, 5), F(8, 9), F(1), F(1)),
    a=(
        (),
        (F(1, 5),),
        (F(3, 40), F(9, 40)),
        (F(44, 45), F(-56, 15), F(32, 9)),
        (F(19372, 6561), F(-25360, 2187), F(64448, 6561), F(-212, 729)),
        (F(9017, 3168), F(-355, 33), F(46732, 5247), F(49, 176), F(-5103, 18656)),
        _B5[:6],
    ),
    b=_B5,
    e=tuple(x - y for x, y in zip(_B5, _B4)),
    error_order=4,
)

#: D_i of the continuous extension of DOPRI5 (see the module docstring).
DENSE = (F(-12715105075, 11282082432), F(0), F(87487479700, 32700410799),
         F(-10690763975, 1880347072), F(701980252875, 199316789632),
         F(-1453857185, 822651844), F(69997945, 29380423))
