"""The linear entries' figures draw what the catalog computes (the data on the
axes, not pixels), checked where cheap against independent references: Saxe's
closed-form sigmoid, the depth-1/2 learning times in logarithms, DOP853 on a mode
ODE, conservation laws, and the minimum-ℓ1/ℓ2 interpolants by scipy."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from scipy.integrate import solve_ivp  # noqa: E402
from scipy.optimize import linprog  # noqa: E402

from exactflow.derivations import deep_linear_modes as dlm  # noqa: E402
from exactflow.derivations import diagonal_linear as dl  # noqa: E402
from exactflow.derivations import two_layer_linear_balanced as tlb  # noqa: E402
from exactflow.derivations import wide_linear_scalar as wls  # noqa: E402
from exactflow.present.figures import FIGURES  # noqa: E402
from exactflow.present.figures import deep_linear_modes as dlmf  # noqa: E402
from exactflow.present.figures import diagonal_linear as dlf  # noqa: E402
from exactflow.present.figures import multi_neuron_linear as mnlf  # noqa: E402
from exactflow.present.figures import two_layer_linear_balanced as tlbf  # noqa: E402
from exactflow.present.figures import wide_linear_scalar as wlsf  # noqa: E402
from exactflow.present.figures._mpl import pyplot  # noqa: E402

LINEAR = ("deep_linear_modes", "diagonal_linear", "multi_neuron_linear",
          "two_layer_linear_balanced", "wide_linear_scalar")
T = np.linspace(0.0, 6.0, 25)


@pytest.fixture(autouse=True)
def _close():
    yield
    pyplot().close("all")


def labelled(ax, prefix):
    return [ln for ln in ax.get_lines() if ln.get_label().startswith(prefix)]


def saxe(t, u0, s, eta=1.0):
    """Saxe et al.'s depth-2 sigmoid, s u₀/(u₀ + (s − u₀)e^{−2sηt})."""
    return s * u0 / (u0 + (s - u0) * np.exp(-2 * s * eta * t))


def test_deep_modes_are_saxe_sigmoids():
    ax = dlmf.plot_modes(strengths=(0.5, 2.0), u0=1e-2, depth=2, t=T, eta=0.7)
    lines = labelled(ax, r"$\beta^*")
    assert len(lines) == 2
    for line, s in zip(lines, (0.5, 2.0)):
        np.testing.assert_array_equal(line.get_xdata(), T)
        np.testing.assert_allclose(line.get_ydata(), saxe(T, 1e-2, s, 0.7),
                                   rtol=1e-12)
    ax = dlmf.plot_modes(strengths=(1.5,), u0=0.1, depth=4, t=T)
    (line,) = labelled(ax, r"$\beta^*")
    np.testing.assert_allclose(line.get_ydata(), dlm.trajectory(T, 0.1, 1.5, 4))


def test_learning_time_against_depth():
    eps, eta = 1e-3, 2.0
    ax = dlmf.plot_learning_time(depths=range(1, 6), epsilon=eps, eta=eta)
    fixed, scaled = ax.get_lines()
    np.testing.assert_array_equal(fixed.get_xdata(), [1, 2, 3, 4, 5])
    t = fixed.get_ydata()
    # depth 1: (1/η) ln((s − u₀)/(s − u_f)); depth 2: (1/2sη) ln(u_f(s−u₀)/(u₀(s−u_f)))
    assert t[0] == pytest.approx(np.log((1 - eps) / eps) / eta, rel=1e-12)
    assert t[1] == pytest.approx(np.log((1 - eps) ** 2 / eps**2) / (2 * eta),
                                 rel=1e-12)
    np.testing.assert_allclose(t[2:], [float(dlm.learning_time(eps, 1 - eps, 1.0, n))
                                       / eta for n in (3, 4, 5)], rtol=1e-14)
    np.testing.assert_allclose(scaled.get_ydata(), t * np.arange(1, 6), rtol=1e-14)


