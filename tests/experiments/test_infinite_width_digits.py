"""The infinite-width experiment at small sizes: data, blocks, table, figure, CLI."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("xarray")
pytest.importorskip("zarr")

from exactflow.cli import main  # noqa: E402
from exactflow.derivations import infinite_width as iw  # noqa: E402
from exactflow.derivations.infinite_width import adam, finite  # noqa: E402
from exactflow.experiments import infinite_width_digits as ex  # noqa: E402

SMALL = dict(data="synthetic", n_train=24, n_test=16, widths=[16, 64],
             steps=[0, 2, 5], seeds=2, directions=128)


@pytest.fixture(scope="module")
def result():
    return ex.sweep(**SMALL)


def test_data_are_normalised_and_split():
    x, y, xs, ys = ex.load("synthetic", 24, 16)
    assert x.shape == (24, 8) and xs.shape == (16, 8)
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), np.sqrt(8), rtol=1e-12)
    assert set(np.unique(np.concatenate([y, ys]))) <= {-1.0, 1.0}
    with pytest.raises(ValueError, match="data"):
        ex.load("mnist", 10, 10)
    with pytest.raises(ValueError, match="n_train"):
        ex.load("synthetic", 0, 10)


def test_digits_load_without_download():
    pytest.importorskip("sklearn")
    x, y, xs, ys = ex.load("digits", 300, 500)
    assert x.shape == (300, 64) and xs.shape == (500, 64)
    assert 0.3 < np.mean(y > 0) < 0.7  # even vs odd is balanced


def test_every_model_against_an_independent_run(result):
    # each stored number is recomputed here from the public functions
    x, y, xs, ys = ex.load("synthetic", 24, 16)
    steps = np.array(SMALL["steps"])
    lr_gd = 1.0 / np.linalg.eigvalsh(iw.ntk(x, x, depth=1)).max()
    f_ntk = iw.predict(steps, x, y, xs, depth=1, learning_rate=lr_gd)
    f_gd = finite.train_two_layer(x, y, xs, 64, steps, lr_gd, "gd", seed=1)[1]
    f_adam = finite.train_two_layer(x, y, xs, 16, steps, 0.01, "adam", seed=0)[1]
    f_lim = adam.adam_limit(x, y, xs, steps, 0.01, directions=128, seed=1)[1]

    def err(f):
        return np.mean(f * ys < 0, axis=-1) + 0.5 * np.mean(f * ys == 0, axis=-1)

    sel = result.sel
    np.testing.assert_allclose(sel(seed=0, width=16)["test_error_ntk"], err(f_ntk))
    np.testing.assert_allclose(sel(seed=1, width=64)["test_error_ntk"], err(f_ntk))
    np.testing.assert_allclose(sel(seed=1, width=64)["test_error_gd"], err(f_gd))
    np.testing.assert_allclose(sel(seed=0, width=16)["test_error_adam"], err(f_adam))
    np.testing.assert_allclose(sel(seed=1, width=16)["test_error_adam_limit"],
                               err(f_lim))
    # f₀ ≡ 0: the initial loss is ½‖y‖² and every model starts at error ½
    np.testing.assert_allclose(result["train_loss_gd"].sel(step=0), 0.5 * y @ y)
    assert float(result["test_error_adam"].sel(step=0).max()) == 0.5
    assert result.attrs["loss"].startswith("½ Σ") and result.attrs["n_train"] == 24


def test_table_and_figure(result, tmp_path):
    text = ex.table(result)
    assert text.splitlines()[0] == "| model | 2^4 | 2^6 |"
    assert len(text.splitlines()) == 2 + 4
    pytest.importorskip("matplotlib")
    from exactflow.present.figures import infinite_width as fig

    ax = fig.plot_error_vs_width(result)
    lines = ax.get_lines()
    assert len(ax.containers) == 4  # one errorbar per model
    gd = result["test_error_gd"].sel(step=5).mean("seed").values
    assert any(np.allclose(line.get_ydata(), gd) for line in lines)
    ax2 = fig.plot_error_vs_steps(result, width=64)
    adam_curve = result["test_error_adam"].sel(width=64).mean("seed").values[1:]
    assert any(np.allclose(line.get_ydata(), adam_curve) for line in ax2.get_lines())
    assert ax2.get_xscale() == "log"
    paths = fig.save(result, tmp_path)
    assert paths[0].exists() and paths[0].stat().st_size > 1000
    fig.save_summary(result, tmp_path / "summary.png")
    assert (tmp_path / "summary.png").stat().st_size > 1000


def test_cli_sweep_and_plot(tmp_path, capsys):
    store = tmp_path / "iw.zarr"
    args = ["sweep", "infinite_width_digits", "--data", "synthetic", "--n-train",
            "12", "--n-test", "8", "--widths", "8", "--steps", "0", "1",
            "--seeds", "1", "--directions", "16", "-o", str(store)]
    assert main(args) == 0
    assert "infinite_width_digits" in capsys.readouterr().out
    pytest.importorskip("matplotlib")
    assert main(["plot", str(store), "-o", str(tmp_path / "fig")]) == 0
    assert (tmp_path / "fig" / "infinite_width_digits.png").exists()
    bad = args[:-2] + ["-o", str(tmp_path / "other.zarr")]
    bad[bad.index("--n-train") + 1] = "0"
    assert main(bad) == 2
    assert capsys.readouterr().err.startswith("exactflow: error:")
