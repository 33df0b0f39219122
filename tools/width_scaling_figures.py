"""Draw the width-scaling figures of the README and docs/width_scaling.md.

Usage (needs the sweep and plots extras)::

    python tools/width_scaling_figures.py        # writes docs/images/*.png

Every figure states its regime: n ≫ d_in (the μP table) or d_in > n (the
min(1, √(n/d_in)) factor active at the input layer).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from exactflow.derivations.spectral_scaling.widths_numeric import (  # noqa: E402
    measured_slopes,
)
from exactflow.experiments import coord_check as cc  # noqa: E402
from exactflow.present.figures import coord_check as fig  # noqa: E402
from exactflow.present.figures import width_exponents as wfig  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "docs" / "images"
WIDTHS = [256, 512, 1024, 2048, 4096]


def save(figure, name: str) -> None:
    figure.savefig(OUT / name, dpi=110)
    plt.close(figure)
    print(OUT / name)


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    common = dict(d_out=10, depth=3, steps=3, seeds=4, progress=True)
    sp_adam = cc.run("sp", "adam", WIDTHS, d_in=32, lr=1e-3, norms=False, **common)
    save(fig.coord_check_figure(sp_adam), "coord_check_sp_adam.png")
    mup_adam = cc.run("mup", "adam", WIDTHS, d_in=32, lr=0.05, zero_readout=True,
                      norms=False, **common)
    save(fig.coord_check_figure(mup_adam), "coord_check_mup_adam.png")
    wide_in = cc.run("mup", "adam", [128, 256, 512, 1024, 2048], d_in=3072, lr=0.05,
                     zero_readout=True, norms=False, **common)
    save(fig.coord_check_figure(wide_in), "coord_check_mup_adam_d_in_3072.png")
    norms = cc.run("mup", "adam", WIDTHS, d_in=16, lr=0.05, norms=True, **common)
    ax = fig.plot_update_slopes(norms)
    ax.figure.suptitle(fig.title(norms), fontsize=7)
    ax.figure.tight_layout()
    save(ax.figure, "coord_check_mup_adam_update_norm.png")
    measured = measured_slopes()
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    wfig.plot_width_phase(ax=left, measured=measured)
    wfig.plot_width_slopes(measured, ax=right)
    figure.tight_layout()
    save(figure, "width_exponents.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
