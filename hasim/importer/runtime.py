"""The cluster as it runs: node sizes, which nodes are up, which HA guests
run and how much they use (spec 04 §6.2, §6.3).

The configs say what exists; only resources.json says what is happening.
Without it (or without an entry) the import falls back to what is safe:
every node online, a guest running when it is requested ``started`` and
not in ``error``, and a running guest using its full size - the worst case.
A node without size is the one guess that would change every placement of
the static or dynamic scheduler, so it is an error there (E09) unless the
admin sizes nodes with the flags.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from hasim.importer.diagnostics import NO_FILE, Diagnostics
from hasim.importer.guests import GuestFile
from hasim.importer.resources_json import ClusterResources, GuestEntry
from hasim.importer.services import Service

DEFAULT_MAXCPU = 24
DEFAULT_MAXMEM = 137438953472
GIB = 1073741824
_ENTRY_TYPE = {"vm": "qemu", "ct": "lxc"}


@attrs.frozen
class NodeFlags:
    """``--node-maxcpu N --node-maxmem-gib G``, checked by the options."""

    maxcpu: int
    maxmem_gib: float

    @property
    def maxmem(self) -> int:
        return int(self.maxmem_gib * GIB)


@attrs.frozen
class Runtime:
    sizes: Mapping[str, tuple[int, int]]  # node -> (maxcpu, maxmem)
    online: tuple[str, ...]  # sorted
    running: Mapping[str, bool]  # sid -> running
    dynamic: Mapping[str, tuple[float, int]]  # sid -> (cpu, mem)


def size_nodes(
    nodes: list[str],
    online: tuple[str, ...],
    resources: ClusterResources | None,
    flags: NodeFlags | None,
    crs_mode: str,
    diags: Diagnostics,
) -> dict[str, tuple[int, int]]:
    """node -> (maxcpu, maxmem): resources.json, else the flags (W17), else
    E09 for a running node under the static/dynamic scheduler, else hasim's
    default node (W17)."""
    where = resources.path if resources is not None else NO_FILE
    sizes: dict[str, tuple[int, int]] = {}
    for node in nodes:
        entry = resources.nodes.get(node) if resources is not None else None
        if entry is not None and entry.sized:
            sizes[node] = (entry.maxcpu, entry.maxmem)
        elif flags is not None:
            sizes[node] = (flags.maxcpu, flags.maxmem)
            diags.add("W17", where, None, f"node {node}: sized from the flags, {flags.maxcpu} CPUs, "
                      f"{flags.maxmem} bytes")
        elif node in online and crs_mode in ("static", "dynamic"):
            diags.add("E09", where, None, f"node {node}: no size (maxcpu, maxmem) while crs ha={crs_mode} "
                      "needs every running node's size; give resources.json or --node-maxcpu/--node-maxmem-gib")
        else:
            sizes[node] = (DEFAULT_MAXCPU, DEFAULT_MAXMEM)
            diags.add("W17", where, None, f"node {node}: no size; hasim's default node, {DEFAULT_MAXCPU} CPUs, "
                      f"{DEFAULT_MAXMEM} bytes")
    return sizes


def online_nodes(
    nodes: list[str], services: Mapping[str, Service], resources: ClusterResources | None, diags: Diagnostics
) -> tuple[str, ...]:
    """The nodes `cmdlist` powers on: all without resources.json, else those
    ``online`` there; the others stay off (W16, naming their HA services)."""
    if resources is None:
        return tuple(nodes)
    online = []
    for node in nodes:
        entry = resources.nodes.get(node)
        if entry is not None and entry.status == "online":
            online.append(node)
            continue
        state = "not listed" if entry is None else f"{entry.status or 'without status'}"
        hosted = ", ".join(sid for sid, s in services.items() if s.node == node) or "none"
        diags.add("W16", resources.path, None, f"node {node} is {state} in resources.json: not powered on "
                  f"(its HA services: {hosted})")
    return tuple(online)


def guest_usage(
    services: Mapping[str, Service],
    online: tuple[str, ...],
    resources: ClusterResources | None,
    manager_states: Mapping[str, str],
    diags: Diagnostics,
) -> tuple[dict[str, bool], dict[str, tuple[float, int]]]:
    """sid -> running, sid -> (cpu, mem) of the dynamic scheduler."""
    running: dict[str, bool] = {}
    dynamic: dict[str, tuple[float, int]] = {}
    for sid, service in services.items():
        entry = _entry(service, resources, diags)
        if entry is None:
            is_running = service.resource.state == "started" and manager_states.get(sid) != "error"
        else:
            is_running = entry.status == "running"
        if is_running and service.node not in online:
            diags.add("W18", resources.path if resources else NO_FILE, None,
                      f"{sid}: running on node {service.node}, which is not powered on; taken as stopped")
            is_running = False
        running[sid] = is_running
        dynamic[sid] = _usage(service, entry, resources, diags) if is_running else (0.0, 0)
    return running, dynamic


def _entry(service: Service, resources: ClusterResources | None, diags: Diagnostics) -> GuestEntry | None:
    """The guest's resources.json entry, cross-checked with its config."""
    if resources is None:
        return None
    sid = service.sid
    entry = resources.guests.get(service.guest.vmid)
    if entry is None or entry.type != _ENTRY_TYPE[service.guest.kind]:
        diags.add("W18", resources.path, None, f"{sid}: no {_ENTRY_TYPE[service.guest.kind]} entry in "
                  "resources.json; running if requested started, usage = its size")
        return None
    if entry.node != service.node:
        diags.add("W18", resources.path, None, f"{sid}: resources.json places it on {entry.node}, its config "
                  f"is in {service.guest.path}; the config wins")
    return entry


def _usage(
    service: Service, entry: GuestEntry | None, resources: ClusterResources | None, diags: Diagnostics
) -> tuple[float, int]:
    if entry is not None and None not in (entry.cpu, entry.maxcpu, entry.mem):
        return float(entry.cpu * entry.maxcpu), int(entry.mem)
    if entry is not None:
        diags.add("W18", resources.path, None, f"{service.sid}: resources.json lacks cpu, maxcpu or mem; "
                  "usage = its size")
    return service.size.maxcpu, service.size.maxmem


def non_ha_note(non_ha: list[GuestFile], resources: ClusterResources | None, diags: Diagnostics) -> None:
    """One W06 line for the guests hasim does not model."""
    if not non_ha:
        return
    listed = []
    for guest in non_ha:
        entry = resources.guests.get(guest.vmid) if resources is not None else None
        listed.append(f"{guest.vmid} (running)" if entry is not None and entry.status == "running" else str(guest.vmid))
    diags.add("W06", NO_FILE, None, f"non-HA guests not modelled: {', '.join(listed)}; the real scheduler "
              "also counts running ones on their node, so hasim may place differently")


def duplicates_note(resources: ClusterResources | None, diags: Diagnostics) -> None:
    if resources is not None:
        for name in resources.duplicates:
            diags.add("W18", resources.path, None, f"{name} listed more than once; the first entry is used")
