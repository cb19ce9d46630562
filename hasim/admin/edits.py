"""What an accepted `ha-manager` writer changes (spec 05 §5).

Configuration writers replace `service_config`, `groups` or `rules_config`
(read by the CRM at its next round); CRM commands append a line to the
command queue (consumed by the master at its next round).  The change is
computed against the files as they are when it applies, and assumes the
request passed `hasim.admin.refusals.refusal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


from hasim.admin.cluster import Cluster
from hasim.admin.parameters import Parsed, split_list
from hasim.commands import Change
from hasim.engine.ha import groups as groups_mod
from hasim.engine.ha import rules as rules_mod
from hasim.formats.section_config import Section, format_section_config
from hasim.jsondata import jcopy

_INTEGER_KEYS = ("failback", "max_relocate", "max_restart")
_RESOURCE_KEYS = ("comment", "group", "state", *_INTEGER_KEYS)


def _sid(request: Parsed, cluster: Cluster) -> str:
    return cluster.guest_sid(request.get("sid")) or request.get("sid")


def _store(record: dict[str, Any], request: Parsed) -> None:
    """Set the given resource keys (an empty value deletes: the real writer
    leaves an empty property out of the file), then delete `--delete`'s."""
    for key in _RESOURCE_KEYS:
        value = request.get(key)
        if value is None:
            continue
        if value == "":
            record.pop(key, None)
        else:
            record[key] = int(value) if key in _INTEGER_KEYS else value
    for key in split_list(request.get("delete") or ""):
        if key in _RESOURCE_KEYS:
            record.pop(key, None)


def _add(request: Parsed, cluster: Cluster) -> Change:
    conf = jcopy(cluster.service_config)
    record: dict[str, Any] = {"node": request.get("node") or cluster.nodes[0], "state": "started"}
    _store(record, request)
    conf[_sid(request, cluster)] = record
    return Change(files={"service_config": conf})


def _set(request: Parsed, cluster: Cluster) -> Change:
    conf = jcopy(cluster.service_config)
    _store(conf[_sid(request, cluster)], request)
    return Change(files={"service_config": conf})


def _remove(request: Parsed, cluster: Cluster) -> Change:
    sid = _sid(request, cluster)
    conf = jcopy(cluster.service_config)
    del conf[sid]
    files: dict[str, Any] = {"service_config": conf}
    if request.get("purge", 1):
        rules = rules_mod.parse_rules(cluster.rules_text)
        purged = [r.replace(resources=[s for s in r.resources if s != sid]) for r in rules]
        purged = [r for r in purged if r.resources]
        if purged != rules:
            files["rules_config"] = rules_mod.format_rules(purged)
    return Change(files=files)


def _queue(line: Callable[[Parsed, Cluster], str]) -> Callable[[Parsed, Cluster], Change]:
    return lambda request, cluster: Change(crm_commands=(line(request, cluster),))


def _move(request: Parsed, cluster: Cluster) -> str:
    return f"{request.path[-1]} {_sid(request, cluster)} {request.get('node')}"


def _maintenance(request: Parsed, cluster: Cluster) -> str:
    return f"{'disable' if request.get('disable') else 'enable'}-node-maintenance {request.get('node')}"


# -- groups ---------------------------------------------------------------------------------------------


def _bool(request: Parsed, key: str, old: bool) -> bool:
    value = request.get(key)
    return old if value is None else bool(value)


def format_groups(groups: dict[str, groups_mod.Group]) -> str:
    """A groups file: sections sorted by id, keys as the real writer orders them."""
    sections = []
    for order, gid in enumerate(sorted(groups), 1):
        group = groups[gid]
        props: dict[str, str] = {}
        if group.comment:
            props["comment"] = group.comment
        props["nodes"] = ",".join(f"{n}:{p}" if p else n for n, p in group.nodes.items())
        if group.nofailback:
            props["nofailback"] = "1"
        if group.restricted:
            props["restricted"] = "1"
        sections.append(Section(type="group", id=gid, order=order, props=props))
    return format_section_config(sections)


