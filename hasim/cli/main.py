"""The `hasim` command.

    hasim [DIR]                 open the window (default: a fresh copy of working-dirs/default)
    hasim gui DIR [options]     the same, with options (--offscreen, --advance, --screenshot, --read-only)
    hasim gui --scenario NAME   a fresh copy of a shipped workshop scenario
    hasim run DIR               batch: run DIR's scenario, write DIR/status/log and print it
    hasim compare DIR...        run scenarios in memory and compare with their log.expect
    hasim doctor                check the Qt/X11 prerequisites

Exit status: 0 success; 1 the scenario ended in an error exit or logs differ;
2 bad input (named on stderr, one line, nothing written).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

from hasim.cli import values
from hasim.errors import InputError


def _err(msg: str) -> None:
    print(f"hasim: {msg}", file=sys.stderr)


def cmd_run(args: argparse.Namespace) -> int:
    from hasim.cli.stop import StopSignals
    from hasim.simulation import Simulation
    from hasim.workdir import DirectoryBusy, DirLock, load_scenario
    from hasim.workdir.scenario import skipped_sections

    path = Path(args.dir)
    lock = DirLock(path)
    stop = StopSignals().install()  # before the lock: a signal can no longer come between the two
    try:
        try:
            lock.acquire()  # before reading: what is read is what this run owns
        except (DirectoryBusy, OSError) as err:
            _err(str(err))
            return 2
        try:
            scenario = load_scenario(path)
        except InputError as err:
            _err(f"{path}/{err}")
            return 2
        for problem in skipped_sections(scenario.files):
            _err(f"{path}/{problem}")
        try:
            sim = Simulation(scenario, interactive=args.interactive, flush_loops=1 if args.speed else 50)
        except OSError as err:
            _err(str(err) if err.filename else f"{path}/status: cannot write: {err.strerror or err}")
            return 2
        out = sys.stdout
        if not args.quiet:
            sim.subscribe(lambda line: out.write(line.render()))
        try:
            if args.speed:
                _run_paced(sim, args.speed, out, stop)
            else:
                while not sim.finished and not stop.requested:
                    sim.advance(sim.time + BATCH_SLICE)
            sim.close()
        except OSError as err:  # a full disk, a vanished directory: the run cannot go on
            _err(f"{err}; the run stopped at {sim.time} s")
            _close_quietly(sim)
            return 2
        out.flush()
    finally:
        stop.restore()
        lock.release()
    if stop.requested:
        return stop.exit_status
    if sim.error is not None:
        where = ""
        failed = sim.harness.error_command
        if failed is not None:
            batch, index, cmd = failed
            where = f":batch {batch} command {index} ('{cmd}')"
        _err(f"{path}/cmdlist{where}: simulation ended with an error: {sim.error}")
        return 1
    return 0


BATCH_SLICE = 1000  # virtual seconds between two looks at the stop signals in a batch run


def _close_quietly(sim) -> None:
    """Close what can be closed after a write failed (the end line may not fit either)."""
    try:
        sim.close()
    except OSError:
        pass


def _run_paced(sim, speed: float, out, stop) -> None:
    """Follow virtual time at `speed` virtual seconds per wall second, so that
    other processes (hasim ha-manager) can interact with the running cluster;
    a stop signal ends it between two steps."""
    import time

    wall0, virt0 = time.monotonic(), sim.time
    while not sim.finished and not stop.requested:
        sim.advance(virt0 + int(speed * (time.monotonic() - wall0)))
        out.flush()
        time.sleep(0.05)


def compare_one(path: Path) -> tuple[bool, str]:
    """Run one scenario in memory; (identical, detail)."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    from hasim.workdir.files import read_text

    try:
        want = read_text(path / "log.expect").splitlines(keepends=True)
    except FileNotFoundError:
        return False, "no log.expect"
    except OSError as err:
        return False, str(err)
    try:
        sim = Simulation(load_scenario(path), write_status=False)
    except InputError as err:
        return False, f"bad input: {err}"
    sim.run()
    got = sim.log_text().splitlines(keepends=True)
    for i, (a, b) in enumerate(zip(got, want), 1):
        if a != b:
            return False, f"line {i}: expected {b.rstrip()!r}, got {a.rstrip()!r}"
    if len(got) != len(want):
        i = min(len(got), len(want)) + 1
        if len(got) < len(want):
            return False, f"line {i}: expected {want[i - 1].rstrip()!r}, got end of log"
        return False, f"line {i}: expected end of log, got {got[i - 1].rstrip()!r}"
    return True, ""


def cmd_compare(args: argparse.Namespace) -> int:
    dirs = [Path(d) for d in args.dirs]
    ok = 0
    for d in dirs:
        same, detail = compare_one(d)
        ok += same
        print(f"{'ok  ' if same else 'FAIL'} {d.name}{'' if same else ': ' + detail}")
    print(f"{ok} of {len(dirs)} scenarios reproduce their log.expect byte for byte")
    return 0 if ok == len(dirs) else 1


def _window_entry(module: str):
    """The `main` of the window package, looked up only when a window command
    runs: the engine never depends on Qt, and batch use works without it."""
    return importlib.import_module(module).main


def cmd_gui(args: argparse.Namespace) -> int:
    try:
        gui_main = _window_entry("ui.app")
    except ImportError as err:
        _err(f"the window needs PySide6 and pyqtgraph ({err}); run `hasim doctor`")
        return 2
    return gui_main(args)


def cmd_doctor(args: argparse.Namespace) -> int:
    try:
        doctor_main = _window_entry("ui.doctor")
    except ImportError as err:
        _err(f"cannot load the doctor ({err})")
        return 2
    return doctor_main()


def build_parser(extensions: bool = True) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hasim", description="Proxmox VE HA stack simulator")
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("run", help="run a scenario directory headless (batch mode)")
    p.add_argument("dir")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the log")
    p.add_argument("--speed", type=values.run_speed, help="follow virtual time at this many virtual seconds per second")
    p.add_argument("--interactive", action="store_true", help="do not end after the scenario (use with --speed)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help="compare scenario logs with their log.expect")
    p.add_argument("dirs", nargs="+")
    p.set_defaults(func=cmd_compare)
    p = sub.add_parser("gui", help="open the simulator window")
    add_gui_arguments(p)
    p.set_defaults(func=cmd_gui)
    p = sub.add_parser("doctor", help="check the Qt/X11 prerequisites")
    p.set_defaults(func=cmd_doctor)
    for module in EXTENSION_COMMANDS if extensions else ():
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        mod.register(sub)
    return parser


# modules that add subcommands: each has register(subparsers) setting `func`
EXTENSION_COMMANDS = ("hasim.analysis.explore", "hasim.cli.session", "hasim.cli.ha_manager")


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


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    core = {"run", "compare", "gui", "doctor"}
    # the core commands do not pay for importing the extension modules
    parser = build_parser(extensions=not (argv and argv[0] in core))
    commands = set(parser._subparsers._group_actions[0].choices) | {"-h", "--help"}
    if not argv or argv[0] not in commands:
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
