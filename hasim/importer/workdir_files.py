"""The working directory's files, as text, from the imported facts
(spec 04 §11).

Pure rendering: no decision is taken here, every value was checked by the
readers.  JSON is written as `hasim new` writes it (sorted keys, four-space
indent, final newline), so an imported directory looks like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hasim.importer.runtime import Runtime
from hasim.importer.services import Service
from hasim.workdir import dump_json


def service_record(service: Service) -> dict[str, Any]:
    """The service_config entry: the real defaults written out (hasim's
    default state is ``disabled``, the real one ``started``)."""
    resource = service.resource
    record: dict[str, Any] = {
        "node": service.node,
        "state": resource.state,
        "failback": resource.failback,
        "max_restart": resource.max_restart,
        "max_relocate": resource.max_relocate,
    }
    for key, value in (("group", resource.group), ("comment", resource.comment), ("lock", service.lock)):
        if value is not None:
            record[key] = value
    return record


def render_files(
    nodes: list[str],
    services: Mapping[str, Service],
    runtime: Runtime,
    datacenter: Mapping[str, Any],
    manager_status: Mapping[str, Any],
    groups_text: str | None,
    rules_text: str | None,
    pve_manager_version: str | None,
) -> dict[str, str]:
    """File name -> content, README excepted."""
    hardware = {}
    for node in nodes:
        maxcpu, maxmem = runtime.sizes[node]
        hardware[node] = {"power": "off", "network": "off", "maxcpu": maxcpu, "maxmem": maxmem}
        if pve_manager_version is not None:
            hardware[node]["pve-manager-version"] = pve_manager_version
    files = {
        "hardware_status": dump_json(hardware),
        "cmdlist": dump_json([[f"power {node} on" for node in runtime.online]] if runtime.online else []),
        "service_config": dump_json({sid: service_record(s) for sid, s in services.items()}),
        "static_service_stats": dump_json(
            {sid: {"maxcpu": s.size.maxcpu, "maxmem": s.size.maxmem} for sid, s in services.items()}
        ),
        "dynamic_service_stats": dump_json(
            {sid: {"cpu": cpu, "mem": mem} for sid, (cpu, mem) in runtime.dynamic.items()}
        ),
        "datacenter.cfg": dump_json(datacenter),
        "manager_status": dump_json(manager_status),
    }
    for node in nodes:
        running = {sid: 1 for sid, s in services.items() if s.node == node and runtime.running[sid]}
        files[f"service_status_{node}"] = dump_json(running)
    if groups_text is not None:
        files["groups"] = groups_text
    if rules_text is not None:
        files["rules_config"] = rules_text
    return files
