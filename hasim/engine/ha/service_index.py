"""Per-node index of a manager status's service entries.

Every LRM scans the whole service status several times per step (its own
services, fence requests, active services, valid uids).  With a thousand
services and 32 nodes that dominated large simulations.  A written manager
status is never mutated, so one index per written object, shared by all LRMs,
gives the same answers for a fraction of the work.
"""

from __future__ import annotations


class ServiceIndex:
    __slots__ = ("source", "by_node", "by_target", "uids")

    def __init__(self, service_status: dict[str, dict]) -> None:
        self.source = service_status
        by_node: dict[str, list[str]] = {}
        by_target: dict[str, list[str]] = {}
        uids = set()
        for sid in sorted(service_status):
            sd = service_status[sid]
            node = sd.get("node")
            if node:
                by_node.setdefault(node, []).append(sid)
            target = sd.get("target")
            if target and target != node:
                by_target.setdefault(target, []).append(sid)
            uid = sd.get("uid")
            if uid:
                uids.add(uid)
        self.by_node = by_node
        self.by_target = by_target
        self.uids = uids


_last: ServiceIndex | None = None


def index_of(service_status: dict[str, dict]) -> ServiceIndex:
    """The index of `service_status` (cached for the most recent object)."""
    global _last
    if _last is None or _last.source is not service_status:
        _last = ServiceIndex(service_status)
    return _last