def test_balanced_modes_rich_to_lazy():
    ax = tlbf.plot_modes(lams=(0.0, 3.0), strength=1.2, u0=0.01, t=T, eta=0.5)
    rich, lazy = labelled(ax, r"$\lambda")
    np.testing.assert_allclose(rich.get_ydata(), saxe(T, 0.01, 1.2, 0.5), rtol=1e-10)
    # λ-balanced mode: u̇ = η√(λ² + 4u²)(s − u), integrated independently
    sol = solve_ivp(lambda _t, u: 0.5 * np.sqrt(9.0 + 4 * u * u) * (1.2 - u),
                    (0.0, T[-1]), [0.01], method="DOP853", t_eval=T, rtol=1e-12,
                    atol=1e-14)
    np.testing.assert_allclose(lazy.get_ydata(), sol.y[0], rtol=1e-8)


def test_balanced_ntk_change_is_small_when_lazy():
    t = np.array([0.0, 1.0, 20.0])
    ax = tlbf.plot_ntk_change(lams=(0.0, 32.0), t=t)
    rich, lazy = labelled(ax, r"$\lambda")
    np.testing.assert_allclose(rich.get_ydata(), tlbf.ntk_change(t, 0.0))
    np.testing.assert_allclose(lazy.get_ydata(), tlbf.ntk_change(t, 32.0))
    assert rich.get_ydata()[0] == lazy.get_ydata()[0] == 0.0
    # the diagonal network decouples: M = diag(b²) ⊗ I + I ⊗ diag(a²) per mode
    s = np.array([2.0, 1.0])
    _, a2, b2 = tlb.mode_trajectory(20.0, s, 32.0, 1e-3)
    _, a20, b20 = tlb.mode_trajectory(0.0, s, 32.0, 1e-3)
    M = np.kron(np.diag(b2), np.eye(2)) + np.kron(np.eye(2), np.diag(a2))
    M0 = np.kron(np.diag(b20), np.eye(2)) + np.kron(np.eye(2), np.diag(a20))
    expected = np.linalg.norm(M - M0) / np.linalg.norm(M0)
    assert lazy.get_ydata()[-1] == pytest.approx(expected, rel=1e-8)
    assert lazy.get_ydata()[-1] < 0.01 < 100 < rich.get_ydata()[-1]


def test_diagonal_implicit_bias_path_from_l2_to_l1():
    X, y, beta_true = dlf.sparse_regression()
    alphas = np.array([1e-4, 1e-2, 1.0, 30.0])
    ax = dlf.plot_coefficients(alphas=alphas)
    coef = np.array([ln.get_ydata() for ln in ax.get_lines()]).T  # (α, d)
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), alphas)
    np.testing.assert_allclose(coef[2], dl.implicit_bias(X, y, alpha=1.0))
    np.testing.assert_allclose(coef @ X.T, np.tile(y, (4, 1)), atol=1e-10)
    d = X.shape[1]
    res = linprog(np.ones(2 * d), A_eq=np.hstack([X, -X]), b_eq=y, bounds=(0, None))
    l1 = res.x[:d] - res.x[d:]
    np.testing.assert_allclose(l1, beta_true, atol=1e-8)  # the target is recovered
    np.testing.assert_allclose(coef[0], l1, atol=1e-3)  # small α: minimum ℓ1
    np.testing.assert_allclose(coef[-1], np.linalg.pinv(X) @ y, atol=1e-3)  # ℓ2
    ax = dlf.plot_l1_norm(alphas=alphas)
    path, l2_line, target = ax.get_lines()
    np.testing.assert_allclose(path.get_ydata(), np.abs(coef).sum(axis=1))
    assert l2_line.get_ydata()[0] == pytest.approx(np.abs(np.linalg.pinv(X) @ y).sum())
    assert target.get_ydata()[0] == pytest.approx(2.5)


