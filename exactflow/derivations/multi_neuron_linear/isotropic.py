"""Isotropic starts in exact arithmetic, for the multi-neuron linear claims.

Every isotropic (A, W) with rank β = h is W = R S_w Uᵀ, A = R S_a Vᵀ (docs §4;
:func:`multi_neuron_linear.isotropic_construction`).  Here R, U, V are exact
orthogonal matrices at random rational Cayley parameters and everything else lives
in the fraction field ℚ(p_i, δ, r_a, r_w, |δ|[, Σxx, Σxy]), so each identity is
decided by exact sparse arithmetic (fast where SymPy expressions are not).
"""

from __future__ import annotations

import random

import sympy as sp

from ...symbolic.proof.verify import combine
from ...symbolic.proof.zero import is_identically_zero
from . import maths as mnl

__all__ = [
    "iso_check",
    "construction_terms",
    "rank_aware_terms",
    "principal_terms",
    "mirror_terms",
    "forms",
]

_ROTATION_DRAWS = 2
_ISO_SIZES = ((2, 2, 3), (2, 3, 2), (2, 2, 2))


class _Iso:
    """One isotropic start (docs §4) in exact arithmetic: the rotations R, U, V
    at rational Cayley parameters, everything else symbolic in the fraction field
    ℚ(p_i, δ, r_a, r_w, |δ|, Σxx, Σxy) (η_a = r_a², η_w = r_w², see
    :func:`multi_neuron_linear.isotropic_construction`)."""

    def __init__(self, h, d, c, rot, data_gens=False):
        from sympy.polys.matrices import DomainMatrix

        self.h, self.d, self.c = h, d, c
        sy = mnl.symbols(h, d, c)
        data = [sy["sigma_xx"][i, j] for i in range(d) for j in range(i, d)]
        data = data + list(sy["sigma_xy"]) if data_gens else []
        ps = sp.symbols(f"p0:{h}", positive=True)
        ra, rw = sp.symbols("r_a r_w", positive=True)
        self.K = K = sp.QQ.frac_field(*ps, mnl.delta, ra, rw, _AD, *data)
        self.DM = DomainMatrix

        def dm(m):
            return DomainMatrix(
                [
                    [K.from_sympy(sp.sympify(x)) for x in m.row(i)]
                    for i in range(m.rows)
                ],
                m.shape,
                K,
            )

        R, _ = mnl._cayley(h, "r")
        Ud, _ = mnl._cayley(d, "u")
        Vc, _ = mnl._cayley(c, "v")
        R, U, V = (dm(M.xreplace(rot)) for M in (R, Ud[:, :h], Vc[:, :h]))
        k = {
            n: K.from_sympy(x)
            for n, x in (("dl", mnl.delta), ("ra", ra), ("rw", rw), ("ad", _AD))
        }
        P = [K.from_sympy(p) for p in ps]
        s_a = [(p + k["dl"] / p) / (2 * k["rw"]) for p in P]
        s_w = [(p - k["dl"] / p) / (2 * k["ra"]) for p in P]
        self.sigma = [x * y for x, y in zip(s_w, s_a)]
        self.kappa = [(p**2 + k["dl"] ** 2 / p**2) / 2 for p in P]  # > 0
        self.dl, self.ad = k["dl"], k["ad"]
        self.eta_a, self.eta_w = k["ra"] ** 2, k["rw"] ** 2
        self.U, self.V = U, V
        self.W = R * DomainMatrix.diag(s_w, K) * U.transpose()
        self.A = R * DomainMatrix.diag(s_a, K) * V.transpose()
        self.beta = U * DomainMatrix.diag(self.sigma, K) * V.transpose()
        if data_gens:
            self.sxx, self.sxy = dm(sy["sigma_xx"]), dm(sy["sigma_xy"])

    def eye(self, n):
        return self.DM.eye(n, self.K)

    def col(self, M, i):
        return M.extract(list(range(M.shape[0])), [i])

    def entries(self, M):
        return [self.K.to_sympy(x) for row in M.to_list() for x in row]


def iso_check(build, data_gens=False, draws=_ROTATION_DRAWS):
    """Exact: symbolic in δ, p_i, the rates and the data (fraction-field arithmetic,
    zero entries proven), the rotations R, U, V at random rational Cayley
    parameters (exact orthogonal matrices); reported as exact-rational."""
    rng = random.Random(20240610)
    checks = []
    for h, d, c in _ISO_SIZES:
        cayley = [
            p for n, m in (("r", h), ("u", d), ("v", c)) for p in mnl._cayley(m, n)[1]
        ]
        for _ in range(draws):
            rot = {
                p: sp.Rational(rng.randint(-9, 9), rng.randint(1, 7)) for p in cayley
            }
            iso = _Iso(h, d, c, rot, data_gens)
            # κ_i > 0 squares to δ² + 4η_aη_wσ_i², so it is the root in the formulas
            exprs = [
                k**2 - (iso.dl**2 + 4 * iso.eta_a * iso.eta_w * s**2)
                for k, s in zip(iso.kappa, iso.sigma)
            ]
            exprs = [iso.K.to_sympy(e) for e in exprs]
            for M in build(iso):
                exprs += _both_abs(iso, M)
            checks += [is_identically_zero(e) for e in exprs]
    passed, method, worst, detail = combine(checks)
    if method == "symbolic":
        method = "exact-rational"
    return (
        passed,
        method,
        worst,
        (
            f"{detail}; symbolic in δ, p_i, rates, data; rotations at "
            f"{draws} rational point(s) per size"
        ),
    )


