"""`hasim gui` (the simulator window, also what a bare `hasim [DIR]` opens) and
`hasim doctor` (are the window's prerequisites in place?)."""

from __future__ import annotations

import argparse
import importlib

from hasim.cli import values
from hasim.cli.output import error


def _window_entry(module: str):
    """The `main` of the window package, looked up only when a window command
    runs: the engine never depends on Qt, and batch use works without it."""
    return importlib.import_module(module).main


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        gui_main = _window_entry("ui.app")
    except ImportError as err:
        error(f"the window needs PySide6 and pyqtgraph ({err}); run `hasim doctor`")
        return 2
    return gui_main(args)


def cmd_doctor(args: argparse.Namespace) -> int:
    try:
        doctor_main = _window_entry("ui.doctor")
    except ImportError as err:
        error(f"cannot load the doctor ({err})")
        return 2
    return doctor_main()


def add_gui_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", nargs="?", help="working directory (default: a fresh copy of working-dirs/default)")
    p.add_argument("--scenario", metavar="NAME",
                   help="open a fresh copy of a shipped workshop scenario (an unknown NAME lists them)")
    p.add_argument("--offscreen", action="store_true", help="render without a display")
    p.add_argument("--advance", type=values.advance_seconds, metavar="SECONDS",
                   help="run the scenario for SECONDS of virtual time")
    p.add_argument("--screenshot", metavar="FILE", help="save a picture of the window and exit")
    p.add_argument("--read-only", action="store_true", help="see everything, change nothing")
    p.add_argument("--speed", type=values.window_speed, default=10.0, help="initial speed (virtual seconds per second)")
    p.add_argument("--scale", type=float, metavar="FACTOR",
                   help="presentation zoom for a projector: fonts, lanes and cards x FACTOR (e.g. 1.5)")


COMMANDS = ('gui', 'doctor')  # the subcommands `register` adds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gui", help="open the simulator window (the default: `hasim [DIR]`)")
    add_gui_arguments(p)
    p.set_defaults(func=cmd_gui)
    p = sub.add_parser("doctor", help="check the Qt/X11 prerequisites")
    p.set_defaults(func=cmd_doctor)
