"""HA rules: node affinity and resource affinity (spec 02 §11).

Theory of operation
-------------------
The manager turns the text of ``rules_config`` into placement constraints in
four stages, each a pure function here:

1. **Read** (`parse_rules`): the section-config file (§11.1) becomes `Rule`
   values; a section the real parser would reject is silently skipped
   (`validate_rule_text` explains why, for the UI and CLI).
2. **Check** (`check_and_transform`, first half): seven feasibility checks
   (§11.4) run over the same, unmodified set of enabled rules.  Every failed
   check adds a message to each rule it concerns - duplicates included, the
   real log shows them - and every rule with a message is dropped.  The
   messages are returned as the exact ``Drop rule '<id>', because <msg>.``
   lines: rule ids sorted, each rule's messages in the order they were added.
3. **Transform** (second half, §11.5): connected positive rules merge into
   ``_merged-...`` rules, positive sets inherit their members' negative
   relations (``_implicit-negative-...``) and share their node affinity.
4. **Compile** (`compile_rules`, §11.7) into per-service lookups, which the
   helpers `node_affinity` and `resource_affinity` (§11.8) read during node
   selection.

Whenever a rule id occurs twice, the later rule wins, as with the hash the
real stack stores rules in (a generated ``ha-group-<g>`` rule appended after
the file's rules thus replaces a user rule of the same id).  Iteration is
always in sorted order so that nothing depends on set or dict order.
"""

from __future__ import annotations

import copyreg
import re
from collections.abc import Collection, Iterable, Mapping
from types import MappingProxyType

from hasim.values import Value

from hasim.formats.section_config import (
    Section,
    decode_section,
    format_section_config,
    parse_bool,
    read_sections,
    split_list,
)
from hasim.engine.ha.placement import placement
from hasim.vocab import CONFIG_SID_RE

__all__ = [
    "NODE_AFFINITY",
    "RESOURCE_AFFINITY",
    "RULE_TYPES",
    "Rule",
    "CompiledRules",
    "parse_rules",
    "format_rules",
    "validate_rule_text",
    "check_and_transform",
    "feasibility_errors",
    "transform",
    "connected_positive_sets",
    "compile_rules",
    "node_affinity",
    "resource_affinity",
    "decode_nodes",
    "decode_resources",
    "decode_comment",
]

NODE_AFFINITY = "node-affinity"
RESOURCE_AFFINITY = "resource-affinity"
RULE_TYPES = (NODE_AFFINITY, RESOURCE_AFFINITY)
AFFINITIES = ("positive", "negative")

# ---------------------------------------------------------------------------
# values


def _sorted_sids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


def node_map(value: Mapping[str, int]) -> Mapping[str, int]:
    """A node -> priority map as a read-only, sorted mapping (rules and groups)."""
    return MappingProxyType({node: int(value[node]) for node in sorted(value)})


# read-only maps (here and in groups) must survive `Simulation.fork`, a deep
# copy, and a trip to another process: copy them as the dict they wrap
copyreg.pickle(MappingProxyType, lambda proxy: (MappingProxyType, (dict(proxy),)))


class Rule(Value):
    """One HA rule.

    `resources` are the sorted service ids.  `nodes` (node -> priority) and
    `strict` belong to node-affinity rules, `affinity` to resource-affinity
    rules.  `disable` is true whenever the file has a valid ``disable`` key,
    whatever its value (quirk 10).  `order` is the position in the file and,
    having no influence on behaviour, takes no part in equality.
    """

    type: str
    id: str
    resources: tuple[str, ...] = ()
    nodes: Mapping[str, int] = MappingProxyType({})
    strict: bool = False
    affinity: str | None = None
    comment: str | None = None
    disable: bool = False
    order: int = 0

    _converters = {"resources": _sorted_sids, "nodes": node_map}
    _not_compared = ("order",)
    _not_hashed = ("nodes",)

    def _check(self) -> None:
        if self.type not in RULE_TYPES:
            raise ValueError(f"unknown rule type {self.type!r}")
        if self.affinity is not None and self.affinity not in AFFINITIES:
            raise ValueError(f"affinity must be 'positive' or 'negative', not {self.affinity!r}")


