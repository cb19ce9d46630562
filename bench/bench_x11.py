"""X11 traffic of the window over a story, at 1x, 10x and 100x (what `ssh -X` carries).

    python3 bench/bench_x11.py [--before REF] [--speeds 1,10,100] [--breakdown DIR]

Each run starts the window under ../shared/tools/x11-traffic (a private Xvfb
without MIT-SHM, like a remote X server, behind a counting proxy; the
program gets SSH_CONNECTION as over `ssh -X`), at 1280x800, and drives it
through bench/x11_driven_window.py the way a person would with the mouse:

    paused     the window open, time stopped                    (1x run only)
    power on   Power clicked on node1..node3, until every service runs
    steady     nothing happens, time runs
    failover   node3's Network clicked off, until its services run elsewhere
               (and a little after)

and prints the client->server bytes per second of each phase (the user's
downlink over ssh) from the tool's `measure`, plus the story's average.
With --before REF (e.g. main) the same story first runs on a copy of that
revision, so both columns come from one run on the same machine.  Figures
only: nothing is asserted (it is not part of the test suite).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, SHARED, machine

TOOL = SHARED / "tools" / "x11-traffic"
NODES = ("node1", "node2", "node3")
CUT = "node3"
SIZE = "1280x800"
STEADY_WALL = 20.0  # seconds of steady state measured (at least)


class Session:
    """One window under the tool: start, drive, measure, stop."""

    def __init__(self, tree: Path, display: int, extra_env: list[str], refresh: str | None = None) -> None:
        self.tree = tree
        self.display = display
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-x11-"))
        self.ctl = self.tmp / "ctl"
        self.ctl.mkdir()
        self.workdir = self.tmp / "cluster"
        shutil.copytree(REPO / "working-dirs" / "default", self.workdir,
                        ignore=shutil.ignore_patterns("status", "README*"))
        self.state_dir = self.tmp / "x11"
        if refresh:  # the window's View → Refresh rate, as ui.settings stores it
            (self.tmp / "config" / "hasim").mkdir(parents=True)
            (self.tmp / "config" / "hasim" / "window.ini").write_text(f"[view]\nrefresh={refresh}\n")
        env = [f"PYTHONPATH={tree}", f"XDG_CONFIG_HOME={self.tmp / 'config'}", "PYTHONDONTWRITEBYTECODE=1",
               *extra_env]
        opts = ["-D", str(display), "-S", str(self.state_dir), "-k"]
        for e in env:
            opts += ["-e", e]
        self.opts = opts
        driver = REPO / "bench" / "x11_driven_window.py"
        subprocess.run([str(TOOL), "start", *opts, sys.executable, str(driver), str(self.ctl),
                        str(self.workdir), "--size", SIZE], check=True, stdout=subprocess.DEVNULL)
        try:
            self.wait(lambda s: True, 60, "the window to open")
        except RuntimeError:
            print((self.state_dir / "program.log").read_text()[-2000:], file=sys.stderr)
            self.stop()
            raise

    def state(self) -> dict | None:
        try:
            return json.loads((self.ctl / "state.json").read_text())
        except (OSError, ValueError):
            return None

    def wait(self, done, timeout: float, what: str) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            s = self.state()
            if s is not None and done(s):
                return s
            time.sleep(0.1)
        raise RuntimeError(f"timed out waiting for {what} (see {self.state_dir}/program.log)")

    def send(self, *lines: str) -> None:
        tmp = self.ctl / "cmd.tmp"
        tmp.write_text("\n".join(lines) + "\n")
        tmp.replace(self.ctl / "cmd")
        self.wait(lambda s: not (self.ctl / "cmd").exists(), 10, "the window to take a command")

    def measure(self, seconds: float, breakdown: Path | None = None) -> float:
        """Client->server bytes per second over the next `seconds`."""
        cmd = [str(TOOL), "measure", "-D", str(self.display), "-S", str(self.state_dir)]
        if breakdown is not None:
            cmd += ["-b", str(breakdown)]
        out = subprocess.run([*cmd, f"{seconds:g}"], check=True, capture_output=True, text=True).stdout
        fields = dict(f.split("=", 1) for f in out.split() if "=" in f)
        return float(fields["c2s_Bps"])

    def stop(self) -> None:
        subprocess.run([str(TOOL), "stop", "-D", str(self.display), "-S", str(self.state_dir)],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.tmp, ignore_errors=True)


def running(s: dict, avoid: str | None = None) -> bool:
    services = s["services"].values()
    return bool(services) and all(st == "started" and ok and node != avoid for st, node, ok in services)


def story(tree: Path, speed: float, display: int, paused: bool, breakdown: Path | None,
          extra_env: list[str], refresh: str | None = None) -> dict[str, float]:
    """KB/s per phase of the story at `speed` in the window of `tree`."""
    out: dict[str, float] = {}
    walls: dict[str, float] = {}
    session = Session(tree, display, extra_env, refresh)

    def phase(name: str, seconds: float) -> None:
        bd = None if breakdown is None else breakdown / f"{tree.name}-{speed:g}x-{name.replace(' ', '-')}"
        if bd is not None:
            session.send("paints")  # start counting repainted areas afresh
        out[name] = session.measure(seconds, bd and bd.with_suffix(".txt")) / 1000
        walls[name] = seconds
        if bd is not None:
            session.send("paints")
            (session.ctl / "paints.json").replace(bd.with_suffix(".paints.json"))

    try:
        time.sleep(3)  # the first paint is not part of any phase
        if paused:
            phase("paused", 10)
        session.send(f"speed {speed:g}", "run", *(f"power {n}" for n in NODES))
        # power-on: 26 virtual seconds to every service running (at least 3 s measured)
        phase("power on", max(3.0, 40 / speed))
        session.wait(running, 120, "every service running")
        phase("steady", STEADY_WALL)
        session.send(f"network {CUT}")
        # failover: ~144 virtual seconds to recovery; measure that and a little after
        phase("failover", max(3.0, 160 / speed))
        session.wait(lambda s: running(s, avoid=CUT), 60, "the recovery")
        story_phases = ("power on", "steady", "failover")
        out["story"] = sum(out[p] * walls[p] for p in story_phases) / sum(walls[p] for p in story_phases)
    finally:
        session.stop()
    return out


def export(ref: str) -> Path:
    """A copy of the repository at `ref` (git archive), for the 'before' column."""
    target = Path(tempfile.mkdtemp(prefix=f"hasim-{ref.replace('/', '_')}-")) / ref.replace("/", "_")
    target.mkdir()
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", metavar="REF", help="also run the story on this revision (e.g. main)")
    parser.add_argument("--speeds", default="1,10,100")
    parser.add_argument("--display", type=int, default=170, help="X display number for the tool (and +1)")
    parser.add_argument("--breakdown", type=Path, help="write the tool's per-request breakdowns here")
    parser.add_argument("-e", dest="env", action="append", default=[], help="VAR=VALUE for the window (repeatable)")
    parser.add_argument("--refresh", help="this tree's View → Refresh rate (auto, fast, remote, slow)")
    args = parser.parse_args()
    speeds = [float(s) for s in args.speeds.split(",")]
    trees = []
    if args.before:
        trees.append((args.before, export(args.before)))
    trees.append(("this tree", REPO))
    if args.breakdown:
        args.breakdown.mkdir(parents=True, exist_ok=True)
    print(f"# x11 traffic, client->server KB/s (the ssh -X downlink); {machine()}")
    print(f"# window {SIZE}, 3 nodes / 6 VMs; X server without MIT-SHM; SSH_CONNECTION set")
    results: dict[str, dict[float, dict[str, float]]] = {}
    for name, tree in trees:
        for i, speed in enumerate(speeds):
            figures = story(tree, speed, args.display, paused=(i == 0), breakdown=args.breakdown,
                            extra_env=args.env, refresh=args.refresh if tree == REPO else None)
            results.setdefault(name, {})[speed] = figures
            print(f"{name:>12} {speed:>5g}x  " + "  ".join(f"{k}={v:.1f}" for k, v in figures.items()), flush=True)
    print()
    phases = ("paused", "power on", "steady", "failover", "story")
    print(f"{'KB/s':>18} " + " ".join(f"{p:>10}" for p in phases))
    for name, by_speed in results.items():
        for speed, figures in by_speed.items():
            cells = [f"{figures[p]:>10.1f}" if p in figures else f"{'':>10}" for p in phases]
            print(f"{name:>12} {speed:>4g}x " + " ".join(cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
