"""Fuzzing the public API and the command line (see ``conftest.py``)."""