# ---------------------------------------------------------------------------
# reading (§11.1)

_NODE_ENTRY = re.compile(r"^([^\s:]+)(?::([0-9]+))?$", re.ASCII)
_COMMENT_MAX = 4096


def decode_resources(raw: str | None) -> tuple[str, ...]:
    """A list of service ids; one malformed entry rejects the whole value."""
    if raw is None:
        raise ValueError("got undefined value")
    items = split_list(raw)
    for item in items:
        if not CONFIG_SID_RE.fullmatch(item):
            raise ValueError(f"value '{item}' does not look like a valid ha resource id")
    return _sorted_sids(items)


def decode_nodes(raw: str | None) -> dict[str, int]:
    """A list of ``<node>[:<priority>]``; one malformed entry rejects the whole
    value.  A node listed twice keeps its last priority."""
    if raw is None:
        raise ValueError("got undefined value")
    nodes: dict[str, int] = {}
    for item in split_list(raw):
        match = _NODE_ENTRY.match(item)
        if match is None:
            raise ValueError(f"value '{item}' does not look like a valid ha group node")
        nodes[match.group(1)] = int(match.group(2) or 0)
    return nodes


def decode_comment(raw: str | None) -> str:
    if raw is None:
        raise ValueError("got undefined value")
    if len(raw.encode("utf-8", "surrogateescape")) > _COMMENT_MAX:
        raise ValueError(f"value may only be {_COMMENT_MAX} characters long")
    return raw


def _decode_affinity(raw: str | None) -> str:
    if raw not in AFFINITIES:
        raise ValueError(f"value '{raw}' does not have a value in the enumeration 'positive, negative'")
    return raw


# per type: key -> (decoder, required)
_SCHEMA = {
    NODE_AFFINITY: {
        "resources": (decode_resources, True),
        "nodes": (decode_nodes, True),
        "strict": (parse_bool, False),
        "comment": (decode_comment, False),
        "disable": (parse_bool, False),
    },
    RESOURCE_AFFINITY: {
        "resources": (decode_resources, True),
        "affinity": (_decode_affinity, True),
        "comment": (decode_comment, False),
        "disable": (parse_bool, False),
    },
}


def _read_rule(section: Section) -> tuple[Rule | None, list[str]]:
    """Decode one section of a known type; (None, problems) when the real
    parser would reject it (a required property missing or invalid)."""
    values, problems = decode_section(section, _SCHEMA[section.type])
    if problems:
        return None, problems
    rule = Rule(
        type=section.type,
        id=section.id,
        resources=values["resources"],
        nodes=values.get("nodes", {}),
        strict=bool(values.get("strict", False)),
        affinity=values.get("affinity"),
        comment=values.get("comment"),
        disable="disable" in values,
        order=section.order,
    )
    return rule, []


def _read(text: str) -> tuple[list[Rule], list[str]]:
    """Rules in file order and the problems of every dropped section."""
    kept, problems = read_sections(text, "rules_config: rule", _SCHEMA, "rule type", _read_rule)
    return [rule for rule, _ in kept.values() if rule is not None], problems


def parse_rules(text: str) -> list[Rule]:
    """Read a ``rules_config`` text; invalid sections are skipped, never raises."""
    return _read(text)[0]


def validate_rule_text(text: str) -> list[str]:
    """Explain, one line per problem, why sections of `text` were dropped.

    Lines read ``rules_config: rule '<id>': <problem>``; an empty list means
    every section became a rule.  Never raises.
    """
    return _read(text)[1]


def _rule_props(rule: Rule) -> dict[str, str]:
    # key order as the real writer: comment, disable, then the others sorted
    props: dict[str, str] = {}
    if rule.comment is not None:
        props["comment"] = rule.comment
    if rule.disable:
        props["disable"] = ""
    if rule.type == RESOURCE_AFFINITY:
        props["affinity"] = rule.affinity or ""
    else:
        props["nodes"] = ",".join(
            f"{node}:{prio}" if prio else node for node, prio in rule.nodes.items()
        )
    props["resources"] = ",".join(rule.resources)
    if rule.type == NODE_AFFINITY and rule.strict:
        props["strict"] = "1"
    return props


