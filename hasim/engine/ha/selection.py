"""Node selection for a service (spec 02 §10, upstream select_service_node).

Three preferences: `none` (stay where allowed), `best-score` (recovery,
rebalance on start) and `try-next` (relocation after a failed start: skip the
nodes that already failed and take the node after the current one in score
order).  Rules narrow the candidates first, the usage scores order them.
"""

from __future__ import annotations


from hasim.engine.ha import rules as rules_mod
from hasim.jsondata import truthy

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.engine.ha.rules import CompiledRules


def select_service_node(
    compiled: CompiledRules,
    usage,
    sid: str,
    service_conf: dict,
    ss: dict[str, dict],
    preference: str,
) -> str | None:
    sd = ss[sid]
    current = sd.get("node")
    tried = sd.get("failed_nodes") or []
    fallback = sd.get("maintenance_node")
    online = usage.nodes  # online nodes at round start, sorted

    # the common case, answered without building the candidate sets: no rule
    # names the service, so every online node is allowed and preferred, and
    # with preference "none" the current node wins (steps 1-8 below)
    if (
        preference == "none"
        and fallback is None
        and current in online
        and sid not in compiled.node_affinity
        and sid not in compiled.positive
        and sid not in compiled.negative
    ):
        return current

    allowed, preferred = rules_mod.node_affinity(compiled, sid, online)
    preferred = set(preferred)
    if not preferred:
        return None
    together, separate = rules_mod.resource_affinity(compiled, sid, ss, online)

    if preference == "none" and not truthy(service_conf.get("failback")) and current in allowed:
        if current in together or current not in separate:
            return current

    if preference == "try-next":
        preferred -= set(tried)
    preferred -= set(separate)

    if together:
        counts = {node: count for node, count in together.items() if node in preferred}
        if counts:
            best = max(counts.values())
            node = min(n for n, c in counts.items() if c == best)
            preferred = {node}

    if fallback is not None and fallback in preferred:
        return fallback
    if preference == "none" and current in preferred:
        return current

    scores = usage.score_nodes_to_start_service(sid)
    nodes = sorted(preferred, key=lambda n: (scores.get(n, 0), n))
    if not nodes:
        return None
    if preference == "try-next":
        if current in nodes:
            idx = nodes.index(current)
            if idx < len(nodes) - 1:
                return nodes[idx + 1]
        return nodes[0]
    return nodes[0]
