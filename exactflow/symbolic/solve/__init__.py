"""Reduction and exact solution of gradient flows.

:func:`~.reduce.reduce_flow` reduces a flow by its symmetries and conserved
quantities; :func:`solve` recognises the structure of the reduced system
(:data:`STRUCTURES`, tried in order), applies its recipe and verifies the
result, a :class:`SolveResult`.
"""

from .engine import solve
from .result import SolveResult
from .structures import STRUCTURES, init_symbol, recognise, t

__all__ = ["STRUCTURES", "SolveResult", "init_symbol", "recognise", "solve", "t"]
