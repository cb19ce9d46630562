"""The service state machine of the manager (spec 02 §8, upstream Manager.pm).

Theory of operation
-------------------
Every service in the manager status has a state; each pass of a round calls
the handler of the service's current state (`HANDLERS`), which may change it
(logged `service '<sid>': state changed from '<old>' to '<new>'`).  The legal
edges are `TRANSITIONS`, beside the handlers that take them; the manager
checks every change against it (`check_transition`), so a handler that tries
an edge the real stack never takes stops the run instead of drifting.

Handlers receive the manager, the sid, the service's configuration `cd`, its
status entry `sd` and the LRM result for the entry's current uid.
"""

from __future__ import annotations

from collections.abc import Callable

from hasim.errors import SimError
from hasim.events import RecoveryFailed, ServiceFailed, ServiceRecovered, ServiceRecoveredBack, StartFailedRelocating
from hasim.jsondata import num
from hasim.vocab import ExitCode
from hasim.engine.world.resources import lookup

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class Manager(Protocol):
        """What the handlers use of the manager (`hasim.engine.ha.manager.Manager`)."""

        ns: Any
        sc: dict
        crs: dict
        env: Any
        lrm_modes: dict

        def log(self, level: str, msg: str) -> None: ...
        def emit(self, event: Any) -> None: ...
        def change_service_state(self, sid: str, new_state: str, **params: Any) -> None: ...
        def select_node(self, sid: str, preference: str) -> str | None: ...
        def new_uid(self) -> str: ...


REMOVABLE_LOCKS = [
    "backup", "mounted", "migrate", "clone", "rollback",
    "snapshot", "snapshot-delete", "suspending", "suspended",
]  # fmt: skip


def _req_state(cd: dict) -> str:
    return "started" if cd.get("state") == "started" else "request_stop"


def _motion_possible(m: Manager, sid: str, sd: dict, task: str, target: str | None) -> bool:
    """Whether a queued migrate/relocate can run; logs why it is ignored."""
    if not m.ns.is_online(target):
        m.log("err", f"ignore service '{sid}' {task} request - node '{target}' not online")
        return False
    if sd["node"] == target:
        m.log("info", f"ignore service '{sid}' {task} request - service already on node '{target}'")
        return False
    return True


