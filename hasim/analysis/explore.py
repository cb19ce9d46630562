"""`hasim explore`: seeded random fault schedules, every run checked.

    hasim explore --seed S --runs N [--nodes K] [--services M] [--duration T]
                  [--jobs J] [--out DIR] [--mutant NAME]

Theory of operation
-------------------
Run *i* of seed *S* draws everything from its own ``random.Random`` seeded
with ``"hasim-explore:S:i"``: a cluster of 3–5 nodes (``--nodes``) with 3–8
services (``--services``: `vm:`, `ct:` and failure-injecting `fa:` ones, some
with node-affinity rules, a random shutdown policy and CRS mode), and then,
as the run goes, its fault schedule.  The schedule is written in the real
tester's own grammar and timing: batches of commands applied at command
slots, spaced with ``delay`` (spec 01 §6.5).  At each slot the `Planner`
looks at the cluster (which nodes are up, cut off, shutting down, …) and
picks 1–3 faults — power off/on, network off/on, partitions (network off on
a subset), reboot, shutdown, node maintenance on/off, migrate, relocate,
LRM restart, cfs ``rw``/``update`` failures and repairs, requested-state
changes and stop commands — never a combination the real tester cannot
simulate.  After ``--duration`` seconds of faults it heals the cluster
(power, network, cfs, maintenance) and leaves it quiet long enough for the
liveness check.  The invariants of `hasim.analysis.invariants` are checked after every
node step and loop end.

The schedule a run applied is a plain command list, so a failing run is
replayed statically: the shrinker removes commands and services (delta
debugging) while the same invariant still fails, and the smallest failing
schedule is saved as a scenario directory (``hardware_status``,
``service_config``, ``manager_status``, ``cmdlist``, optional
``datacenter.cfg``/``rules_config``, and a README) that ``hasim run``
replays.  Same seed, same schedules, same verdicts, in any process; with
``--jobs J`` runs are spread over J processes and merged in run order.

The last line of the summary reads ``N runs, V violations``, where V counts
the runs that violated at least one invariant.  Exit status: 0 no violation,
1 violations found, 2 bad arguments.

``--mutant NAME`` runs a deliberately broken engine (`hasim_testing.mutants`) to see
the invariants catch it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from hasim.analysis.invariants import INVARIANTS, LIVENESS_BOUND, Checker, Violation
from hasim.cli.values import MAX_RUNS
from hasim.simulation import Simulation
from hasim.workdir import Scenario, atomic_write, dump_json

DEFAULT_DURATION = 2400
QUIET = LIVENESS_BOUND + 120  # delay after a healing batch: the liveness window plus margin
MAX_HEALS = 4
SHRINK_BUDGET = 300
DELAY_RE = re.compile(r"^delay\s+\d+\s*$")


# -- the cluster of one run ---------------------------------------------------------------------
@attrs.frozen
class Cluster:
    """The input files of one run, as the scenario directory holds them."""

    nodes: tuple[str, ...]
    hardware: dict
    services: dict
    datacenter: dict | None = None
    rules: str | None = None

    def files(self) -> dict[str, Any]:
        """The initial status files, exactly as `load_scenario` builds them
        from the saved directory (the tests check the two agree)."""
        services = json.loads(json.dumps(self.services))
        files: dict[str, Any] = {
            "hardware_status": json.loads(json.dumps(self.hardware)),
            "service_config": services,
            "manager_status": {},
        }
        if self.datacenter is not None:
            files["datacenter.cfg"] = json.loads(json.dumps(self.datacenter))
        if self.rules is not None:
            files["rules_config"] = self.rules
        static = {sid: {"maxcpu": 4.0, "maxmem": 4294967296} for sid in sorted(services)}
        files["static_service_stats"] = static
        files["dynamic_service_stats"] = {sid: {"cpu": 2.0, "mem": 2147483648} for sid in sorted(static)}
        for node in self.nodes:
            files[f"service_status_{node}"] = {}
        return files

    def scenario(self, cmdlist: list[list[str]]) -> Scenario:
        return Scenario(path=Path("."), files=self.files(), nodes=list(self.nodes), cmdlist=cmdlist)

    def without_service(self, sid: str) -> Cluster:
        services = {s: v for s, v in self.services.items() if s != sid}
        rules = self.rules
        if rules is not None:
            rules = _rules_without(rules, sid)
        return attrs.evolve(self, services=services, rules=rules)


def _rules_without(text: str, sid: str) -> str | None:
    out = []
    for block in text.strip("\n").split("\n\n"):
        lines = block.split("\n")
        kept = []
        empty = False
        for line in lines:
            if line.startswith("\tresources "):
                members = [s for s in line.split(None, 1)[1].split(",") if s != sid]
                empty = not members
                line = "\tresources " + ",".join(members)
            kept.append(line)
        if not empty:
            out.append("\n".join(kept))
    return "\n\n".join(out) + "\n" if out else None


def make_cluster(rng: random.Random, nodes: int | None, services: int | None) -> Cluster:
    k = nodes if nodes is not None else rng.randint(3, 5)
    names = tuple(f"node{i}" for i in range(1, k + 1))
    crs = rng.choices(["basic", "static", "dynamic"], weights=[6, 3, 2])[0]
    hardware = {}
    for n in names:
        rec: dict[str, Any] = {"power": "off", "network": "off"}
        if crs != "basic":
            rec["maxcpu"] = rng.choice([4, 8, 16, 24])
            rec["maxmem"] = rng.choice([16, 32, 64, 128]) * 1073741824
        hardware[n] = rec
    m = services if services is not None else rng.randint(3, 8)
    conf: dict[str, dict] = {}
    fa_prefixes = list(range(1, 10))
    rng.shuffle(fa_prefixes)
    for i in range(m):
        kind = rng.choices(["vm", "ct", "fa"], weights=[6, 2, 2])[0]
        if kind == "fa" and fa_prefixes:
            digits = f"{fa_prefixes.pop()}{rng.choice('0011112')}{rng.choice('0011112')}"
            if rng.random() < 0.15:
                digits += "1"  # cannot be stopped
            sid = f"fa:{digits}"
        else:
            sid = f"{'ct' if kind == 'ct' else 'vm'}:{100 + i + 1}"
        if sid in conf:
            sid = f"vm:{100 + i + 1}"
        rec = {"node": rng.choice(names), "state": rng.choices(["started", "stopped", "disabled"], weights=[8, 1, 1])[0]}
        if rng.random() < 0.2:
            rec["max_restart"] = rng.randint(0, 2)
        if rng.random() < 0.2:
            rec["max_relocate"] = rng.randint(0, 2)
        conf[sid] = rec
    datacenter: dict[str, Any] | None = None
    policy = rng.choices([None, "conditional", "freeze", "failover", "migrate"], weights=[3, 1, 2, 2, 2])[0]
    if policy is not None or crs != "basic":
        datacenter = {}
        if policy is not None:
            datacenter["ha"] = {"shutdown_policy": policy}
        if crs != "basic":
            dc_crs: dict[str, Any] = {"ha": crs}
            if rng.random() < 0.3:
                dc_crs["ha-rebalance-on-start"] = 1
            if rng.random() < 0.3:
                dc_crs["ha-auto-rebalance"] = 1
            datacenter["crs"] = dc_crs
    rules = None
    if rng.random() < 0.25 and conf and len(names) >= 2:
        blocks = []
        for r in range(rng.randint(1, 2)):
            members = sorted(rng.sample(sorted(conf), rng.randint(1, min(2, len(conf)))))
            allowed = sorted(rng.sample(names, rng.randint(1, len(names) - 1)))
            prios = [f"{n}:{rng.randint(1, 2)}" if rng.random() < 0.3 else n for n in allowed]
            blocks.append(
                f"node-affinity: rule{r + 1}\n\tnodes {','.join(prios)}\n\tresources {','.join(members)}\n"
                f"\tstrict {rng.randint(0, 1)}\n"
            )
        rules = "\n".join(blocks)
    return Cluster(nodes=names, hardware=hardware, services=conf, datacenter=datacenter, rules=rules)


# -- choosing the faults ----------------------------------------------------------------------------
class Planner:
    """Picks the next command batch at each slot from the cluster's state."""

    def __init__(self, rng: random.Random, cluster: Cluster, duration: int) -> None:
        self.rng = rng
        self.cluster = cluster
        self.duration = duration
        self.maintenance: set[str] = set()
        self.heals = 0
        self.started = False

    def next_batch(self, sim: Simulation) -> list[str] | None:
        rng = self.rng
        if not self.started:
            self.started = True
            return [f"power {n} on" for n in self.cluster.nodes] + self._delay()
        if sim.time < self.duration:
            count = rng.choices([1, 2, 3], weights=[6, 3, 1])[0]
            batch: list[str] = []
            for _ in range(count):
                batch += self._fault(sim, batch)
            return batch + self._delay()
        return self._heal(sim)

    def _delay(self) -> list[str]:
        # the next batch 100 s later (no delay), or 120..280 s later (01 §6.5)
        extra = self.rng.choices([0, 1, 2, 3, 5, 9], weights=[8, 3, 2, 2, 1, 1])[0]
        return [f"delay {20 * (extra + 1)}"] if extra else []

    # -- the cluster as the planner sees it --------------------------------------------------
    def _nodes(self, sim: Simulation) -> dict[str, dict]:
        harness = sim.harness
        out = {}
        for n in harness.order:
            rec = sim.world.hw[n]
            d = harness.nodes[n]
            cfs = rec.get("cfs") or {}
            out[n] = {
                "on": rec.get("power") == "on",
                "net": rec.get("network") == "on",
                "busy": bool(rec.get("shutdown")) or d.lrm_restart,  # a shutdown/restart is under way
                "lrm": d.lrm is not None,
                "crm": d.crm is not None,
                "rw": cfs.get("rw", True) is not False,
                "update": cfs.get("update", True) is not False,
                "lrm_active": d.lrm is not None and d.lrm.state == "active" and d.lrm.mode == "active",
            }
        return out

    def _fault(self, sim: Simulation, batch: list[str]) -> list[str]:
        rng = self.rng
        nodes = self._nodes(sim)
        touched = {c.split()[1] for c in batch if len(c.split()) > 1}
        free = [n for n in sorted(nodes) if n not in touched]
        up = [n for n in free if nodes[n]["on"]]
        steady = [n for n in up if not nodes[n]["busy"] and nodes[n]["lrm"] and nodes[n]["crm"] and nodes[n]["rw"]]
        conf = sim.world.peek("service_config") or {}
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
            return [f"cfs {n} {f} work"]
        sids = [s for s in sorted(conf) if s not in touched]
        choices: list[tuple[str, int]] = [
            ("crash", 8), ("poweron", 8), ("isolate", 8), ("reconnect", 8), ("partition", 3),
            ("reboot", 4), ("shutdown", 3), ("restart-lrm", 3), ("maintenance", 4), ("migrate", 6),
            ("relocate", 3), ("cfs", 3), ("cfs-work", 3), ("request", 3), ("stop", 1),
        ]  # fmt: skip
        for _attempt in range(8):
            kind = rng.choices([c for c, _ in choices], weights=[w for _, w in choices])[0]
            if kind == "crash" and up:
                return [f"power {rng.choice(up)} off"]
            if kind == "poweron":
                off = [n for n in free if not nodes[n]["on"]]
                if off:
                    return [f"power {rng.choice(off)} on"]
            if kind == "isolate":
                cand = [n for n in up if nodes[n]["net"]]
                if cand:
                    return [f"network {rng.choice(cand)} off"]
            if kind == "reconnect":
                cand = [n for n in up if not nodes[n]["net"]]
                if cand:
                    return [f"network {rng.choice(cand)} on"]
            if kind == "partition" and len(up) >= 2:
                group = rng.sample(up, rng.randint(1, len(up) - 1))
                return [f"network {n} off" for n in sorted(group) if nodes[n]["net"]]
            if kind in ("reboot", "shutdown", "restart-lrm") and steady:
                n = rng.choice(steady)
                return [f"{kind} {n}"]
            if kind == "maintenance" and steady:
                n = rng.choice(steady)
                if n in self.maintenance:
                    self.maintenance.discard(n)
                    return [f"crm {n} disable-node-maintenance"]
                self.maintenance.add(n)
                return [f"crm {n} enable-node-maintenance"]
            if kind in ("migrate", "relocate") and sids:
                sid = rng.choice(sids)
                targets = [n for n in sorted(nodes) if n != conf[sid].get("node")]
                if targets:
                    return [f"service {sid} {kind} {rng.choice(targets)}"]
            if kind == "cfs" and up:
                flag = rng.choice(["rw", "update"])
                cand = loaded if flag == "rw" else up
                if cand:
                    return [f"cfs {rng.choice(cand)} {flag} fail"]
            if kind == "cfs-work" and broken:
                n, f = rng.choice(broken)
                return [f"cfs {n} {f} work"]
            if kind == "request" and sids:
                sid = rng.choice(sids)
                return [f"service {sid} {rng.choices(['started', 'stopped', 'disabled'], weights=[3, 1, 1])[0]}"]
            if kind == "stop" and sids:
                return [f"service {rng.choice(sids)} stop {rng.choice([0, 10])}"]
        return []

    def _heal(self, sim: Simulation) -> list[str] | None:
        if self.heals >= MAX_HEALS:
            return None
        nodes = self._nodes(sim)
        batch: list[str] = []
        waiting = False
        for n in sorted(nodes):
            st = nodes[n]
            if not st["on"]:
                batch.append(f"power {n} on")
                continue
            if st["busy"]:
                waiting = True  # a shutdown or LRM restart finishes first
                continue
            if not st["net"]:
                batch.append(f"network {n} on")
            for flag in ("rw", "update"):
                if not st[flag]:
                    batch.append(f"cfs {n} {flag} work")
            if not st["crm"] and not st["lrm"]:
                batch.append(f"power {n} off")  # daemons gone for good: power-cycle
        for n in sorted(self.maintenance):
            batch.append(f"crm {n} disable-node-maintenance")
        self.maintenance.clear()
        if self.heals == 0:
            conf = sim.world.peek("service_config") or {}
            for sid in sorted(conf):
                if conf[sid].get("state") != "started" and self.rng.random() < 0.5:
                    batch.append(f"service {sid} started")
        if not batch and not waiting and self.heals:
            return None
        self.heals += 1
        return batch + [f"delay {QUIET if not waiting else 100}"]


