"""`hasim ha-manager [--node NODE] DIR <command>`: the real ha-manager against a working directory.

What the real command prints goes to stdout and stderr byte for byte, with
its exit status (0, or 255 for a refusal), the simulation's clock standing in
for the local time (spec 05).  hasim's own messages — a bad DIR, a busy
directory, a request that waits for a paused simulation or was not applied —
go to stderr prefixed `hasim ha-manager: `, with exit status 2 for errors.

Against a running simulation a writer travels through its inbox: the CLI
first refuses what the real command would refuse, then waits a few seconds
for the owner's answer (applied at its next loop end, or refused there),
as the real command returns once the cluster file system took the change.
Against an idle directory a writer edits the input files.
"""

from __future__ import annotations

import argparse


def cmd_ha_manager(args: argparse.Namespace) -> int:
    from hasim.admin.command import cmd_ha_manager as run  # the command's weight only when it runs

    return run(args)


COMMANDS = ('ha-manager',)  # the subcommands `register` adds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "ha-manager",
        help="the real ha-manager CLI against a working directory",
        description="Type the real ha-manager's commands against DIR (a running simulation or its input files). "
        "`hasim ha-manager DIR help` lists them.",
    )
    p.add_argument("--node", help="the node the command is typed on (default: the master, else the first running node)")
    p.add_argument("dir")
    p.add_argument("request", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_ha_manager)
