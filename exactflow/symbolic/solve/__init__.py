"""Reduction and exact solution of gradient flows.

:func:`~.reduce.reduce_flow` reduces a flow by its symmetries and conserved
quantities; :func:`solve` recognises the structure of the reduced system
(:data:`STRUCTURES`, tried in order), applies its recipe and verifies the
result.
"""

from .engine import STRUCTURES, SolveResult, recognise, solve
from .recognise import init_symbol, t

__all__ = ["STRUCTURES", "SolveResult", "init_symbol", "recognise", "solve", "t"]
