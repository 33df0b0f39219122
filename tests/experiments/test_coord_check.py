"""The coordinate check: a NumPy MLP checked against a naive per-entry loop and
finite differences, then the widths slopes the spectral condition predicts.

Widths 2⁸…2¹² (d_in = 16 ≪ n, seeds averaged) for the μP claims: every layer's
mean |z| flat at steps 1–3, ‖ΔW_l‖_* following √(n_l/n_{l−1}); standard
parametrisation with Adam blowing up at the readout; the first-step scalings of
:func:`exactflow.derivations.spectral_scaling.table.first_step_ratios` seen in the
features; the d_in > n regime, where the input layer grows like √(n/d_in).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import sympy as sp

xr = pytest.importorskip("xarray")
pytest.importorskip("zarr")

from exactflow.cli import main  # noqa: E402
from exactflow.derivations import spectral_scaling as ss  # noqa: E402
from exactflow.derivations.spectral_scaling.table import (  # noqa: E402
    first_step_ratios,
    leading_term,
)
from exactflow.experiments import EXPERIMENTS, _mlp  # noqa: E402
from exactflow.experiments import coord_check as cc  # noqa: E402

WIDTHS = [256, 512, 1024, 2048, 4096]
SMALL = dict(d_in=16, d_out=10, depth=3, progress=False)


# ------------------------------------------------ the MLP against references


def _naive_forward(W, b, x, act):
    """One sample through the network, entry by entry."""
    h, zs = list(x), []
    for i, w in enumerate(W):
        z = [sum(w[r][c] * h[c] for c in range(len(h))) + (b[i][r] if b else 0.0)
             for r in range(len(w))]
        zs.append(z)
        h = [act(v) for v in z]
    return zs


def _act(name):
    return {"relu": lambda v: max(v, 0.0), "tanh": math.tanh,
            "linear": lambda v: v}[name]


def _naive_loss(W, b, X, target, act, loss):
    total = 0.0
    for x, t in zip(X, target):
        out = _naive_forward(W, b, x, act)[-1]
        if loss == "xent":
            top = max(out)
            total += top + math.log(sum(math.exp(v - top) for v in out)) - out[t]
        else:
            total += 0.5 * sum((v - y) ** 2 for v, y in zip(out, t))
    return total / len(X)


@pytest.mark.parametrize("activation, loss, bias",
                         list(itertools.product(("relu", "tanh", "linear"),
                                                ("xent", "mse"), (False, True))))
def test_gradients_against_finite_differences(activation, loss, bias):
    rng = np.random.default_rng(11)
    sizes = (3, 5, 4, 3)
    W = [rng.standard_normal((o, i)) for i, o in zip(sizes, sizes[1:])]
    b = [rng.standard_normal(o) for o in sizes[1:]] if bias else None
    X = rng.standard_normal((2, 3))
    target = rng.integers(0, 3, 2) if loss == "xent" else rng.standard_normal((2, 3))
    hs, zs = _mlp.forward(W, b, X, activation)
    _, g = _mlp.loss_and_grad(zs[-1], target, loss)
    grads = _mlp.backward(W, hs, zs, g, activation)
    act = _act(activation)
    h = 1e-6
    for layer in range(3):
        for r, c in ((0, 0), (1, 2), (2, 1)):
            Wp = [w.tolist() for w in W]
            Wm = [w.tolist() for w in W]
            Wp[layer][r][c] += h
            Wm[layer][r][c] -= h
            bl = [x.tolist() for x in b] if bias else None
            fd = (_naive_loss(Wp, bl, X.tolist(), target.tolist(), act, loss)
                  - _naive_loss(Wm, bl, X.tolist(), target.tolist(), act, loss)
                  ) / (2 * h)
            assert grads[layer][0][r, c] == pytest.approx(fd, rel=1e-5, abs=1e-8)
        if bias:
            bp = [x.tolist() for x in b]
            bm = [x.tolist() for x in b]
            bp[layer][1] += h
            bm[layer][1] -= h
            Wl = [w.tolist() for w in W]
            fd = (_naive_loss(Wl, bp, X.tolist(), target.tolist(), act, loss)
                  - _naive_loss(Wl, bm, X.tolist(), target.tolist(), act, loss)
                  ) / (2 * h)
            assert grads[layer][1][1] == pytest.approx(fd, rel=1e-5, abs=1e-8)


def _naive_train(layers, X, target, steps, optimizer, activation, loss, rng):
    """The whole check on a tiny net, entry by entry (no matrix products)."""
    sizes = layers.sizes
    W = [(layers.std[i] * rng.standard_normal((sizes[i + 1], sizes[i]))).tolist()
         for i in range(len(sizes) - 1)]
    W0 = [np.array(w) for w in W]
    m = [[[0.0] * len(r) for r in w] for w in W]
    v = [[[0.0] * len(r) for r in w] for w in W]
    act = _act(activation)
    out = {"mean_abs": [], "loss": [], "update_norm": []}
    z0 = None
    for s in range(steps + 1):
        zs = [_naive_forward(W, None, x, act) for x in X.tolist()]
        z0 = z0 or zs
        out["mean_abs"].append([np.mean([abs(val) for z in zs for val in z[i]])
                                for i in range(len(W))])
        out["update_norm"].append([np.linalg.norm(np.array(W[i]) - W0[i], 2)
                                   for i in range(len(W))])
        out["loss"].append(_naive_loss(W, None, X.tolist(), target.tolist(), act, loss))
        if s == steps:
            break
        h = 1e-6  # every gradient first (central differences), then the updates
        grads = []
        for i, w in enumerate(W):
            grad = [[0.0] * len(r) for r in w]
            for r, c in itertools.product(range(len(w)), range(len(w[0]))):
                Wp = [[row[:] for row in x] for x in W]
                Wm = [[row[:] for row in x] for x in W]
                Wp[i][r][c] += h
                Wm[i][r][c] -= h
                grad[r][c] = (_naive_loss(Wp, None, X.tolist(), target.tolist(), act,
                                          loss)
                              - _naive_loss(Wm, None, X.tolist(), target.tolist(), act,
                                            loss)) / (2 * h)
            grads.append(grad)
        for i, (w, grad) in enumerate(zip(W, grads)):
            for r, c in itertools.product(range(len(w)), range(len(w[0]))):
                gr = grad[r][c]
                if optimizer == "sgd":
                    w[r][c] -= layers.lr[i] * gr
                else:
                    t = s + 1
                    m[i][r][c] = 0.9 * m[i][r][c] + 0.1 * gr
                    v[i][r][c] = 0.999 * v[i][r][c] + 0.001 * gr * gr
                    w[r][c] -= layers.lr[i] * (m[i][r][c] / (1 - 0.9**t)) / (
                        math.sqrt(v[i][r][c] / (1 - 0.999**t)) + layers.eps[i])
    return {k: np.array(x) for k, x in out.items()}


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_training_and_statistics_against_a_naive_loop(optimizer):
    layers = _mlp.Layers((3, 4, 4, 2), (0.7, 0.5, 0.6), (0.3, 0.2, 0.1),
                         (1e-8, 1e-8, 1e-8))
    rng = np.random.default_rng(4)
    X = rng.standard_normal((3, 3))
    target = rng.integers(0, 2, 3)
    got = _mlp.train(layers, X, target, steps=2, optimizer=optimizer,
                     activation="tanh", loss="xent", zero_readout=False, norms=True,
                     rtol=1e-10, rng=np.random.default_rng(9))
    ref = _naive_train(layers, X, target, 2, optimizer, "tanh", "xent",
                       np.random.default_rng(9))
    for key in ("mean_abs", "loss", "update_norm"):
        np.testing.assert_allclose(got[key], ref[key], rtol=2e-6, atol=1e-9)
    assert np.all(got["update_norm"][1:] > 0)


# ------------------------------------------------------- the μP coordinate check


@pytest.fixture(scope="module")
def mup_adam():
    return cc.run("mup", "adam", WIDTHS, steps=3, seeds=2, lr=1e-3,
                  zero_readout=True, **SMALL)


def test_the_data_set(mup_adam):
    ds = mup_adam
    assert dict(ds.sizes) == {"width": 5, "seed": 2, "step": 4, "layer": 3}
    assert list(ds["kind"].values) == ["input", "hidden", "output"]
    assert ds.attrs["parametrization"] == "mup" and ds.attrs["lr"] == 1e-3
    assert ds.attrs["regime"].startswith("n ≫ d_in")
    np.testing.assert_allclose(ds["init_std"].sel(width=4096),
                               [16**-0.5, 4096**-0.5, math.sqrt(10) / 4096])
    np.testing.assert_allclose(ds["lr"].sel(width=4096), [1e-3 / 16, 1e-3 / 4096,
                                                          1e-3 / 4096])
    # zero readout: the output is exactly 0 at step 0, so nothing moves upstream
    assert float(abs(ds["mean_abs"].sel(step=0, layer=3)).max()) == 0.0
    assert float(abs(ds["update_norm"].sel(step=1, layer=[1, 2])).max()) == 0.0


def test_mup_every_layer_is_flat_in_width(mup_adam):
    s = cc.slopes(mup_adam).sel(step=[1, 2, 3])
    assert float(abs(s).max()) < 0.1, s.values
    change = cc.slopes(mup_adam, "rms_change").sel(step=[2, 3])
    assert float(abs(change).max()) < 0.1, change.values


def test_mup_update_norms_follow_the_spectral_condition(mup_adam):
    target = cc.target_slopes(mup_adam)
    np.testing.assert_allclose(target, [0.5, 0.0, -0.5], atol=1e-12)
    s = cc.slopes(mup_adam, "update_norm")
    assert list(s["step"].values) == [1, 2, 3]  # step 0: no update yet
    assert np.isnan(s.sel(step=1, layer=1)) and "layer 1 step 1" in s.attrs["undefined"]
    gap = abs(s.sel(step=[2, 3]) - target)
    assert float(gap.max()) <= 0.1, s.values
    # and the size: ‖ΔW_l‖_* ≈ lr·√(n_l/n_{l−1}) up to a width-independent factor
    ratio = (mup_adam["update_norm"].sel(step=3).mean("seed")
             / (1e-3 * np.sqrt(mup_adam["fan_out"] / mup_adam["fan_in"])))
    assert float(ratio.min()) > 0.3 and float(ratio.max()) < 3


def test_sp_adam_blows_up_at_the_readout():
    sp_adam = cc.run("sp", "adam", WIDTHS, steps=3, seeds=2, lr=1e-3, norms=False,
                     **SMALL)
    s = cc.slopes(sp_adam)
    assert float(s.sel(layer=3, step=3)) > 0.8, s.values
    # the first step's table: input Θ(d_in), hidden Θ(n) (the readout's change also
    # carries ΔW₃Δh₂ ~ n², so its slope is past 1 in this range)
    change = cc.slopes(sp_adam, "rms_change").sel(step=1)
    np.testing.assert_allclose(change.sel(layer=[1, 2]), [0.0, 1.0], atol=0.1)
    assert float(change.sel(layer=3)) > 1.0


@pytest.mark.parametrize("kind", ["sp", "ntk"])
def test_sgd_features_follow_the_first_step_ratios(kind):
    ds = cc.run(kind, "sgd", WIDTHS, steps=1, seeds=2, lr=0.1, norms=False, **SMALL)
    _features_follow_the_first_step_ratios(ds)


def _features_follow_the_first_step_ratios(ds):
    """With SGD at rate 0.1 the change of z_l after one step is led by the largest
    first-step ratio of layers 1…l (forward gains are Θ(1) in SP and NTK)."""
    ratios = first_step_ratios(ds.attrs["parametrization"], ds.attrs["optimizer"])
    exps = [float(sp.limit(sp.log(leading_term(ratios[k])) / sp.log(ss.n), ss.n,
                           sp.oo)) for k in ("input", "hidden", "output")]
    want = np.maximum.accumulate(exps)
    got = cc.slopes(ds, "rms_change").sel(step=1).values
    np.testing.assert_allclose(got, want, atol=0.1)


def test_mup_sgd_is_flat_too():
    ds = cc.run("mup", "sgd", WIDTHS, steps=3, seeds=2, lr=0.1, zero_readout=True,
                norms=False, **SMALL)
    assert float(abs(cc.slopes(ds).sel(step=[1, 2, 3])).max()) < 0.1


def test_large_d_in_regime_input_features_grow_like_sqrt_n():
    ds = cc.run("mup", "adam", [128, 256, 512, 1024], d_in=3072, d_out=10, steps=1,
                seeds=2, lr=1e-3, norms=False, progress=False)
    assert ds.attrs["regime"].startswith("d_in = 3072 > n")
    s = cc.slopes(ds).sel(step=0)
    assert float(s.sel(layer=1)) == pytest.approx(0.5, abs=0.05)
    # the std is the derived min(1, √(n/d_in))/√d_in, not the μP table's 1/√d_in
    np.testing.assert_allclose(ds["init_std"].sel(layer=1),
                               np.sqrt(ds["width"] / 3072) / math.sqrt(3072))


# ------------------------------------------------------ runner, slopes, errors


def test_dask_client_store_and_resume_give_the_same_data(tmp_path):
    distributed = pytest.importorskip("distributed")
    kw = dict(widths=[32, 64], d_in=4, d_out=3, steps=2, seeds=2, lr=0.01,
              progress=False)
    local = cc.run("mup", "adam", **kw)
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=1,
                            dashboard_address=None) as client:
        remote = cc.run("mup", "adam", client=client, store=tmp_path / "s.zarr", **kw)
    xr.testing.assert_identical(local.drop_attrs(), remote.drop_attrs())
    again = cc.run("mup", "adam", store=tmp_path / "s.zarr", resume=True, **kw)
    xr.testing.assert_equal(local, again)


def _synthetic(exponents, zero=()):
    widths = np.array([64, 128, 256, 512])
    rng = np.random.default_rng(0)
    values = np.empty((4, 2, 2, 2))
    for (layer, step), p in np.ndenumerate(exponents):
        values[:, :, step, layer] = (3.0 * widths**p)[:, None] * rng.uniform(
            0.999, 1.001, 2)
    for layer, step in zero:
        values[:, :, step, layer] = 0.0
    return xr.Dataset({"mean_abs": (("width", "seed", "step", "layer"), values)},
                      coords={"width": widths, "seed": [0, 1], "step": [0, 1],
                              "layer": [1, 2]})


def test_slopes_are_least_squares_of_seed_means():
    ds = _synthetic(np.array([[0.5, -1.0], [0.0, 2.0]]))
    s = cc.slopes(ds)
    assert s.dims == ("layer", "step")
    np.testing.assert_allclose(s, [[0.5, -1.0], [0.0, 2.0]], atol=2e-3)
    one = cc.slopes(_synthetic(np.zeros((2, 2)), zero=[(1, 0)]))
    assert np.isnan(one.sel(layer=2, step=0)) and one.attrs["undefined"] == \
        "layer 2 step 0"
    gone = cc.slopes(_synthetic(np.zeros((2, 2)), zero=[(0, 0), (1, 0)]))
    assert list(gone["step"].values) == [1]
    with pytest.raises(ValueError, match="two widths"):
        cc.slopes(ds.isel(width=[0]))
    with pytest.raises(ValueError, match="statistic"):
        cc.slopes(ds, "update_norm")


@pytest.mark.parametrize("kwargs, exc, word", [
    ({"parametrization": "mf"}, ValueError, "parametrization"),
    ({"optimizer": "lion"}, ValueError, "optimizer"),
    ({"widths": [0, 4]}, ValueError, "widths"),
    ({"widths": [4, 4]}, ValueError, "widths"),
    ({"widths": "64"}, TypeError, "widths"),
    ({"depth": 1}, ValueError, "depth"),
    ({"steps": 0}, ValueError, "steps"),
    ({"seeds": 0}, ValueError, "seeds"),
    ({"seeds": [1, 1]}, ValueError, "seeds"),
    ({"lr": -1.0}, ValueError, "lr"),
    ({"lr": float("nan")}, ValueError, "lr"),
    ({"activation": "gelu"}, ValueError, "activation"),
    ({"loss": "hinge"}, ValueError, "loss"),
    ({"bias": 1}, TypeError, "bias"),
    ({"d_out": 1}, ValueError, "d_out"),
    ({"batch": 2.5}, TypeError, "batch"),
])
def test_bad_input_names_the_argument(kwargs, exc, word):
    args = dict(widths=[8, 16], d_in=4, d_out=3, steps=1, seeds=1, progress=False)
    args.update(kwargs)
    with pytest.raises(exc, match=word):
        cc.run(**args)


def test_registry_and_spellings_agree_with_the_derivation():
    assert EXPERIMENTS["coord-check"] == cc.__name__
    assert cc.KINDS == ss.KINDS and cc.OPTIMIZERS == ss.OPTIMIZERS


def test_biases_and_mse_run():
    ds = cc.run("mup", "sgd", [32, 64], d_in=4, d_out=3, steps=2, seeds=1,
                bias=True, loss="mse", activation="tanh", progress=False)
    assert np.all(np.isfinite(ds["loss"]))
    assert float(ds["rms_change"].sel(step=2).min()) > 0


def test_cli_sweep_then_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    store = tmp_path / "cc.zarr"
    assert main(["sweep", "coord-check", "--parametrization", "sp", "--optimizer",
                 "adam", "--widths", "32", "64", "--d-in", "4", "--seeds", "1",
                 "--steps", "1", "-o", str(store)]) == 0
    assert "coord-check: width 2" in capsys.readouterr().out
    assert main(["plot", str(store), "-o", str(tmp_path / "fig")]) == 0
    printed = capsys.readouterr().out.split()
    assert [p.rsplit("/", 1)[1] for p in printed] == [
        "coord_check_sp_adam_mean_abs.png", "coord_check_sp_adam_rms_change.png",
        "coord_check_sp_adam_update_norm.png"]
    assert all((tmp_path / "fig" / p.rsplit("/", 1)[1]).stat().st_size > 0
               for p in printed)
    assert main(["sweep", "coord-check", "--parametrization", "xx", "-o", "y"]) == 2
