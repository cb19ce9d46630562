"""Validation of a working directory's input files.

The real tester trusts its inputs; a trainee's hand-edited file must not
crash the simulator halfway through a workshop.  Everything the engine will
rely on is checked here, before the simulation starts, and the first problem
is reported as an InputError naming the file, the place and the problem.
"""

from __future__ import annotations


from hasim.errors import InputError
from hasim.vocab import (
    LEGACY_REQUESTED_STATES,
    MAX_ID_LENGTH,
    NODE_STATES,
    REQUESTED_STATES,
    SERVICE_STATES,
    is_node_name,
    is_sid,
)

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _num(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            float(value)
            return True
        except ValueError:
            return False
    return False


def _obj(value: Any, file: str, place: str | None = None) -> dict:
    if not isinstance(value, dict):
        got = "null" if value is None else type(value).__name__
        raise InputError(file, f"expected a JSON object, got {got}", place)
    return value


def _str(value: Any, file: str, place: str, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InputError(file, f"{what} must be a non-empty string", place)
    return value


NODE_NAME_RULE = f"node names are letters, digits, '.', '_' or '-', at most {MAX_ID_LENGTH} characters"
SID_RULE = "service id must look like vm:<digits>, ct:<digits> or fa:<digits>"
MAX_COMMAND_LENGTH = 1024  # the longest real command is well under 100 characters


def _node(value: Any, file: str, place: str) -> str:
    if not is_node_name(value):
        raise InputError(file, NODE_NAME_RULE, place if isinstance(value, str) else f"{place}: {value!r}")
    return value


def _sid(value: Any, file: str) -> str:
    if not is_sid(value):
        raise InputError(file, SID_RULE, value)
    return value


def _one_line(value: Any, file: str, place: str, what: str) -> None:
    """A string that ends up in a log line or a section-config file must
    stay one printable line."""
    if isinstance(value, str) and (not value.isprintable() or len(value) > MAX_COMMAND_LENGTH):
        raise InputError(file, f"{what} must be one line of printable text", place)


def check_hardware_status(hw: Any) -> list[str]:
    f = "hardware_status"
    _obj(hw, f)
    if not hw:
        raise InputError(f, "no nodes defined")
    for node, rec in hw.items():
        if not is_node_name(node):
            raise InputError(f, NODE_NAME_RULE, repr(node))
        _obj(rec, f, node)
        for key in ("power", "network"):
            if rec.get(key) not in ("on", "off"):
                raise InputError(f, f"'{key}' must be \"on\" or \"off\"", node)
        for key in ("maxcpu", "maxmem"):
            if rec.get(key) is not None and not _num(rec[key]):
                raise InputError(f, f"'{key}' must be a number", node)
        version = rec.get("pve-manager-version")
        if version is not None and not isinstance(version, str):
            raise InputError(f, "'pve-manager-version' must be a string", node)
        if rec.get("shutdown") not in (None, "reboot", "shutdown"):
            raise InputError(f, "'shutdown' must be \"reboot\", \"shutdown\" or null", node)
        cfs = rec.get("cfs")
        if cfs is not None:
            _obj(cfs, f, f"{node}.cfs")
    return sorted(hw)


def check_service_config(sc: Any, nodes: list[str]) -> None:
    f = "service_config"
    _obj(sc, f)
    for sid, rec in sc.items():
        _sid(sid, f)
        _obj(rec, f, sid)
        node = rec.get("node")
        if not node:
            raise InputError(f, "service without assigned node", sid)
        if not isinstance(node, str):
            raise InputError(f, "'node' must be a string", sid)
        if node not in nodes:
            raise InputError(f, f"unknown node '{node}' (not in hardware_status)", sid)
        state = rec.get("state")
        if state not in (None, "", *REQUESTED_STATES, *LEGACY_REQUESTED_STATES):
            raise InputError(f, f"unknown requested state '{state}'", sid)
        for key in ("max_restart", "max_relocate", "failback"):
            value = rec.get(key)
            if value is not None and not _num(value):
                raise InputError(f, f"'{key}' must be a number", sid)
        for key in ("group", "comment", "lock"):
            value = rec.get(key)
            if value is not None and not isinstance(value, str):
                raise InputError(f, f"'{key}' must be a string", sid)
        for key in ("group", "lock"):
            _one_line(rec.get(key), f, sid, f"'{key}'")


def check_manager_status(ms: Any) -> None:
    f = "manager_status"
    _obj(ms, f)
    for key in ("node_status", "service_status", "node_request"):
        if key in ms:
            _obj(ms[key], f, key)
    for node, state in (ms.get("node_status") or {}).items():
        _node(node, f, f"node_status.{node}")
        if state not in NODE_STATES:
            raise InputError(f, f"unknown node state {state!r}", f"node_status.{node}")
    for sid, entry in (ms.get("service_status") or {}).items():
        place = f"service_status.{sid}"
        if not is_sid(sid):
            raise InputError(f, SID_RULE, place)
        _obj(entry, f, place)
        if entry.get("state") not in SERVICE_STATES:
            raise InputError(f, f"unknown service state {entry.get('state')!r}", place)
        _str(entry.get("node"), f, place, "'node'")
        _node(entry["node"], f, f"{place}.node")
        for key in ("target", "uid", "maintenance_node"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise InputError(f, f"'{key}' must be a string", place)
        for key in ("target", "maintenance_node"):
            if entry.get(key) is not None:
                _node(entry[key], f, f"{place}.{key}")
        _one_line(entry.get("uid"), f, place, "'uid'")
        failed = entry.get("failed_nodes")
        if failed is not None and not (isinstance(failed, list) and all(is_node_name(n) for n in failed)):
            raise InputError(f, "'failed_nodes' must be a list of node names", place)
        cmd = entry.get("cmd")
        if cmd is not None and not (isinstance(cmd, list) and cmd and all(isinstance(c, (str, int)) for c in cmd)):
            raise InputError(f, "'cmd' must be a list like [\"migrate\", \"node2\"]", place)
    for node, req in (ms.get("node_request") or {}).items():
        _node(node, f, f"node_request.{node}")
        _obj(req, f, f"node_request.{node}")
    disarm = ms.get("disarm")
    if disarm is not None:
        _obj(disarm, f, "disarm")
        if disarm.get("mode") not in ("freeze", "ignore") or disarm.get("state") not in ("disarming", "disarmed"):
            raise InputError(f, "disarm needs mode freeze|ignore and state disarming|disarmed", "disarm")
    if ms.get("master_node") is not None and not isinstance(ms["master_node"], str):
        raise InputError(f, "'master_node' must be a string", "master_node")
    if ms.get("master_node"):
        _node(ms["master_node"], f, "master_node")


def check_datacenter(dc: Any) -> None:
    f = "datacenter.cfg"
    _obj(dc, f)
    for key in ("ha", "crs"):
        if dc.get(key) is not None:
            _obj(dc[key], f, key)
    policy = (dc.get("ha") or {}).get("shutdown_policy")
    if policy is not None and not isinstance(policy, str):
        raise InputError(f, "must be a string", "ha.shutdown_policy")
    crs = dc.get("crs") or {}
    if crs.get("ha") is not None and not isinstance(crs["ha"], str):
        raise InputError(f, "must be a string", "crs.ha")
    if crs.get("ha-auto-rebalance-method") is not None and not isinstance(crs["ha-auto-rebalance-method"], str):
        raise InputError(f, "must be a string", "crs.ha-auto-rebalance-method")
    for key in ("ha-auto-rebalance-threshold", "ha-auto-rebalance-hold-duration", "ha-auto-rebalance-margin",
                "ha-auto-rebalance", "ha-rebalance-on-start"):  # fmt: skip
        if crs.get(key) is not None and not _num(crs[key]):
            raise InputError(f, "must be a number", f"crs.{key}")


def check_stats(stats: Any, name: str) -> None:
    _obj(stats, name)
    for sid, rec in stats.items():
        _sid(sid, name)
        _obj(rec, name, sid)
        for key, value in rec.items():
            if not _num(value):
                raise InputError(name, f"'{key}' must be a number", sid)


def check_service_status(value: Any, name: str) -> None:
    _obj(value, name)
    for sid, running in value.items():
        _sid(sid, name)
        if not isinstance(running, (int, float, str, bool)) and running is not None:
            raise InputError(name, "running flag must be a number", sid)


def check_cmdlist(cmdlist: Any) -> None:
    if not isinstance(cmdlist, list):
        raise InputError("cmdlist", "expected a JSON list of batches")
    for i, batch in enumerate(cmdlist, 1):
        if not isinstance(batch, list):
            raise InputError("cmdlist", "expected a list of command strings", f"batch {i}")
        for j, cmd in enumerate(batch, 1):
            if not isinstance(cmd, str):
                raise InputError("cmdlist", "a command must be a string", f"batch {i} command {j}")
            _one_line(cmd, "cmdlist", f"batch {i} command {j}", "a command")
