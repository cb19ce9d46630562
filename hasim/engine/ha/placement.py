"""Where a service counts as being, for affinity rules and usage accounting.

The real stack (PVE::HA::Usage / Rules::ResourceAffinity) decides from a
service-status entry which node a service currently occupies and which node it
is heading to.  Both the affinity helpers and the usage accounting use the same
rule (spec 02 §11.8, §13.1), so it lives here once.
"""

from __future__ import annotations

from collections.abc import Container

# states in which the service occupies its current node
CURRENT_STATES = frozenset(
    {"started", "request_stop", "fence", "freeze", "error", "recovery", "migrate", "relocate"}
)
# states in which the service is heading to its target node
TARGET_STATES = frozenset({"migrate", "relocate", "request_start_balance"})


def placement(entry: dict, online: Container[str]) -> tuple[str | None, str | None]:
    """Return (current, target) nodes of a service-status entry.

    A node only counts if it is online; `stopped` and `request_start`
    services are placed nowhere.
    """
    state = entry.get("state")
    current = target = None
    node = entry.get("node")
    if state in CURRENT_STATES and node is not None and node in online:
        current = node
    tgt = entry.get("target")
    if state in TARGET_STATES and tgt is not None and tgt in online:
        target = tgt
    return current, target
