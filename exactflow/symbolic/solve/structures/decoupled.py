"""Independent blocks: no structure fits the whole system, but its coordinates
split into blocks (:mod:`..decouple`), each solved and verified on its own."""

from __future__ import annotations

import dataclasses

from ..decouple import block, components
from .base import Applied, Match, Structure

__all__ = ["Decoupled"]


class Decoupled(Structure):
    name = "decoupled"
    summary = "independent blocks, each solved on its own"
    #: each block's solution is verified by its own solve; the engine checks
    #: only the lift to the model's state
    verified_by_parts = True

    def match(self, sys, groups=None):
        parts = components(sys)
        if len(parts) < 2:
            return None
        blocks = [block(sys, p) for p in parts]
        labels = ["(" + ", ".join(map(str, b.coords)) + ")" for b in blocks]
        return Match(self, {"blocks": tuple(blocks), "labels": tuple(labels)},
                     "the coordinates split into independent blocks "
                     + ", ".join(labels) + ", each solved on its own")

    def apply(self, match, sys, z0, result, solve=None):
        subs = [solve(b, None, f"{result.name}_block{i}")
                for i, b in enumerate(match.data["blocks"])]
        for label, s in zip(match.data["labels"], subs):
            result.recipe.append((f"Block {label}", f"{s.structure}: "
                                  f"{s.match.statement}" if s.match
                                  else "no closed form found"))
            result.recipe += [(f"Block {label}: {h}", text) for h, text in s.recipe]
            result.checks += [dataclasses.replace(c, name=f"{label} {c.name}")
                              for c in s.checks]
            result.notes += [f"{label} {n}" for n in s.notes]
        if all(s.reduced_solution is not None for s in subs):
            sol = {z: e for s in subs for z, e in s.reduced_solution.items()}
            return Applied(sol, {"blocks": tuple(subs)})
        return Applied(None, {"blocks": tuple(subs)})
