"""How full each node is, from the static sizes: the N+1 question.

A node's size is its `maxcpu` (cores) and `maxmem` (bytes) in
`hardware_status`; a guest's is its configured `maxcpu` and `maxmem` in
`static_service_stats` — the figures the real static scheduler (CRS
`static`, spec 02 §13) weighs.  A node is *over* when the guests running on
it together ask for more than it has.  Memory is the hard limit; more vCPUs
than cores is common and only slows guests down, so both are reported and
the reader decides.  Missing node sizes take the environment's defaults, as
the scheduler's do; a guest without a size counts as zero.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from hasim.engine.world.stats import DEFAULT_MAXCPU, DEFAULT_MAXMEM


def _number(value, default: float = 0.0) -> float:
    if isinstance(value, bool) or value is None:
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


@attrs.frozen
class Sizes:
    """Node capacities and guest sizes: (maxcpu, maxmem) per name."""

    nodes: Mapping[str, tuple[float, float]]
    services: Mapping[str, tuple[float, float]]


def sizes_of(files: Mapping, nodes: Iterable[str]) -> Sizes:
    """Read the sizes from a simulation's cluster files."""
    hw = files.get("hardware_status") or {}
    static = files.get("static_service_stats") or {}
    node_sizes = {}
    for n in nodes:
        rec = hw.get(n) if isinstance(hw.get(n), dict) else {}
        node_sizes[n] = (_number(rec.get("maxcpu"), DEFAULT_MAXCPU), _number(rec.get("maxmem"), DEFAULT_MAXMEM))
    service_sizes = {
        sid: (_number(rec.get("maxcpu")), _number(rec.get("maxmem")))
        for sid, rec in sorted(static.items())
        if isinstance(rec, dict)
    }
    return Sizes(node_sizes, service_sizes)


@attrs.frozen
class NodeLoad:
    """What the guests running on a node ask for, against what it has."""

    node: str
    cpu: float
    maxcpu: float
    mem: float
    maxmem: float
    guests: int = 0

    @property
    def cpu_share(self) -> float:
        return self.cpu / self.maxcpu if self.maxcpu > 0 else 0.0

    @property
    def mem_share(self) -> float:
        return self.mem / self.maxmem if self.maxmem > 0 else 0.0

    @property
    def over_cpu(self) -> bool:
        return self.cpu > self.maxcpu

    @property
    def over_mem(self) -> bool:
        return self.mem > self.maxmem

    @property
    def over(self) -> bool:
        return self.over_cpu or self.over_mem


def node_loads(sizes: Sizes, running: Mapping[str, str | None]) -> dict[str, NodeLoad]:
    """node -> its load, given where each service runs (None: nowhere)."""
    cpu = dict.fromkeys(sizes.nodes, 0.0)
    mem = dict.fromkeys(sizes.nodes, 0.0)
    guests = dict.fromkeys(sizes.nodes, 0)
    for sid in sorted(running):
        node = running[sid]
        if node not in cpu:
            continue
        c, m = sizes.services.get(sid, (0.0, 0.0))
        cpu[node] += c
        mem[node] += m
        guests[node] += 1
    return {
        n: NodeLoad(n, cpu[n], sizes.nodes[n][0], mem[n], sizes.nodes[n][1], guests[n])
        for n in sorted(sizes.nodes)
    }
