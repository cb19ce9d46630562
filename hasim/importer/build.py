"""The import, read to the end: every reader in turn, then the files.

`plan_import` reads the whole copy and collects every diagnostic before it
decides anything, so one run shows the admin all that is wrong (spec 04 §1,
§13).  It writes nothing; `hasim.importer.write.import_cluster` puts the
result on disk.  When the node list cannot be built the checks that need it
are left out, the others still run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from hasim.importer.crm_checks import dropped_rules
from hasim.importer.datacenter import read_datacenter
from hasim.importer.diagnostics import Diagnostics
from hasim.importer.groups_cfg import GroupsFile, check_groups, read_groups_cfg
from hasim.importer.guests import discover_guests
from hasim.importer.manager_status import read_manager_status, sanitise, service_states
from hasim.importer.nodes import read_node_list
from hasim.importer.open_source import open_source
from hasim.importer.options import ImportOptions, check_destination, check_options
from hasim.importer.readme import render_readme
from hasim.importer.resources_cfg import read_resources_cfg
from hasim.importer.resources_json import read_resources_json
from hasim.importer.result import ImportResult
from hasim.importer.rules_cfg import RulesFile, check_rules, read_rules_cfg
from hasim.importer.runtime import Runtime, duplicates_note, guest_usage, non_ha_note, online_nodes, size_nodes
from hasim.importer.services import Service, place_services
from hasim.importer.workdir_files import render_files, service_record

GROUP_RULE_PREFIX = "ha-group-"


def plan_import(src: Path, options: ImportOptions | None = None, dst: Path | None = None) -> ImportResult:
    """Read SRC and prepare DIR's files; with `dst`, also check that DIR may
    be written.  Never writes, never raises for bad input."""
    src = Path(src)
    options = options or ImportOptions()
    diags = Diagnostics()
    flags = check_options(options, diags)
    if dst is not None:
        check_destination(src, Path(dst), diags)
    tree = open_source(src, diags)
    if tree is None:
        return ImportResult(diags.sorted())
    nodes = read_node_list(tree, diags)
    datacenter = read_datacenter(tree, options.rebalance_scale, diags)
    resources = read_resources_cfg(tree, diags)
    guests = discover_guests(tree, diags)
    placement = place_services(tree, resources, guests, nodes, diags, options.drop_orphans, options.drop_locks)
    groups = read_groups_cfg(tree, diags)
    rules = read_rules_cfg(tree, nodes, diags)
    cluster = read_resources_json(tree, options.resources, diags)
    status_path, status = read_manager_status(tree, diags) if options.manager_status else ("", {})
    if nodes is None:
        return ImportResult(diags.sorted())

    services = placement.services
    check_groups(groups, resources, services, nodes, tree.under_root("ha/resources.cfg"),
                 options.pve_manager_version, diags)
    check_rules(rules, services, nodes, diags)
    _crm_drops(groups, rules, services, nodes, diags)
    online = online_nodes(nodes, services, cluster, diags)
    crs_mode = str(datacenter.get("crs", {}).get("ha", "basic"))
    sizes = size_nodes(nodes, online, cluster, flags, crs_mode, diags)
    running, dynamic = guest_usage(services, online, cluster, service_states(status), diags)
    non_ha_note(placement.non_ha, cluster, diags)
    duplicates_note(cluster, diags)
    manager_status = sanitise(status_path, status, nodes, services, diags) if options.manager_status else {}
    if not services:
        diags.add("W23", tree.under_root("ha/resources.cfg"), None, "no HA resources: the cluster has nothing to manage")
    if diags.has_errors:
        return ImportResult(diags.sorted())

    runtime = Runtime(sizes, online, running, dynamic)
    files = render_files(nodes, services, runtime, datacenter, manager_status, groups.text, rules.output,
                         options.pve_manager_version)  # fmt: skip
    result = ImportResult(diags.sorted(), files, tuple(nodes), tuple(services), len(placement.non_ha))
    readme = render_readme(str(src), options, result, online, tree.skipped)
    return ImportResult(result.diagnostics, {**files, "README": readme}, result.nodes, result.services,
                        result.non_ha_guests)  # fmt: skip


def _crm_drops(
    groups: GroupsFile, rules: RulesFile, services: Mapping[str, Service], nodes: list[str], diags: Diagnostics
) -> None:
    """W14: the ``Drop rule`` lines the simulated CRM will log, placed at the
    rule's section (or the group's, for ``ha-group-<g>``)."""
    config = {sid: service_record(service) for sid, service in services.items()}
    for rule_id, message in dropped_rules(rules.output or "", groups.text or "", config, nodes):
        gid = rule_id[len(GROUP_RULE_PREFIX):] if rule_id.startswith(GROUP_RULE_PREFIX) else None
        if gid in groups.groups and any(s.resource.group == gid for s in services.values()):
            diags.add("W14", groups.path, groups.groups[gid].line, message)  # generated, wins over a user rule
        else:
            rule = rules.rules.get(rule_id)
            diags.add("W14", rules.path, rule.line if rule is not None else None, message)