def request_start(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    current = sd["node"]
    from hasim.jsondata import truthy

    if truthy(m.crs.get("ha-rebalance-on-start")):
        selected = m.select_node(sid, "best-score")
        which = "new" if selected != current else "current"
        m.log("info", f"service {sid}: re-balance selected {which} node {selected or ''} for startup")
        if selected != current:
            m.change_service_state(sid, "request_start_balance", node=current, target=selected)
            return
    m.change_service_state(sid, "started", node=current)


def started(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    ns = m.ns
    if not ns.is_online(sd["node"]):
        if ns.offline_delayed(sd["node"]):
            m.change_service_state(sid, "fence")
        if ns.get(sd["node"]) != "maintenance":
            return
        sd["maintenance_node"] = sd["node"]

    state = cd.get("state")
    if state in ("disabled", "stopped"):
        m.change_service_state(sid, "request_stop")
        return
    if state != "started":
        m.log("err", f"service '{sid}' - unknown state '{state}' in service configuration")
        return

    cmd = sd.get("cmd")
    if cmd:
        task = cmd[0]
        if task in ("migrate", "relocate"):
            target = cmd[1] if len(cmd) > 1 else None
            if _motion_possible(m, sid, sd, task, target):
                m.log("info", f"{task} service '{sid}' to node '{target}'")
                m.change_service_state(sid, task, node=sd["node"], target=target)
        elif task == "stop":
            timeout = cmd[1] if len(cmd) > 1 else None
            if num(timeout) == 0:
                m.log("info", f"request immediate service hard-stop for service '{sid}'")
            else:
                m.log("info", f"request graceful stop with timeout '{timeout}' for service '{sid}'")
            m.change_service_state(sid, "request_stop", timeout=timeout)
            m.env.update_service_config({sid: {"param": {"state": "stopped"}}})
        else:
            m.log("err", f"unknown command '{task}' for service '{sid}'")
        sd.pop("cmd", None)
        return

    try_next = False
    if lrm_res:
        ec = lrm_res.get("exit_code")
        if ec == ExitCode.SUCCESS:
            if sd.get("failed_nodes") is not None:
                m.log(
                    "info",
                    f"relocation policy successful for '{sid}' on node '{sd['node']}', "
                    f"failed nodes: {', '.join(sd['failed_nodes'])}",
                )
            sd.pop("failed_nodes", None)
            sd["running"] = 1
        elif ec in (ExitCode.ERROR, ExitCode.EWRONG_NODE):
            sd.pop("running", None)
            sd.setdefault("failed_nodes", []).append(sd["node"])
            if len(sd["failed_nodes"]) <= num(cd.get("max_relocate"), 1):
                try_next = True
                m.emit(StartFailedRelocating(sid, sd["node"]))
            else:
                m.emit(ServiceFailed(sid, ", ".join(sd["failed_nodes"])))
                m.change_service_state(sid, "error")
                return
        else:
            sd.setdefault("failed_nodes", []).append(sd["node"])
            m.log("err", f"service '{sid}' got unrecoverable error (exit code {ec})")
            m.change_service_state(sid, "error")
            return

    node = m.select_node(sid, "try-next" if try_next else "none")
    if node and node != sd["node"]:
        fallback = sd.get("maintenance_node")
        if fallback is not None:
            if node == fallback:
                m.log("info", f"moving service '{sid}' back to '{fallback}', node came back from maintenance.")
                del sd["maintenance_node"]
            elif sd["node"] != fallback:
                m.log("info", f"dropping maintenance fallback node '{fallback}' for '{sid}'")
                del sd["maintenance_node"]
        if cd.get("type") == "vm":
            m.log("info", f"migrate service '{sid}' to node '{node}' (running)")
            m.change_service_state(sid, "migrate", node=sd["node"], target=node)
        else:
            m.log("info", f"relocate service '{sid}' to node '{node}'")
            m.change_service_state(sid, "relocate", node=sd["node"], target=node)
        return
    if try_next and node is None:
        m.log(
            "warning",
            f"Start Error Recovery: Tried all available nodes for service '{sid}', "
            f"retry start on current node. Tried nodes: {', '.join(sd['failed_nodes'])}",
        )
    mnode = sd.get("maintenance_node")
    if mnode and sd["node"] == mnode and ns.get(sd["node"]) == "online":
        m.log("info", f"service '{sid}': clearing stale maintenance node '{mnode}' setting (is current node)")
        del sd["maintenance_node"]
    if lrm_res is not None:
        sd["uid"] = m.new_uid()


def request_stop(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    if lrm_res:
        ec = lrm_res.get("exit_code")
        if ec == ExitCode.SUCCESS:
            m.change_service_state(sid, "stopped")
        else:
            m.log("err", f"service '{sid}' stop failed (exit code {ec})")
            m.change_service_state(sid, "error")
        return
    if m.ns.offline_delayed(sd["node"]):
        m.change_service_state(sid, "fence")


def migrate_relocate(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    if lrm_res:
        ec = lrm_res.get("exit_code")
        req = _req_state(cd)
        if ec == ExitCode.SUCCESS:
            m.change_service_state(sid, req, node=sd.get("target"))
            return
        if ec == ExitCode.EWRONG_NODE:
            m.log("err", f"service '{sid}' - migration failed: service registered on wrong node!")
            m.change_service_state(sid, "error")
        elif ec == ExitCode.IGNORED:
            m.log("info", f"service '{sid}' - rebalance-on-start request ignored - service already running")
            m.change_service_state(sid, req, node=sd["node"])
        else:
            m.log("err", f"service '{sid}' - migration failed (exit code {ec})")
            m.change_service_state(sid, req, node=sd["node"])
            return
    if m.ns.offline_delayed(sd["node"]):
        m.change_service_state(sid, "fence")


def stopped(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    ns = m.ns
    if sd.get("node") != cd.get("node"):
        m.log("info", f"fixup service '{sid}' location ({sd.get('node') or ''} => {cd.get('node') or ''})")
        sd["node"] = cd.get("node")
    cmd = sd.get("cmd")
    if cmd:
        task = cmd[0]
        if task in ("migrate", "relocate"):
            target = cmd[1] if len(cmd) > 1 else None
            if _motion_possible(m, sid, sd, task, target):
                m.change_service_state(sid, task, node=sd["node"], target=target)
                return
        elif task == "stop":
            m.log("info", f"ignore service '{sid}' {task} request - service already stopped")
        else:
            m.log("err", f"unknown command '{task}' for service '{sid}'")
        sd.pop("cmd", None)
    state = cd.get("state")
    if state == "disabled":
        return
    if ns.offline_delayed(sd["node"]) and ns.get(sd["node"]) != "maintenance":
        m.change_service_state(sid, "fence")
        return
    if state == "stopped":
        return
    if state == "started":
        m.change_service_state(sid, "request_start", node=sd["node"])
        return
    m.log("err", f"service '{sid}' - unknown state '{state}' in service configuration")


def fence(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    """Nothing to do: the fencing sweep at the end of the pass acts (02 §9)."""


def recovery(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    fenced = sd["node"]
    node = m.select_node(sid, "best-score")
    if node:
        if node == fenced:
            m.emit(ServiceRecoveredBack(sid, fenced))
        else:
            m.emit(ServiceRecovered(sid, fenced, node))
        agent = lookup(sid.split(":", 1)[0])
        removed = agent.remove_locks(m.env, sid, REMOVABLE_LOCKS) if agent else None
        if removed:
            m.log("warning", f"removed leftover lock '{removed}' from recovered service '{sid}' to allow its start.")
        m.env.steal_service(sid, sd["node"], node)
        sd["node"] = node
        if sid in m.sc:
            m.sc[sid]["node"] = node
        m.change_service_state(sid, _req_state(cd), node=node)
        return
    m.emit(RecoveryFailed(sid, fenced))
    if cd.get("state") == "disabled":
        sd.pop("failed_nodes", None)
        m.change_service_state(sid, "stopped")


def freeze(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    node = sd.get("node")
    if node and m.lrm_modes.get(node) == "active":
        m.change_service_state(sid, _req_state(cd))


def error(m: Manager, sid: str, cd: dict, sd: dict, lrm_res: dict | None) -> None:
    if cd.get("state") == "disabled":
        sd.pop("failed_nodes", None)
        m.change_service_state(sid, "stopped")


#: every edge the real stack takes (spec 02 §8 table), from -> to
TRANSITIONS: dict[str, frozenset[str]] = {
    "request_start": frozenset({"started", "request_start_balance", "freeze"}),
    "started": frozenset({"request_stop", "migrate", "relocate", "error", "fence", "freeze"}),
    "request_stop": frozenset({"stopped", "error", "fence", "freeze"}),
    "stopped": frozenset({"request_start", "migrate", "relocate", "fence", "freeze"}),
    "migrate": frozenset({"started", "request_stop", "error", "fence"}),
    "relocate": frozenset({"started", "request_stop", "error", "fence"}),
    "request_start_balance": frozenset({"started", "request_stop", "error", "fence", "freeze"}),
    # `recovery` from the fencing sweep (02 §9); the others within one call of
    # `started` whose node is in maintenance: "change to fence (and keep
    # going)", 02 §8.4.2 A.1 — the real log of test-shutdown-policy4 shows
    # fence -> relocate -> fence in one second
    "fence": frozenset({"recovery", "request_stop", "migrate", "relocate", "error"}),
    "recovery": frozenset({"started", "request_stop", "stopped"}),
    "freeze": frozenset({"started", "request_stop"}),
    "error": frozenset({"stopped"}),
}


def check_transition(sid: str, old: str, new: str) -> None:
    """Raise (the state stays as it is) for an edge `TRANSITIONS` does not have."""
    if new not in TRANSITIONS.get(old, ()):
        raise SimError(f"service '{sid}': illegal state transition '{old}' -> '{new}'")


HANDLERS: dict[str, Callable[[Manager, str, dict, dict, dict | None], None]] = {
    "request_start": request_start,
    "started": started,
    "request_stop": request_stop,
    "migrate": migrate_relocate,
    "relocate": migrate_relocate,
    "request_start_balance": migrate_relocate,
    "stopped": stopped,
    "fence": fence,
    "recovery": recovery,
    "freeze": freeze,
    "error": error,
}
