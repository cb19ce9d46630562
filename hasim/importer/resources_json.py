"""resources.json: ``pvesh get /cluster/resources`` - node sizes and what
runs where right now (spec 04 §6.1).

Only the ``node``, ``qemu`` and ``lxc`` entries are read, and of those only
the fields the import uses; anything else in the array is ignored.  A value
of the wrong type counts as absent, so one odd entry cannot stop an import
(the callers fall back as spec 04 §6.3 says); only a file that is not a JSON
array of objects is an error (E10).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import attrs

from hasim.importer.diagnostics import Diagnostics, printable
from hasim.importer.json_text import JsonProblem, parse_json
from hasim.importer.source import RESOURCES_JSON, RESOURCES_JSON_LIMIT, SourceTree, Unreadable, decode_text
from hasim.importer.source_dir import read_regular_file

_INT_RANGE = 2**62
_GUEST_TYPES = ("qemu", "lxc")


@attrs.frozen
class NodeEntry:
    status: str | None
    maxcpu: int | None
    maxmem: int | None

    @property
    def sized(self) -> bool:
        return self.maxcpu is not None and self.maxmem is not None


@attrs.frozen
class GuestEntry:
    type: str
    vmid: int
    node: str | None
    status: str | None
    cpu: float | None
    maxcpu: float | None
    mem: int | None


@attrs.frozen
class ClusterResources:
    """`path` names the file in messages; the first entry of a node or
    vmid counts (`duplicates` lists the repeated names)."""

    path: str
    nodes: dict[str, NodeEntry]
    guests: dict[int, GuestEntry]
    duplicates: tuple[str, ...] = ()


def number(value: Any) -> float | int | None:
    """A finite JSON number (not a boolean), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if -_INT_RANGE < value < _INT_RANGE else None
    if isinstance(value, float) and math.isfinite(value):
        return value
    return None


def _positive_int(value: Any) -> int | None:
    found = number(value)
    return int(found) if found is not None and found >= 1 else None


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _vmid(value: Any) -> int | None:
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    found = number(value)
    return int(found) if isinstance(found, int) and found > 0 else None


def _load(tree: SourceTree, option: Path | None) -> tuple[str, bytes] | None:
    if option is not None:
        return str(option), read_regular_file(option, RESOURCES_JSON_LIMIT)
    data = tree.read_bytes(RESOURCES_JSON)
    return None if data is None else (RESOURCES_JSON, data)


def read_resources_json(tree: SourceTree, option: Path | None, diags: Diagnostics) -> ClusterResources | None:
    """The indexed file, or None when there is none or it is unusable (E10)."""
    name = str(option) if option is not None else RESOURCES_JSON
    try:
        loaded = _load(tree, option)
        if loaded is None:
            return None
        name, data = loaded
        value = parse_json(decode_text(data))
    except Unreadable as err:
        diags.add("E10", printable(name), err.line, err.problem)
        return None
    except JsonProblem as err:
        diags.add("E10", printable(name), err.line, err.message)
        return None
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        diags.add("E10", printable(name), None, "not a JSON array of objects (the output of "
                  "`pvesh get /cluster/resources --output-format json`)")
        return None
    return _index(printable(name), value)


def _index(path: str, items: list[dict]) -> ClusterResources:
    nodes: dict[str, NodeEntry] = {}
    guests: dict[int, GuestEntry] = {}
    duplicates: list[str] = []
    for item in items:
        kind = item.get("type")
        if kind == "node" and isinstance(item.get("node"), str):
            if item["node"] in nodes:
                duplicates.append(f"node {item['node']}")
                continue
            nodes[item["node"]] = NodeEntry(
                _string(item.get("status")), _positive_int(item.get("maxcpu")), _positive_int(item.get("maxmem"))
            )
        elif kind in _GUEST_TYPES and (vmid := _vmid(item.get("vmid"))) is not None:
            if vmid in guests:
                duplicates.append(f"vmid {vmid}")
                continue
            mem = number(item.get("mem"))
            guests[vmid] = GuestEntry(
                kind, vmid, _string(item.get("node")), _string(item.get("status")),
                number(item.get("cpu")), number(item.get("maxcpu")), None if mem is None else int(mem),
            )  # fmt: skip
    return ClusterResources(path, nodes, guests, tuple(duplicates))
