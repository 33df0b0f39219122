"""Experiments: sweeps that produce data sets (xarray), run locally or on Dask.

Each experiment is a module with ``sweep(...) -> xarray.Dataset``, listed in
:data:`EXPERIMENTS` (the command ``exactflow sweep NAME`` reads it); its figures
are drawn by ``exactflow.present.figures`` (or its own ``plot``).  Sweeps
need the ``exactflow[sweep]`` extra (dask[distributed], xarray, zarr).
"""

from __future__ import annotations

__all__ = ["EXPERIMENTS"]

#: registry name -> module (imported on use, so the registry is cheap)
EXPERIMENTS: dict[str, str] = {
    "coord-check": "exactflow.experiments.coord_check",
    "infinite_width_digits": "exactflow.experiments.infinite_width_digits",
    "teacher-student": "exactflow.experiments.teacher_student",
}
