"""What `ha-manager status` and `ha-manager config` print (spec 05)."""

from __future__ import annotations

from typing import Any


def format_status(files: dict[str, Any], nodes: list[str], running: bool) -> str:
    ms = files.get("manager_status") or {}
    hw = files.get("hardware_status") or {}
    online = [n for n in nodes if hw.get(n, {}).get("power") == "on" and hw.get(n, {}).get("network") == "on"]
    quorate = len(online) > len(nodes) // 2
    lines = [f"quorum {'OK' if quorate else 'No quorum on node'}" if running else "simulation not running"]
    master = ms.get("master_node")
    if master:
        lines.append(f"master {master} ({'active' if running else 'stale'}, t={ms.get('timestamp', 0)}s)")
    for n in nodes:
        lrm = files.get(f"lrm_status_{n}")
        if lrm:
            state = lrm.get("state")
            shown = {"wait_for_agent_lock": "idle", "active": "active"}.get(state, state)
            lines.append(f"lrm {n} ({shown}, t={lrm.get('timestamp', 0)}s)")
    conf = files.get("service_config") or {}
    ss = ms.get("service_status") or {}
    for sid in sorted(conf):
        sd = ss.get(sid) or {}
        state = sd.get("state") or (conf[sid].get("state") or "disabled")
        lines.append(f"service {sid} ({sd.get('node') or conf[sid].get('node')}, {state})")
    return "\n".join(lines) + "\n"


def format_config(files: dict[str, Any], type_filter: str | None) -> str:
    conf = files.get("service_config") or {}
    out = []
    for sid in sorted(conf):
        if type_filter and not sid.startswith(type_filter + ":"):
            continue
        out.append(sid)
        rec = conf[sid]
        for key in sorted(rec):
            if key in ("type", "name"):
                continue
            out.append(f"\t{key} {rec[key]}")
        out.append("")
    return "\n".join(out)
