"""What-if at scale: 32 nodes x 1000 services (issue 17).  Prints the wall
time of settling the cluster, of one node's failure (run until quiet, with
its outcome report) and of `--each-node` (32 runs on the available cores),
through the same code as `hasim whatif`.  Asserts nothing.

The cluster is built like bench_scale.py's (VMs spread round-robin, every node
off and powered on by the first cmdlist batch), with static sizes so that the
N+1 capacity check has something to weigh.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from _common import machine, peak_rss_mb
from bench_scale import build


def _cpu() -> float:
    """CPU seconds of this process and its finished workers (less sensitive
    than wall time to other load on a shared machine)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=32)
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--jobs", type=int, default=len(os.sched_getaffinity(0)))
    args = ap.parse_args()

    from hasim.analysis.report_text import render_text
    from hasim.analysis.whatif import (
        Fault,
        each_node,
        run_fault,
        settle,
        starting_point,
    )
    from hasim.analysis.whatif_table import summarize
    from hasim.workdir import load_scenario

    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp) / "big"
        build(d, args.nodes, args.services)
        nodes = [f"node{i}" for i in range(1, args.nodes + 1)]
        (d / "cmdlist").write_text(json.dumps([[f"power {n} on" for n in nodes]]))
        sizes = {f"vm:{1000 + i}": {"maxcpu": 1 + i % 2, "maxmem": (2 + i % 6) * 1024**3} for i in range(args.services)}
        (d / "static_service_stats").write_text(json.dumps(sizes))
        t0 = time.perf_counter()
        base = settle(starting_point(load_scenario(d)))
        t1 = time.perf_counter()
        report = run_fault(base, Fault("node2"))
        render_text(report)
        t2 = time.perf_counter()
        cpu0 = _cpu()
        rows = each_node(base, [Fault(n) for n in nodes], summarize, jobs=args.jobs)
        t3 = time.perf_counter()
        cpu = _cpu() - cpu0
    longest = report.longest_outage
    print(f"{args.nodes} nodes x {args.services} services: settled at {base.time} virtual s in {t1 - t0:.2f} s wall")
    print(f"  one node (node2 loses power): {t2 - t1:.2f} s wall, {report.end - report.start} virtual s, "
          f"{sum(1 for s in report.services if s.moves)} services moved, longest outage "
          f"{longest[1].seconds(report.end) if longest else 0} s")
    print(f"  each node ({len(rows)} runs, {args.jobs} processes): {t3 - t2:.2f} s wall, "
          f"{cpu:.1f} s of CPU ({cpu / len(rows):.2f} s a run), {sum(len(r.over) for r in rows)} node overloads found")
    print(f"  whole --each-node command work (settle + runs): {t3 - t2 + t1 - t0:.2f} s; peak RSS {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
