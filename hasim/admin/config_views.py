"""What `ha-manager config`, `groupconfig` and `rules list|config` print (spec 05 §3, §4).

Each view returns the text for stdout and the lines for stderr; refusals of
these read-only commands (`groupconfig` after the groups were migrated) are
`ViewRefused`, whose text the CLI prints to stderr with exit status 255.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from hasim.admin.cluster import Cluster
from hasim.admin.parameters import split_list
from hasim.admin.tables import TableStyle, format_table
from hasim.engine.ha import rules as rules_mod
from hasim.formats.section_config import parse_section_config

RESOURCE_KEYS = ("comment", "failback", "group", "max_relocate", "max_restart", "state")
GROUP_KEYS = ("comment", "nodes", "nofailback", "restricted")


class ViewRefused(Exception):
    """A read-only command the real CLI refuses; str() is its message."""


class NotModelled(Exception):
    """Something the real CLI does that hasim does not reproduce; str() says what."""


@attrs.frozen
class View:
    stdout: str
    stderr: str = ""


def shown(value: Any) -> str:
    """A stored value as Perl prints it."""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def config_view(cluster: Cluster, type_filter: str | None) -> View:
    """`ha-manager config [--type T]`: the stored keys of every resource."""
    groups = cluster.groups
    out: list[str] = []
    err: list[str] = []
    for sid in sorted(cluster.service_config):
        if type_filter is not None and sid.partition(":")[0] != type_filter:
            continue
        rec = cluster.resource(sid) or {}
        out.append(f"{sid}\n")
        for key in sorted(k for k in rec if k in RESOURCE_KEYS):
            if key == "group":
                if not groups:
                    continue
                if rec[key] not in groups:
                    err.append(f"error: property 'group' - group '{rec[key]}' does not exist\n")
            out.append(f"\t{key} {shown(rec[key])}\n")
        out.append("\n")
    return View("".join(out), "".join(err))


def groupconfig_view(cluster: Cluster) -> View:
    """`ha-manager groupconfig`: every group's stored keys, the node list in file order."""
    groups = cluster.groups
    if not groups:
        raise ViewRefused("cannot index groups: ha groups have been migrated to rules")
    sections = {s.id: s for s in parse_section_config(cluster.groups_text) if s.type == "group"}
    out: list[str] = []
    for gid in sorted(groups):
        props = sections[gid].props
        out.append(f"group: {gid}\n")
        for key in sorted(k for k in props if k in GROUP_KEYS):
            value = props[key]
            if key == "nodes":
                value = ",".join(dict.fromkeys(split_list(value)))
            out.append(f"\t{key} {value}\n")
        out.append("\n")
    return View("".join(out))


@attrs.frozen
class RuleRow:
    rule: str
    type: str
    resources: str
    comment: str
    enabled: str
    state: str


def rule_rows(cluster: Cluster, type_filter: str | None, resource: str | None) -> list[RuleRow]:
    """The rules as the rules API lists them: the file's and the groups',
    each with its state against the manager's nodes, in rule order."""
    rules = cluster.rules_with_groups()
    flagged = rules_mod.feasibility_errors(rules, cluster.rule_nodes)
    by_id: dict[str, rules_mod.Rule] = {}
    for rule in rules:  # a repeated id: the later rule wins, at the later place
        by_id.pop(rule.id, None)
        by_id[rule.id] = rule
    rows = []
    for rule in by_id.values():
        if type_filter is not None and rule.type != type_filter:
            continue
        if resource is not None and resource not in rule.resources:
            continue
        rows.append(
            RuleRow(
                rule=rule.id,
                type=rule.type,
                resources=",".join(sorted(rule.resources)),
                comment=rule.comment or "",
                enabled="0" if rule.disable else "1",
                state="ignored (conflicts)" if rule.id in flagged else "in use",
            )
        )
    return rows


RULES_CONFIG_COLUMNS = ("enabled", "state", "rule", "type", "resources", "comment")


def rules_view(cluster: Cluster, command: str, params: Mapping[str, Any], utf8: bool) -> View:
    """`ha-manager rules list|config` as a table (spec 05 §4)."""
    fmt = params.get("output-format") or "text"
    if fmt != "text":
        raise NotModelled(
            f"--output-format {fmt} is not modelled: spec 05 gives the table, not the fields of the "
            "real JSON and YAML output"
        )
    if params.get("quiet"):
        return View("")
    rows = rule_rows(cluster, params.get("type"), params.get("resource"))
    style = TableStyle(border=not params.get("noborder"), header=not params.get("noheader"), utf8=utf8)
    if command == "rules list":
        return View(format_table(("rule",), [(r.rule,) for r in sorted(rows, key=lambda r: r.rule)], style))
    ordered = sorted(rows, key=lambda r: r.enabled)  # stable: disabled rules first, each part in rule order
    return View(format_table(RULES_CONFIG_COLUMNS, [tuple(getattr(r, c) for c in RULES_CONFIG_COLUMNS)
                                                    for r in ordered], style))  # fmt: skip
