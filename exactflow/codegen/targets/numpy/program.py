"""Programs of elementwise operations over registers, and buffer allocation.

A :class:`Program` is what :func:`~.schedule.schedule` builds: instructions
``dest = op(*args)`` over virtual registers.  :func:`groups` gives each
register the set of inputs it depends on (its group: the generated code
evaluates it at the broadcast shape of those inputs); :func:`allocate` maps the
registers onto as few block-sized scratch buffers as liveness allows: an
operation may write over an operand of its own group that dies with it
(in-place ufuncs), and each output has a buffer of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Instr", "Program", "allocate", "groups", "skippable", "uses"]


@dataclass
class Instr:
    """``dest = op(*args)``; ``select`` args are ``(default, v1, c1, v2, c2, ...)``
    (first true condition wins), ``call`` carries its printed ``code``."""

    op: str
    args: tuple
    dest: int
    code: str = ""
    comment: str = ""
    #: for a select: pair number -> [start, end) of the instructions that
    #: computed that branch's value right before it (see ``skippable``)
    ranges: dict = field(default_factory=dict)


@dataclass
class Program:
    """Instructions over registers, plus what :func:`allocate` decides."""

    instrs: list[Instr] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # "f" (float) or "b" (bool)
    labels: dict[int, str] = field(default_factory=dict)  # register -> "_t3"
    outputs: list[tuple[str, tuple]] = field(default_factory=list)
    storage: dict[int, str] = field(default_factory=dict)  # register -> buffer
    buffers: dict[str, list[str]] = field(default_factory=dict)  # kind -> names
    guarded: list[bool] = field(default_factory=list)  # per instruction


def uses(prog: Program) -> dict[int, list[tuple[int, int]]]:
    """Per register, where it is read: ``(instruction index, operand position)``."""
    found: dict[int, list[tuple[int, int]]] = {}
    for i, ins in enumerate(prog.instrs):
        for pos, a in enumerate(ins.args):
            if a[0] == "r":
                found.setdefault(a[1], []).append((i, pos))
    return found


def _is_branch(ins: Instr, pos: int) -> bool:
    """Whether operand ``pos`` of ``ins`` is a value a ``select`` may discard."""
    return ins.op == "select" and (pos == 0 or pos % 2 == 1)


def groups(prog: Program, inputs: tuple[str, ...]
           ) -> tuple[list[int], list[int], list[tuple[int, ...]]]:
    """``(masks, group_of, group_inputs)``: per register the bit mask of the
    inputs it depends on and the index of its group; per group (numbered in
    order of first appearance) the indices of its inputs."""
    bit = {name: 1 << i for i, name in enumerate(inputs)}
    masks = [0] * len(prog.kinds)
    for ins in prog.instrs:
        m = 0
        for kind, value in ins.args:
            m |= bit[value] if kind == "in" else masks[value] if kind == "r" else 0
        masks[ins.dest] = m
    index: dict[int, int] = {}
    group_of = [index.setdefault(m, len(index)) for m in masks]
    group_inputs = [tuple(i for i in range(len(inputs)) if m >> i & 1)
                    for m in index]
    return masks, group_of, group_inputs


def allocate(prog: Program, group_of: list[int] | None = None) -> Program:
    """Assign scratch buffers by liveness and mark speculative instructions.

    An instruction writes over an operand that dies with it only when both are
    of the same group (``group_of``: one per register; default: one group), so
    that the two views of the buffer have the same shape.  An instruction is
    *guarded* (its floating-point warnings may be silenced) when its value only
    reaches the branches of a ``select``, i.e. it may be computed at points
    where the branch is not taken.
    """
    group_of = [0] * len(prog.kinds) if group_of is None else group_of
    read = uses(prog)
    last = {reg: where[-1][0] for reg, where in read.items()}
    free: dict[str, list[str]] = {"f": [], "b": []}
    prog.buffers = {"f": [], "b": []}
    # the default of a select whose value is an output is computed right into
    # the output (the branches are then copied over it where they hold)
    for i, ins in enumerate(prog.instrs):
        default = ins.args[0] if ins.op == "select" else ("c", None)
        pinned = prog.storage.get(ins.dest, "")
        if (default[0] == "r" and pinned.startswith("_out_")
                and default[1] not in prog.storage and last[default[1]] == i
                and ins.args.count(default) == 1
                and group_of[default[1]] == group_of[ins.dest]):
            prog.storage[default[1]] = pinned

    def release(reg: int) -> None:
        if not prog.storage[reg].startswith("_out_"):  # outputs are never reused
            free[prog.kinds[reg]].append(prog.storage[reg])

    for i, ins in enumerate(prog.instrs):
        dying = sorted({a[1] for a in ins.args if a[0] == "r" and last[a[1]] == i})
        # a ufunc may write over any operand that dies with it; a select only
        # over its default (it copies the default first, then the branches)
        if ins.op == "select":  # (and not if the default is also a branch)
            early = [r for r in dying
                     if ins.args[0] == ("r", r) and ("r", r) not in ins.args[1:]]
        else:
            early = dying
        early = [r for r in early if group_of[r] == group_of[ins.dest]]
        for r in early:
            release(r)
        if ins.dest not in prog.storage:
            kind = prog.kinds[ins.dest]
            if not free[kind]:
                free[kind].append(f"_{'f' if kind == 'f' else 'm'}"
                                  f"{len(prog.buffers[kind])}")
                prog.buffers[kind].append(free[kind][-1])
            prog.storage[ins.dest] = free[kind].pop()
        for r in dying:
            if r not in early:
                release(r)
        if ins.dest not in last:  # never read: free at once
            release(ins.dest)
    prog.buffers["f"] += sorted({s for s in prog.storage.values()
                                 if s.startswith("_out_")})
    guarded = [False] * len(prog.instrs)
    results = {reg[1] for _, reg in prog.outputs if reg[0] == "r"}
    for i in reversed(range(len(prog.instrs))):
        ins = prog.instrs[i]
        u = read.get(ins.dest, [])
        pinned = ins.dest in results
        guarded[i] = bool(u) and not pinned and all(
            _is_branch(prog.instrs[j], p) or guarded[j] for j, p in u)
    prog.guarded = guarded
    return prog


def skippable(prog: Program) -> tuple[dict[int, tuple[int, tuple]], set]:
    """Branches of ``select`` instructions whose instructions may be skipped.

    Returns ``({start: (end, condition)}, {(select, pair), ...})``: the ranges
    ``[start, end)`` of instructions that compute a branch value right before
    its select and whose registers are used only by ranges of branches with the
    same condition, or by selects as values of such branches; and the select
    pairs that take their value from such a range.  Where the condition is false
    at every point of a block, those ranges need not run (nor those pairs be
    copied).  Ranges nest; they never overlap otherwise.
    """
    users = {reg: {i for i, _ in where} for reg, where in uses(prog).items()}
    outputs = {reg[1] for _, reg in prog.outputs if reg[0] == "r"}
    ranges: dict[int, tuple[int, tuple]] = {}
    for ins in prog.instrs:
        for pair, (start, end) in ins.ranges.items():
            cond = ins.args[2 + 2 * pair]
            # nested branches may start at one instruction: keep the outer one
            # (an inner select's first branch is often all of an outer value)
            if start < end and cond[0] == "r" and (
                    start not in ranges or end > ranges[start][0]):
                ranges[start] = (end, cond)
    defined_in = {}
    for start, (end, _) in ranges.items():
        for k in range(start, end):
            inner = defined_in.get(prog.instrs[k].dest)
            if inner is None or inner < start:  # the innermost range
                defined_in[prog.instrs[k].dest] = start

    def inside(i: int, cond: tuple, valid: dict) -> bool:
        return any(s <= i < e and c == cond for s, (e, c) in valid.items())

    valid = dict(ranges)
    changed = True
    while changed:
        changed = False
        for start, (end, cond) in list(valid.items()):
            ok = True
            for k in range(start, end):
                r = prog.instrs[k].dest
                if r in outputs:
                    ok = False
                    break
                for u in users.get(r, ()):
                    if inside(u, cond, valid):
                        continue
                    user = prog.instrs[u]
                    if user.op == "select" and all(
                            j % 2 == 1 and user.args[j + 1] == cond
                            for j, a in enumerate(user.args) if a == ("r", r)):
                        continue
                    ok = False
                    break
                if not ok:
                    break
            if not ok:
                del valid[start]
                changed = True
    pairs = set()
    for s, ins in enumerate(prog.instrs):
        if ins.op != "select":
            continue
        for j in range(1, len(ins.args), 2):
            value, cond = ins.args[j], ins.args[j + 1]
            start = defined_in.get(value[1]) if value[0] == "r" else None
            while start is not None and start not in valid:
                start = next((a for a, (b, _) in ranges.items()
                              if a < start < b), None)
            if start is not None and valid[start][1] == cond:
                pairs.add((s, (j - 1) // 2))
    return valid, pairs
