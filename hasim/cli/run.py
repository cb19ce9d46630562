"""`hasim run` (a scenario headless, batch mode) and `hasim compare` (scenarios
against their log.expect).

Exit status: 0 success; 1 the scenario ended in an error exit or logs differ;
2 bad input (named on stderr, one line, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hasim.cli import values
from hasim.cli.output import error
from hasim.errors import InputError


def cmd_run(args: argparse.Namespace) -> int:
    from hasim import admin
    from hasim.cli.stop import StopSignals
    from hasim.simulation import Simulation
    from hasim.workdir import DirectoryBusy, DirLock, load_scenario
    from hasim.workdir.live import LiveDirectory
    from hasim.workdir.scenario import skipped_sections

    path = Path(args.dir)
    lock = DirLock(path)
    stop = StopSignals().install()  # before the lock: a signal can no longer come between the two
    try:
        try:
            lock.acquire()  # before reading: what is read is what this run owns
        except (DirectoryBusy, OSError) as err:
            return error(str(err))
        try:
            scenario = load_scenario(path)
        except InputError as err:
            return error(f"{path}/{err}")
        for problem in skipped_sections(scenario.files):
            error(f"{path}/{problem}")
        sim = Simulation(scenario, interactive=args.interactive)
        try:
            live = LiveDirectory(sim, path, flush_loops=1 if args.speed else 50, requests=admin.request)
        except OSError as err:
            return error(str(err) if err.filename else f"{path}/status: cannot write: {err.strerror or err}")
        out = sys.stdout
        if not args.quiet:
            sim.subscribe(lambda line: out.write(line.render()))
        try:
            if args.speed:
                _run_paced(sim, live, args.speed, out, stop)
            else:
                while not sim.finished and not stop.requested:
                    sim.advance(sim.time + BATCH_SLICE)
            live.close()
        except OSError as err:  # a full disk, a vanished directory: the run cannot go on
            _close_quietly(live)
            return error(f"{err}; the run stopped at {sim.time} s")
        out.flush()
    finally:
        stop.restore()
        lock.release()
    if stop.requested:
        return stop.exit_status
    if sim.error is not None:
        where = ""
        failed = sim.error_command
        if failed is not None:
            batch, index, cmd = failed
            where = f":batch {batch} command {index} ('{cmd}')"
        error(f"{path}/cmdlist{where}: simulation ended with an error: {sim.error}")
        return 1
    return 0


BATCH_SLICE = 1000  # virtual seconds between two looks at the stop signals in a batch run


def _close_quietly(live) -> None:
    """Close what can be closed after a write failed (the end line may not fit either)."""
    try:
        live.close()
    except OSError:
        pass


def _run_paced(sim, live, speed: float, out, stop) -> None:
    """Follow virtual time at `speed` virtual seconds per wall second, so that
    other processes (hasim ha-manager) can interact with the running cluster;
    a stop signal ends it between two steps."""
    import time

    from hasim.clock import PacedClock

    clock = PacedClock(time.monotonic, rate=speed, virtual=sim.time)
    while not sim.finished and not stop.requested:
        sim.advance(int(clock.tick()))
        live.flush_log()
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
        sim = Simulation(load_scenario(path))
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


COMMANDS = ('run', 'compare')  # the subcommands `register` adds


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a scenario directory headless (batch mode)")
    p.add_argument("dir")
    p.add_argument("-q", "--quiet", action="store_true", help="do not print the log")
    p.add_argument("--speed", type=values.run_speed, help="follow virtual time at this many virtual seconds per second")
    p.add_argument("--interactive", action="store_true", help="do not end after the scenario (use with --speed)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help="compare scenario logs with their log.expect")
    p.add_argument("dirs", nargs="+")
    p.set_defaults(func=cmd_compare)
