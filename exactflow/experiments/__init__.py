"""Experiments: sweeps that produce data sets (xarray), run locally or on Dask.

Each experiment is a module with ``sweep(...) -> xarray.Dataset``, listed in
:data:`EXPERIMENTS` (the command ``exactflow sweep NAME`` reads it).  Sweeps
need the ``exactflow[sweep]`` extra (dask[distributed], xarray, zarr).
"""

from __future__ import annotations

__all__ = ["EXPERIMENTS"]

#: registry name -> module (imported on use, so the registry is cheap)
EXPERIMENTS: dict[str, str] = {
    "teacher-student": "exactflow.experiments.teacher_student",
}
