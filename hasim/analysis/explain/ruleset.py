"""The rules as the manager sees them: read, checked and compiled as
`Manager.manage` does, with the engine's own functions.

`rules_config` plus the legacy HA groups turned into rules
(`groups_to_rules`), checked, transformed and compiled against the manager's
node list (`check_and_transform`, `compile_rules`).  The explainer keeps the
rules in force under the names a person gave them (a transform's
`_implicit-negative-…` is named through the rules it came from), and the
ones the manager drops with its reasons.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from hasim.analysis.explain.phrases import listing
from hasim.engine.ha import groups as groups_mod
from hasim.engine.ha import rules as rules_mod

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.engine.harness import Harness
    from hasim.engine.ha.rules import CompiledRules, Rule

GROUP_RULE_PREFIX = "ha-group-"  # the ids `groups_to_rules` gives the rules it makes of HA groups


def rule_name(rule: Rule) -> str:
    """How a person knows the rule: its id, or the HA group it was generated from."""
    if rule.id.startswith(GROUP_RULE_PREFIX):
        return f"HA group '{rule.id[len(GROUP_RULE_PREFIX):]}'"
    return f"'{rule.id}'"


@attrs.frozen
class RuleSet:
    """The rules as the manager sees them."""

    enabled: tuple  # the user's rules and the group rules, enabled, a repeated id once (the last), by id
    dropped: Mapping[str, Sequence[str]]  # rule id -> why the manager drops it (its feasibility checks)
    compiled: CompiledRules  # what node selection reads
    conf: Mapping[str, dict]  # the normalised service configuration (shared: only read)
    group_failback: Mapping[str, object]  # sid -> the failback its HA group gives it

    def service(self, sid: str) -> dict:
        """`sid`'s configuration as the manager reads it: its group's failback wins."""
        cd = dict(self.conf.get(sid) or {})
        if sid in self.group_failback:
            cd["failback"] = self.group_failback[sid]
        return cd

    @property
    def in_force(self) -> list[Rule]:
        return [r for r in self.enabled if r.id not in self.dropped]

    def about(self, sid: str, type_: str, affinity: str | None = None) -> list[Rule]:
        """The rules in force of `type_` (and `affinity`) that name `sid`."""
        return [
            r for r in self.in_force
            if sid in r.resources and r.type == type_ and (affinity is None or r.affinity == affinity)
        ]  # fmt: skip

    def affinity_names(self, sid: str, partner: str, affinity: str) -> str:
        """The rule(s) that relate `sid` and `partner`; a relation the
        transforms derived (a positive set inheriting a negative rule) is
        named through the rules it came from."""
        rules = self.about(sid, rules_mod.RESOURCE_AFFINITY, affinity)
        direct = [rule_name(r) for r in rules if partner in r.resources]
        if direct:
            return f"{affinity} resource affinity {listing(direct)}"
        via = [
            rule_name(r)
            for r in self.in_force
            if r.type == rules_mod.RESOURCE_AFFINITY and (sid in r.resources or partner in r.resources)
        ]
        return f"{affinity} resource affinity, derived from {listing(via)}"

    def node_rule_name(self, sid: str, compiled: CompiledRules) -> tuple[str, bool]:
        """(name, from an HA group?) of the node affinity `sid` follows: its
        own rule, or — a positive set shares its members' node affinity — a
        partner's."""
        for who in (sid, *sorted(compiled.positive.get(sid, ()))):
            found = self.about(who, rules_mod.NODE_AFFINITY)
            if found:
                name = rule_name(found[-1])
                if who != sid:
                    name += f" (of {who}, which its positive affinity follows)"
                return name, found[-1].id.startswith(GROUP_RULE_PREFIX)
        return "'?'", False


def load_rules(harness: Harness | None, nodes: list[str]) -> RuleSet | None:
    """Read, check and compile the rules as `Manager.manage` does, against
    the manager's node list `nodes`; None without a live simulation (a
    snapshot carries no rules) or when the configuration cannot be read."""
    if harness is None:
        return None
    world = harness.world
    nodes = nodes or list(world.nodes)
    try:
        conf = world.service_config_view()  # normalised, shared: only read here
        groups = groups_mod.parse_groups(world.peek("groups") or "")
        rules = rules_mod.parse_rules(world.peek("rules_config") or "") + groups_mod.groups_to_rules(groups, conf)
        failback = groups_mod.group_failback(groups, conf)
    except Exception:  # noqa: BLE001 - a broken configuration is the engine's to report, not the explainer's
        return None
    by_id: dict[str, Rule] = {}
    for rule in rules:  # a repeated id: the later rule wins, as in the manager
        by_id[rule.id] = rule
    enabled = tuple(by_id[rid] for rid in sorted(by_id) if not by_id[rid].disable)
    transformed, _messages = rules_mod.check_and_transform(rules, nodes)
    errors = rules_mod.feasibility_errors(rules, nodes)
    return RuleSet(enabled, errors, rules_mod.compile_rules(transformed, nodes), conf, failback)
