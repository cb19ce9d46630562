"""Deadlines the HA stack is waiting for, read from the engine (read-only).

The window shows countdowns where the real stack waits.  The watchdog and lock
deadlines are in `Snapshot.nodes`; the fence delay is not in any cluster file:
it lives in the current master's in-memory node status (`last_online`, spec 02
§6), so it is read from there.  Nothing here changes engine state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hasim.engine.ha.node_status import FENCE_DELAY

if TYPE_CHECKING:
    from hasim.engine.harness import Harness


def fence_deadlines(harness: Harness) -> dict[str, int]:
    """node -> virtual time from which the master may start fencing it.

    Only nodes the master sees offline (not 'online', not already 'fence'); a
    node without a last-online record gets one at the master's next round, so
    it has no deadline yet.
    """
    out: dict[str, int] = {}
    for name in sorted(harness.nodes):
        crm = harness.nodes[name].crm
        manager = getattr(crm, "manager", None) if crm is not None else None
        if manager is None or getattr(crm, "state", None) != "master":
            continue
        ns = manager.ns
        for node in sorted(ns.status):
            state = ns.status.get(node)
            if state in ("online", "fence", "gone", "maintenance"):
                continue
            last = ns.last_online.get(node)
            if last is not None:
                out[node] = last + FENCE_DELAY
    return out
