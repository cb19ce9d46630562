"""Cluster resource scheduling: usage accounting, node scores, rebalancing (spec 02 §13–§15).

Modules:

* `topsis` — the pure arithmetic of the real stack's scheduling crate: TOPSIS,
  node load, imbalance, truncation.
* `usage` — per-round accounting in the `basic`, `static` and `dynamic` modes,
  start scores, imbalance, and the spec's warning/error lines.
* `balancing` — scoring candidate migrations (bruteforce or topsis) and the
  margin test.

Typical use by the manager, once per round (§13.1)::

    usage = create_usage(crs_mode, online_nodes, env_stats, log)
    for sid in sorted(service_status):
        entry = service_status[sid]
        usage.add_service(sid, entry["state"], entry.get("node"), entry.get("target"),
                          entry.get("running"))
    usage.add_non_ha_services(service_status)

and on every state change ``usage.remove_service(sid)`` followed by
``usage.add_service(...)`` with the new entry.
"""

from hasim.engine.ha.scheduler.balancing import (
    METHODS,
    Candidate,
    select_best_balancing_migration,
    should_migrate,
)
from hasim.engine.ha.scheduler.topsis import NodeStats, SchedulerError
from hasim.engine.ha.scheduler.usage import (
    MODES,
    DynamicUsage,
    LogFn,
    StaticUsage,
    Usage,
    create_usage,
)

__all__ = [
    "METHODS",
    "MODES",
    "Candidate",
    "DynamicUsage",
    "LogFn",
    "NodeStats",
    "SchedulerError",
    "StaticUsage",
    "Usage",
    "create_usage",
    "select_best_balancing_migration",
    "should_migrate",
]
