"""(a) Batch: the real stack's scenarios through the engine.

Prints wall time per scenario and in total, and virtual seconds per wall
second, for `hasim run` as separate processes and for all scenarios in one
process.  The real Perl tester is not installed here; the one side-by-side
figure we have is its time for test-basic1 on this class of machine (about
0.38 s, measured beside hasim), printed next to hasim's own.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, machine, median, pct, upstream_dirs


REAL_TESTER_BASIC1 = 0.38  # seconds, the real tester on test-basic1 (issue 15, same class of machine)


def one_process(dirs):
    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario

    t0 = time.perf_counter()
    virtual = 0
    for d in dirs:
        sim = Simulation(load_scenario(d))
        sim.run()
        virtual += sim.time
    return time.perf_counter() - t0, virtual


def separate_processes(dirs, env, virtual: list[int] | None = None):
    """Wall time of each `hasim run`; the virtual time each reached (the time
    field of its last log line) is appended to `virtual` when given."""
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for d in dirs:
            work = Path(tmp) / d.name
            shutil.copytree(d, work)
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "hasim", "run", "-q", str(work)], check=True, cwd=REPO, env=env)
            times.append(time.perf_counter() - t0)
            if virtual is not None:
                stamps = re.findall(r"^\S+ +(\d+) ", (work / "status" / "log").read_text(), re.MULTILINE)
                virtual.append(int(stamps[-1]))
    return times


def bytecode_env():
    """A normal Python environment: bytecode is cached in __pycache__ (some
    sandboxes set PYTHONDONTWRITEBYTECODE, which recompiles every module at
    every start and costs ~40 ms per process here)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import hasim.cli.main, hasim.simulation, hasim.engine.ha.manager, hasim.workdir.session_file"],
                   check=True, cwd=REPO, env=env)
    return env


def main() -> None:
    dirs = upstream_dirs()
    if not dirs:
        print("no upstream scenarios (set HASIM_UPSTREAM_TESTS)")
        return
    print(f"machine: {machine()}")
    one_process(dirs[:5])  # warm caches
    total, virtual = one_process(dirs)
    print(f"one process: {len(dirs)} scenarios in {total:.2f} s "
          f"({total / len(dirs) * 1000:.1f} ms each, {virtual / total:,.0f} virtual s per wall s)")
    reached: list[int] = []
    times = separate_processes(dirs, bytecode_env(), reached)
    print(f"separate `hasim run` processes: total {sum(times):.2f} s, per scenario median {median(times) * 1000:.0f} ms, "
          f"p90 {pct(times, 90) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms; "
          f"{sum(reached) / sum(times):,.0f} virtual s per wall s (process start included)")
    basic1 = next((t for d, t in zip(dirs, times) if d.name == "test-basic1"), None)
    if basic1 is not None:  # the one scenario with a side-by-side figure of the real tester
        print(f"test-basic1: {basic1 * 1000:.0f} ms here; the real Perl tester takes about {REAL_TESTER_BASIC1:.2f} s "
              f"for it on this class of machine ({REAL_TESTER_BASIC1 / basic1:.1f}x) — measured beside hasim by "
              f"the issue that asked for it; the Perl stack is not installed here to repeat it")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        slow = separate_processes(dirs[:20], dict(os.environ))
        print(f"  (with PYTHONDONTWRITEBYTECODE set, as in this sandbox: median {median(slow) * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
