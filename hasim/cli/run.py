"""`hasim run` (a scenario headless, batch mode) and `hasim compare` (scenarios
against their log.expect).

Exit status: 0 success; 1 the scenario ended in an error exit or logs differ;
2 bad input (named on stderr, one line, nothing written).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from hasim.cli.output import error
from hasim.errors import InputError


def cmd_run(args: argparse.Namespace) -> int:
    from hasim.simulation import Simulation
    from hasim.workdir import DirectoryBusy, DirLock, load_scenario
    from hasim.workdir.live import LiveDirectory

    path = Path(args.dir)
    try:
        scenario = load_scenario(path)
    except InputError as err:
        error(f"{path}/{err}")
        return 2
    lock = DirLock(path)
    try:
        lock.acquire()
    except DirectoryBusy as err:
        error(str(err))
        return 2
    except OSError as err:
        error(f"{path}: cannot lock: {err.strerror or err}")
        return 2
    try:
        try:
            sim = Simulation(scenario, interactive=args.interactive)
            live = LiveDirectory(sim, path, flush_loops=1 if args.speed else 50)
        except OSError as err:
            error(f"{path}/status: cannot write: {err.strerror or err}")
            return 2
        out = sys.stdout
        if not args.quiet:
            sim.subscribe(lambda line: out.write(line.render()))
        _interrupt_on_sigterm()
        try:
            if args.speed:
                _run_paced(sim, live, args.speed, out)
            else:
                sim.run()
        except KeyboardInterrupt:
            pass
        live.close()
        out.flush()
    finally:
        lock.release()
    if sim.error is not None:
        where = ""
        failed = sim.error_command
        if failed is not None:
            batch, index, cmd = failed
            where = f":batch {batch} command {index} ('{cmd}')"
        error(f"{path}/cmdlist{where}: simulation ended with an error: {sim.error}")
        return 1
    return 0


def _interrupt_on_sigterm() -> None:
    """Let `kill` end a run like Ctrl-C: the session is closed properly."""
    import signal

    def handler(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def _run_paced(sim, live, speed: float, out) -> None:
    """Follow virtual time at `speed` virtual seconds per wall second, so that
    other processes (hasim ha-manager) can interact with the running cluster."""
    import time

    from hasim.clock import PacedClock

    clock = PacedClock(time.monotonic, rate=speed, virtual=sim.time)
    while not sim.finished:
        sim.advance(int(clock.tick()))
        live.flush_log()
        out.flush()
        time.sleep(0.05)


def compare_one(path: Path) -> tuple[bool, str]:
    """Run one scenario in memory; (identical, detail)."""
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    expect_path = path / "log.expect"
    if not expect_path.exists():
        return False, "no log.expect"
    try:
        sim = Simulation(load_scenario(path))
    except InputError as err:
        return False, f"bad input: {err}"
    sim.run()
    got = sim.log_text().splitlines(keepends=True)
    want = expect_path.read_text().splitlines(keepends=True)
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
    p.add_argument("--speed", type=float, help="follow virtual time at this many virtual seconds per second")
    p.add_argument("--interactive", action="store_true", help="do not end after the scenario (use with --speed)")
    p.set_defaults(func=cmd_run)
    p = sub.add_parser("compare", help="compare scenario logs with their log.expect")
    p.add_argument("dirs", nargs="+")
    p.set_defaults(func=cmd_compare)
