"""Why not there: for each node, may the manager place a service on it now?

"Why does vm:102 stay on node2 while node2 is in maintenance?" has an answer
in the rules and in where the other services are: node1 and node3 each run a
service that a negative resource affinity keeps apart from vm:102.  This
module finds that answer with the engine's own pieces, read only, so it
cannot drift from what the manager does:

* the rules as the manager reads them (`ruleset.load_rules`: the same
  parsing, checks, transforms and compilation);
* node selection's own helpers (`node_affinity`, `resource_affinity`,
  `placement`) for the reasons per node;
* node selection itself (`select_service_node`) for the verdict: may the
  service leave, and does the manager keep it where it is.  Scores only
  order the eligible nodes, so neutral scores stand in for the scheduler's
  (the real usage object logs when it fails, and the explainer never writes
  into the simulation).

Eligible means what the manager would consider for a move now: online as the
manager sees it (not in maintenance, not being fenced), allowed and of the
highest priority among the online nodes in the service's node affinity, no
negative partner there or heading there, and the node of its positive
partners when they have one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import attrs

from hasim.analysis.explain.phrases import listing, verb
from hasim.analysis.explain.ruleset import RuleSet
from hasim.engine.ha import rules as rules_mod
from hasim.engine.ha.placement import placement
from hasim.engine.ha.selection import select_service_node

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.analysis.explain.context import Context

# the manager's node states other than 'online', as a reason not to place anything there
NODE_STATE_REASONS = {
    "maintenance": "in maintenance",
    "unknown": "offline (the manager has it 'unknown')",
    "fence": "being fenced",
    "gone": "no longer a cluster member ('gone')",
    None: "not yet seen by the manager",
}


MAX_NAMED = 5  # nodes named one by one; more are counted


def _natural(name: str) -> tuple:
    """node2 before node10."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name))


class _NeutralUsage:
    """Stands in for the scheduler's usage in `select_service_node`: the
    same online nodes, every score equal (scores order eligible nodes; they
    never make one eligible)."""

    def __init__(self, online: Sequence[str]) -> None:
        self.nodes = list(online)

    def score_nodes_to_start_service(self, sid: str) -> dict[str, float]:
        return dict.fromkeys(self.nodes, 0.0)


@attrs.frozen
class Eligibility:
    """Where `sid` may be placed now, and why not elsewhere."""

    sid: str
    current: str | None
    nodes: tuple[str, ...]  # every node the manager knows, sorted
    online: tuple[str, ...]  # the other nodes the manager has 'online'
    blocked: Mapping[str, tuple[str, ...]]  # node -> why the manager would not place it there
    stays: bool  # node selection keeps it on `current` (preference 'none')
    move_to: str | None  # a node selection would move it to if it had to leave `current` (None: none)
    preferred: tuple[str, ...]  # online nodes its node affinity prefers to `current` (empty: none does)
    rules: RuleSet

    @property
    def elsewhere(self) -> list[str]:
        """The other nodes it could go to if it had to leave its node."""
        return [n for n in self.nodes if n != self.current and n not in self.blocked]

    @property
    def others_blocked(self) -> list[str]:
        return [n for n in self.nodes if n != self.current and n in self.blocked]

    @property
    def rule_blocked(self) -> list[str]:
        """Other nodes that are online but that a rule or a partner keeps it from."""
        return [n for n in self.others_blocked if n in self.online]

    def named(self, nodes: Sequence[str]) -> str:
        """Nodes for a sentence: 'node1 and node3'; on a big cluster 'all 31
        other nodes' or '28 nodes (node4, node5, node6, …)'."""
        ordered = sorted(nodes, key=_natural)
        if len(ordered) <= MAX_NAMED:
            return listing(ordered)
        if len(ordered) == len(self.nodes) - 1:
            return f"all {len(ordered)} other nodes"
        return f"{len(ordered)} nodes ({', '.join(ordered[:3])}, …)"

    def why_not(self, nodes: Sequence[str]) -> str:
        """'node1: vm:101 is there (…); node3: …' for `nodes`, nodes with the
        same reasons together ('node1 and node3: strict node affinity …')."""
        grouped: dict[tuple[str, ...], list[str]] = {}
        for n in sorted(nodes, key=_natural):
            if n in self.blocked:
                grouped.setdefault(self.blocked[n], []).append(n)
        return "; ".join(f"{self.named(ns)}: {' and '.join(reasons)}" for reasons, ns in grouped.items())

    def cannot_leave(self) -> str:
        """'no other node may take it — node1: …; node3: …', or '' when one may."""
        if self.move_to is not None:
            return ""
        if not self.others_blocked:
            return "there is no other node in the cluster"
        return f"no other node may take it — {self.why_not(self.others_blocked)}"


