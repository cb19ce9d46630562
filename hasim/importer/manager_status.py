"""ha/manager_status: the live CRM state, sanitised (spec 04 §10).

A verbatim copy would be wrong in a fresh simulation: its master, its uids
and its transient states (``migrate``, ``fence``, ...) describe daemons and
work hasim's LRMs never had.  Dropping it all would lose what matters for a
what-if - nodes in maintenance, services in ``error``, a disarmed stack - so
only the stable facts are kept; every dropped entry is harmless (the first
master re-adds a service from its configuration) and named (W21), what is
carried over is named too (W22).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from hasim.importer.diagnostics import Diagnostics, FileDiagnostics, shown
from hasim.importer.json_text import JsonProblem, parse_json
from hasim.importer.services import Service
from hasim.importer.source import SourceTree

KEPT_NODE_STATES = ("online", "maintenance")
KEPT_SERVICE_STATES = ("started", "stopped", "error")
DISARM_MODES = ("freeze", "ignore")
DISARM_STATES = ("disarming", "disarmed")


def read_manager_status(tree: SourceTree, diags: Diagnostics) -> tuple[str, dict[str, Any]]:
    """(path, the file's object); {} when it is absent, empty or not a JSON
    object (W21)."""
    path = tree.under_root("ha/manager_status")
    source = tree.read_text(path, diags, content_code="W21")
    if source is None or source.strip() == "":
        return path, {}
    try:
        value = parse_json(source)
    except JsonProblem as err:
        diags.add("W21", path, err.line, f"{err.message}; treated as absent")
        return path, {}
    if not isinstance(value, dict):
        diags.add("W21", path, None, "not a JSON object; treated as absent")
        return path, {}
    return path, value


def service_states(status: Mapping[str, Any]) -> dict[str, str]:
    """sid -> CRM state, for the running fallback of spec 04 §6.3."""
    services = status.get("service_status")
    if not isinstance(services, dict):
        return {}
    return {sid: e["state"] for sid, e in services.items() if isinstance(e, dict) and isinstance(e.get("state"), str)}


def _section(status: Mapping[str, Any], key: str, diag: FileDiagnostics) -> dict[str, Any]:
    value = status.get(key, {})
    if not isinstance(value, dict):
        diag.add("W21", None, f"{key} is not an object; dropped")
        return {}
    return value


def sanitise(
    path: str,
    status: Mapping[str, Any],
    nodes: Collection[str],
    services: Mapping[str, Service],
    diags: Diagnostics,
) -> dict[str, Any]:
    """The copy hasim starts from: see the table of spec 04 §10.2."""
    diag = diags.for_file(path)
    result: dict[str, Any] = {}
    node_status = {}
    for node, state in sorted(_section(status, "node_status", diag).items()):
        if node in nodes and state in KEPT_NODE_STATES:
            node_status[node] = state
            if state == "maintenance":
                diag.add("W22", None, f"node {node} is in maintenance; carried over")
        else:
            why = "not in the node list" if node not in nodes else "a transient state"
            diag.add("W21", None, f"node_status {shown(node)}: {shown(str(state))} dropped ({why})")
    requests = {}
    for node, request in sorted(_section(status, "node_request", diag).items()):
        if node in nodes and isinstance(request, dict):
            requests[node] = request
        else:
            diag.add("W21", None, f"node_request {shown(node)} dropped")
    service_status = {}
    for sid, entry in sorted(_section(status, "service_status", diag).items()):
        kept = _service_entry(sid, entry, nodes, services, diag)
        if kept is not None:
            service_status[sid] = kept
    for key, value in (("node_status", node_status), ("node_request", requests), ("service_status", service_status)):
        if value:
            result[key] = value
    disarm = _disarm(status, diag)
    if disarm is not None:
        result["disarm"] = disarm
    return result


def _service_entry(
    sid: str, entry: Any, nodes: Collection[str], services: Mapping[str, Service], diag: FileDiagnostics
) -> dict[str, Any] | None:
    service = services.get(sid)
    state = entry.get("state") if isinstance(entry, dict) else None
    if service is None:
        why = "not an imported HA service"
    elif service.resource.state == "ignored":
        why = "requested ignored"
    elif state not in KEPT_SERVICE_STATES:
        why = f"state {shown(str(state))} is transient"
    elif entry.get("node") != service.node:
        why = f"on node {shown(str(entry.get('node')))}, its config is on {service.node}"
    else:
        why = None
    if why is not None:
        diag.add("W21", None, f"service_status {shown(sid)} dropped ({why})")
        return None
    kept: dict[str, Any] = {"state": state, "node": service.node}
    if isinstance(entry.get("uid"), str):
        kept["uid"] = entry["uid"]
    failed = entry.get("failed_nodes")
    if isinstance(failed, list):
        kept["failed_nodes"] = [n for n in failed if isinstance(n, str) and n in nodes]
    if isinstance(entry.get("maintenance_node"), str) and entry["maintenance_node"] in nodes:
        kept["maintenance_node"] = entry["maintenance_node"]
    if state == "error":
        diag.add("W22", None, f"{sid} is in state error; carried over (it stays in error until it is disabled)")
    return kept


def _disarm(status: Mapping[str, Any], diag: FileDiagnostics) -> dict[str, str] | None:
    if "disarm" not in status:
        return None
    disarm = status["disarm"]
    if isinstance(disarm, dict) and disarm.get("mode") in DISARM_MODES and disarm.get("state") in DISARM_STATES:
        diag.add("W22", None, f"HA stack {disarm['state']} (mode {disarm['mode']}); carried over")
        return {"mode": disarm["mode"], "state": disarm["state"]}
    diag.add("W21", None, "disarm dropped (needs mode freeze|ignore and state disarming|disarmed)")
    return None