def format_rules(rules: Iterable[Rule]) -> str:
    """Write rules as a ``rules_config`` text, in the given order.

    `parse_rules` reads the text back to equal rules (an empty ``nodes`` list
    is written as ``,``, which reads back as the empty list).
    """
    sections = []
    for rule in rules:
        props = _rule_props(rule)
        for key in ("nodes", "resources"):
            if props.get(key) == "":
                props[key] = ","
        sections.append(Section(rule.type, rule.id, rule.order, props))
    return format_section_config(sections)


# ---------------------------------------------------------------------------
# checks (§11.4)

_MSG_NODE_SINGLE = "resource '{sid}' is already used in another node affinity rule"
_MSG_TOO_FEW = "rule is ineffective as there are less than two resources"
_MSG_TOO_MANY = "rule defines more resources than available nodes"
_MSG_NEG_VS_POS = "rule shares two or more resources with a positive resource affinity rule"
_MSG_POS_VS_NEG = "rule shares two or more resources with a negative resource affinity rule"
_MSG_RA_MULTI_PRIO = "resources are in node affinity rules with multiple priorities"
_MSG_NA_MULTI_PRIO = (
    "resources are in a resource affinity rule and cannot be in a node affinity rule "
    "with multiple priorities"
)
_MSG_POS_MULTI_NA = "resources are in multiple node affinity rules"
_MSG_NA_MULTI_POS = (
    "at least one resource is in a positive resource affinity rule and there are other "
    "resources in at least one other node affinity rule already"
)
_MSG_NEG_RESTRICTED = (
    "two or more resources are restricted to less nodes than available to the resources"
)
_MSG_NA_RESTRICTS_NEG = (
    "at least one resource is in a negative resource affinity rule and this rule would "
    "restrict these to less nodes than available to the resources"
)


def _effective(rules: Iterable[Rule]) -> list[Rule]:
    """Enabled rules, a repeated id replaced by its last rule, sorted by id."""
    by_id: dict[str, Rule] = {}
    for rule in rules:
        by_id[rule.id] = rule
    return [by_id[rid] for rid in sorted(by_id) if not by_id[rid].disable]


def _of(rules: Iterable[Rule], type_: str, affinity: str | None = None) -> list[Rule]:
    return [r for r in rules if r.type == type_ and (affinity is None or r.affinity == affinity)]


def connected_positive_sets(positive: Iterable[Rule]) -> list[tuple[list[Rule], set[str]]]:
    """Group positive rules into connected sets (§11.6): (rules, resources).

    Rules are walked sorted by id, then stably by their smallest resource; a
    rule joins the *first* set it shares a resource with, else starts a new
    one.  A rule bridging two sets joins only the first and the sets stay
    apart - the real stack's quirk, reproduced on purpose.
    """
    walk = sorted(positive, key=lambda r: r.id)
    walk.sort(key=lambda r: r.resources[0] if r.resources else "")
    sets: list[tuple[list[Rule], set[str]]] = []
    for rule in walk:
        for members, resources in sets:
            if resources.intersection(rule.resources):
                members.append(rule)
                resources.update(rule.resources)
                break
        else:
            sets.append(([rule], set(rule.resources)))
    return sets


