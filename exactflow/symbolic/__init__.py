"""Model-agnostic symbolic core: model spec, flow, zero decision, verification,
conservation laws (discovery, count, gradient-descent drift)."""

from .laws.conservation import ConservationLaws, discover_laws
from .laws.drift import GDDrift, gd_drift, gd_iterates, gd_step
from .laws.lie import LawCount, count_laws
from .proof.verify import Claim, ClaimResult, Solution, VerificationReport
from .proof.zero import ZeroCheck, is_identically_zero
from .spec.flow import GradientFlow, gradient_flow, time_derivative
from .spec.kernels import KernelExprs
from .spec.model import Model, ParamGroup, moment_loss

__all__ = [
    "Claim", "ClaimResult", "ConservationLaws", "GDDrift",
    "GradientFlow", "KernelExprs", "LawCount", "Model", "ParamGroup", "Solution",
    "VerificationReport", "ZeroCheck", "count_laws", "discover_laws", "gd_drift",
    "gd_iterates", "gd_step", "gradient_flow", "is_identically_zero", "moment_loss",
    "time_derivative",
]
