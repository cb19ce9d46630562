"""The engine's public face: one simulation over one working directory.

Batch mode, the window and the tests all drive the same object:

    sim = Simulation.open("working-dirs/default")
    sim.run()                       # batch: scenario to its end
    sim.advance(sim.time + 60)      # window: follow virtual time
    sim.step_loop()                 # window: one loop
    sim.submit("power node1 off")   # applied at the next loop end
    snap = sim.snapshot()           # immutable view
    sim.log_lines                   # every LogLine so far, in order

Nothing here reads the wall clock or imports Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from hasim.harness import Harness
from hasim.jsondata import jcopy
from hasim.log import LogLine, LogSink
from hasim.snapshot import Snapshot, take_snapshot
from hasim.workdir import Scenario, StatusDir, load_scenario
from hasim.world.cluster import World


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        *,
        write_status: bool = True,
        interactive: bool = False,
        status_dir: Path | None = None,
    ) -> None:
        self.scenario = scenario
        self.sink = LogSink()
        self.world = World(jcopy(scenario.files), list(scenario.nodes))
        self.harness = Harness(self.world, [] if interactive and not scenario.cmdlist else scenario.cmdlist, self.sink)
        self.harness.auto_finish = not interactive
        self.status: StatusDir | None = None
        self._log_fh = None
        if write_status:
            self.status = StatusDir(status_dir or scenario.path / "status")
            self.status.recreate()
            self._log_fh = open(self.status.path / "log", "w")
            self.sink.subscribe(self._write_log)
            self.status.flush(self.world.files, self.world.dirty)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: str | Path, **kwargs) -> Simulation:
        return cls(load_scenario(path), **kwargs)

    # -- driving --------------------------------------------------------------------------------
    @property
    def time(self) -> int:
        return self.world.time

    @property
    def finished(self) -> bool:
        return self.harness.finished

    @property
    def error(self) -> str | None:
        return self.harness.error

    @property
    def loop_length(self) -> int:
        return self.harness.loop_length

    def run(self) -> None:
        self.harness.start()
        while not self.harness.finished:
            self.harness.step_loop()
            self._flush()
        self.close()

    def advance(self, until: int) -> None:
        self.harness.advance(until)
        self._flush()

    def step_loop(self) -> None:
        self.harness.step_loop()
        self._flush()

    def step_node(self) -> None:
        self.harness.step_node()
        self._flush()

    def submit(self, command: str, source: str = "command") -> None:
        self.harness.submit(command, source)

    def configure(self, name: str, value) -> None:
        """Replace a configuration file (service_config, rules_config, groups,
        datacenter.cfg, static/dynamic stats) at the next loop end, as an admin
        editing /etc/pve would; the daemons see it at their next read."""
        self.harness.submit_config(name, value)

    def read_config(self, name: str, default=None):
        """A copy of a cluster file as the daemons would read it now."""
        return self.world.read(name, default)

    def save(self) -> None:
        """Copy the live state back into the working directory, like the real
        simulator's Save, so the next start resumes from it."""
        from hasim.workdir import atomic_write, dump_json

        names = ["hardware_status", "service_config", "manager_status", "static_service_stats",
                 "dynamic_service_stats", "datacenter.cfg", "rules_config", "groups", "fence.cfg"]
        names += [f"service_status_{n}" for n in self.world.nodes]
        for name in names:
            target = self.scenario.path / name
            if name not in self.world.files:
                if name in ("rules_config", "groups") and target.exists():
                    target.unlink()
                continue
            value = self.world.files[name]
            atomic_write(target, value if isinstance(value, str) else dump_json(value))

    def subscribe(self, listener: Callable[[LogLine], None]) -> None:
        self.sink.subscribe(listener)

    @property
    def log_lines(self) -> list[LogLine]:
        return self.sink.lines

    def log_text(self) -> str:
        return self.sink.text()

    def snapshot(self) -> Snapshot:
        return take_snapshot(self.harness)

    # -- files ------------------------------------------------------------------------------------
    def _write_log(self, line: LogLine) -> None:
        if self._log_fh is not None:
            self._log_fh.write(line.render())

    def _flush(self) -> None:
        if self.status is not None:
            self.status.flush(self.world.files, self.world.dirty)
            if self._log_fh is not None:
                self._log_fh.flush()

    def close(self) -> None:
        self._flush()
        if self._log_fh is not None:
            self._log_fh.close()
            self._log_fh = None