def eligibility(ctx: Context, sid: str, rules: RuleSet | None = None) -> Eligibility | None:
    """May the manager place `sid` on each of the other nodes, were it to
    leave its own (a failure, maintenance, a rule)?  None when the rules
    cannot be read (no live simulation) or the manager does not know `sid`."""
    rules = rules or ctx.rules
    ss = ctx.service_status
    if rules is None or sid not in ss:
        return None
    ns = ctx.node_status
    nodes = tuple(sorted(ns))
    current = ss[sid].get("node")
    # what node selection sees when the service must leave its node: the other online nodes
    online = [n for n in nodes if ns[n] == "online" and n != current]
    compiled = rules.compiled
    _allowed, preferred = rules_mod.node_affinity(compiled, sid, online)
    together, separate = rules_mod.resource_affinity(compiled, sid, ss, online)
    # node selection narrows a positive set to the node with most partners among the preferred ones
    counts = {n: c for n, c in together.items() if n in preferred and n not in separate}
    together_node = min(n for n, c in counts.items() if c == max(counts.values())) if counts else None
    prios = compiled.node_affinity.get(sid)
    named, is_group = rules.node_rule_name(sid, compiled)
    blocked: dict[str, tuple[str, ...]] = {}
    for n in nodes:
        if n == current:
            continue
        reasons: list[str] = []
        if ns[n] != "online":
            reasons.append(NODE_STATE_REASONS.get(ns[n], f"'{ns[n]}'"))
        elif prios is not None and n not in prios:
            kind = "restricted" if is_group else "strict node affinity"
            reasons.append(f"{kind} {named} allows only {listing(sorted(prios))}")
        elif n not in preferred and preferred:
            top = max(prios[p] for p in preferred)
            kind = "" if is_group else "node affinity "
            reasons.append(
                f"{kind}{named} prefers {listing(sorted(preferred))} (priority {top}) to it (priority {prios[n]})"
                if prios[n] >= 0
                else f"not a node of {kind}{named}, which prefers {listing(sorted(preferred))} while "
                f"{verb(sorted(preferred), 'it is', 'they are')} online"
            )
        for partner in sorted(compiled.negative.get(sid, ())) if n in separate else ():
            entry = ss.get(partner)
            where = placement(entry, online) if entry is not None else (None, None)
            if n in where:
                verb_ = "is there" if where[0] == n else "is moving there"
                reasons.append(f"{partner} {verb_} ({rules.affinity_names(sid, partner, 'negative')})")
        if together_node is not None and n != together_node and ns[n] == "online":
            partners = sorted(
                p for p in compiled.positive.get(sid, ()) if together_node in placement(ss.get(p) or {}, online)
            )
            reasons.append(
                f"{rules.affinity_names(sid, partners[0], 'positive')} keeps it with {listing(partners)} "
                f"on {together_node}"
            )
        if reasons:
            blocked[n] = tuple(reasons)
    conf = rules.service(sid)
    everywhere = [n for n in nodes if ns[n] == "online"]
    stays = select_service_node(compiled, _NeutralUsage(everywhere), sid, conf, ss, "none") == current
    move_to = select_service_node(compiled, _NeutralUsage(online), sid, conf, ss, "best-score") if online else None
    _allowed, best = rules_mod.node_affinity(compiled, sid, everywhere)
    over = tuple(sorted(best)) if current in everywhere and current not in best else ()
    return Eligibility(sid, current, nodes, tuple(online), blocked, stays, move_to, over, rules)
