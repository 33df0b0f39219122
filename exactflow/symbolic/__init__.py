"""Model-agnostic symbolic core: model spec, flow, zero decision, verification."""

from .derivation import Derivation, KernelExprs
from .flow import GradientFlow, gradient_flow, time_derivative
from .model import Model, ParamGroup, moment_loss
from .verify import Claim, ClaimResult, Solution, VerificationReport
from .zero import ZeroCheck, is_identically_zero

__all__ = [
    "Claim", "ClaimResult", "Derivation", "GradientFlow", "KernelExprs", "Model",
    "ParamGroup", "Solution", "VerificationReport", "ZeroCheck", "gradient_flow",
    "is_identically_zero", "moment_loss", "time_derivative",
]
