"""The fuzz suite's settings.

The end-of-run summary hooks live in :mod:`summary` and are registered by
``tests/conftest.py``, so that the summary is printed whichever tests are
selected and also under pytest-xdist (``-n 2``), where only the top-level
conftest reaches the controller.
"""
