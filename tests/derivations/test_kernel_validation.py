"""Raw generated kernels do not validate (documented in ``Derivation.kernel``);
``validate=True`` checks every argument against its input symbol's assumptions,
and the public numerical functions refuse what the raw kernels would turn into
NaN."""

from __future__ import annotations

import numpy as np
import pytest

from exactflow import derivation
from exactflow.derivations import CATALOG
from exactflow.derivations import deep_linear_modes as dm
from exactflow.derivations import single_neuron as sn


def _args(inputs, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.uniform(0.2, 0.9, size=3) * (-1 if s.is_nonpositive else 1)
            for s in inputs]


@pytest.fixture(scope="module", params=sorted(CATALOG))
def entry(request):
    d = derivation(request.param)
    kernel = d.kernel_names[0]  # the entry's own first kernel (e.g. exact)
    return d, kernel, d.kernel_exprs(kernel).inputs


def test_validated_kernel_equals_raw_kernel_on_valid_input(entry):
    d, kernel, inputs = entry
    args = _args(inputs)
    raw = d.kernel(None, kernel)(*args)
    checked = d.kernel(None, kernel, validate=True)(*args)
    for a, b in zip(np.atleast_1d(raw) if not isinstance(raw, tuple) else raw,
                    np.atleast_1d(checked) if not isinstance(checked, tuple)
                    else checked):
        np.testing.assert_array_equal(a, b)


def test_validated_kernel_refuses_each_bad_argument(entry):
    d, kernel, inputs = entry
    fn = d.kernel(None, kernel, validate=True)
    for i, sym in enumerate(inputs):
        bad_values = [np.nan, np.inf, "0.5", 1 + 1j, None]
        if sym.is_positive:
            bad_values += [-1.0, 0.0]
        elif sym.is_nonnegative:
            bad_values += [-1.0]
        elif sym.is_nonpositive:
            bad_values += [1.0]
        for bad in bad_values:
            args = _args(inputs)
            args[i] = bad
            with pytest.raises((ValueError, TypeError), match=sym.name):
                fn(*args)


def test_public_wrappers_refuse_a_negative_rate():
    # the raw exact kernels give NaN silently for η = −1; the functions raise
    with pytest.raises(ValueError, match="eta_a"):
        sn.trajectory(1.0, 0.5, np.array([0.3, 0.1]), np.array([1.0, 0.0]),
                      eta_a=-1.0)
    with pytest.raises(ValueError, match="eta"):
        dm.trajectory(1.0, 0.5, 1.0, 3, eta=-1.0)
