"""A working directory while a simulation runs in it.

The simulation itself lives in memory (`hasim.simulation`); this attaches a
directory to it: `status/` recreated with the live cluster files, the log
appended line by line, the session recorded, requests taken from the inbox
at every loop end and answered (`hasim.workdir.inbox`), the simulation's
clock published in `status/clock` (the "now" of `hasim ha-manager status`).
Everything here is a watcher of the run — attach nothing and the same
simulation writes nothing (read-only mode, replays, look-ahead).

    live = LiveDirectory.start(path, interactive=True)
    live.sim.advance(120)
    live.flush()
    live.close()
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from hasim.commands import Command
from hasim.log import LogLine
from hasim.workdir.session_file import SessionRecorder
from hasim.simulation import Outcome, Simulation
from hasim.workdir.files import append_whole, atomic_write, dump_json, write_files
from hasim.workdir.inbox import APPLIED, ENDED, QUEUED, REFUSED, Answer, Inbox
from hasim.workdir.scenario import JSON_INPUTS, TEXT_INPUTS, load_scenario
from hasim.workdir.status import StatusDir

#: files Save writes back as inputs (besides every node's service_status_<node>)
SAVED_FILES = JSON_INPUTS + TEXT_INPUTS


class LiveDirectory:
    """The files of one running simulation.

    Status files are written after every `flush_loops`-th loop end (0: only
    when `flush()` is called — the window does that at most once a second),
    log lines at every loop end and on `flush()`; each batch of lines goes
    out in one write(2) on an O_APPEND file, so a crash never leaves half a
    line.
    """

    def __init__(
        self,
        sim: Simulation,
        path: Path,
        *,
        status_dir: Path | None = None,
        flush_loops: int = 1,
        background: bool = False,
        requests: Callable[[list[str]], Command] | None = None,
    ) -> None:
        """`requests` turns an inbox request's arguments into the edit the
        simulation applies (`hasim.admin.requests.HaManagerRequest`, passed in by
        the owner: the working directory knows files, not ha-manager); None
        refuses every request."""
        self.sim = sim
        self._make_request = requests
        self.path = Path(path)
        self.status = StatusDir(status_dir or self.path / "status", background=background)
        self.flush_loops = max(0, flush_loops)
        self._loops = 0
        self._log_buffer: list[str] = []
        self.status.recreate()
        self._log_fd: int | None = os.open(
            self.status.path / "log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644
        )
        sim.subscribe(self._buffer_line)
        self.status.flush(*sim.changed_files())
        self.recorder = SessionRecorder(self.status.path, sim.scenario.files)
        sim.observe_applied(self.recorder.record)
        self.inbox = Inbox(self.status.path)
        self.inbox.create()
        self._requests: dict[int, str] = {}  # ticket -> inbox request id, until its outcome
        sim.at_loop_end(self.take_requests)
        sim.on_outcome(self._answer_outcome)
        sim.observe_steps(self._stepped)
        self._write_clock()

    @classmethod
    def start(cls, path: str | Path, *, interactive: bool = False, **kwargs) -> LiveDirectory:
        """Read the directory's inputs and start a simulation that writes into it."""
        scenario = load_scenario(path)
        return cls(Simulation(scenario, interactive=interactive), Path(path), **kwargs)

    # -- writing ---------------------------------------------------------------------------------
    def _buffer_line(self, line: LogLine) -> None:
        self._log_buffer.append(line.render())

    def _stepped(self, node: str | None) -> None:
        if node is not None:
            return
        if self.sim.finished:
            self.flush()
            return
        self._loops += 1
        if self.flush_loops and self._loops >= self.flush_loops:
            self._loops = 0
            self.flush()
        else:
            self.flush_log()

    def flush(self) -> None:
        """Write every changed status file (atomically), the clock and the new
        log lines, and tell the senders of new requests when they apply."""
        self.status.flush(*self.sim.changed_files())
        self._write_clock()
        self.flush_log()
        for request_id in self.inbox.acknowledge():
            self.inbox.answer(request_id, Answer(QUEUED, self.sim.time, at=self.sim.next_loop_end))

    def _write_clock(self) -> None:
        """The hardware clock, never older than the status files just flushed;
        like them whole but not fsynced (status/ is recreated by every start:
        two fsyncs per step cost a batch run more than its simulation)."""
        atomic_write(self.status.path / "clock", f"{self.sim.time}\n", durable=False)

    def flush_log(self) -> None:
        if self._log_fd is not None and self._log_buffer:
            append_whole(self._log_fd, "".join(self._log_buffer).encode(), self.status.path / "log")
            self._log_buffer.clear()

    def take_requests(self) -> None:
        """Submit the inbox's requests; called at a loop end just before the
        queued commands apply, so they apply at once, after the owner's own."""
        requests = self.inbox.take()
        if not requests:
            return
        sim = self.sim
        for request_id, argv in requests:
            if sim.finished:
                self.inbox.answer(request_id, Answer(ENDED, sim.time))
            elif argv is None:
                self.inbox.answer(request_id, Answer(REFUSED, sim.time, reason="hasim: not a request (no argv list)"))
            elif self._make_request is None:
                self.inbox.answer(request_id, Answer(REFUSED, sim.time, reason="hasim: this simulation takes no requests"))
            else:
                self._requests[sim.submit(self._make_request(argv))] = request_id
                self.inbox.answer(request_id, Answer(QUEUED, sim.time, at=sim.next_loop_end))

    def _answer_outcome(self, outcome: Outcome) -> None:
        request_id = self._requests.pop(outcome.ticket, None)
        if request_id is not None:
            state = APPLIED if outcome.applied else REFUSED
            self.inbox.answer(request_id, Answer(state, outcome.time, reason=outcome.reason))

    # -- saving -----------------------------------------------------------------------------------
    def save_session(self, files: dict[str, str | bytes | None] | None = None, *, target: Path | None = None) -> None:
        """Save the session so that the next start resumes at this moment
        (hasim.workdir.saved), with `files` written in the same breath (all
        or none): into this directory, or into `target` (files copied from
        here; the digest then covers the copies)."""
        sim = self.sim
        self.flush()
        from hasim.workdir.saved import write_saved  # a batch run never saves: it does not load this

        write_saved(target or self.path, start=sim.scenario.files, cmdlist=sim.scenario.cmdlist,
                    entries=self.recorder.entries, time=sim.time, steps=sim.steps, files=files,
                    base=self.path)  # fmt: skip

    # -- ending -----------------------------------------------------------------------------------
    def close(self, reason: str | None = None) -> None:
        """Finish the files; `reason` overrides how the session ended."""
        sim = self.sim
        if not self.recorder.closed:
            if reason is None:
                if sim.finished:
                    reason = "error" if sim.error else "done"
                else:
                    reason = f"closed steps={sim.steps}"
            self.recorder.close(sim.time, reason)
        for request_id in self._requests.values():
            self.inbox.answer(request_id, Answer(ENDED, sim.time))
        self._requests.clear()
        self.inbox.close(sim.time)
        self.status.flush(*sim.changed_files())
        self._write_clock()
        self.flush_log()
        self.status.close()
        if self._log_fd is not None:
            os.close(self._log_fd)
            self._log_fd = None


def save(sim: Simulation, path: Path) -> None:
    """Copy the live state into `path` as its inputs, like the real
    simulator's Save, so the next start resumes from it: all the files or
    none of them (WriteError names the one that failed)."""
    write_files(Path(path), state_as_inputs(sim))


def state_as_inputs(sim: Simulation) -> dict[str, str | None]:
    """The live cluster files as the input files that start from them (the
    real simulator's Save; None: a file to remove)."""
    files = sim.files
    names = list(SAVED_FILES) + [f"service_status_{n}" for n in sim.node_names]
    contents: dict[str, str | None] = {}
    for name in names:
        if name not in files:
            if name in ("rules_config", "groups"):
                contents[name] = None  # removed
            continue
        value = files[name]
        contents[name] = value if isinstance(value, str) else dump_json(value)
    return contents
