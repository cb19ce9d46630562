"""The `hasim` command.

    hasim [DIR]                 open the window (default: a fresh copy of working-dirs/default)
    hasim gui DIR [options]     the same, with options (--offscreen, --advance, --screenshot, --read-only)
    hasim run DIR               batch: run DIR's scenario, write DIR/status/log and print it
    hasim <command> --help      every command: `hasim --help` lists them

One convention: every module of this package except this one names its
subcommands in `COMMANDS` and adds them with `register(subparsers)` (setting
`func`), importing what its commands need inside them.  A command given on
the command line gets a parser with its own module's subcommands only (the
others are not even built), so `hasim run` loads the engine and nothing
else; help and the default `gui` see them all.  A new subcommand is a new
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
    """The modules of this package that add subcommands (`register`), in name order."""
    here = os.path.dirname(__file__)
    names = sorted(n[:-3] for n in os.listdir(here) if n.endswith(".py") and not n.startswith("_"))
    modules = [f"hasim.cli.{n}" for n in names if n != "main"]
    return [m for m in modules if hasattr(importlib.import_module(m), "register")]  # helpers add none


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of `only`'s module alone."""
    parser = argparse.ArgumentParser(prog="hasim", description="Proxmox VE HA stack simulator")
    sub = parser.add_subparsers(dest="command", metavar="command")
    for module in map(importlib.import_module, command_modules()):
        if only is None or only in module.COMMANDS:
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    known = {c for m in command_modules() for c in importlib.import_module(m).COMMANDS}
    if not argv or argv[0] not in known | {"-h", "--help"}:
        argv = [DEFAULT_COMMAND, *argv]
    args = build_parser(only=argv[0] if argv[0] in known else None).parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
