"""The `hasim` command.

    hasim [DIR]                 open the window (default: a fresh copy of working-dirs/default)
    hasim gui DIR [options]     the same, with options (--offscreen, --advance, --screenshot, --read-only)
    hasim run DIR               batch: run DIR's scenario, write DIR/status/log and print it
    hasim <command> --help      every command: `hasim --help` lists them

One convention: every module of this package except this one adds its
subcommands with `register(subparsers)` (setting `func`), and imports what
its commands need inside them, so that assembling the parser costs nothing
and `hasim run` loads the engine and nothing else.  A new subcommand is a new
module here.

Exit status: 0 success; 1 the run ended in an error exit or logs differ;
2 bad input (named on stderr, one line, nothing written).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

DEFAULT_COMMAND = "gui"


def command_modules() -> list[str]:
    """The modules of this package that add subcommands, in name order."""
    here = os.path.dirname(__file__)
    names = sorted(n[:-3] for n in os.listdir(here) if n.endswith(".py") and not n.startswith("_"))
    return [f"hasim.cli.{n}" for n in names if n not in ("main", "output")]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hasim", description="Proxmox VE HA stack simulator")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for module in command_modules():
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices) | {"-h", "--help"}
    if not argv or argv[0] not in commands:
        argv = [DEFAULT_COMMAND, *argv]
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
