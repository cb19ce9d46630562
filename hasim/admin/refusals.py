"""Why the real `ha-manager` refuses a request, in its words (spec 05 §6.2).

After the parameters pass, each command checks the cluster configuration in
a fixed order and dies with one line; writers then take the cluster lock,
which fails without quorum on the node the command is typed on.  `refusal`
returns that message (None: the request goes through).  It is asked twice
for a request to a running simulation: by the CLI before the request is
queued (with the typing node, for the quorum check), and by the simulation
when the request applies at its loop end (the cluster may have changed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from hasim.admin.cluster import Cluster
from hasim.admin.edits import edited_rules
from hasim.admin.parameters import Parsed, split_list
from hasim.engine.ha import rules as rules_mod

_VMID = re.compile(r"[1-9][0-9]+", re.ASCII)
#: the resource types hasim simulates (the real CLI knows vm and ct)
_TYPES = ("vm", "ct", "fa")
NO_QUORUM = "cluster not ready - no quorum?"
CFS_NO_QUORUM = "cfs-lock 'domain-ha' error: no quorum!"


class Refused(Exception):
    """Raised inside the checks; str() is the real message."""


def resolve_sid(cluster: Cluster, text: str) -> str:
    sid = cluster.guest_sid(text)
    if sid is None:
        raise Refused(f"unable to detect SID from VMID - VM/CT {text} does not exist")
    return sid


def _need(condition: bool, message: str) -> None:
    if not condition:
        raise Refused(message)


def _no_line_feeds(request: Parsed, prefix: str) -> None:
    for key in sorted(request.params):
        value = request.params[key]
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise Refused(f"{prefix}: property '{key}' contains a line feed")


def _groups_exist(cluster: Cluster) -> bool:
    return bool(cluster.groups)


def _error_state(cluster: Cluster, sid: str, requested: str | None = None) -> None:
    state = cluster.service_status.get(sid, {}).get("state")
    _need(state != "error" or requested == "disabled", f"service '{sid}' in error state, must be disabled and fixed first")


# -- resources ------------------------------------------------------------------------------------------


def _add(request: Parsed, cluster: Cluster) -> None:
    sid = resolve_sid(cluster, request.get("sid"))
    kind, _, name = sid.partition(":")
    given = request.get("type")
    _need(given is None or given == kind, "types does not match")
    _need(kind in _TYPES, f"unknown section type '{kind}'")
    _need(_VMID.fullmatch(name) is not None, "invalid VMID" if kind != "fa" else f"invalid VMID '{name}'")
    _need(sid not in cluster.service_config, f"create resource failed: resource ID '{sid}' already defined")
    _need(request.get("group") is None or _groups_exist(cluster),
          "invalid parameter 'group': ha groups have been migrated to rules")  # fmt: skip
    node = request.get("node")
    _need(node is None or node in cluster.nodes, f"no such cluster node '{node}'")
    _no_line_feeds(request, "create resource failed")


def _set(request: Parsed, cluster: Cluster) -> None:
    sid = resolve_sid(cluster, request.get("sid"))
    _need(sid in cluster.service_config, f"update resources config failed: no such resource '{sid}'")
    _error_state(cluster, sid, request.get("state"))
    group = request.get("group")
    if group is not None:
        _need(_groups_exist(cluster), "invalid parameter 'group': ha groups have been migrated to rules")
        _need(group in cluster.groups, f"HA group '{group}' does not exist")
    _no_line_feeds(request, "update resources config failed")


def _remove(request: Parsed, cluster: Cluster) -> None:
    sid = resolve_sid(cluster, request.get("sid"))
    _need(sid in cluster.service_config, f"cannot delete service '{sid}', not HA managed!")


def _queued_for_resource(request: Parsed, cluster: Cluster) -> None:
    sid = resolve_sid(cluster, request.get("sid"))
    managed = sid in cluster.service_config and cluster.requested_state(sid) != "ignored"
    _need(managed and (cluster.disarm or {}).get("mode") != "ignore", f"resource '{sid}' is not HA managed")
    _error_state(cluster, sid)


def _maintenance(request: Parsed, cluster: Cluster) -> None:
    node = request.get("node")
    _need(node in cluster.nodes, f"no such cluster node '{node}'")


# -- groups ---------------------------------------------------------------------------------------------


def _group_writer(verb: str) -> Callable[[Parsed, Cluster], None]:
    def check(request: Parsed, cluster: Cluster) -> None:
        _need(_groups_exist(cluster), f"cannot {verb} group: ha groups have been migrated to rules")
        gid = request.get("group")
        groups = cluster.groups
        if verb == "create":
            _need(gid not in groups, f"create ha group failed: ha group ID '{gid}' already defined")
        elif verb == "update":
            _need(gid in groups, f"update ha group failed: no such ha group '{gid}'")
        else:
            users = sorted(s for s, c in cluster.service_config.items() if c.get("group") == gid)
            _need(not users, f"delete ha group failed: ha group is used by service '{users[0] if users else ''}'")
        if verb != "delete":
            _no_line_feeds(request, f"{verb} ha group failed")

    return check


# -- rules ----------------------------------------------------------------------------------------------


def _rule_writer(create: bool) -> Callable[[Parsed, Cluster], None]:
    prefix = "create ha rule failed" if create else "update HA rules failed"

    def check(request: Parsed, cluster: Cluster) -> None:
        _need(not _groups_exist(cluster),
              f"cannot {'create' if create else 'update'} ha rule: ha groups have not been migrated yet")  # fmt: skip
        rid = request.get("rule")
        existing = {r.id: r for r in rules_mod.parse_rules(cluster.rules_text)}
        if create:
            _need(rid not in existing, f"{prefix}: HA rule '{rid}' already defined")
        else:
            _need(rid in existing, f"{prefix}: HA rule '{rid}' does not exist")
            _need(existing[rid].type == request.get("type"), f"{prefix}: types does not match")
        resources = split_list(request.get("resources") or "")
        unmanaged = sorted(set(resources) - set(cluster.service_config))
        _need(not unmanaged, f"{prefix}: cannot use unmanaged resource(s) {', '.join(unmanaged)}.")
        unknown = sorted(set(_node_names(request.get("nodes") or "")) - set(cluster.nodes))
        _need(not unknown, f"{prefix}: cannot use non-existent node(s) {', '.join(unknown)}.")
        foreign = ("affinity",) if request.get("type") == "node-affinity" else ("nodes", "strict")
        given = [key for key in foreign if request.get(key) is not None]
        _need(not given, f"{prefix}: unexpected property '{given[0] if given else ''}'")
        if create:
            required = "nodes" if request.get("type") == "node-affinity" else "affinity"
            _need(request.get(required) is not None, f"missing value for required option '{required}'")
        _no_line_feeds(request, prefix)
        rules = edited_rules(request, cluster)
        problems = rules_mod.feasibility_errors(rules, cluster.rule_nodes).get(rid)
        _need(not problems, f"{prefix}: 400 Rule '{rid}' is invalid.\nresources: {', '.join(problems or ())}")

    return check


def _node_names(value: str) -> list[str]:
    return [item.partition(":")[0] for item in split_list(value)]


# -- the table --------------------------------------------------------------------------------------------


@attrs.frozen
class _Writer:
    check: Callable[[Parsed, Cluster], None]
    quorum_message: str  # without quorum on the typing node


def _nothing(request: Parsed, cluster: Cluster) -> None:
    """Refused only without quorum."""


WRITERS: dict[str, _Writer] = {
    "add": _Writer(_add, NO_QUORUM),
    "set": _Writer(_set, f"update resources config failed: {CFS_NO_QUORUM}"),
    "remove": _Writer(_remove, f"delete resource failed: {CFS_NO_QUORUM}"),
    "crm-command migrate": _Writer(_queued_for_resource, CFS_NO_QUORUM),
    "crm-command relocate": _Writer(_queued_for_resource, CFS_NO_QUORUM),
    "crm-command stop": _Writer(_queued_for_resource, CFS_NO_QUORUM),
    "crm-command node-maintenance enable": _Writer(_maintenance, CFS_NO_QUORUM),
    "crm-command node-maintenance disable": _Writer(_maintenance, CFS_NO_QUORUM),
    "crm-command disarm-ha": _Writer(_nothing, CFS_NO_QUORUM),
    "crm-command arm-ha": _Writer(_nothing, CFS_NO_QUORUM),
    "groupadd": _Writer(_group_writer("create"), NO_QUORUM),
    "groupset": _Writer(_group_writer("update"), f"update ha group failed: {CFS_NO_QUORUM}"),
    "groupremove": _Writer(_group_writer("delete"), f"delete ha group failed: {CFS_NO_QUORUM}"),
    "rules add": _Writer(_rule_writer(True), NO_QUORUM),
    "rules set": _Writer(_rule_writer(False), f"update HA rules failed: {CFS_NO_QUORUM}"),
    "rules remove": _Writer(_nothing, f"delete ha rule failed: {CFS_NO_QUORUM}"),
}


def is_writer(request: Parsed) -> bool:
    return request.command in WRITERS


def refusal(request: Parsed, cluster: Cluster, typed_on: str | None = None) -> str | None:
    """The real CLI's message refusing `request` (None: it goes through).

    `typed_on`: the node the command is typed on; without it (a request
    applying inside the simulation) quorum is not checked again.
    """
    writer = WRITERS[request.command]
    try:
        writer.check(request, cluster)
    except Refused as err:
        return str(err)
    if typed_on is not None and not cluster.quorate(typed_on):
        return writer.quorum_message
    return None
