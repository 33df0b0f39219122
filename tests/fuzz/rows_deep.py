"""Rows (to be written)."""

ROWS = {}