# -- running ---------------------------------------------------------------------------------------
@attrs.frozen
class Outcome:
    violations: tuple[Violation, ...]
    cmdlist: tuple[tuple[str, ...], ...]  # the batches the harness applied
    error: str | None
    end_time: int
    steps: int
    notices: tuple[Violation, ...] = ()  # known gaps of the real stack seen on the way


def execute(
    cluster: Cluster,
    cmdlist: list[list[str]] | None = None,
    planner: Planner | None = None,
    stop: Callable[[list[Violation]], bool] | None = None,
) -> Outcome:
    """Run one schedule with every invariant checked after every step.

    Either `cmdlist` is given (a static replay, exactly as `hasim run` would
    apply it) or `planner` chooses each batch at its slot.  `stop` ends the
    run early once it returns True for the violations found so far.
    """
    sim = Simulation(cluster.scenario([list(b) for b in cmdlist or []]), write_status=False)
    harness = sim.harness
    checker = Checker(harness)
    harness.start()
    steps = 0
    order = harness.order
    while not harness.finished:
        node_step = harness.node_cursor < len(order)
        if (
            planner is not None
            and not node_step
            and harness.loop_count % 5 == 0
            and harness.batch_index == len(harness.cmdlist)
            and max(sim.world.time, harness.loop_start + harness.loop_length) >= harness.next_cmd_at
        ):
            batch = planner.next_batch(sim)
            if batch is not None:
                harness.cmdlist.append(batch)
        stepped = order[harness.node_cursor] if node_step else None
        harness.step_node()
        steps += 1
        found = checker.observe(stepped)
        if found and stop is not None and stop(checker.violations):
            break
        order = harness.order
    return Outcome(
        violations=tuple(checker.violations),
        cmdlist=tuple(tuple(b) for b in harness.cmdlist[: harness.batch_index]),
        error=sim.error,
        end_time=sim.time,
        steps=steps,
        notices=tuple(checker.notices),
    )