def test_wide_ntk_change_from_conservation_laws():
    scales = np.array([0.05, 0.5, 5.0])
    ax = wlsf.plot_ntk_change(scales=scales, widths=(1, 64), t_end=1e4)
    for line, width in zip(ax.get_lines(), (1, 64)):
        np.testing.assert_array_equal(line.get_xdata(), scales)
        kappa = 1 / np.sqrt(width)
        expected = []
        for s in scales:
            u0, w0 = wlsf.start(width, s)
            # conserved: T = ‖u‖² − ‖w‖², G = ‖u‖²‖w‖² − p²; trained p = β/(ακ)
            T0, G = u0 @ u0 - w0 @ w0, (u0 @ u0) * (w0 @ w0) - (u0 @ w0) ** 2
            p = 1.0 / kappa
            K0 = kappa**2 * (u0 @ u0 + w0 @ w0)
            K1 = kappa**2 * np.sqrt(T0**2 + 4 * (G + p * p))
            expected.append(abs(K1 - K0) / K0)
        np.testing.assert_allclose(line.get_ydata(), expected, rtol=1e-8)
    narrow, wide = (line.get_ydata() for line in ax.get_lines())
    assert np.all(wide < narrow)  # wider is lazier at every scale
    assert wide[-1] < 0.05 < 100 < narrow[0]  # lazy (wide, large σ), rich
    ax = wlsf.plot_ntk_paths(scales=(0.2,), width=4, t=T)
    (line,) = ax.get_lines()
    u0, w0 = wlsf.start(4, 0.2)
    K = wls.trajectory_ntk(T, u0, w0, 1.0, 1.0, 0.5)
    np.testing.assert_allclose(line.get_ydata(), K / K[0], rtol=1e-14)


def test_multi_neuron_singular_values_rise_in_stages():
    beta_star = np.array([[2.0, 0.0], [0.0, 0.5], [0.0, 0.0]])
    A0, W0 = mnlf.aligned_start(beta_star, 0.01, 0.0)
    np.testing.assert_allclose(W0.T @ A0, 0.01 * np.eye(3, 2), atol=1e-16)
    A1, W1 = mnlf.aligned_start(beta_star, 0.01, 1.5, eta_a=2.0)
    np.testing.assert_allclose(np.sum(A1**2, 1) - 2.0 * np.sum(W1**2, 1), 1.5)
    ax = mnlf.plot_singular_values(beta_star, u0=0.01, delta=0.0, t=T)
    lines = labelled(ax, r"$\sigma")
    assert len(lines) == 2
    # δ = 0 makes each mode Saxe's depth-2 sigmoid
    for line, s in zip(lines, (2.0, 0.5)):
        np.testing.assert_allclose(line.get_ydata(), saxe(T, 0.01, s), rtol=1e-9)


def test_registry_and_report_figures(tmp_path):
    for name in LINEAR:
        assert FIGURES[name] == f"exactflow.present.figures.{name}"
    paths = dlmf.report_figures(tmp_path) + tlbf.report_figures(tmp_path)
    assert [p.name for p in paths] == ["deep_linear_modes.png",
                                       "two_layer_linear_balanced.png"]
    assert all(p.stat().st_size > 10_000 for p in paths)


def test_report_includes_the_figures(tmp_path, monkeypatch, capsys):
    """``exactflow report diagonal_linear`` end to end; verification is replaced
    by a stub (it is tested elsewhere) so that the test stays small."""
    import exactflow._verified
    import exactflow.present.tex
    from exactflow.cli import main
    from exactflow.symbolic.proof.verify import ClaimResult, VerificationReport

    def stub(d, use_cache=True):
        return VerificationReport(d.name, tuple(
            ClaimResult(c.name, True, "numeric", 0.0, 0.0) for c in d.claims))

    monkeypatch.setattr(exactflow._verified, "verified", stub)
    monkeypatch.setattr(exactflow.present.tex, "pdflatex", lambda: None)
    assert main(["report", "diagonal_linear", "-o", str(tmp_path)]) == 0
    capsys.readouterr()
    page = (tmp_path / "diagonal_linear.md").read_text()
    assert "![diagonal_linear](diagonal_linear.png)" in page
    assert (tmp_path / "diagonal_linear.png").stat().st_size > 10_000
