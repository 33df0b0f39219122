r"""Coordinate-check figures: the layout users know from ``mup``.

:func:`plot_coord_check` draws one panel (one step): log₂ width on x, the seed
mean of a statistic on a log₂ y axis, one line per layer with a band from the
smallest to the largest seed.  :func:`coord_check_figure` puts one panel per
step side by side; :func:`plot_update_slopes` compares ‖ΔW_l‖_* with the
spectral condition's √(n_l/n_{l−1}).  Inputs are the data sets of
:func:`exactflow.experiments.coord_check.run`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from . import pyplot

__all__ = ["coord_check_figure", "plot_coord_check", "plot_update_slopes", "save",
           "title"]

_LABELS = {"mean_abs": "mean |z_l|", "rms_change": "RMS of z_l − z_l(0)",
           "spectral_norm": "‖W_l‖_*", "update_norm": "‖W_l − W_l(0)‖_*"}
_NAMES = {"sp": "SP", "ntk": "NTK", "mup": "μP"}


def _check(ds, statistic: str, step=None):
    if statistic not in ds.data_vars or "layer" not in ds[statistic].dims:
        have = [k for k in _LABELS if k in ds.data_vars]
        raise ValueError(f"statistic must be one of {have}, got {statistic!r}")
    if step is not None and step not in set(ds["step"].values.tolist()):
        raise ValueError(f"step must be one of {ds['step'].values.tolist()}, "
                         f"got {step!r}")


def _layer_label(ds, layer) -> str:
    kind = ds["kind"].sel(layer=layer).item() if "kind" in ds.coords else ""
    return f"layer {int(layer)} ({kind})" if kind else f"layer {int(layer)}"


def title(ds) -> str:
    """Parametrisation, optimizer, sizes and regime of a coordinate check."""
    a = ds.attrs
    kind = _NAMES.get(a.get("parametrization"), a.get("parametrization", "?"))
    head = (f"{kind}, {a.get('optimizer', '?')} lr {a.get('lr', '?')}, "
            f"d_in = {a.get('d_in', '?')}, d_out = {a.get('d_out', '?')}")
    regime = str(a.get("regime", "")).split(":")[0]
    return head + (f" — {regime}" if regime else "")


def plot_coord_check(ds, step, statistic: str = "mean_abs", ax=None):
    """One panel: ``statistic`` at ``step`` against width, one line per layer.

    The line is the seed mean, the band spans the seeds' minimum to maximum;
    points where the statistic is zero (a zero-initialised readout at step 0,
    the changes at step 0) are left out of the log axes.
    """
    _check(ds, statistic, step)
    plt = pyplot()
    if ax is None:
        ax = plt.figure(figsize=(4, 3.2)).add_subplot()
    widths = ds["width"].values.astype(float)
    values = ds[statistic].sel(step=step)
    for layer in ds["layer"].values:
        v = values.sel(layer=layer).transpose("width", "seed").values
        mean, low, high = v.mean(axis=1), v.min(axis=1), v.max(axis=1)
        keep = mean > 0
        if not keep.any():
            continue
        (line,) = ax.plot(widths[keep], mean[keep], marker="o", ms=3,
                          label=_layer_label(ds, layer))
        ax.fill_between(widths[keep], np.where(low > 0, low, mean)[keep],
                        high[keep], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("width")
    ax.set_ylabel(_LABELS.get(statistic, statistic))
    ax.set_title(f"step {int(step)}")
    return ax


def coord_check_figure(ds, statistic: str = "mean_abs"):
    """One panel per step (``mup``'s layout) with a shared legend and title."""
    _check(ds, statistic)
    plt = pyplot()
    steps = ds["step"].values
    fig, axes = plt.subplots(1, len(steps), figsize=(3.2 * len(steps), 3.2),
                             sharey=True, squeeze=False)
    for ax, step in zip(axes[0], steps):
        plot_coord_check(ds, step, statistic, ax=ax)
        if ax is not axes[0][0]:
            ax.set_ylabel("")
    handles, labels = axes[0][0].get_legend_handles_labels()
    for ax in axes[0][1:]:  # a layer that is zero at step 0 shows up later
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=8,
               frameon=False)
    fig.suptitle(f"{_LABELS.get(statistic, statistic)}: {title(ds)}", fontsize=9)
    fig.tight_layout(rect=(0, 0.08, 1, 0.95))
    return fig


def plot_update_slopes(ds, step=None, ax=None):
    r"""‖ΔW_l‖_* (seed mean) at ``step`` (default: the last) against width, per
    layer, with dashed lines of the spectral condition's slope
    (√(n_l/n_{l−1}), scaled to pass through the data's geometric mean).  The
    legend gives the fitted and the target log₂–log₂ slopes.
    """
    if "update_norm" not in ds.data_vars:
        raise ValueError("ds has no update_norm: run the check with norms=True")
    step = int(ds["step"].values[-1]) if step is None else step
    _check(ds, "update_norm", step)
    plt = pyplot()
    if ax is None:
        ax = plt.figure(figsize=(7, 3.6)).add_subplot()
    widths = ds["width"].values.astype(float)
    x = np.log2(widths)
    values = ds["update_norm"].sel(step=step).mean("seed")
    for layer in ds["layer"].values:
        y = values.sel(layer=layer).values
        if np.any(y <= 0):
            continue
        target = np.sqrt((ds["fan_out"] / ds["fan_in"]).sel(layer=layer).values)
        fit = np.polyfit(x, np.log2(y), 1)[0]
        want = np.polyfit(x, np.log2(target), 1)[0]
        (line,) = ax.plot(widths, y, marker="o", ms=3,
                          label=f"{_layer_label(ds, layer)}: {fit:+.2f} "
                                f"(target {want:+.2f})")
        scale = np.exp(np.mean(np.log(y)) - np.mean(np.log(target)))
        ax.plot(widths, scale * target, ls="--", color=line.get_color(), lw=1)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xlabel("width")
    ax.set_ylabel("‖W_l − W_l(0)‖_*")
    ax.set_title(f"update spectral norms, step {step}", fontsize=9)
    ax.legend(fontsize=7, title="slope, measured (target)", title_fontsize=7,
              loc="center left", bbox_to_anchor=(1.02, 0.5))
    return ax


def save(ds, directory) -> list[Path]:
    """Write the coordinate check's figures (PNG) into ``directory``."""
    plt = pyplot()
    directory = Path(directory)
    stem = f"coord_check_{ds.attrs.get('parametrization', 'x')}_" \
           f"{ds.attrs.get('optimizer', 'x')}"
    paths = []
    for statistic in ("mean_abs", "rms_change"):
        fig = coord_check_figure(ds, statistic)
        paths.append(directory / f"{stem}_{statistic}.png")
        fig.savefig(paths[-1], dpi=120)
        plt.close(fig)
    if "update_norm" in ds.data_vars:
        ax = plot_update_slopes(ds)
        ax.figure.suptitle(title(ds), fontsize=7)
        ax.figure.tight_layout()
        paths.append(directory / f"{stem}_update_norm.png")
        ax.figure.savefig(paths[-1], dpi=120)
        plt.close(ax.figure)
    return paths
