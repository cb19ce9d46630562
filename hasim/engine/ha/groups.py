"""Legacy HA groups and the pure parts of their migration to rules (spec 02 §12).

Before node-affinity rules existed, a service named a *group* of preferred
nodes in its ``group`` property.  The manager still honours groups by
translating them every round (§12.2):

* a grouped service's ``failback`` becomes ``1 - nofailback(group)``
  (`group_failback`), overriding its own value;
* each group that is referenced becomes a node-affinity rule
  ``ha-group-<group>`` (`groups_to_rules`) that takes part in the rule
  checks like any other rule — also a group that does not exist: the real
  failback read (``$groups->{ids}->{$group}->{nofailback}``) autovivifies an
  empty entry for a missing name, so the migration that follows turns it
  into a rule with no nodes (`with_referenced`).

The persistent migration (§12.3, run by the manager) writes those rules into
``rules_config`` with `hasim.engine.ha.rules.format_rules`, and only goes ahead when
every node runs at least pve-manager ``9.0.0~16`` (`version_at_least`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from hasim.values import Value

from hasim.formats.section_config import (
    Section,
    decode_section,
    parse_bool,
    read_sections,
)
from hasim.engine.ha.rules import NODE_AFFINITY, Rule, decode_comment, decode_nodes, node_map

__all__ = [
    "MIGRATION_MIN_VERSION",
    "Group",
    "parse_groups",
    "validate_group_text",
    "group_failback",
    "groups_to_rules",
    "with_referenced",
    "version_at_least",
]

# the pve-manager version every node needs before groups are migrated
MIGRATION_MIN_VERSION = "9.0.0~16"


class Group(Value):
    """One HA group: its nodes with priorities (higher preferred, default 0)."""

    id: str
    nodes: Mapping[str, int] = MappingProxyType({})
    restricted: bool = False
    nofailback: bool = False
    comment: str | None = None

    _converters = {"nodes": node_map}
    _not_hashed = ("nodes",)


# key -> (decoder, required)
_SCHEMA = {
    "nodes": (decode_nodes, True),
    "restricted": (parse_bool, False),
    "nofailback": (parse_bool, False),
    "comment": (decode_comment, False),
}


def _read_group(section: Section) -> tuple[Group | None, list[str]]:
    values, problems = decode_section(section, _SCHEMA)
    if problems:
        return None, problems
    return (
        Group(
            id=section.id,
            nodes=values["nodes"],
            restricted=bool(values.get("restricted", False)),
            nofailback=bool(values.get("nofailback", False)),
            comment=values.get("comment"),
        ),
        [],
    )


def _read(text: str) -> tuple[dict[str, Group], list[str]]:
    kept, problems = read_sections(text, "groups: group", ("group",), "section type", _read_group)
    groups = {gid: kept[gid][0] for gid in sorted(kept) if kept[gid][0] is not None}
    return groups, problems


def parse_groups(text: str) -> dict[str, Group]:
    """Read a ``groups`` text (missing file = ""): group id -> Group, sorted.

    Sections that are not ``group:`` or lack a valid ``nodes`` are skipped;
    never raises.
    """
    return _read(text)[0]


def validate_group_text(text: str) -> list[str]:
    """Why sections of a groups text were dropped, one line per problem."""
    return _read(text)[1]


def _group_of(conf: Mapping) -> str | None:
    # Perl reads `my $group = $conf->{group} or next`: "" and "0" name no group
    group = conf.get("group")
    if group is None or group == "" or group == "0" or group == 0:
        return None
    return str(group)


def group_failback(groups: Mapping[str, Group], service_conf: Mapping[str, dict]) -> dict[str, int]:
    """sid -> failback (0/1) for every service that names a group.

    ``failback = 1 - nofailback(group)``; a group that does not exist counts
    as ``nofailback = 0``, so its services fail back.
    """
    result = {}
    for sid in sorted(service_conf):
        name = _group_of(service_conf[sid])
        if name is None:
            continue
        group = groups.get(name)
        result[sid] = 0 if group is not None and group.nofailback else 1
    return result


def with_referenced(groups: Mapping[str, Group], service_conf: Mapping[str, dict]) -> dict[str, Group]:
    """The groups as the manager holds them after its per-round failback read.

    Upstream's ``migrate_groups_to_resources`` reads every referenced group's
    ``nofailback`` through the loaded groups hash; for a name the groups
    configuration lacks (or when there is no groups file at all) Perl's
    autovivification leaves an empty entry behind: no nodes, not restricted,
    no comment.  The in-memory migration to rules that follows in the same
    round treats it as a group like any other.
    """
    loaded = dict(groups)
    for sid in sorted(service_conf):
        name = _group_of(service_conf[sid])
        if name is not None and name not in loaded:
            loaded[name] = Group(id=name)
    return {name: loaded[name] for name in sorted(loaded)}


def groups_to_rules(
    groups: Mapping[str, Group], service_conf: Mapping[str, dict], *, missing: bool = True
) -> list[Rule]:
    """The ``ha-group-<group>`` node-affinity rules, sorted by id.

    One rule per group referenced by at least one configured service:
    resources = the referencing services, nodes = the group's nodes, strict =
    restricted, comment = the group's comment or ``Generated from HA group
    '<group>'.``.  A referenced group missing from `groups` counts as the
    empty entry the manager's failback read leaves (`with_referenced`): a
    rule with no nodes.  `missing=False` is the persistent migration
    (§12.3), which reads the groups afresh and sees only those that exist.
    """
    if missing:
        groups = with_referenced(groups, service_conf)
    members: dict[str, list[str]] = {}
    for sid in sorted(service_conf):
        name = _group_of(service_conf[sid])
        if name is not None and name in groups:
            members.setdefault(name, []).append(sid)
    rules = []
    for name in sorted(members):
        group = groups[name]
        rules.append(
            Rule(
                type=NODE_AFFINITY,
                id=f"ha-group-{name}",
                resources=members[name],
                nodes=group.nodes,
                strict=group.restricted,
                comment=(
                    group.comment
                    if group.comment is not None
                    else f"Generated from HA group '{name}'."
                ),
            )
        )
    return rules


_VERSION = re.compile(r"^([0-9]+)\.([0-9]+)[.-]([0-9]+)(?:~([0-9]+))?", re.ASCII)


def version_at_least(version: str, minimum: str) -> bool:
    """Whether pve-manager `version` is at least `minimum` (§12.3).

    Both read as ``major.minor(.|-)patch[~rev]`` from the start of the string.
    major, minor, patch compare numerically; when they are equal a version
    with ``~rev`` needs rev >= the minimum's rev, and one without ``~rev``
    passes (``9.0.0`` is a release, later than every ``9.0.0~N``).  A version
    that does not parse fails.
    """
    have = _VERSION.match(version or "")
    need = _VERSION.match(minimum or "")
    if have is None or need is None:
        return False
    have_num = tuple(int(have.group(i)) for i in (1, 2, 3))
    need_num = tuple(int(need.group(i)) for i in (1, 2, 3))
    if have_num != need_num:
        return have_num > need_num
    if have.group(4) is None:
        return True
    return int(have.group(4)) >= int(need.group(4) or 0)
