"""Programs of elementwise operations over registers, and buffer allocation.

A :class:`Program` is what :func:`~.schedule.schedule` builds: instructions
``dest = op(*args)`` over virtual registers.  :func:`allocate` maps the
registers onto as few block-sized scratch buffers as liveness allows: an
operation may write over an operand that dies with it (in-place ufuncs), and
the final value of an output is written straight into the output array.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Instr", "Program", "allocate"]


@dataclass
class Instr:
    """``dest = op(*args)``; ``select`` args are ``(default, v1, c1, v2, c2, ...)``
    (first true condition wins), ``call`` carries its printed ``code``."""

    op: str
    args: tuple
    dest: int
    code: str = ""
    comment: str = ""


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


def _is_branch(ins: Instr, pos: int) -> bool:
    """Whether operand ``pos`` of ``ins`` is a value a ``select`` may discard."""
    return ins.op == "select" and (pos == 0 or pos % 2 == 1)


def allocate(prog: Program) -> Program:
    """Assign scratch buffers by liveness and mark speculative instructions.

    An instruction is *guarded* (its floating-point warnings may be silenced)
    when its value only reaches the branches of a ``select``, i.e. it may be
    computed at points where the branch is not taken.
    """
    last: dict[int, int] = {}
    uses: dict[int, list[tuple[int, int]]] = {}
    for i, ins in enumerate(prog.instrs):
        for pos, a in enumerate(ins.args):
            if a[0] == "r":
                last[a[1]] = i
                uses.setdefault(a[1], []).append((i, pos))
    free: dict[str, list[str]] = {"f": [], "b": []}
    prog.buffers = {"f": [], "b": []}

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
    guarded = [False] * len(prog.instrs)
    for i in reversed(range(len(prog.instrs))):
        ins = prog.instrs[i]
        u = uses.get(ins.dest, [])
        pinned = prog.storage[ins.dest].startswith("_out_")
        guarded[i] = bool(u) and not pinned and all(
            _is_branch(prog.instrs[j], p) or guarded[j] for j, p in u)
    prog.guarded = guarded
    return prog
