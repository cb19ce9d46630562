"""(b) Scale: 32 nodes x 1000 services, 2 hours of virtual time, a fault every
10 virtual minutes.  Prints wall time, virtual seconds per wall second and
peak memory.  Goal (issue 7): at least 100x real time (2 h in under 72 s) and
under 500 MB.  Uses the large-cluster timing (30-32 nodes: loop = N s).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from _common import machine, peak_rss_mb


def build(path: Path, nodes: int, services: int) -> None:
    import json

    path.mkdir(parents=True, exist_ok=True)
    hw = {f"node{i}": {"power": "off", "network": "off", "maxcpu": 64, "maxmem": 549755813888} for i in range(1, nodes + 1)}
    sc = {f"vm:{1000 + i}": {"node": f"node{i % nodes + 1}", "state": "started"} for i in range(services)}
    (path / "hardware_status").write_text(json.dumps(hw))
    (path / "service_config").write_text(json.dumps(sc))
    (path / "manager_status").write_text("{}")
    (path / "cmdlist").write_text("[]")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=32)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--hours", type=float, default=2.0)
    ap.add_argument("--no-files", action="store_true", help="keep the status files in memory only")
    args = ap.parse_args()

    from hasim.simulation import Simulation
    from hasim.workdir import load_scenario
    from hasim.workdir.live import LiveDirectory

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "big"
        build(d, args.nodes, args.services)
        t0 = time.perf_counter()
        sim = Simulation(load_scenario(d), interactive=True)
        live = None if args.no_files else LiveDirectory(sim, d)
        for i in range(1, args.nodes + 1):
            sim.submit(f"power node{i} on")
        rng = random.Random(1)
        end = int(args.hours * 3600)
        down: list[str] = []
        fault_at = 600
        while sim.time < end:
            sim.advance(min(fault_at, end))
            if sim.time >= fault_at:
                fault_at += 600
                if down and rng.random() < 0.5:
                    sim.submit(f"power {down.pop(0)} on")
                else:
                    node = f"node{rng.randint(2, args.nodes)}"
                    if node not in down:
                        down.append(node)
                        sim.submit(f"{rng.choice(['power', 'network'])} {node} off")
        if live is not None:
            live.close()
        wall = time.perf_counter() - t0
        snap = sim.snapshot()
        running = sum(1 for s in snap.services if s.running_on)
    print(f"{args.nodes} nodes x {args.services} services, {end} virtual s: {wall:.1f} s wall, "
          f"{end / wall:.0f}x real time, peak RSS {peak_rss_mb():.0f} MB, "
          f"{len(sim.log_lines)} log lines, {running} services running at the end")


if __name__ == "__main__":
    main()
