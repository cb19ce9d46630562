"""ha/resources.cfg: the HA resources and their settings (spec 04 §7.1).

Sections are ``vm: <vmid>`` / ``ct: <vmid>``; the sid joins type and vmid
(`pve-ha-manager src/PVE/HA/Resources.pm`).  Every setting is returned with
its real default filled in, because hasim's default requested state is
``disabled`` where the real one is ``started``: an omitted ``state`` must
be written out or the imported cluster would not start its guests.
"""

from __future__ import annotations

import re

import attrs

from hasim.importer.crm_checks import decode_comment
from hasim.importer.diagnostics import Diagnostics, shown
from hasim.importer.sections import (
    Key,
    boolean,
    config_id,
    enum,
    non_negative_integer,
    read_typed_sections,
)
from hasim.importer.source import SourceTree

SERVICE_STATES = ("started", "stopped", "disabled", "ignored", "enabled")
_VMID = re.compile(r"^[1-9][0-9]{1,29}$", re.ASCII)
_SCHEMA = {
    "state": Key(enum(*SERVICE_STATES), default="started"),
    "group": Key(config_id),
    "failback": Key(boolean, default="1"),
    "max_restart": Key(non_negative_integer, default="1"),
    "max_relocate": Key(non_negative_integer, default="1"),
    "comment": Key(decode_comment),
    "auto-rebalance": Key(boolean, default="1"),  # newer than hasim's reference
}
SCHEMAS = {"vm": _SCHEMA, "ct": _SCHEMA}


@attrs.frozen
class HaResource:
    """One resources.cfg section with defaults applied; `line` is its header."""

    sid: str
    kind: str
    vmid: int
    line: int
    state: str = "started"
    group: str | None = None
    failback: int = 1
    max_restart: int = 1
    max_relocate: int = 1
    comment: str | None = None
    group_line: int | None = None


def read_resources_cfg(tree: SourceTree, diags: Diagnostics) -> dict[str, HaResource]:
    """sid -> resource in file order; {} when the file is absent or empty."""
    path = tree.under_root("ha/resources.cfg")
    source = tree.read_text(path, diags)
    if source is None:
        return {}
    diag = diags.for_file(path)
    resources: dict[str, HaResource] = {}
    for sid, section in read_typed_sections(source, SCHEMAS, diag, numeric_ids=True).items():
        if not _VMID.match(section.id):
            diag.add("W03", section.line, f"{section.type}: {shown(section.id)}: section skipped: "
                     "invalid vmid (at least two digits, no leading 0)")
            continue
        values = section.values
        if values.get("auto-rebalance") == 0:
            diag.add("W04", section.lines["auto-rebalance"],
                     f"{sid}: auto-rebalance 0 (newer) is not modelled; hasim may rebalance it")
        state = str(values.get("state", "started"))
        resources[sid] = HaResource(
            sid=sid,
            kind=section.type,
            vmid=int(section.id),
            line=section.line,
            state="started" if state == "enabled" else state,
            group=values.get("group"),
            failback=int(values.get("failback", 1)),
            max_restart=int(values.get("max_restart", 1)),
            max_relocate=int(values.get("max_relocate", 1)),
            comment=values.get("comment"),
            group_line=section.lines.get("group"),
        )
    return resources
