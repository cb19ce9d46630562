"""`hasim import SRC DIR [options]`: the command-line face of the importer.

Only parsing and printing live here: option values arrive as text and are
converted without argparse's own errors, so that a bad value is reported as
E11 together with every other diagnostic, in the spec's line format.
"""

from __future__ import annotations

import argparse


def cmd_import(args: argparse.Namespace) -> int:
    from hasim.importer.command import cmd_import as run  # the command's weight only when it runs

    return run(args)


COMMANDS = ('import',)  # the subcommands `register` adds


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
