"""A guest's ``<vmid>.conf``: its current configuration and its size for
the static scheduler (spec 04 §3.3, §5.2).

Only the lines before the first ``[`` count - the cluster filesystem hands
the real scheduler exactly that part (`pve-cluster src/pmxcfs/status.c`),
so snapshots, ``[PENDING]`` changes and ``[special:...]`` sections never
size a guest.  The derivation follows `get_derived_property` of qemu-server
and pve-container, including their quirks: a VM's ``cpulimit`` does not
count, a container without ``cpulimit`` and ``cores`` is unlimited (0.0).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import attrs

from hasim.importer.diagnostics import shown

MIB = 1048576
DEFAULT_MEMORY_MIB = 512
_KEY_LINE = re.compile(r"^([a-z][a-z_-]*\d*):\s*(.+?)\s*$", re.ASCII)
_INTEGER = re.compile(r"^[0-9]{1,12}$", re.ASCII)
_NUMBER = re.compile(r"^[0-9]{1,12}(?:\.[0-9]{1,12})?$", re.ASCII)
_CURRENT = re.compile(r"^(?:current=)?([0-9]{1,12})$", re.ASCII)


@attrs.frozen
class GuestConfig:
    """The current configuration: key -> (value, line); a repeated key
    keeps its last line, as the real parser does."""

    values: Mapping[str, tuple[str, int]]

    def value(self, key: str) -> str | None:
        found = self.values.get(key)
        return None if found is None else found[0]

    def line(self, key: str) -> int | None:
        found = self.values.get(key)
        return None if found is None else found[1]


def parse_guest_config(text: str) -> GuestConfig:
    values: dict[str, tuple[str, int]] = {}
    for lineno, line in enumerate(text.split("\n"), 1):
        if line.startswith("["):
            break
        match = _KEY_LINE.match(line)
        if match is not None:
            values[match.group(1)] = (match.group(2), lineno)
    return GuestConfig(values)


@attrs.frozen
class GuestSize:
    maxcpu: float
    maxmem: int


class SizeError(Exception):
    """A key whose value cannot size the guest (E08)."""

    def __init__(self, key: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.line = line
        self.message = message


def _number(conf: GuestConfig, key: str, pattern: re.Pattern, what: str) -> float:
    """The key's value (0 when absent), or SizeError."""
    raw = conf.value(key)
    if raw is None:
        return 0
    if not pattern.match(raw):
        raise SizeError(key, conf.line(key), f"invalid '{key}' value {shown(raw)} ({what} expected)")
    return float(raw) if "." in raw else int(raw)


def _memory_mib(conf: GuestConfig, allow_current: bool) -> int:
    raw = conf.value("memory")
    if raw is None:
        return DEFAULT_MEMORY_MIB
    parts = [part for part in raw.split(",") if part] if allow_current else [raw]
    match = _CURRENT.match(parts[0]) if len(parts) == 1 else None
    if match is None or (not allow_current and not _INTEGER.match(raw)):
        expected = "'N' or 'current=N' (MiB)" if allow_current else "an integer (MiB)"
        raise SizeError("memory", conf.line("memory"), f"invalid 'memory' value {shown(raw)} ({expected} expected)")
    return int(match.group(1))


def size_vm(conf: GuestConfig) -> GuestSize:
    """maxcpu = vcpus if > 0, else sockets x cores (each default 1);
    cpulimit is ignored.  maxmem = memory MiB (default 512)."""
    sockets = _number(conf, "sockets", _INTEGER, "an integer") or 1
    cores = _number(conf, "cores", _INTEGER, "an integer") or 1
    vcpus = _number(conf, "vcpus", _INTEGER, "an integer")
    _number(conf, "cpulimit", _NUMBER, "a number")  # validated, not used
    maxcpu = vcpus if vcpus > 0 else sockets * cores
    return GuestSize(float(maxcpu), _memory_mib(conf, allow_current=True) * MIB)


def size_ct(conf: GuestConfig) -> GuestSize:
    """maxcpu = cpulimit if > 0, else cores if > 0, else 0.0 (unlimited);
    maxmem = (memory or 512) MiB."""
    cpulimit = _number(conf, "cpulimit", _NUMBER, "a number")
    cores = _number(conf, "cores", _INTEGER, "an integer")
    maxcpu = cpulimit if cpulimit > 0 else cores if cores > 0 else 0
    return GuestSize(float(maxcpu), (_memory_mib(conf, allow_current=False) or DEFAULT_MEMORY_MIB) * MIB)
