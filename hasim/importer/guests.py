"""Finding the guests: which node directory holds which vmid (spec 04 §5.1).

resources.cfg has no node field: in a real cluster the directory holding a
guest's config *is* the guest's node, so placement comes from here.  The
discovery follows the VM-list rules of `pve-cluster src/pmxcfs/memdb.c`:
``nodes/<node>/qemu-server/<vmid>.conf`` is a VM, ``.../lxc/<vmid>.conf`` a
container, the file name matching ``^[1-9][0-9]*\\.conf$`` exactly.  The
top-level ``qemu-server`` and ``lxc`` links are never looked at.
"""

from __future__ import annotations

import attrs

from hasim.importer.diagnostics import Diagnostics
from hasim.importer.nodes import node_directories
from hasim.importer.source import GUEST_DIRS, GUEST_FILE, Kind, SourceTree, not_a_file

KIND_OF_DIR = {"qemu-server": "vm", "lxc": "ct"}
DIR_OF_KIND = {kind: directory for directory, kind in KIND_OF_DIR.items()}
_NAME_MAX = 32  # real vmids have at most 9 digits; keeps int() cheap


@attrs.frozen
class GuestFile:
    """One guest config: `kind` is ``vm`` or ``ct`` (the sid prefix);
    `regular` is false for a link, FIFO or device in its place (already
    refused with E01, it still marks the vmid as present)."""

    vmid: int
    kind: str
    node: str
    path: str
    regular: bool = True


def discover_guests(tree: SourceTree, diags: Diagnostics) -> dict[int, list[GuestFile]]:
    """vmid -> every config found for it (sorted by path).

    A guest-config name that is not a regular file is refused (E01): the
    copy is broken where a file is expected.  It is still listed, so that
    its HA resource is not also called an orphan.
    """
    found: dict[int, list[GuestFile]] = {}
    base = tree.under_root("nodes")
    for node in node_directories(tree):
        for directory in GUEST_DIRS:
            folder = f"{base}/{node}/{directory}"
            for name in tree.children(folder):
                if not GUEST_FILE.match(name) or len(name) > _NAME_MAX:
                    continue
                path = f"{folder}/{name}"
                regular = tree.kind(path) == Kind.FILE
                if not regular:
                    diags.add("E01", path, None, not_a_file(tree.kind(path)))
                guest = GuestFile(int(name[: -len(".conf")]), KIND_OF_DIR[directory], node, path, regular)
                found.setdefault(guest.vmid, []).append(guest)
    return {vmid: sorted(found[vmid], key=lambda g: g.path) for vmid in sorted(found)}
