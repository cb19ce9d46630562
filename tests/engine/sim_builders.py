"""Small builders for the state-machine unit tests.

Two ways to set up a test:

* `Bench` — a `World` whose cluster files are given as Python dicts, plus
  direct access to single daemons through their `Env` (one per node and
  daemon kind).  Nothing runs unless the test calls it: `bench.manager()`
  makes a Manager instance as a freshly elected master would, `bench.round(m,
  at=t)` runs one manager round at hardware time t, `bench.crm(node)` /
  `bench.lrm(node)` create daemons and `bench.step(daemon, at=t)` runs one of
  their iterations.  Each of these returns the messages logged meanwhile.

* `scenario(tmp_path, ...)` — writes a working directory into tmp_path and
  returns a `Simulation` over it, for behaviour that needs the whole run loop
  (watchdog expiry, power cycles, restart of an LRM).  `log_of(sim)` renders
  its log as short `"<time> <source>: <message>"` strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from hasim.engine.env import Env
from hasim.engine.ha.crm import CRM
from hasim.engine.ha.lrm import LRM
from hasim.engine.ha.manager import Manager
from hasim.log import LogLine, LogSink
from hasim.simulation import Simulation
from hasim.workdir import load_scenario
from hasim.engine.world.cluster import World

NODES = ("node1", "node2", "node3")
POWER_ON = ["power node1 on", "power node2 on", "power node3 on"]


def svc(state: str, node: str, uid: str, **extra: Any) -> dict:
    """A manager service-status entry."""
    return {"state": state, "node": node, "uid": uid, **extra}


@attrs.frozen
class Step:
    """Outcome of one daemon iteration: did it keep running, what it logged."""

    keeps_running: bool
    log: list[str]


class Bench:
    """A simulated cluster built from dicts, driven one daemon call at a time."""

    def __init__(
        self,
        *,
        nodes: Iterable[str] = NODES,
        offline: Iterable[str] = (),
        services: dict | None = None,
        manager_status: dict | None = None,
        lrm_status: dict[str, dict] | None = None,
        running: dict[str, dict] | None = None,
        datacenter: dict | None = None,
        rules: str | None = None,
        locks: dict[str, tuple[str, int]] | None = None,
        time: int = 0,
    ) -> None:
        nodes = sorted(nodes)
        offline = set(offline)
        hw = {n: {"power": "off" if n in offline else "on", "network": "off" if n in offline else "on"} for n in nodes}
        files: dict[str, Any] = {"hardware_status": hw, "service_config": json.loads(json.dumps(services or {}))}
        if manager_status is not None:
            files["manager_status"] = json.loads(json.dumps(manager_status))
        for node in nodes:
            files[f"service_status_{node}"] = dict((running or {}).get(node, {}))
        for node, status in (lrm_status or {}).items():
            files[f"lrm_status_{node}"] = json.loads(json.dumps(status))
        if datacenter is not None:
            files["datacenter.cfg"] = datacenter
        if rules is not None:
            files["rules_config"] = rules
        if locks:
            files["cluster_locks"] = {name: {"node": node, "time": t} for name, (node, t) in locks.items()}
        self.world = World(files, nodes)
        self.world.time = time
        self.sink = LogSink()
        self._envs: dict[tuple[str, str], Env] = {}

    # -- daemons ------------------------------------------------------------------------
    def env(self, node: str, kind: str = "crm") -> Env:
        key = (node, kind)
        if key not in self._envs:
            self._envs[key] = Env(self.world, self.sink, node, kind)
        env = self._envs[key]
        return env

    def at(self, time: int | None) -> None:
        if time is not None:
            self.world.time = time

    def manager(self, node: str = "node1", at: int | None = None) -> Manager:
        """A manager instance as created when `node` becomes master."""
        self.at(at)
        env = self.env(node, "crm")
        env.clock = self.world.time
        return Manager(env)

    def round(self, manager: Manager, at: int | None = None) -> list[str]:
        """One manager round at hardware time `at`; returns its log messages."""
        self.at(at)
        manager.env.clock = self.world.time
        mark = len(self.sink.lines)
        manager.manage()
        return self.messages(since=mark)

    def crm(self, node: str = "node1", at: int | None = None) -> CRM:
        self.at(at)
        env = self.env(node, "crm")
        env.clock = self.world.time
        return CRM(env)

    def lrm(self, node: str = "node1", at: int | None = None) -> LRM:
        self.at(at)
        env = self.env(node, "lrm")
        env.clock = self.world.time
        return LRM(env)

    def step(self, daemon: CRM | LRM, at: int | None = None) -> Step:
        """One iteration of a CRM or LRM at hardware time `at`."""
        self.at(at)
        mark = len(self.sink.lines)
        keeps_running = daemon.do_one_iteration()
        return Step(keeps_running, self.messages(since=mark))

    def call(self, fn, *args, at: int | None = None, env: Env | None = None) -> list[str]:
        """Call `fn(*args)` (e.g. `lrm.shutdown`) and return what it logged."""
        self.at(at)
        if env is not None:
            env.clock = self.world.time
        mark = len(self.sink.lines)
        fn(*args)
        return self.messages(since=mark)

    # -- log --------------------------------------------------------------------------------
    def lines(self, since: int = 0) -> list[LogLine]:
        return self.sink.lines[since:]

    def messages(self, since: int = 0) -> list[str]:
        return [line.message for line in self.sink.lines[since:]]

    # -- reading the world ------------------------------------------------------------------------
    @property
    def manager_status(self) -> dict:
        return self.world.read("manager_status", {})

    def service(self, sid: str) -> dict:
        return self.manager_status["service_status"][sid]

    def node_state(self, node: str) -> str | None:
        return (self.manager_status.get("node_status") or {}).get(node)

    def config(self, sid: str) -> dict:
        return self.world.read("service_config", {})[sid]

    def lrm_status(self, node: str) -> dict:
        return self.world.read(f"lrm_status_{node}", {})

    def running(self, node: str) -> dict:
        return self.world.read(f"service_status_{node}", {})

    def lock_holder(self, name: str) -> str | None:
        rec = (self.world.peek("cluster_locks") or {}).get(name)
        return rec["node"] if rec else None

    def lock_time(self, name: str) -> int | None:
        rec = (self.world.peek("cluster_locks") or {}).get(name)
        return rec["time"] if rec else None

    def watchdogs(self, node: str) -> list[int]:
        """Last-update times of the node's open watchdogs."""
        wds = self.world.peek("watchdog_status") or {}
        return [wd["update_time"] for wd in wds.values() if wd["node"] == node]

    # -- changing the world ----------------------------------------------------------------
    def network(self, node: str, on: bool) -> None:
        self.world.hw[node]["network"] = "on" if on else "off"
        self.world.update_hw()

    def set_shutdown(self, node: str, kind: str | None) -> None:
        self.world.hw[node]["shutdown"] = kind
        self.world.update_hw()

    def cfs(self, node: str, flag: str, works: bool) -> None:
        cfs = self.world.hw[node].setdefault("cfs", {})
        cfs[flag] = works
        self.world.update_hw()

    def write(self, name: str, value: Any) -> None:
        self.world.write(name, json.loads(json.dumps(value)) if not isinstance(value, str) else value)

    def edit_manager_status(self, **changes: Any) -> None:
        """Set top-level keys of the manager status (None deletes the key)."""
        ms = self.manager_status
        for key, value in changes.items():
            if value is None:
                ms.pop(key, None)
            else:
                ms[key] = json.loads(json.dumps(value))
        self.world.write("manager_status", ms)

    def set_service_status(self, sid: str, entry: dict | None) -> None:
        ms = self.manager_status
        ss = ms.setdefault("service_status", {})
        if entry is None:
            ss.pop(sid, None)
        else:
            ss[sid] = dict(entry)
        self.world.write("manager_status", ms)

    def set_lrm_status(
        self, node: str, mode: str = "active", results: dict | None = None, state: str = "active"
    ) -> None:
        self.world.write(f"lrm_status_{node}", {"mode": mode, "state": state, "results": results or {}})

    def queue_crm_command(self, cmd: str) -> None:
        self.world.queue_crm_command(cmd)


