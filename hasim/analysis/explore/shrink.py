"""Shrinking a failing schedule (delta debugging over its commands, then its
services and delays) while the same invariant still fails."""

from __future__ import annotations

from collections.abc import Iterable

from hasim import commands as C
from hasim.analysis.explore.cluster import Cluster
from hasim.analysis.explore.runner import Outcome, execute
from hasim.analysis.explore.settings import SHRINK_BUDGET
from hasim.analysis.invariants import Violation


def commands_of(cmdlist: Iterable[Iterable[str]]) -> list[tuple[int, int]]:
    return [(b, i) for b, batch in enumerate(cmdlist) for i, c in enumerate(batch) if not C.is_delay(c)]


def _concerns(line: str, sid: str) -> bool:
    """Whether a scenario line is a command on service `sid`."""
    try:
        command = C.parse(line, strict=False)
    except C.CommandError:
        return False
    return isinstance(command, C.ServiceCommand) and command.sid == sid


def _without(cmdlist, drop: set[tuple[int, int]]) -> list[list[str]]:
    return [[c for i, c in enumerate(batch) if (b, i) not in drop] for b, batch in enumerate(cmdlist)]


def compact(cmdlist: list[list[str]]) -> list[list[str]]:
    """Same timing, fewer batches: drop trailing empty batches and fold runs of
    empty batches into a `delay` of the batch before them (01 §6.5: after a
    batch with `delay d` the next one comes 20·max(1,⌈d/20⌉) + 80 s later)."""
    batches = [list(b) for b in cmdlist]
    while batches and not batches[-1]:
        batches.pop()
    out: list[list[str]] = []
    for batch in batches:
        if not batch and out:
            prev = out[-1]
            gap = _gap(prev) + 100
            prev[:] = [c for c in prev if not C.is_delay(c)] + [f"delay {gap - 80}"]
            continue
        out.append(batch)
    return out


def _gap(batch: list[str]) -> int:
    """Seconds from this batch to the next slot."""
    for c in batch:
        if C.is_delay(c):
            d = int(c.split()[1])
            return 20 * max(1, -(-d // 20)) + 80
    return 100


def shrink(
    cluster: Cluster, cmdlist: list[list[str]], name: str, budget: int = SHRINK_BUDGET
) -> tuple[Cluster, list[list[str]], Outcome, int]:
    """The smallest schedule found (within `budget` replays) that still
    violates invariant `name`; returns (cluster, cmdlist, outcome, replays)."""
    replays = 0

    def stop(violations: list[Violation]) -> bool:
        return any(v.name == name for v in violations)

    def attempt(cl: Cluster, cmds: list[list[str]]) -> Outcome | None:
        nonlocal replays
        if replays >= budget:
            return None
        replays += 1
        outcome = execute(cl, cmdlist=cmds, stop=stop)
        return outcome if stop(list(outcome.violations)) and outcome.error is None else None

    best = execute(cluster, cmdlist=cmdlist, stop=stop)
    if not stop(list(best.violations)):
        return cluster, cmdlist, best, replays
    # cut everything after the violation: those batches were never applied
    cmdlist = [list(b) for b in best.cmdlist]
    # 1. delta debugging over the commands (delays stay: they keep the timing)
    items = commands_of(cmdlist)
    n = 2
    while len(items) >= 1 and replays < budget:
        chunk = max(1, -(-len(items) // n))
        reduced = False
        for start in range(0, len(items), chunk):
            drop = set(items[start : start + chunk])
            cand = _without(cmdlist, drop)
            got = attempt(cluster, cand)
            if got is not None:
                cmdlist, best = [list(b) for b in got.cmdlist], got
                items = commands_of(cmdlist)
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(items), n * 2)
    # 2. fewer services
    for sid in sorted(cluster.services):
        if len(cluster.services) <= 1:
            break
        cl = cluster.without_service(sid)
        cand = [[c for c in batch if not _concerns(c, sid)] for batch in cmdlist]
        got = attempt(cl, cand)
        if got is not None:
            cluster, cmdlist, best = cl, cand, got
    # 3. fewer delays (changes the timing; kept only if it still fails)
    for b in range(len(cmdlist)):
        if any(C.is_delay(c) for c in cmdlist[b]):
            cand = [list(x) for x in cmdlist]
            cand[b] = [c for c in cand[b] if not C.is_delay(c)]
            got = attempt(cluster, cand)
            if got is not None:
                cmdlist, best = cand, got
    # 4. tidy: fold empty batches into delays
    tidy = compact(cmdlist)
    if tidy != cmdlist:
        got = attempt(cluster, tidy)
        if got is not None:
            cmdlist, best = tidy, got
    return cluster, cmdlist, best, replays
