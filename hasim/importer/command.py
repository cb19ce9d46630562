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
