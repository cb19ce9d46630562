"""ha/groups.cfg: legacy HA groups, copied byte for byte (spec 04 §8.1).

hasim reads the same format, so the text is imported as it is; reading it
here only finds what the admin should know: sections the real parser would
drop (W01-W03), nodes outside the cluster (W10), groups no service uses or
services naming a missing group (W11), and that a PVE 9 CRM migrates groups
to rules - which hasim's default node version blocks (W13).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import attrs

from hasim.importer.crm_checks import MIGRATION_MIN_VERSION, decode_comment, decode_nodes, migration_allowed
from hasim.importer.diagnostics import Diagnostics, shown
from hasim.importer.resources_cfg import HaResource
from hasim.importer.sections import Key, TypedSection, boolean, read_typed_sections
from hasim.importer.source import SourceTree

HASIM_DEFAULT_VERSION = "9.0.0~2"
_SCHEMAS = {
    "group": {
        "nodes": Key(decode_nodes, required=True),
        "restricted": Key(boolean, default="0"),
        "nofailback": Key(boolean, default="0"),
        "comment": Key(decode_comment),
    }
}


@attrs.frozen
class GroupsFile:
    """The source text (None when there is no groups.cfg) and its groups."""

    path: str
    text: str | None
    groups: Mapping[str, TypedSection]


def read_groups_cfg(tree: SourceTree, diags: Diagnostics) -> GroupsFile:
    path = tree.under_root("ha/groups.cfg")
    source = tree.read_text(path, diags)
    groups = {} if source is None else read_typed_sections(source, _SCHEMAS, diags.for_file(path))
    return GroupsFile(path, source, groups)


def check_groups(
    groups: GroupsFile,
    resources: Mapping[str, HaResource],
    services: Collection[str],
    nodes: Collection[str],
    cfg_path: str,
    pve_manager_version: str | None,
    diags: Diagnostics,
) -> None:
    """W10, W11, W13 for the groups and the imported services' `group`."""
    diag = diags.for_file(groups.path)
    used = {resources[sid].group for sid in services if resources[sid].group is not None}
    for gid, group in groups.groups.items():
        outside = sorted(set(group.values["nodes"]) - set(nodes))
        if outside:
            diag.add("W10", group.lines["nodes"], f"group {gid}: node(s) {', '.join(shown(n) for n in outside)} "
                     "not in the node list")
        if gid not in used:
            diag.add("W11", group.line, f"group {gid} is not used by any imported service")
    for sid in sorted(services):
        resource = resources[sid]
        if resource.group is not None and resource.group not in groups.groups:
            diags.add("W11", cfg_path, resource.group_line or resource.line,
                      f"{sid}: group {shown(resource.group)} is not defined")
    if groups.groups:
        diag.add("W13", None, _migration_note(pve_manager_version))


def _migration_note(version: str | None) -> str:
    head = (f"groups present: a PVE 9 CRM migrates them to ha-group-<id> rules (every node online, its LRM "
            f"active, pve-manager >= {MIGRATION_MIN_VERSION}); ")
    if version is None:
        return head + (f"hasim's default node version {HASIM_DEFAULT_VERSION} blocks that (log noise every "
                       "6 rounds) unless --pve-manager-version is given; placement is the same either way")
    if migration_allowed(version):
        return head + f"with --pve-manager-version {version} hasim migrates them too"
    return head + f"--pve-manager-version {version} is older, so hasim blocks it; placement is the same either way"
