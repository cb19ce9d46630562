"""The import's options and their checks (E11, spec 04 §1).

The same value object serves the command line and the window, so the
checks live here and not in argparse: a bad value is an E11 diagnostic like
any other problem, reported together with the rest.
"""

from __future__ import annotations

import math
from pathlib import Path

import attrs

from hasim.importer.crm_checks import version_parses
from hasim.importer.datacenter import REBALANCE_SCALES
from hasim.importer.diagnostics import NO_FILE, Diagnostics, printable, shown
from hasim.importer.runtime import NodeFlags

LOCK_FILE = ".hasim.lock"  # a directory whose only entry is a lock counts as empty


@attrs.frozen
class ImportOptions:
    """What ``hasim import`` takes besides SRC and DIR; the defaults are the
    command line's."""

    resources: Path | None = None
    node_maxcpu: int | None = None
    node_maxmem_gib: float | None = None
    manager_status: bool = True
    drop_locks: bool = False
    drop_orphans: bool = False
    pve_manager_version: str | None = None
    rebalance_scale: str = "percent"


def check_options(options: ImportOptions, diags: Diagnostics) -> NodeFlags | None:
    """E11 for bad values; the node size flags when both are given."""
    cpu, mem = options.node_maxcpu, options.node_maxmem_gib
    flags = None
    if (cpu is None) != (mem is None):
        diags.add("E11", NO_FILE, None, "--node-maxcpu and --node-maxmem-gib go together")
    elif cpu is not None:
        cpu_ok = isinstance(cpu, int) and not isinstance(cpu, bool) and cpu >= 1
        mem_ok = isinstance(mem, (int, float)) and not isinstance(mem, bool) and math.isfinite(mem) and mem > 0
        if not cpu_ok:
            diags.add("E11", NO_FILE, None, f"--node-maxcpu {shown(str(cpu))}: an integer >= 1 is expected")
        if not mem_ok:
            diags.add("E11", NO_FILE, None, f"--node-maxmem-gib {shown(str(mem))}: a number > 0 is expected")
        if cpu_ok and mem_ok:
            flags = NodeFlags(cpu, float(mem))
            if flags.maxmem < 1:
                diags.add("E11", NO_FILE, None, f"--node-maxmem-gib {mem}: less than one byte")
                flags = None
    if options.rebalance_scale not in REBALANCE_SCALES:
        diags.add("E11", NO_FILE, None, f"--rebalance-scale {shown(str(options.rebalance_scale))}: "
                  f"one of {', '.join(REBALANCE_SCALES)} is expected")
    version = options.pve_manager_version
    if version is not None and not (isinstance(version, str) and version_parses(version) and version.isprintable()):
        diags.add("E11", NO_FILE, None, f"--pve-manager-version {shown(str(version))}: a version like 9.0.0~16 "
                  "is expected")
    return flags


def check_destination(src: Path, dst: Path, diags: Diagnostics) -> None:
    """DIR must not exist or be empty (the rule of `hasim new`), and must not
    lie inside SRC: the import never writes into its source."""
    name = printable(str(dst))
    try:
        if dst.exists() or dst.is_symlink():
            if not dst.is_dir():
                diags.add("E11", NO_FILE, None, f"{name}: exists and is not a directory")
                return
            if any(p.name != LOCK_FILE for p in dst.iterdir()):
                diags.add("E11", NO_FILE, None, f"{name}: exists and is not empty")
                return
        src_real, dst_real = src.resolve(), dst.resolve()
    except OSError as err:
        diags.add("E11", NO_FILE, None, f"{name}: cannot use: {err.strerror or err}")
        return
    if dst_real == src_real or src_real in dst_real.parents:
        diags.add("E11", NO_FILE, None, f"{name}: inside SRC; the import never writes into its source")
