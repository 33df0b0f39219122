"""Model-agnostic symbolic core: model spec, flow, zero decision, verification,
conservation laws (discovery, count, gradient-descent drift)."""

from .conservation import ConservationLaws, discover_laws
from .derivation import Derivation, KernelExprs
from .drift import GDDrift, gd_drift, gd_iterates, gd_step
from .flow import GradientFlow, gradient_flow, time_derivative
from .lie import LawCount, count_laws
from .model import Model, ParamGroup, moment_loss
from .verify import Claim, ClaimResult, Solution, VerificationReport
from .zero import ZeroCheck, is_identically_zero

__all__ = [
    "Claim", "ClaimResult", "ConservationLaws", "Derivation", "GDDrift",
    "GradientFlow", "KernelExprs", "LawCount", "Model", "ParamGroup", "Solution",
    "VerificationReport", "ZeroCheck", "count_laws", "discover_laws", "gd_drift",
    "gd_iterates", "gd_step", "gradient_flow", "is_identically_zero", "moment_loss",
    "time_derivative",
]
