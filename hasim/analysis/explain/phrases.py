"""The explainer's words: durations, lists, and the log's events as sentences."""

from __future__ import annotations

from collections.abc import Sequence

from hasim import commands as C
from hasim import events as E
from hasim.log import LogLine
from hasim.vocab import MOVING_STATES


def ago(now: int, t: int) -> str:
    d = now - t
    return "just now" if d <= 0 else f"{d} s ago"


def within(now: int, t: int) -> str:
    d = t - now
    if d < 0:
        return "already passed"
    return "now" if d == 0 else f"in {d} s"


def verb(items: Sequence[str], one: str, many: str) -> str:
    return one if len(items) == 1 else many


def listing(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


_NODE_STATE_WORDS = {
    "online": "online",
    "unknown": "'unknown' (not in the quorate partition)",
    "fence": "'fence' (to be fenced)",
    "maintenance": "'maintenance'",
    "gone": "'gone' (no longer a cluster member)",
}


def executed(line: LogLine) -> C.Command | None:
    """The command an `execute` line applied (None for any other line)."""
    event = line.event
    return event.command if isinstance(event, E.CommandExecuted) else None


def describe(line: LogLine) -> tuple[str, set[str]] | None:
    """(plain sentence, ids it concerns) for an interesting line, else None."""
    event = line.event
    node = line.node
    if event is None:
        return None
    if line.source == "watchdog" and isinstance(executed(line), C.Power):
        n = event.command.node
        return f"the watchdog resets {n} (power off)", {n}
    if isinstance(event, E.NodeStateChanged):
        n, old, new = event.node, event.old, event.new
        if new == "fence":
            return f"the manager starts fencing {n}", {n}
        if old == "fence" and new == "unknown":
            return None  # said by the 'fenced' line
        if new == "gone":
            return f"the manager marks {n} 'gone': it has left the cluster", {n}
        return f"the manager marks {n} {_NODE_STATE_WORDS.get(new, repr(new))}", {n}
    if isinstance(event, E.NodeFenced):
        n = event.node
        return f"the manager takes over {n}'s agent lock: {n} is fenced", {n}
    if isinstance(event, E.ServiceRecovered):
        return f"{event.sid} is recovered from {event.fenced} to {event.target}", {event.sid, event.fenced, event.target}
    if isinstance(event, E.ServiceRecoveredBack):
        return f"{event.sid} is recovered to {event.fenced} again", {event.sid, event.fenced}
    if isinstance(event, E.RecoveryFailed):
        return f"{event.sid} cannot be recovered: no node may take it", {event.sid, event.fenced}
    if isinstance(event, E.ServiceFailed):
        return f"{event.sid} enters the error state (failed on {event.failed_nodes})", {event.sid}
    if isinstance(event, E.StartFailedRelocating):
        return f"the manager relocates {event.sid} away from {event.node} after its start failed there", {event.sid, event.node}
    if isinstance(event, E.ServiceStateChanged):
        sid, old, new = event.sid, event.old, event.new
        p = dict(event.params)
        if old == "fence" and new == "recovery":
            return None
        if old == "recovery" and new == "started":
            return None  # said by the 'recover' line
        where = ""
        if new in MOVING_STATES and "target" in p:
            where = f" from {p.get('node')} to {p['target']}"
        elif new == "started" and "node" in p:
            where = f" on {p['node']}"
        ids = {sid} | set(p.values())
        return f"{sid}: '{old}' → '{new}'{where}", ids
    if node is None:
        return None
    if isinstance(event, E.ServiceStarting):
        return f"{node} starts {event.sid}", {event.sid, node}
    if isinstance(event, E.ServiceStopping) and not event.detail:
        return f"{node} stops {event.sid}", {event.sid, node}
    if isinstance(event, E.ServiceStartFailed):
        return f"{event.sid} fails to start on {node}", {event.sid, node}
    if isinstance(event, E.ServiceMove) and event.phase == "end":
        verb = "migrates" if event.how == "migrate" else "relocates"
        return f"{node} {verb} {event.sid} to {event.target}", {event.sid, node, event.target}
    if isinstance(event, E.LockAcquired):
        if line.daemon == "lrm" and event.agent_of == node:
            return f"{node}'s LRM gets its agent lock", {node}
        return None
    if isinstance(event, E.DaemonStateChanged):
        if event.old == "startup":
            return None
        if event.new == "master":
            return f"{node} becomes the master (runs the manager)", {node}
        return f"{node}'s {line.daemon.upper()}: {event.old} → {event.new}", {node}
    if isinstance(event, E.GoneNodeDeleted):
        return f"the manager forgets {event.node}", {event.node}
    return None