# -- whole scenarios through the harness -----------------------------------------------------------
def scenario(
    tmp_path: Path,
    *,
    cmdlist: list[list[str]],
    services: dict,
    nodes: Iterable[str] = NODES,
    hardware: dict | None = None,
    manager_status: dict | None = None,
    datacenter: dict | None = None,
    rules: str | None = None,
    name: str = "scenario",
) -> Simulation:
    """Write a working directory into tmp_path and open a Simulation on it
    (nodes start powered off unless `hardware` says otherwise)."""
    path = tmp_path / name
    path.mkdir()
    hw = hardware or {n: {"power": "off", "network": "off"} for n in nodes}
    (path / "hardware_status").write_text(json.dumps(hw))
    (path / "service_config").write_text(json.dumps(services))
    (path / "manager_status").write_text(json.dumps(manager_status or {}))
    (path / "cmdlist").write_text(json.dumps(cmdlist))
    if datacenter is not None:
        (path / "datacenter.cfg").write_text(json.dumps(datacenter))
    if rules is not None:
        (path / "rules_config").write_text(rules)
    return Simulation(load_scenario(path))


def short(line: LogLine) -> str:
    return f"{line.time} {line.source}: {line.message}"


def log_of(sim: Simulation, *sources: str, since: int = 0, until: int | None = None) -> list[str]:
    """The simulation's log as `"<time> <source>: <message>"`, optionally only
    the given sources and the time range [since, until]."""
    out = []
    for line in sim.log_lines:
        if sources and line.source not in sources:
            continue
        if line.time < since or (until is not None and line.time > until):
            continue
        out.append(short(line))
    return out


def service_view(sim: Simulation, sid: str):
    return next(s for s in sim.snapshot().services if s.sid == sid)


def node_view(sim: Simulation, node: str):
    return next(n for n in sim.snapshot().nodes if n.name == node)
