"""The N+1 table: what each node's failure would do, one row per node.

`summarize(report, fault)` boils one what-if's outcome report down to what
an admin checks for N+1: which services move where, the longest outage, the
services left stopped or in error, the nodes over their CPU or memory after
the moves.  It runs in the worker process, so only this small value travels
back.  `failure_table` lays the rows out as a `report_format.Table`, which
the text, Markdown and HTML renderers already know how to print.
"""

from __future__ import annotations

import re
from collections import Counter

import attrs

from hasim.analysis.capacity import NodeLoad
from hasim.analysis.report import Report
from hasim.analysis.report_format import Table, duration, over
from hasim.analysis.whatif import Fault

#: a row lists its moved services one by one up to this many, else groups them by target
LISTED_MOVES = 6
TARGETS_PER_LINE = 4


@attrs.frozen
class ServiceMoved:
    sid: str
    source: str | None
    target: str | None  # where it ended
    kinds: tuple[str, ...]  # migrate, relocate, recovery — in order
    guest_stopped: bool = False  # not requested to run: only its configuration moves


@attrs.frozen
class NodeFailure:
    """One row: the outcome of `fault` in a few values."""

    fault: Fault
    fault_time: int
    moved: tuple[ServiceMoved, ...]
    longest: tuple[str, int, bool] | None  # (sid, seconds, still down)
    left_down: tuple[tuple[str, str], ...]  # (sid, why): ran before the fault, not after it (or in error)
    over: tuple[NodeLoad, ...]
    fenced_after: int | None  # seconds from the fault to the node's fencing
    no_quorum: int  # seconds
    violations: int
    notices: int
    services: int
    over_was: tuple[NodeLoad | None, ...] = ()  # the same nodes' loads before the fault


def summarize(report: Report, fault: Fault) -> NodeFailure:
    origin = report.origin if report.origin is not None else report.start
    moved = tuple(
        ServiceMoved(s.sid, s.start_node, s.node, tuple(m.kind for m in s.moves), s.requested != "started")
        for s in report.services
        if s.moves or s.moved
    )
    longest = report.longest_outage
    node = report.node(fault.node) if any(n.node == fault.node for n in report.nodes) else None
    return NodeFailure(
        fault=fault,
        fault_time=origin,
        moved=moved,
        longest=(longest[0], longest[1].seconds(report.end), longest[1].open) if longest else None,
        left_down=tuple(
            (s.sid, "error" if s.error else (s.state or "not running")) for s in report.left_down if s.start_running
        ),
        over=report.over_capacity,
        over_was=tuple(report.node(n.node).load_before for n in report.over_capacity),
        fenced_after=(node.fenced[0] - origin) if node is not None and node.fenced else None,
        no_quorum=report.cluster.no_quorum_seconds,
        violations=len(report.cluster.violations),
        notices=len(report.cluster.notices),
        services=len(report.services),
    )


def _moves_cell(row: NodeFailure) -> tuple[str, ...]:
    if not row.moved:
        return ("nothing moves",)
    if len(row.moved) <= LISTED_MOVES:
        lines = []
        for m in row.moved:
            how = "/".join(dict.fromkeys(m.kinds)) or "moved"
            back = " back home" if m.target == m.source else ""
            stopped = ", stopped guest" if m.guest_stopped else ""
            lines.append(f"{m.sid} -> {m.target} ({how}{stopped}){back}")
        return tuple(lines)
    targets = Counter(m.target for m in row.moved)
    kinds = Counter(k for m in row.moved for k in dict.fromkeys(m.kinds))
    head = f"{len(row.moved)} services ({', '.join(f'{k} {n}' for k, n in sorted(kinds.items()))}) to"
    shown = [f"{t} x{n}" for t, n in sorted(targets.items(), key=lambda kv: _natural(str(kv[0])))]
    lines = [", ".join(shown[i : i + TARGETS_PER_LINE]) for i in range(0, len(shown), TARGETS_PER_LINE)]
    return (head, *lines)


def _natural(name: str) -> tuple:
    """node2 before node10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


def _longest_cell(row: NodeFailure) -> tuple[str, ...]:
    if row.longest is None:
        return ("none",)
    sid, seconds, still = row.longest
    return (f"{duration(seconds)} {sid}" + (" (still down)" if still else ""),)


def _left_cell(row: NodeFailure) -> tuple[str, ...]:
    if not row.left_down:
        return ("none",)
    shown = [f"{sid} ({why})" for sid, why in row.left_down[:LISTED_MOVES]]
    if len(row.left_down) > LISTED_MOVES:
        shown.append(f"and {len(row.left_down) - LISTED_MOVES} more")
    return tuple(shown)


def _over_cell(row: NodeFailure) -> tuple[str, ...]:
    """'node2: mem 112% (18.0/16.0 GiB), was 75%': the same resource's share before the fault."""
    lines = []
    for index, load in enumerate(row.over):
        was = row.over_was[index] if index < len(row.over_was) else None
        shares = [w for w, o in ((was.cpu_share, load.over_cpu), (was.mem_share, load.over_mem)) if o] if was else []
        before = f", was {max(shares):.0%}" if shares else ""
        lines.append(over(load) + before)
    return tuple(lines) or ("none",)


def _extra_cell(row: NodeFailure) -> tuple[str, ...]:
    lines = [f"fenced after {duration(row.fenced_after)}" if row.fenced_after is not None else "not fenced"]
    if row.no_quorum:
        lines.append(f"no quorum {duration(row.no_quorum)}")
    if row.violations:
        lines.append(f"{row.violations} safety violation(s)")
    if row.notices:
        lines.append(f"{row.notices} safety notice(s)")
    return tuple(lines)


def failure_table(rows: list[NodeFailure]) -> Table:
    cells = tuple(
        (
            (row.fault.node,),
            _moves_cell(row),
            _longest_cell(row),
            _left_cell(row),
            _over_cell(row),
            _extra_cell(row),
        )
        for row in rows
    )
    marked = tuple(bool(r.left_down or r.over or r.violations or (r.longest and r.longest[2])) for r in rows)
    headers = ("failed node", "services moved (to)", "longest outage", "left down / error", "over capacity", "cluster")
    return Table(headers, cells, marked)


def verdict(rows: list[NodeFailure]) -> str:
    """One line: does the cluster survive the loss of any one node?"""
    bad = [r.fault.node for r in rows if r.left_down or r.over or r.violations]
    if not rows:
        return "no node to fail"
    if not bad:
        return f"N+1: the cluster survives the failure of any one of its {len(rows)} nodes (every service runs again, no node over capacity)"
    return f"N+1: NOT met: failing {', '.join(bad)} leaves services down or nodes over capacity"
