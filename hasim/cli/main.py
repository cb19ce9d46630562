"""The `hasim` command.

    hasim [DIR]                 open the window (default: a fresh copy of working-dirs/default)
    hasim gui DIR [options]     the same, with options (--offscreen, --advance, --screenshot, --read-only)
    hasim run DIR               batch: run DIR's scenario, write DIR/status/log and print it
    hasim <command> --help      every command: `hasim --help` lists them

One convention: every module of this package except this one names its
subcommands in `COMMANDS` and adds them with `register(subparsers)` (setting
`func`), importing what its commands need inside them.  A command given on
the command line gets a parser with its own module's subcommands only (the
others are not even built or imported when the module bears the command's
name, as `run.py` does `run`), so `hasim run` loads the engine and nothing
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


def owner_of(command: str) -> str | None:
    """The module adding `command`: the one named after it when there is one
    (a start-up imports nothing else), else found among them all."""
    named = command.replace("-", "_")
    if named.isidentifier() and named != "main" and os.path.isfile(os.path.join(os.path.dirname(__file__), f"{named}.py")):
        if command in getattr(importlib.import_module(f"hasim.cli.{named}"), "COMMANDS", ()):
            return f"hasim.cli.{named}"
    return next((m for m in command_modules() if command in importlib.import_module(m).COMMANDS), None)


class HelpFormatter(argparse.HelpFormatter):
    """argparse's own, told the terminal's width as shutil would tell it:
    argparse makes one for every argument added and loads shutil (with its
    compression modules) to ask, which a batch run otherwise never needs."""

    def __init__(self, prog: str, *args, **kwargs) -> None:
        if kwargs.get("width") is None and len(args) < 3:
            kwargs["width"] = terminal_width() - 2  # what argparse subtracts from shutil's figure
        super().__init__(prog, *args, **kwargs)


def terminal_width() -> int:
    """$COLUMNS, else the terminal's, else 80: shutil.get_terminal_size's answer."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (AttributeError, ValueError, OSError):
        return 80


class Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every subcommand, or of module `only` alone."""
    parser = Parser(prog="hasim", description="Proxmox VE HA stack simulator")
    sub = parser.add_subparsers(dest="command", metavar="command", parser_class=Parser)
    for module in map(importlib.import_module, [only] if only else command_modules()):
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    owner = owner_of(argv[0]) if argv and not argv[0].startswith("-") else None
    if not argv or (owner is None and argv[0] not in ("-h", "--help")):
        argv = [DEFAULT_COMMAND, *argv]
        owner = owner_of(DEFAULT_COMMAND)
    args = build_parser(only=owner).parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