_AD = sp.Symbol("abs_delta", nonnegative=True)  # |δ|


def _both_abs(iso, M):
    """Entries of M at |δ| = δ and |δ| = −δ: M is affine in |δ|, so both vanish iff
    M ≡ 0 modulo |δ|² = δ² (either sign of δ)."""
    out = []
    for sign in (1, -1):
        for e in iso.entries(M):
            out.append(e.xreplace({_AD: sign * mnl.delta}) if e.has(_AD) else e)
        if not any(e.has(_AD) for e in iso.entries(M)):
            break
    return out


def construction_terms(iso):
    h = iso.h
    Delta = (
        iso.A * iso.A.transpose() * iso.eta_w - iso.W * iso.W.transpose() * iso.eta_a
    )
    return [
        Delta - iso.eye(h) * iso.dl,
        iso.W.transpose() * iso.A - iso.beta,
        iso.U.transpose() * iso.U - iso.eye(h),
        iso.V.transpose() * iso.V - iso.eye(h),
    ]


def forms(iso):
    """Rank-aware (G, H) and the PSD roots S_V, S_U (eigenvalues κ_i and |δ|)."""
    c, d, U, V = iso.c, iso.d, iso.U, iso.V
    G, H = iso.eye(c) * iso.K.zero, iso.eye(d) * iso.K.zero
    SV = (iso.eye(c) - V * V.transpose()) * iso.ad
    SU = (iso.eye(d) - U * U.transpose()) * iso.ad
    for i, kp in enumerate(iso.kappa):
        v, u = iso.col(V, i), iso.col(U, i)
        G += v * v.transpose() * ((kp + iso.dl) / 2)
        H += u * u.transpose() * ((kp - iso.dl) / 2)
        SV += v * v.transpose() * kp
        SU += u * u.transpose() * kp
    return G, H, SV, SU


def rank_aware_terms(iso):
    G, H, _, _ = forms(iso)
    return [
        iso.A.transpose() * iso.A * iso.eta_w - G,
        iso.W.transpose() * iso.W * iso.eta_a - H,
    ]


def principal_terms(iso):
    """S_V ⪰ 0 with S_V² = δ²I + 4η_aη_wβᵀβ is the principal root; then
    G_p = ½(δI + S_V) has G_p − G = ½(δ+|δ|)(I − VVᵀ); H_p likewise, ½(|δ|−δ)."""
    h, c, d, U, V, b = iso.h, iso.c, iso.d, iso.U, iso.V, iso.beta
    _, _, SV, SU = forms(iso)
    p4, dl2 = iso.eta_a * iso.eta_w * 4, iso.dl**2
    G, H = iso.A.transpose() * iso.A * iso.eta_w, iso.W.transpose() * iso.W * iso.eta_a
    Gp = (iso.eye(c) * iso.dl + SV) * iso.K(sp.Rational(1, 2))
    Hp = (SU - iso.eye(d) * iso.dl) * iso.K(sp.Rational(1, 2))
    nv, nu = iso.eye(c) - V * V.transpose(), iso.eye(d) - U * U.transpose()
    out = [
        SV * SV - iso.eye(c) * dl2 - b.transpose() * b * p4,
        SU * SU - iso.eye(d) * dl2 - b * b.transpose() * p4,
        Gp - G - nv * ((iso.dl + iso.ad) / 2),
        Hp - H - nu * ((iso.ad - iso.dl) / 2),
    ]

    # the null projectors have traces c − h and d − h: zero exactly when h = c, d
    def trace(M):
        return sum((M.to_list()[i][i] for i in range(M.shape[0])), iso.K.zero)

    tr = iso.DM([[trace(nv) - (c - h), trace(nu) - (d - h)]], (1, 2), iso.K)
    out.append(tr)
    if c == h:
        out.append(Gp - G)
    if d == h:
        out.append(Hp - H)
    return out


def mirror_terms(iso):
    """λ̇_i = u_iᵀβ̇v_i = −κ_i u_iᵀ R v_i, β̇ = −(η_aWᵀW R + η_w R AᵀA) (proven
    above), general Σxx, Σxy."""
    A, W = iso.A, iso.W
    R = iso.sxx * iso.beta - iso.sxy
    bdot = -(W.transpose() * W * R * iso.eta_a + R * A.transpose() * A * iso.eta_w)
    out = []
    for i, kp in enumerate(iso.kappa):
        u, v = iso.col(iso.U, i), iso.col(iso.V, i)
        out.append(u.transpose() * bdot * v + u.transpose() * R * v * kp)
    return out