def feasibility_errors(rules: list[Rule], nodes: Collection[str]) -> dict[str, list[str]]:
    """Run the checks of §11.4 over enabled `rules`: rule id -> messages.

    All checks see the same unmodified rule set; a rule collects one message
    per failed check instance, so the same text may repeat.
    """
    rules = _effective(rules)
    node_rules = _of(rules, NODE_AFFINITY)
    positive = _of(rules, RESOURCE_AFFINITY, "positive")
    negative = _of(rules, RESOURCE_AFFINITY, "negative")
    resource_rules = _of(rules, RESOURCE_AFFINITY)
    errors: dict[str, list[str]] = {}

    def add(rule: Rule, message: str) -> None:
        errors.setdefault(rule.id, []).append(message)

    def sharing(rule_resources: Collection[str]) -> list[Rule]:
        return [n for n in node_rules if not set(n.resources).isdisjoint(rule_resources)]

    # 1. a service may be in one node-affinity rule only
    users: dict[str, list[Rule]] = {}
    for rule in node_rules:
        for sid in rule.resources:
            users.setdefault(sid, []).append(rule)
    for sid in sorted(users):
        if len(users[sid]) > 1:
            for rule in users[sid]:
                add(rule, _MSG_NODE_SINGLE.format(sid=sid))

    # 2. a resource-affinity rule needs two resources
    for rule in resource_rules:
        if len(rule.resources) < 2:
            add(rule, _MSG_TOO_FEW)

    # 3. keeping apart needs a node per resource
    for rule in negative:
        if len(rule.resources) > len(set(nodes)):
            add(rule, _MSG_TOO_MANY)

    # 4. together and apart at once
    sets = connected_positive_sets(positive)
    for members, resources in sets:
        for neg in negative:
            if len(resources.intersection(neg.resources)) >= 2:
                add(neg, _MSG_NEG_VS_POS)
                for pos in members:
                    add(pos, _MSG_POS_VS_NEG)

    # 5. resource affinity and prioritised node affinity do not mix
    for rule in resource_rules:
        related = sharing(rule.resources)
        if any(len(set(n.nodes.values())) > 1 for n in related):
            add(rule, _MSG_RA_MULTI_PRIO)
            for node_rule in related:
                add(node_rule, _MSG_NA_MULTI_PRIO)

    # 6. a positive set may follow one node-affinity rule only
    for members, resources in sets:
        related = sharing(resources)
        if len(related) > 1:
            for pos in members:
                add(pos, _MSG_POS_MULTI_NA)
            for node_rule in related:
                add(node_rule, _MSG_NA_MULTI_POS)

    # 7. services kept apart need enough allowed nodes
    for neg in negative:
        located: set[str] = set()
        allowed: set[str] = set()
        related = sharing(neg.resources)
        for node_rule in related:
            located.update(set(node_rule.resources).intersection(neg.resources))
            allowed.update(node_rule.nodes)
        if len(allowed) < len(located):
            add(neg, _MSG_NEG_RESTRICTED)
            for node_rule in related:
                add(node_rule, _MSG_NA_RESTRICTS_NEG)

    return errors


# ---------------------------------------------------------------------------
# transforms (§11.5)


def transform(rules: list[Rule]) -> list[Rule]:
    """Apply the three transforms of §11.5 to checked rules; sorted by id."""
    rules = _effective(rules)
    others = [r for r in rules if not (r.type == RESOURCE_AFFINITY and r.affinity == "positive")]

    # 1. merge connected positive rules
    positive: list[Rule] = []
    for members, resources in connected_positive_sets(_of(rules, RESOURCE_AFFINITY, "positive")):
        if len(members) == 1:
            positive.append(members[0])
        else:
            merged_id = "_merged-" + "-".join(r.id for r in members)
            positive.append(
                Rule(RESOURCE_AFFINITY, merged_id, resources=resources, affinity="positive")
            )

    # 2. members of a positive rule inherit each other's negative partners
    apart: dict[str, set[str]] = {}
    for neg in _of(others, RESOURCE_AFFINITY, "negative"):
        for sid in neg.resources:
            apart.setdefault(sid, set()).update(s for s in neg.resources if s != sid)
    implicit: list[Rule] = []
    for pos in positive:
        partners = set().union(*(apart.get(sid, set()) for sid in pos.resources))
        for csid in sorted(partners):
            for sid in pos.resources:
                if sid == csid or csid in apart.get(sid, ()):
                    continue
                implicit.append(
                    Rule(
                        RESOURCE_AFFINITY,
                        f"_implicit-negative-{pos.id}-{sid}-{csid}",
                        resources=(sid, csid),
                        affinity="negative",
                    )
                )

    # 3. a positive set shares the node affinity of its members
    result: list[Rule] = []
    for rule in others:
        if rule.type == NODE_AFFINITY:
            extra = [p.resources for p in positive if not set(p.resources).isdisjoint(rule.resources)]
            if extra:
                rule = rule.replace(resources=set(rule.resources).union(*extra))
        result.append(rule)

    return _effective(result + positive + implicit)