@attrs.frozen
class RunSpec:
    seed: int
    index: int
    nodes: int | None = None
    services: int | None = None
    duration: int = DEFAULT_DURATION


@attrs.frozen
class RunResult:
    index: int
    cluster: Cluster
    outcome: Outcome

    @property
    def failed(self) -> bool:
        return bool(self.outcome.violations)

    @property
    def commands(self) -> int:
        return sum(1 for b in self.outcome.cmdlist for c in b if not DELAY_RE.match(c))


def run_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"hasim-explore:{seed}:{index}")


def run_one(spec: RunSpec) -> RunResult:
    rng = run_rng(spec.seed, spec.index)
    cluster = make_cluster(rng, spec.nodes, spec.services)
    outcome = execute(cluster, planner=Planner(rng, cluster, spec.duration))
    return RunResult(spec.index, cluster, outcome)


# -- shrinking -----------------------------------------------------------------------------------------
def _commands(cmdlist: Iterable[Iterable[str]]) -> list[tuple[int, int]]:
    return [(b, i) for b, batch in enumerate(cmdlist) for i, c in enumerate(batch) if not DELAY_RE.match(c)]


def _without(cmdlist, drop: set[tuple[int, int]]) -> list[list[str]]:
    return [[c for i, c in enumerate(batch) if (b, i) not in drop] for b, batch in enumerate(cmdlist)]


