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

import os
from collections.abc import Callable
from pathlib import Path

from hasim.engine.harness import Harness
from hasim.jsondata import jcopy
from hasim.log import LogLine, LogSink
from hasim.snapshot import Snapshot, take_snapshot
from hasim.workdir import Scenario, StatusDir, load_scenario
from hasim.workdir.files import append_whole
from hasim.engine.world.cluster import World


class Simulation:
    def __init__(
        self,
        scenario: Scenario,
        *,
        write_status: bool = True,
        interactive: bool = False,
        status_dir: Path | None = None,
        flush_loops: int = 1,
        background_writes: bool = False,
    ) -> None:
        self.scenario = scenario
        self.sink = LogSink()
        self.world = World(jcopy(scenario.files), list(scenario.nodes))
        self.harness = Harness(self.world, [] if interactive and not scenario.cmdlist else scenario.cmdlist, self.sink)
        self.harness.auto_finish = not interactive
        if interactive:
            self.harness.max_time = None
        self.status: StatusDir | None = None
        self._log_fd: int | None = None
        self._log_buffer: list[str] = []
        self.steps = 0  # engine steps taken (node steps and loop ends)
        # write status files every `flush_loops` loops (1: at every loop end, as the
        # window needs; batch runs use a larger value and always flush at the end)
        self.flush_loops = max(0, flush_loops)
        self._flushed_loop = 0
        self.inbox = None
        if write_status:
            from hasim.workdir.inbox import Inbox
            from hasim.session.recorder import SessionRecorder

            self.status = StatusDir(status_dir or scenario.path / "status", background=background_writes)
            self.status.recreate()
            self._log_fd = os.open(self.status.path / "log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
            self.sink.subscribe(self._write_log)
            self.status.flush(self.world.files, self.world.dirty)
            self.harness.recorder = SessionRecorder(self.status.path, scenario.files)
            self.inbox = Inbox(self.status.path)
            self.inbox.create()
            self.harness.before_apply = self._poll_inbox

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

    @property
    def nodes(self) -> list[str]:
        """The cluster's nodes in the order the loop visits them (sorted)."""
        return list(self.harness.order)

    @property
    def loop_position(self) -> tuple[int, int]:
        """(loop counter, loop start time): changes exactly at a loop end."""
        return self.harness.loop_count, self.harness.loop_start

    @property
    def pending_count(self) -> int:
        """Submitted commands/edits waiting for the next loop end."""
        return len(self.harness.pending)

    def run(self) -> None:
        """Run to the end (batch mode)."""
        self.harness.start()
        while not self.harness.finished:
            self._step()
        self.close()

    def advance(self, until: int) -> None:
        """Run every step that starts at or before virtual time `until`."""
        self.harness.start()
        while not self.harness.finished and self.world.time <= until:
            self._step()
        self._flush_log()

    def step_loop(self) -> None:
        """Run to the end of the current loop."""
        harness = self.harness
        harness.start()
        current = self.loop_position
        while not harness.finished and self.loop_position == current:
            self._step()
        self._flush_log()

    def step_node(self) -> None:
        """The smallest unit: the next node's steps, or the loop end."""
        self.harness.start()
        self._step()
        self._flush_log()

    def _step(self) -> None:
        """One engine step; status files are written after loop ends.

        With flush_loops = n they are written every n-th loop end (and when
        the run ends); with 0 only when `flush()` is called (the window does
        that at most once a second of wall time).
        """
        harness = self.harness
        if harness.finished:
            return
        before = harness.loop_count, harness.loop_start
        self.steps += 1
        harness.step_node()
        if harness.finished:
            self._flush()
        elif (harness.loop_count, harness.loop_start) != before and self.flush_loops:
            self._flushed_loop += 1
            if self._flushed_loop >= self.flush_loops:
                self._flushed_loop = 0
                self._flush()

    def flush(self) -> None:
        """Write every changed status file and the pending log lines now."""
        self._flush()

    def _poll_inbox(self) -> None:
        if self.inbox is None:
            return
        requests = self.inbox.take()
        if requests:
            from hasim.admin.requests import submit_request

            for argv in requests:
                submit_request(self.harness, argv)

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
        from hasim.workdir import dump_json
        from hasim.workdir.files import write_files

        names = ["hardware_status", "service_config", "manager_status", "static_service_stats",
                 "dynamic_service_stats", "datacenter.cfg", "rules_config", "groups", "fence.cfg"]
        names += [f"service_status_{n}" for n in self.world.nodes]
        contents: dict[str, str | None] = {}
        for name in names:
            if name not in self.world.files:
                if name in ("rules_config", "groups"):
                    contents[name] = None  # removed
                continue
            value = self.world.files[name]
            contents[name] = value if isinstance(value, str) else dump_json(value)
        write_files(self.scenario.path, contents)  # all of them or none

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
        self._log_buffer.append(line.render())

    def _flush(self) -> None:
        """Write changed status files (atomically) and the new log lines.

        The log lines of a step go out in one write(2) on an O_APPEND file, so
        a crash never leaves half a line.
        """
        if self.status is not None:
            self.status.flush(self.world.files, self.world.dirty)
        self._flush_log()

    def _flush_log(self) -> None:
        if self._log_fd is not None and self._log_buffer:
            append_whole(self._log_fd, "".join(self._log_buffer).encode(), self.status.path / "log")
            self._log_buffer.clear()

    def close(self, reason: str | None = None) -> None:
        """Finish the files; `reason` overrides how the session ended."""
        recorder = self.harness.recorder
        if recorder is not None and not recorder.closed:
            if reason is None:
                if self.harness.finished:
                    reason = "error" if self.harness.error else "done"
                else:
                    reason = f"closed steps={self.steps}"
            recorder.close(self.world.time, reason)
        if self.inbox is not None:
            self.inbox.remove()
        self._flush()
        if self.status is not None:
            self.status.close()
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None
