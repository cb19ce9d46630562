"""Start-up cost of a batch run, side by side with a bare Python, as a user has it.

`hasim run` of a small scenario (test-basic1) should cost at most 3.5x a bare
`python -c pass`.  Measured as a user meets it: hasim installed from a wheel
into a fresh virtual environment (bytecode compiled at install, no editable
finder, no checkout on the path), both commands run interleaved on the same
machine in one run, the minimum and the median of N runs each.  With
`--ref REF` an older commit is installed into a second environment and
measured in the same loop (A/B).

    python bench/bench_start.py [--runs 30] [--ref 91d6390] [--scenario DIR] [--floor]

With `--floor` the same loop also times what no command line can avoid:
the modules pip's `hasim` script and the status files need (`re`, `json`),
the engine imported, and the engine imported and run in memory (the
scenario read, no lock, no argument parsing, no status/ written): the
floor a batch run's start-up stands on.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def sh(*cmd: str | Path, cwd: Path | None = None) -> None:
    subprocess.run([str(c) for c in cmd], cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def install(source: Path, where: Path) -> Path:
    """A fresh venv with hasim (no GUI dependencies: batch needs attrs only)."""
    env_dir = where / "venv"
    sh(sys.executable, "-m", "venv", env_dir)
    python = env_dir / "bin" / "python"
    wheels = where / "wheels"
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source)
    sh(python, "-m", "pip", "install", "-q", "--no-deps", *wheels.glob("*.whl"))
    sh(python, "-m", "pip", "install", "-q", "attrs")
    return python


def timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


IN_MEMORY = """\
import re, json, sys
from hasim.simulation import Simulation
from hasim.workdir.scenario import load_scenario
Simulation(load_scenario(sys.argv[1])).run()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--ref", help="also measure this git commit (A/B)")
    ap.add_argument("--scenario", type=Path, default=SHARED / "upstream-tests" / "test-basic1")
    ap.add_argument("--floor", action="store_true", help="also time the engine alone (imports; imports and run)")
    args = ap.parse_args()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPATH", None)
    os.environ.clear()
    os.environ.update(env)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        scenario = tmp_path / "scenario"
        shutil.copytree(args.scenario, scenario, ignore=shutil.ignore_patterns("status"))
        pythons = {"hasim (this tree)": install(REPO, tmp_path / "new")}
        if args.ref:
            old_src = tmp_path / "old-src"
            sh("git", "worktree", "add", "--detach", old_src, args.ref, cwd=REPO)
            try:
                pythons[f"hasim at {args.ref}"] = install(old_src, tmp_path / "old")
            finally:
                sh("git", "worktree", "remove", "--force", old_src, cwd=REPO)
        bare_python = next(iter(pythons.values()))
        commands = {"python -c pass": [str(bare_python), "-c", "pass"]}
        if args.floor:
            commands["import re, json"] = [str(bare_python), "-c", "import re, json"]
            commands["+ the engine imported"] = [str(bare_python), "-c", "import re, json, hasim.simulation"]
            commands["+ read and run in memory"] = [str(bare_python), "-c", IN_MEMORY, str(scenario)]
        for label, python in pythons.items():  # the console script, as users type `hasim run`
            commands[label] = [str(python.parent / "hasim"), "run", "-q", str(scenario)]
        for cmd in commands.values():  # warm the page cache and the bytecode
            timed(cmd, tmp_path)
        times: dict[str, list[float]] = {label: [] for label in commands}
        for _ in range(args.runs):
            for label, cmd in commands.items():
                times[label].append(timed(cmd, tmp_path))
    bare = min(times["python -c pass"])
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; {args.runs} interleaved runs each; "
          f"scenario {args.scenario.name}")
    for label, xs in times.items():
        best, median = min(xs), statistics.median(xs)
        print(f"  {label:24} min {best * 1000:6.1f} ms  median {median * 1000:6.1f} ms  = {best / bare:4.2f}x bare (min)")


if __name__ == "__main__":
    main()