def compact(cmdlist: list[list[str]]) -> list[list[str]]:
    """Same timing, fewer batches: drop trailing empty batches and fold runs of
    empty batches into a `delay` of the batch before them (01 §6.5: after a
    batch with `delay d` the next one comes 20·max(1,⌈d/20⌉) + 80 s later)."""
    batches = [list(b) for b in cmdlist]
    while batches and not batches[-1]:
        batches.pop()
    out: list[list[str]] = []
    for batch in batches:
        if not batch and out:
            prev = out[-1]
            gap = _gap(prev) + 100
            prev[:] = [c for c in prev if not DELAY_RE.match(c)] + [f"delay {gap - 80}"]
            continue
        out.append(batch)
    return out


def _gap(batch: list[str]) -> int:
    """Seconds from this batch to the next slot."""
    for c in batch:
        if DELAY_RE.match(c):
            d = int(c.split()[1])
            return 20 * max(1, -(-d // 20)) + 80
    return 100


def shrink(
    cluster: Cluster, cmdlist: list[list[str]], name: str, budget: int = SHRINK_BUDGET
) -> tuple[Cluster, list[list[str]], Outcome, int]:
    """The smallest schedule found (within `budget` replays) that still
    violates invariant `name`; returns (cluster, cmdlist, outcome, replays)."""
    replays = 0

    def stop(violations: list[Violation]) -> bool:
        return any(v.name == name for v in violations)

    def attempt(cl: Cluster, cmds: list[list[str]]) -> Outcome | None:
        nonlocal replays
        if replays >= budget:
            return None
        replays += 1
        outcome = execute(cl, cmdlist=cmds, stop=stop)
        return outcome if stop(list(outcome.violations)) and outcome.error is None else None

    best = execute(cluster, cmdlist=cmdlist, stop=stop)
    if not stop(list(best.violations)):
        return cluster, cmdlist, best, replays
    # cut everything after the violation: those batches were never applied
    cmdlist = [list(b) for b in best.cmdlist]
    # 1. delta debugging over the commands (delays stay: they keep the timing)
    items = _commands(cmdlist)
    n = 2
    while len(items) >= 1 and replays < budget:
        chunk = max(1, -(-len(items) // n))
        reduced = False
        for start in range(0, len(items), chunk):
            drop = set(items[start : start + chunk])
            cand = _without(cmdlist, drop)
            got = attempt(cluster, cand)
            if got is not None:
                cmdlist, best = [list(b) for b in got.cmdlist], got
                items = _commands(cmdlist)
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if chunk == 1:
                break
            n = min(len(items), n * 2)
    # 2. fewer services
    for sid in sorted(cluster.services):
        if len(cluster.services) <= 1:
            break
        cl = cluster.without_service(sid)
        cand = [[c for c in batch if not re.search(rf"\b{re.escape(sid)}\b", c)] for batch in cmdlist]
        got = attempt(cl, cand)
        if got is not None:
            cluster, cmdlist, best = cl, cand, got
    # 3. fewer delays (changes the timing; kept only if it still fails)
    for b in range(len(cmdlist)):
        if any(DELAY_RE.match(c) for c in cmdlist[b]):
            cand = [list(x) for x in cmdlist]
            cand[b] = [c for c in cand[b] if not DELAY_RE.match(c)]
            got = attempt(cluster, cand)
            if got is not None:
                cmdlist, best = cand, got
    # 4. tidy: fold empty batches into delays
    tidy = compact(cmdlist)
    if tidy != cmdlist:
        got = attempt(cluster, tidy)
        if got is not None:
            cmdlist, best = tidy, got
    return cluster, cmdlist, best, replays


# -- saving -----------------------------------------------------------------------------------------------
def save_scenario(path: Path, cluster: Cluster, cmdlist: list[list[str]], violation: Violation, note: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    atomic_write(path / "hardware_status", dump_json(cluster.hardware))
    atomic_write(path / "service_config", dump_json(cluster.services))
    atomic_write(path / "manager_status", "{}\n")
    atomic_write(path / "cmdlist", _format_cmdlist(cmdlist))
    for name, value in (("datacenter.cfg", cluster.datacenter), ("rules_config", cluster.rules)):
        target = path / name
        if value is None:
            if target.exists():
                target.unlink()
        else:
            atomic_write(target, value if isinstance(value, str) else dump_json(value))
    inv = INVARIANTS[violation.name]
    text = (
        f"Invariant violated: {violation.name} - {inv.title}\n\n"
        f"At {violation.time} s: {violation.detail}\n\n"
        f"{_wrap(inv.explanation)}\n\n"
        f"{note}\n\n"
        f"Replay: hasim run {path}\n"
    )
    atomic_write(path / "README", text)


def _format_cmdlist(cmdlist: list[list[str]]) -> str:
    lines = ["[" if cmdlist else "[]"]
    for i, batch in enumerate(cmdlist):
        sep = "," if i < len(cmdlist) - 1 else ""
        lines.append("    " + json.dumps(batch) + sep)
    if cmdlist:
        lines.append("]")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int = 78) -> str:
    out, line = [], ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    if line:
        out.append(line)
    return "\n".join(out)


# -- the command ----------------------------------------------------------------------------------------------
def mutant(name: str | None) -> contextlib.AbstractContextManager:
    """The broken engine `name` (None: the faithful one).  Mutants are a
    development aid that lives in the checkout (`hasim_testing`), not in an
    installed wheel."""
    if name is None:
        return contextlib.nullcontext()
    from hasim_testing.mutants import mutant as broken

    return broken(name)


def known_mutants() -> tuple[str, ...]:
    try:
        from hasim_testing.mutants import MUTANTS
    except ImportError:
        return ()
    return tuple(MUTANTS)


_WORKER_STACK: contextlib.ExitStack | None = None


def _worker_init(mutant_name: str | None) -> None:
    global _WORKER_STACK
    _WORKER_STACK = contextlib.ExitStack()
    _WORKER_STACK.enter_context(mutant(mutant_name))


def results(specs: list[RunSpec], jobs: int = 1, mutant_name: str | None = None) -> Iterator[RunResult]:
    """Run the specs, yielding results in run order (several processes with jobs > 1)."""
    if jobs <= 1 or len(specs) <= 1:
        with mutant(mutant_name):
            for spec in specs:
                yield run_one(spec)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
    with ctx.Pool(jobs, initializer=_worker_init, initargs=(mutant_name,)) as pool:
        yield from pool.imap(run_one, specs, chunksize=4)


@attrs.frozen
class Summary:
    runs: int
    failed: tuple[RunResult, ...]
    errors: tuple[RunResult, ...]
    commands: int
    virtual_time: int
    by_invariant: dict[str, list[int]]
    noticed: tuple[int, ...] = ()  # runs where a known gap of the real stack showed


def explore(
    seed: int,
    runs: int,
    *,
    nodes: int | None = None,
    services: int | None = None,
    duration: int = DEFAULT_DURATION,
    jobs: int = 1,
    mutant_name: str | None = None,
    progress: Callable[[int, int, int], None] | None = None,
    stop_after_failures: int | None = None,
) -> Summary:
    specs = [RunSpec(seed, i, nodes, services, duration) for i in range(runs)]
    failed: list[RunResult] = []
    errors: list[RunResult] = []
    by_invariant: dict[str, list[int]] = {}
    noticed: list[int] = []
    commands = vtime = done = 0
    gen = results(specs, jobs, mutant_name)
    try:
        for result in gen:
            done += 1
            commands += result.commands
            vtime += result.outcome.end_time
            if result.outcome.error is not None:
                errors.append(result)
            if result.outcome.notices:
                noticed.append(result.index)
            if result.failed:
                failed.append(result)
                for name in sorted({v.name for v in result.outcome.violations}):
                    by_invariant.setdefault(name, []).append(result.index)
            if progress is not None:
                progress(done, runs, len(failed))
            if stop_after_failures is not None and len(failed) >= stop_after_failures:
                break
    finally:
        gen.close()
    return Summary(done, tuple(failed), tuple(errors), commands, vtime, by_invariant, tuple(noticed))


def _progress_bar(stream) -> Callable[[int, int, int], None]:
    last = [-1]

    def show(done: int, total: int, failed: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        if filled == last[0] and done != total and done % 50:
            return
        last[0] = filled
        stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} runs, {failed} violations")
        if done == total:
            stream.write("\n")
        stream.flush()

    return show


def cmd_explore(args: argparse.Namespace) -> int:
    def bad(msg: str) -> int:
        print(f"hasim: explore: {msg}", file=sys.stderr)
        return 2

    if not 1 <= args.runs <= MAX_RUNS:
        return bad(f"--runs must be between 1 and {MAX_RUNS}")
    if args.nodes is not None and not 1 <= args.nodes <= 10:
        return bad("--nodes must be between 1 and 10")
    if args.services is not None and not 1 <= args.services <= 20:
        return bad("--services must be between 1 and 20")
    if args.duration < 0 or args.duration > 6000:
        return bad("--duration must be between 0 and 6000 seconds")
    if args.jobs < 1:
        return bad("--jobs must be at least 1")
    if args.mutant is not None and args.mutant not in known_mutants():
        if not known_mutants():
            return bad("--mutant needs the development aids of a checkout (hasim_testing), not installed here")
        return bad(f"unknown mutant '{args.mutant}' (known: {', '.join(known_mutants())})")
    out = sys.stdout
    nodes = f"{args.nodes} nodes" if args.nodes else "3-5 nodes"
    services = f"{args.services} services" if args.services else "3-8 services"
    engine = f", mutant {args.mutant}" if args.mutant else ""
    print(
        f"hasim explore: seed {args.seed}, {args.runs} runs of {nodes}, {services}, "
        f"{args.duration} s of faults then healing{engine}",
        file=out,
    )
    out.flush()
    progress = None if args.quiet else _progress_bar(sys.stderr)
    summary = explore(
        args.seed, args.runs, nodes=args.nodes, services=args.services, duration=args.duration,
        jobs=args.jobs, mutant_name=args.mutant, progress=progress,
    )  # fmt: skip
    for result in summary.errors:
        print(f"run {result.index}: simulation ended with an error: {result.outcome.error}", file=out)
    shrunk_names: set[str] = set()
    with mutant(args.mutant):
        for result in summary.failed:
            first = result.outcome.violations[0]
            print(f"run {result.index}: {first.name} at {first.time} s: {first.detail}", file=out)
            if first.name in shrunk_names or len(shrunk_names) >= 3:
                continue
            shrunk_names.add(first.name)
            cluster, cmdlist, best, replays = shrink(
                result.cluster, [list(b) for b in result.outcome.cmdlist], first.name, args.shrink_budget
            )
            violation = next(v for v in best.violations if v.name == first.name)
            path = Path(args.out) / f"{first.name}-seed{args.seed}-run{result.index}"
            n_cmds = len(_commands(cmdlist))
            note = (
                f"Found by: hasim explore --seed {args.seed} (run {result.index})"
                f"{' --mutant ' + args.mutant if args.mutant else ''}; shrunk from "
                f"{result.commands} to {n_cmds} commands and {len(cluster.services)} services in {replays} replays."
            )
            save_scenario(path, cluster, cmdlist, violation, note)
            print(f"  shrunk to {n_cmds} commands, {len(cluster.services)} services: {violation.detail}", file=out)
            print(f"  saved {path} (replay: hasim run {path})", file=out)
    print(
        f"{summary.commands} commands applied, {summary.virtual_time} s of virtual time, "
        f"{len(summary.errors)} runs ended in a simulation error",
        file=out,
    )
    if summary.noticed:
        print(f"known gaps of the real stack seen (notices, not violations): runs {summary.noticed}", file=out)
    if summary.by_invariant:
        for name in sorted(summary.by_invariant):
            idx = summary.by_invariant[name]
            print(f"  {name}: {len(idx)} runs (first: run {idx[0]})", file=out)
    print(f"{summary.runs} runs, {len(summary.failed)} violations", file=out)
    return 1 if summary.failed else 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "explore",
        help="random fault schedules, every run checked against the HA invariants",
        description="Run seeded random fault schedules over small clusters and check the HA "
        "invariants after every step; shrink and save failing schedules as scenarios.",
        epilog="The last line reads 'N runs, V violations' (V: runs that violated an invariant). "
        "Exit status: 0 no violation, 1 violations, 2 bad arguments.",
    )
    p.add_argument("--seed", type=int, required=True, help="seed of the schedules (same seed, same runs)")
    p.add_argument("--runs", type=int, required=True, help="number of runs")
    p.add_argument("--nodes", type=int, help="cluster size (default: 3-5, drawn per run)")
    p.add_argument("--services", type=int, help="number of services (default: 3-8, drawn per run)")
    p.add_argument("--duration", type=int, default=DEFAULT_DURATION,
                   help=f"seconds of faults before healing (default {DEFAULT_DURATION})")  # fmt: skip
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--out", default="explore-failures",
                   help="where failing scenarios are saved (default: explore-failures)")  # fmt: skip
    p.add_argument("--mutant", help="run a deliberately broken engine (a checkout's hasim_testing.mutants)")
    p.add_argument("--shrink-budget", type=int, default=SHRINK_BUDGET, help="replays allowed per shrink")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_explore)


__all__ = [
    "Cluster",
    "Outcome",
    "Planner",
    "RunResult",
    "RunSpec",
    "compact",
    "execute",
    "explore",
    "make_cluster",
    "register",
    "run_one",
    "save_scenario",
    "shrink",
]