def _group(request: Parsed, cluster: Cluster) -> Change:
    groups = dict(cluster.groups)
    gid = request.get("group")
    if request.command == "groupremove":
        groups.pop(gid, None)
    else:
        deleted = set(split_list(request.get("delete") or ""))
        old = groups.get(gid) or groups_mod.Group(gid)
        nodes = request.get("nodes")
        comment = None if "comment" in deleted else request.get("comment", old.comment)
        groups[gid] = groups_mod.Group(
            id=gid,
            nodes=rules_mod.decode_nodes(nodes) if nodes is not None else old.nodes,
            restricted=False if "restricted" in deleted else _bool(request, "restricted", old.restricted),
            nofailback=False if "nofailback" in deleted else _bool(request, "nofailback", old.nofailback),
            comment=comment or None,
        )
    return Change(files={"groups": format_groups(groups)})


# -- rules ----------------------------------------------------------------------------------------------


def _rule(request: Parsed, old: rules_mod.Rule | None) -> rules_mod.Rule:
    """The rule a `rules add|set` request makes.  A `disable` given with any
    value disables the rule: the CRM reads the key's presence (02 §11.1)."""
    deleted = set(split_list(request.get("delete") or ""))
    resources, nodes = request.get("resources"), request.get("nodes")
    comment = None if "comment" in deleted else request.get("comment", old.comment if old else None)
    return rules_mod.Rule(
        type=request.get("type"),
        id=request.get("rule"),
        resources=rules_mod.decode_resources(resources) if resources is not None else (old.resources if old else ()),
        nodes=rules_mod.decode_nodes(nodes) if nodes is not None else (old.nodes if old else {}),
        strict=False if "strict" in deleted else _bool(request, "strict", old.strict if old else False),
        affinity=request.get("affinity", old.affinity if old else None),
        comment=comment or None,
        disable=False if "disable" in deleted else (request.get("disable") is not None or bool(old and old.disable)),
        order=old.order if old else 0,
    )


def edited_rules(request: Parsed, cluster: Cluster) -> list[rules_mod.Rule]:
    """The rules file's rules after a `rules add|set|remove` request, in file order."""
    rules = rules_mod.parse_rules(cluster.rules_text)
    rid = request.get("rule")
    if request.command == "rules remove":
        return [r for r in rules if r.id != rid]
    old = next((r for r in rules if r.id == rid), None)
    new = _rule(request, old)
    if old is None:
        return [*rules, new]
    return [new if r.id == rid else r for r in rules]


def _rules(request: Parsed, cluster: Cluster) -> Change:
    rules = edited_rules(request, cluster)
    if rules == rules_mod.parse_rules(cluster.rules_text):
        return Change()  # `rules remove` of an unknown rule: nothing to write
    return Change(files={"rules_config": rules_mod.format_rules(rules)})


CHANGES: dict[str, Callable[[Parsed, Cluster], Change]] = {
    "add": _add,
    "set": _set,
    "remove": _remove,
    "crm-command migrate": _queue(_move),
    "crm-command relocate": _queue(_move),
    "crm-command stop": _queue(lambda r, c: f"stop {_sid(r, c)} {r.get('timeout')}"),
    "crm-command node-maintenance enable": _queue(_maintenance),
    "crm-command node-maintenance disable": _queue(_maintenance),
    "crm-command disarm-ha": _queue(lambda r, c: f"disarm-ha {r.get('resource-mode')}"),
    "crm-command arm-ha": _queue(lambda r, c: "arm-ha"),
    "groupadd": _group,
    "groupset": _group,
    "groupremove": _group,
    "rules add": _rules,
    "rules set": _rules,
    "rules remove": _rules,
}


def change(request: Parsed, cluster: Cluster) -> Change:
    """The files replaced and CRM commands queued by an accepted writer."""
    return CHANGES[request.command](request, cluster)
