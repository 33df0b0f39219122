"""Loop unswitching for the Numba loop nests: one inner loop per outcome of the
branches on values that are constant along it.

A kernel's Piecewise on its parameters (the two-layer net's ``u₀ < 0``, a zero
start) becomes, inside the loop over points, a branch on a name computed
outside the loop.  LLVM's vectoriser turns such branches into selects and then
computes *every* branch at every point, or, with a libm call in any of them,
keeps the whole loop scalar.  Here the branch is taken outside instead: the
statements of the loop are specialised for each outcome of the names they test
(:func:`versions`), and the nest runs the one loop whose outcomes hold, in which
only that branch's calls remain.
"""

from __future__ import annotations

import ast
import copy
from typing import NamedTuple

__all__ = ["LIMIT", "Split", "leaves", "map_leaves", "render", "versions"]

#: the most loops one inner loop is split into
LIMIT = 8


class Split(NamedTuple):
    """The versions of a loop under the test of ``name``; each side is again a
    Split, or a version: the list of its statements."""

    name: str
    yes: Split | list[str]
    no: Split | list[str]


def _tests(tree: ast.AST, constants: set[str]) -> list[str]:
    """The names of ``constants`` that a branch or conditional expression of
    ``tree`` tests bare, in the order of the source."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.IfExp)) and isinstance(node.test, ast.Name):
            if node.test.id in constants and node.test.id not in found:
                found.append(node.test.id)
    return found


class _Specialise(ast.NodeTransformer):
    """Branches and conditional expressions on ``name`` replaced by the branch
    its value ``value`` takes."""

    def __init__(self, name: str, value: bool) -> None:
        self.name, self.value = name, value

    def _known(self, test: ast.AST) -> bool:
        return isinstance(test, ast.Name) and test.id == self.name

    def visit_If(self, node: ast.If):
        self.generic_visit(node)
        if not self._known(node.test):
            if not node.body:
                node.body = [ast.Pass()]
            return node
        return (node.body if self.value else node.orelse) or []

    def visit_IfExp(self, node: ast.IfExp):
        self.generic_visit(node)
        if self._known(node.test):
            return node.body if self.value else node.orelse
        return node


def _specialise(tree: ast.Module, name: str, value: bool) -> ast.Module:
    new = _Specialise(name, value).visit(copy.deepcopy(tree))
    return ast.fix_missing_locations(new)


def versions(lines: list[str], constants: set[str]) -> Split | list[str]:
    """The loop body ``lines`` split on the bare tests of ``constants`` (names
    whose values hold for the whole loop); ``lines`` itself when there is none
    to split on, or when the split would make more than :data:`LIMIT` loops.

    Examples
    --------
    >>> v = versions(["if _a:", "    _o = x", "else:", "    _o = math.exp(x)"],
    ...              {"_a"})
    >>> v.name, v.yes, v.no
    ('_a', ['_o = x'], ['_o = math.exp(x)'])
    """
    count = [0]  # versions made so far

    def build(node: ast.Module) -> Split | list[str] | None:
        names = _tests(node, constants)
        if not names:
            count[0] += 1
            return ast.unparse(node).splitlines()
        sides = []
        for value in (True, False):  # each side tests one name fewer
            side = build(_specialise(node, names[0], value))
            if side is None or count[0] > LIMIT:
                return None
            sides.append(side)
        return Split(names[0], *sides)

    tree = ast.parse("\n".join(lines))
    built = build(tree) if _tests(tree, constants) else None
    return lines if built is None else built


def leaves(tree: Split | list[str]) -> list[list[str]]:
    """The versions of ``tree``, in order."""
    if isinstance(tree, Split):
        return leaves(tree.yes) + leaves(tree.no)
    return [tree]


def map_leaves(tree: Split | list[str], f) -> Split | list[str]:
    """``tree`` with each version's statements replaced by ``f`` of them."""
    if isinstance(tree, Split):
        return Split(tree.name, map_leaves(tree.yes, f), map_leaves(tree.no, f))
    return f(tree)


def render(tree: Split | list[str], loop) -> list[str]:
    """The lines that run the version whose tests hold: ``loop(lines)`` gives the
    loop of one version's statements."""
    if not isinstance(tree, Split):
        return loop(tree)
    return ([f"if {tree.name}:"] + [f"    {x}" for x in render(tree.yes, loop)]
            + ["else:"] + [f"    {x}" for x in render(tree.no, loop)])
