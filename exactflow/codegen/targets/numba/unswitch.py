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

__all__ = ["LIMIT", "Leaf", "Split", "leaves", "render", "versions"]

#: the most loops one inner loop is split into
LIMIT = 8


class Leaf(tuple):
    """``Leaf((lines,))``: the statements of one version of the loop."""

    @property
    def lines(self) -> list[str]:
        return self[0]


class Split(tuple):
    """``Split((name, when_true, when_false))``: the versions under ``name``."""


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


def versions(lines: list[str], constants: set[str]) -> Leaf | Split:
    """The loop body ``lines`` split on the bare tests of ``constants`` (names
    whose values hold for the whole loop): a :class:`Leaf` when there is none
    to split on, or when the split would make more than :data:`LIMIT` loops.

    Examples
    --------
    >>> v = versions(["if _a:", "    _o = x", "else:", "    _o = math.exp(x)"],
    ...              {"_a"})
    >>> v[0], v[1].lines, v[2].lines
    ('_a', ['_o = x'], ['_o = math.exp(x)'])
    """
    tree = ast.parse("\n".join(lines))
    if not _tests(tree, constants):
        return Leaf((lines,))
    leaves = [0]

    def build(node: ast.Module, depth: int) -> Leaf | Split | None:
        names = _tests(node, constants)
        if not names:
            leaves[0] += 1
            return Leaf((ast.unparse(node).splitlines(),))
        if depth >= LIMIT:  # (bounded also by the count of leaves)
            return None
        sides = []
        for value in (True, False):
            side = build(_specialise(node, names[0], value), depth + 1)
            if side is None or leaves[0] > LIMIT:
                return None
            sides.append(side)
        return Split((names[0], *sides))

    built = build(tree, 0)
    return Leaf((lines,)) if built is None else built


def leaves(tree: Leaf | Split) -> list[Leaf]:
    """The versions of ``tree``, in order."""
    if isinstance(tree, Leaf):
        return [tree]
    return leaves(tree[1]) + leaves(tree[2])


def render(tree: Leaf | Split, loop) -> list[str]:
    """The lines that run the version whose tests hold: ``loop(leaf)`` gives the
    lines of one version's loop."""
    if isinstance(tree, Leaf):
        return loop(tree)
    name, yes, no = tree
    return ([f"if {name}:"] + [f"    {x}" for x in render(yes, loop)] + ["else:"]
            + [f"    {x}" for x in render(no, loop)])
