"""Small clusters for the report and what-if tests, built in memory or in tmp_path."""

from __future__ import annotations

import json
from pathlib import Path

from hasim.analysis.recording import RunWatch
from hasim.analysis.report import Report, build_report
from hasim.simulation import Simulation
from hasim.workdir import load_scenario

REPO = Path(__file__).resolve().parents[2]
WORKING_DIRS = REPO / "working-dirs"
GIB = 1024**3


def report_of(path: Path) -> Report:
    """The outcome report of a directory's scenario, run in memory."""
    sim = Simulation(load_scenario(path))
    watch = RunWatch(sim)
    sim.run()
    return build_report(watch.record(), path.name)


def write_cluster(
    path: Path,
    *,
    nodes: int = 3,
    services: dict | None = None,
    node_mem_gib: float = 128,
    node_cpu: int = 24,
    sizes: dict | None = None,
    cmdlist: list | None = None,
    rules: str | None = None,
) -> Path:
    """A working directory: `nodes` nodes (off, powered on by batch 1), the
    given services (default: the real simulator's two VMs per node)."""
    path.mkdir(parents=True, exist_ok=True)
    names = [f"node{i}" for i in range(1, nodes + 1)]
    hw = {n: {"power": "off", "network": "off", "maxcpu": node_cpu, "maxmem": int(node_mem_gib * GIB)} for n in names}
    if services is None:
        services = {f"vm:{101 + i}": {"node": names[i % nodes], "state": "started"} for i in range(2 * nodes)}
    (path / "hardware_status").write_text(json.dumps(hw))
    (path / "service_config").write_text(json.dumps(services))
    (path / "manager_status").write_text("{}")
    (path / "cmdlist").write_text(json.dumps(cmdlist if cmdlist is not None else [[f"power {n} on" for n in names]]))
    if sizes is not None:
        (path / "static_service_stats").write_text(json.dumps(sizes))
    if rules is not None:
        (path / "rules_config").write_text(rules)
    return path