def check_and_transform(rules: list[Rule], nodes: list[str]) -> tuple[list[Rule], list[str]]:
    """Check the enabled rules against the cluster `nodes`, drop the failing
    ones and transform the rest (§11.4, §11.5).

    Returns the rules that take effect (sorted by id; disabled rules are left
    out) and the ``Drop rule '<id>', because <message>.`` lines in the order
    the manager logs them: rule ids sorted, each rule's messages in the order
    the checks added them.
    """
    effective = _effective(rules)
    errors = feasibility_errors(effective, nodes)
    messages = [
        f"Drop rule '{rid}', because {message}."
        for rid in sorted(errors)
        for message in errors[rid]
    ]
    surviving = [r for r in effective if r.id not in errors]
    return transform(surviving), messages


# ---------------------------------------------------------------------------
# compilation (§11.7) and the helpers of §11.8


class CompiledRules(Value):
    """Per-service lookups built from the rules that take effect.

    `node_affinity`: sid -> {node: priority}; a non-strict rule adds every
    other cluster node with priority -1.  `positive` / `negative`: sid -> the
    other members of its positive / negative rules.
    """

    node_affinity: Mapping[str, Mapping[str, int]] = MappingProxyType({})
    positive: Mapping[str, frozenset[str]] = MappingProxyType({})
    negative: Mapping[str, frozenset[str]] = MappingProxyType({})


def compile_rules(rules: list[Rule], nodes: list[str]) -> CompiledRules:
    """Compile enabled `rules` against the cluster `nodes` (node-status keys)."""
    rules = _effective(rules)
    node_affinity: dict[str, dict[str, int]] = {}
    for rule in _of(rules, NODE_AFFINITY):
        prios = dict(rule.nodes)
        if not rule.strict:
            for node in sorted(set(nodes)):
                prios.setdefault(node, -1)
        for sid in rule.resources:
            node_affinity[sid] = {node: prios[node] for node in sorted(prios)}

    def partners(affinity: str) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for rule in _of(rules, RESOURCE_AFFINITY, affinity):
            for sid in rule.resources:
                found.setdefault(sid, set()).update(s for s in rule.resources if s != sid)
        return {sid: frozenset(found[sid]) for sid in sorted(found)}

    return CompiledRules(
        node_affinity={sid: node_affinity[sid] for sid in sorted(node_affinity)},
        positive=partners("positive"),
        negative=partners("negative"),
    )


def node_affinity(
    compiled: CompiledRules, sid: str, online_nodes: Iterable[str]
) -> tuple[set[str], set[str]]:
    """(allowed, preferred) nodes of `sid` among `online_nodes` (§11.8).

    Without a rule every online node is allowed and preferred; otherwise the
    allowed nodes are the online ones in its map and the preferred ones those
    of them with the highest priority.
    """
    online = set(online_nodes)
    prios = compiled.node_affinity.get(sid)
    if prios is None:
        return set(online), set(online)
    allowed = {node for node in prios if node in online}
    if not allowed:
        return set(), set()
    top = max(prios[node] for node in allowed)
    return allowed, {node for node in allowed if prios[node] == top}


def resource_affinity(
    compiled: CompiledRules,
    sid: str,
    service_status: Mapping[str, dict],
    online_nodes: Collection[str],
) -> tuple[dict[str, int], set[str]]:
    """(together, separate) for `sid` from where its partners are (§11.8).

    together: node -> number of positive partners there, a moving partner
    counting only at its target; separate: every node a negative partner
    occupies or is heading to.  Partners without status entry count nowhere.
    """
    together: dict[str, int] = {}
    for partner in sorted(compiled.positive.get(sid, ())):
        entry = service_status.get(partner)
        if entry is None:
            continue
        current, target = placement(entry, online_nodes)
        node = target if target is not None else current
        if node is not None:
            together[node] = together.get(node, 0) + 1
    separate: set[str] = set()
    for partner in sorted(compiled.negative.get(sid, ())):
        entry = service_status.get(partner)
        if entry is None:
            continue
        separate.update(n for n in placement(entry, online_nodes) if n is not None)
    return {node: together[node] for node in sorted(together)}, separate
