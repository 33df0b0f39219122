"""Regression cases found by fuzzing the remaining catalog entries, each checked
against an independent reference (mpmath at 40 digits, a hand-applied rule)."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from exactflow.derivations import wide_linear_scalar as wl


@pytest.mark.parametrize("scale", [1e-100, 1e-80, 1.0])
def test_wide_classify_tiny_start_is_not_the_origin(scale):
    # G = ‖u‖²‖w‖² − p² and H = −4P₊P₋ underflowed to 0 for norms ~1e-100, so a
    # start next to (not at) the origin was refused as "both zero"
    u0, w0 = np.array([0.0, 0.0]), np.array([scale, 0.0])
    r = wl.classify(u0, w0, 1.0, 1.0)
    mpmath.mp.dps = 40
    s = mpmath.mpf(scale)
    p_plus, p_minus = s**2 / 4, -(s**2) / 4  # ρ = 1: ‖u0 ± w0‖²/4
    h = mpmath.sqrt(-4 * p_plus * p_minus)  # p0 = 0, p∞ = β/(ακ) = 1
    change = mpmath.sqrt(1 + h**2) / h - 1  # K∞/K0 − 1 (p crosses no zero)
    assert r.kind == "feature" and r.mechanism == "rescaling"  # G = 0: no angle
    assert abs(r.ntk_change - float(change)) <= 1e-13 * float(change)
    assert r.angular_share == 0.0 and np.isfinite(r.cos_change)


def test_wide_classify_refuses_only_the_origin():
    with pytest.raises(ValueError, match="u0 and w0"):
        wl.classify(np.zeros(2), np.zeros(2), 1.0, 1.0)
