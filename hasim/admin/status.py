"""What `ha-manager status [--verbose]` prints (spec 05 §2).

The real command judges every timestamp by its age against the local clock
(`old timestamp - dead?` after 30 s) and prints times with `localtime`; here
the clock is the simulation's (`now`) and a time is shown as that many
seconds after the epoch in UTC, C `asctime` style.  Which lines appear and
every word in them follow ha-manager 5.2.0 line by line.
"""

from __future__ import annotations

import json
import time
from typing import Any

import attrs

from hasim.admin.cluster import Cluster
from hasim.vocab import INACTIVE_SERVICE_STATES, NOT_YET_MANAGED

OLD = "old timestamp - dead?"
DRIFT = "detected time drift!"


def asctime(t: int) -> str:
    """`t` virtual seconds after 1970-01-01 00:00:00 UTC, as C asctime without line feed."""
    return time.asctime(time.gmtime(t))


def age(now: int, t: Any) -> str:
    """`active`, or why a timestamp is not (older than 30 s, or more than 2 s ahead)."""
    try:
        delta = now - int(t)
    except (TypeError, ValueError):
        delta = now
    if delta > 30:
        return OLD
    if delta < -2:
        return DRIFT
    return "active"


@attrs.frozen
class StatusReport:
    """The output of one `status`: stdout text and stderr warnings."""

    stdout: str
    stderr: str = ""


def _lrm_line(cluster: Cluster, node: str, now: int) -> str:
    lrm = cluster.lrm_status(node) or {}
    if not lrm.get("timestamp"):
        return f"lrm {node} (unable to read lrm status)"
    a = age(now, lrm["timestamp"])
    mode = lrm.get("mode") or "active"
    state = lrm.get("state") or "unknown"
    if a == "active" and state in ("active", "maintenance"):
        watchdog = "watchdog active"
    elif mode == "disarm":
        watchdog = "watchdog released"
    else:
        watchdog = "watchdog standby"
    if a == "active":
        if mode != "active":
            text = f"{mode} mode"
        elif state == "wait_for_agent_lock" and not _has_active_service(cluster, node):
            text = "idle"
        else:
            text = state
    else:
        text = f"{mode} mode" if mode in ("maintenance", "disarm") else a
    return f"lrm {node} ({text}, {watchdog}, {asctime(int(lrm['timestamp']))})"


def _has_active_service(cluster: Cluster, node: str) -> bool:
    return any(
        node in (sd.get("node"), sd.get("target")) and sd.get("state") not in INACTIVE_SERVICE_STATES
        for sd in cluster.service_status.values()
    )


def service_text(cluster: Cluster, sid: str) -> str:
    """The word in `service <sid> (<node>, <word>)` (spec 05 §2.2)."""
    text = _service_word(cluster, sid)
    disarm = cluster.disarm
    return "ignore" if disarm is not None and disarm.get("mode") == "ignore" else text


def _service_word(cluster: Cluster, sid: str) -> str:
    conf = cluster.service_config.get(sid)
    if conf is None:
        return "deleting"
    req = cluster.requested_state(sid)
    if req == "ignored":
        return "ignored"
    if not conf.get("node"):
        return "not found"
    sd = cluster.service_status.get(sid)
    cur = (sd or {}).get("state")
    if not cur:
        return NOT_YET_MANAGED
    if cur == "stopped" and req in ("started", "disabled"):
        return "starting" if req == "started" else "disabled"
    if cur == "started" and not sd.get("running"):
        return "starting"
    if cur == "started" and req in ("stopped", "disabled"):
        return "stopping"
    if cur == "error" and req == "disabled":
        return "clearing error flag"
    return str(cur)


def status_lines(cluster: Cluster, now: int, node: str) -> list[str]:
    """The `<type> <text>` lines of `ha-manager status` typed on `node` at `now`."""
    quorate = cluster.quorate(node)
    lines = ["quorum OK" if quorate else f"quorum No quorum on node '{node}'!"]
    ms = cluster.manager_status
    disarm = cluster.disarm
    crm_active = False
    if ms.get("master_node") and ms.get("timestamp"):
        a = age(now, ms["timestamp"])
        crm_active = a == "active"
        shown = "idle" if quorate and a != "active" and not cluster.service_config else a
        extra = ""
        if disarm is not None:
            extra += f" - {disarm.get('state') or 'unknown'}, resource mode: {disarm.get('mode') or 'unknown'}"
        if cluster.crs_mode and cluster.crs_mode != "basic":
            extra += f" - {cluster.crs_mode} load CRS"
        lines.append(f"master {ms['master_node']} ({shown}, {asctime(int(ms['timestamp']))}){extra}")
    if disarm is not None:
        state = disarm.get("state") or "unknown"
        watchdog = "released" if state == "disarmed" else "active"
        lines.append(f"fencing {state}, resource mode: {disarm.get('mode') or 'unknown'} (CRM watchdog {watchdog})")
    elif crm_active:
        lines.append("fencing armed (CRM watchdog active)")
    else:
        lines.append("fencing standby (CRM watchdog standby)")
    for name in sorted(cluster.node_status, key=lambda n: n.encode()):
        lines.append(_lrm_line(cluster, name, now))
    status = cluster.service_status
    configured = cluster.service_config
    for sid in sorted(status) + sorted(s for s in configured if s not in status):
        sd = status.get(sid) or {}
        where = sd.get("node") or configured.get(sid, {}).get("node") or "---"
        lines.append(f"service {sid} ({where}, {service_text(cluster, sid)})")
    return lines


def missing_lrm_warnings(cluster: Cluster) -> list[str]:
    """The warning a missing LRM status file makes on stderr, once per read."""
    return [
        f"unable to read file '/etc/pve/nodes/{n}/lrm_status'"
        for n in sorted(cluster.node_status, key=lambda n: n.encode())
        if cluster.lrm_status(n) is None
    ]


def pve_json(value: Any) -> str:
    """JSON::XS pretty + canonical: sorted keys, 3-space indent, `"key" : value`."""
    return json.dumps(value, indent=3, sort_keys=True, separators=(",", " : "), ensure_ascii=False) + "\n"


def verbose_state(cluster: Cluster, node: str) -> dict:
    """The document after `full cluster state:` (spec 05 §2.4)."""
    ms = dict(cluster.manager_status)
    ms.setdefault("node_status", {})
    doc: dict[str, Any] = {"manager_status": ms, "quorum": {"node": node, "quorate": "1" if cluster.quorate(node) else ""}}
    if cluster.node_status:
        doc["lrm_status"] = {n: cluster.lrm_status(n) if cluster.lrm_status(n) is not None else {"mode": "unknown"}
                             for n in cluster.node_status}  # fmt: skip
    return doc


def status_report(cluster: Cluster, now: int, node: str, verbose: bool) -> StatusReport:
    out = "".join(f"{line}\n" for line in status_lines(cluster, now, node))
    warnings = missing_lrm_warnings(cluster)
    if verbose:
        out += "full cluster state:\n" + pve_json(verbose_state(cluster, node))
        warnings = warnings * 2
    return StatusReport(out, "".join(f"{w}\n" for w in warnings))
