"""Picks each run's faults at its command slots, as command values in the real
tester's grammar (spec 01 §6.5, §8)."""

from __future__ import annotations

import random

from hasim import commands as C
from hasim.analysis.explore.cluster import Cluster
from hasim.analysis.invariants import LIVENESS_BOUND
from hasim.simulation import Simulation

QUIET = LIVENESS_BOUND + 120  # delay after a healing batch: the liveness window plus margin
MAX_HEALS = 4


class Planner:
    """Picks the next command batch at each slot from the cluster's state."""

    def __init__(self, rng: random.Random, cluster: Cluster, duration: int) -> None:
        self.rng = rng
        self.cluster = cluster
        self.duration = duration
        self.maintenance: set[str] = set()
        self.heals = 0
        self.started = False

    def next_batch(self, sim: Simulation) -> list[C.Command] | None:
        rng = self.rng
        if not self.started:
            self.started = True
            return [C.Power(n, True) for n in self.cluster.nodes] + self._delay()
        if sim.time < self.duration:
            count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
            batch: list[C.Command] = []
            for _ in range(count):
                batch += self._fault(sim, batch)
            return batch + self._delay()
        return self._heal(sim)

    def _delay(self) -> list[C.Command]:
        # the next batch 100 s later (no delay), or 120..280 s later (01 §6.5)
        extra = self.rng.choices([0, 1, 2, 3, 5, 9], weights=[8, 3, 2, 2, 1, 1])[0]
        return [C.Delay(20 * (extra + 1))] if extra else []

    # -- the cluster as the planner sees it --------------------------------------------------
    def _nodes(self, sim: Simulation) -> dict[str, dict]:
        out = {}
        for n in sim.snapshot().nodes:
            out[n.name] = {
                "on": n.power == "on",
                "net": n.network == "on",
                "busy": bool(n.shutdown) or n.lrm_restarting,  # a shutdown/restart is under way
                "lrm": n.lrm_state is not None,
                "crm": n.crm_state is not None,
                "rw": n.cfs_rw,
                "update": n.cfs_update,
                "lrm_active": n.lrm_state == "active" and n.lrm_mode == "active",
            }
        return out

    def _fault(self, sim: Simulation, batch: list[C.Command]) -> list[C.Command]:
        rng = self.rng
        nodes = self._nodes(sim)
        touched = {getattr(c, "node", None) or getattr(c, "sid", None) for c in batch}
        free = [n for n in sorted(nodes) if n not in touched]
        up = [n for n in free if nodes[n]["on"]]
        steady = [n for n in up if not nodes[n]["busy"] and nodes[n]["lrm"] and nodes[n]["crm"] and nodes[n]["rw"]]
        conf = sim.read_config("service_config") or {}
        # an LRM in maintenance, or an active one without local services, aborts the
        # real tester when its cfs refuses reads (03 §16.2-3): only fail busy, loaded nodes
        loaded = [
            n for n in up
            if nodes[n]["lrm_active"] and not nodes[n]["busy"] and nodes[n]["rw"] and n not in self.maintenance
            and sum(1 for s in conf if conf[s].get("node") == n) >= 2
        ]  # fmt: skip
        broken = [(n, f) for n in up for f in ("rw", "update") if not nodes[n][f]]
        if broken and rng.random() < 0.3:
            n, f = rng.choice(broken)
            return [C.Cfs(n, f, True)]
        sids = [s for s in sorted(conf) if s not in touched]
        choices: list[tuple[str, int]] = [
            ("crash", 8), ("poweron", 8), ("isolate", 8), ("reconnect", 8), ("partition", 3),
            ("reboot", 4), ("shutdown", 3), ("restart-lrm", 3), ("maintenance", 4), ("migrate", 6),
            ("relocate", 3), ("cfs", 3), ("cfs-work", 3), ("request", 3), ("stop", 1),
        ]  # fmt: skip
        for _attempt in range(8):
            kind = rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
            if kind == "crash" and up:
                return [C.Power(rng.choice(up), False)]
            if kind == "poweron":
                off = [n for n in free if not nodes[n]["on"]]
                if off:
                    return [C.Power(rng.choice(off), True)]
            if kind == "isolate":
                cand = [n for n in up if nodes[n]["net"]]
                if cand:
                    return [C.Network(rng.choice(cand), False)]
            if kind == "reconnect":
                cand = [n for n in up if not nodes[n]["net"]]
                if cand:
                    return [C.Network(rng.choice(cand), True)]
            if kind == "partition" and len(up) >= 2:
                group = rng.sample(up, rng.randint(1, len(up) - 1))
                return [C.Network(n, False) for n in sorted(group) if nodes[n]["net"]]
            if kind in ("reboot", "shutdown", "restart-lrm") and steady:
                n = rng.choice(steady)
                return [{"reboot": C.Reboot, "shutdown": C.Shutdown, "restart-lrm": C.RestartLrm}[kind](n)]
            if kind == "maintenance" and steady:
                n = rng.choice(steady)
                if n in self.maintenance:
                    self.maintenance.discard(n)
                    return [C.NodeMaintenance(n, False)]
                self.maintenance.add(n)
                return [C.NodeMaintenance(n, True)]
            if kind in ("migrate", "relocate") and sids:
                sid = rng.choice(sids)
                targets = [n for n in sorted(nodes) if n != conf[sid].get("node")]
                if targets:
                    return [(C.Migrate if kind == "migrate" else C.Relocate)(sid, rng.choice(targets))]
            if kind == "cfs" and up:
                flag = rng.choice(["rw", "update"])
                cand = loaded if flag == "rw" else up
                if cand:
                    return [C.Cfs(rng.choice(cand), flag, False)]
            if kind == "cfs-work" and broken:
                n, f = rng.choice(broken)
                return [C.Cfs(n, f, True)]
            if kind == "request" and sids:
                sid = rng.choice(sids)
                return [C.SetRequestedState(sid, rng.choices(["started", "stopped", "disabled"], weights=[3, 1, 1])[0])]
            if kind == "stop" and sids:
                return [C.StopService(rng.choice(sids), str(rng.choice([0, 10])))]
        return []

    def _heal(self, sim: Simulation) -> list[C.Command] | None:
        if self.heals >= MAX_HEALS:
            return None
        nodes = self._nodes(sim)
        batch: list[C.Command] = []
        waiting = False
        for n in sorted(nodes):
            st = nodes[n]
            if not st["on"]:
                batch.append(C.Power(n, True))
                continue
            if st["busy"]:
                waiting = True  # a shutdown or LRM restart finishes first
                continue
            if not st["net"]:
                batch.append(C.Network(n, True))
            for flag in ("rw", "update"):
                if not st[flag]:
                    batch.append(C.Cfs(n, flag, True))
            if not st["crm"] and not st["lrm"]:
                batch.append(C.Power(n, False))  # daemons gone for good: power-cycle
        for n in sorted(self.maintenance):
            batch.append(C.NodeMaintenance(n, False))
        self.maintenance.clear()
        if self.heals == 0:
            conf = sim.read_config("service_config") or {}
            for sid in sorted(conf):
                if conf[sid].get("state") != "started" and self.rng.random() < 0.5:
                    batch.append(C.SetRequestedState(sid, "started"))
        if not batch and not waiting and self.heals:
            return None
        self.heals += 1
        return batch + [C.Delay(QUIET if not waiting else 100)]
