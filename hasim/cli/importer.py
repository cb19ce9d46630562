"""`hasim import SRC DIR [options]`: the command-line face of the importer.

Only parsing and printing live here: option values arrive as text and are
converted without argparse's own errors, so that a bad value is reported as
E11 together with every other diagnostic, in the spec's line format.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hasim.importer.diagnostics import NO_FILE, Diagnostic, shown
from hasim.importer.options import ImportOptions
from hasim.importer.result import ImportResult
from hasim.importer.write import import_cluster


def _number(text: str | None, convert, flag: str, problems: list[Diagnostic]):
    if text is None:
        return None
    try:
        return convert(text)
    except (ValueError, OverflowError):
        problems.append(Diagnostic("E11", NO_FILE, None, f"{flag} {shown(text)}: not a number"))
        return None


def options_from(args: argparse.Namespace) -> tuple[ImportOptions, list[Diagnostic]]:
    problems: list[Diagnostic] = []
    cpu = _number(args.node_maxcpu, int, "--node-maxcpu", problems)
    mem = _number(args.node_maxmem_gib, float, "--node-maxmem-gib", problems)
    options = ImportOptions(
        resources=Path(args.resources) if args.resources is not None else None,
        node_maxcpu=cpu,
        node_maxmem_gib=mem,
        manager_status=not args.no_manager_status,
        drop_locks=args.drop_locks,
        drop_orphans=args.drop_orphans,
        pve_manager_version=args.pve_manager_version,
        rebalance_scale=args.rebalance_scale,
    )
    return options, problems


def cmd_import(args: argparse.Namespace) -> int:
    options, problems = options_from(args)
    if problems:
        result = ImportResult(tuple(problems))
    else:
        result = import_cluster(Path(args.src), Path(args.dir), options)
    for diagnostic in result.diagnostics:
        print(diagnostic.render(), file=sys.stderr)
    if not result.ok:
        return 2
    print(result.summary())
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="turn a copy of a real cluster's /etc/pve into a working directory")
    p.add_argument("src", help="a directory with etc/pve/ (or the etc/pve root), or a .tar/.tar.gz/.tgz of it")
    p.add_argument("dir", help="the working directory to create (must not exist or be empty)")
    p.add_argument("--resources", metavar="FILE", help="resources.json (default: SRC/resources.json if present)")
    p.add_argument("--node-maxcpu", metavar="N", help="CPUs of every node resources.json does not size")
    p.add_argument("--node-maxmem-gib", metavar="G", help="memory (GiB) of every node resources.json does not size")
    p.add_argument("--no-manager-status", action="store_true", help="start from an empty manager_status")
    p.add_argument("--drop-locks", action="store_true", help="leave guest locks out of service_config")
    p.add_argument("--drop-orphans", action="store_true", help="leave out HA resources without guest config")
    p.add_argument("--pve-manager-version", metavar="V", help="pve-manager version of every node")
    p.add_argument("--rebalance-scale", default="percent", metavar="percent|fraction",
                   help="unit of datacenter.cfg's rebalance threshold and margin (default percent)")
    p.set_defaults(func=cmd_import)
