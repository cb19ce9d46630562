"""HA resources meet their guest configs: node, type, size, lock
(spec 04 §5, §7.2, §7.3).

Every HA resource must have exactly one guest config of its type in a node
directory of the cluster; anything else would make the imported placement
a guess, so it stops the import (E04-E08), except orphans under
``--drop-orphans``.  Guests without HA resource are only listed: hasim
models configured services only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import attrs

from hasim.importer.diagnostics import Diagnostics, shown
from hasim.importer.guest_config import GuestSize, SizeError, parse_guest_config, size_ct, size_vm
from hasim.importer.guests import DIR_OF_KIND, GuestFile
from hasim.importer.resources_cfg import HaResource
from hasim.importer.source import SourceTree

_SIZERS = {"vm": size_vm, "ct": size_ct}
_KIND_NAMES = {"vm": "a VM", "ct": "a container"}


@attrs.frozen
class Service:
    """An HA resource ready to import: where it lives and how big it is."""

    resource: HaResource
    guest: GuestFile
    size: GuestSize
    lock: str | None

    @property
    def sid(self) -> str:
        return self.resource.sid

    @property
    def node(self) -> str:
        return self.guest.node


@attrs.frozen
class Placement:
    services: dict[str, Service]  # sorted by sid
    non_ha: list[GuestFile]  # one config each, in the cluster's nodes, sorted by vmid


def place_services(
    tree: SourceTree,
    resources: Mapping[str, HaResource],
    guests: Mapping[int, list[GuestFile]],
    nodes: Collection[str] | None,
    diags: Diagnostics,
    drop_orphans: bool = False,
    drop_locks: bool = False,
) -> Placement:
    """Check and size every HA resource; `nodes` None means the node list is
    unusable (already reported) and the node checks are left out."""
    cfg = tree.under_root("ha/resources.cfg")
    by_vmid: dict[int, list[HaResource]] = {}
    for resource in resources.values():
        by_vmid.setdefault(resource.vmid, []).append(resource)
    services: dict[str, Service] = {}
    for vmid in sorted(by_vmid):
        both = by_vmid[vmid]
        if len(both) > 1:
            diags.add("E06", cfg, max(r.line for r in both),
                      f"vmid {vmid} is configured as {' and '.join(sorted(r.sid for r in both))}")
            continue
        service = _place(tree, both[0], guests.get(vmid, []), nodes, diags, cfg, drop_orphans, drop_locks)
        if service is not None:
            services[service.sid] = service
    non_ha = [
        guest
        for vmid, configs in guests.items()
        if vmid not in by_vmid and (guest := _lone_guest(configs, nodes, diags)) is not None
    ]
    return Placement({sid: services[sid] for sid in sorted(services)}, sorted(non_ha, key=lambda g: g.vmid))


def _place(
    tree: SourceTree,
    resource: HaResource,
    configs: list[GuestFile],
    nodes: Collection[str] | None,
    diags: Diagnostics,
    cfg: str,
    drop_orphans: bool,
    drop_locks: bool,
) -> Service | None:
    sid = resource.sid
    if not configs:
        wanted = f"nodes/*/{DIR_OF_KIND[resource.kind]}/{resource.vmid}.conf"
        if drop_orphans:
            diags.add("W05", cfg, resource.line, f"{sid}: no guest config ({wanted}); left out (--drop-orphans)")
        else:
            diags.add("E04", cfg, resource.line, f"{sid}: no guest config on any node ({wanted}); "
                      "remove the HA resource or import with --drop-orphans")
        return None
    if len(configs) > 1:
        places = ", ".join(g.path for g in configs)
        diags.add("E06", cfg, resource.line, f"{sid}: guest config found more than once ({places}); "
                  "a migration during the copy? collect again")
        return None
    guest = configs[0]
    if nodes is not None and guest.node not in nodes:
        diags.add("E07", guest.path, None, f"{sid}: HA guest in node directory {guest.node}, "
                  "which is not in the node list")
        return None
    if guest.kind != resource.kind:
        diags.add("E05", cfg, resource.line, f"{sid}: vmid {resource.vmid} is {_KIND_NAMES[guest.kind]} "
                  f"({guest.path}); the resource should be {guest.kind}:{resource.vmid}")
        return None
    source = tree.read_text(guest.path, diags) if guest.regular else None
    if source is None:
        return None
    conf = parse_guest_config(source)
    try:
        size = _SIZERS[guest.kind](conf)
    except SizeError as err:
        diags.add("E08", guest.path, err.line, f"{sid}: {err.message}; the guest cannot be sized")
        return None
    lock = conf.value("lock")
    if lock is not None:
        what = "dropped (--drop-locks)" if drop_locks else "kept: start, stop and migrate refuse until it is gone"
        diags.add("W08", guest.path, conf.line("lock"), f"{sid}: locked ({shown(lock)}); lock {what}")
    template = conf.value("template")
    if template not in (None, "0"):
        diags.add("W09", guest.path, conf.line("template"),
                  f"{sid}: is a template; the real stack cannot start it, hasim's simulated guest can")
    return Service(resource, guest, size, None if drop_locks else lock)


def _lone_guest(configs: list[GuestFile], nodes: Collection[str] | None, diags: Diagnostics) -> GuestFile | None:
    """The config of a non-HA vmid, or None (W07) when it is found twice or
    lives in a node directory outside the cluster."""
    first = configs[0]
    if len(configs) > 1:
        diags.add("W07", first.path, None, f"non-HA vmid {first.vmid} found more than once "
                  f"({', '.join(g.path for g in configs)}); ignored")
        return None
    if nodes is not None and first.node not in nodes:
        diags.add("W07", first.path, None, f"non-HA guest {first.vmid} in node directory {first.node}, "
                  "which is not in the node list; ignored")
        return None
    return first

