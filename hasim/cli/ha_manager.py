"""`hasim ha-manager [--node NODE] DIR <words>`: the real ha-manager against a
working directory (the command itself: `hasim.admin.command`)."""

from __future__ import annotations

import argparse


def cmd_ha_manager(args: argparse.Namespace) -> int:
    import time

    from hasim.admin.command import cmd_ha_manager as run  # the command's weight only when it runs
    from hasim.clock import WaitClock

    return run(args, WaitClock(time.monotonic, time.sleep, time.time_ns))  # the command line gives the real clock


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
