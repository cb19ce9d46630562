"""The one object that drives the engine for the window: the lifecycle of
one `Simulation` over one working directory.

Theory of operation
-------------------
The controller owns the `Simulation` (and its `LiveDirectory`, unless the
window is read-only) and one QTimer.  Every tick (100 ms) it advances the
engine to the time of its `PacedClock` (hasim.clock: rate x real time, pause,
jumps, the rate reached when it falls behind), doing at most `tick_budget_ms`
of engine work, then publishes what changed: new log lines in one batch
(`logLines`) and one immutable `Snapshot` (`snapshotChanged`).  Views never
call the engine; they refresh from those two signals.

Time controls: `play`/`pause`, `step` (to the end of the current loop, the
only points where commands are applied), `find_next_change` (ui.next_change:
the search of hasim.clock.NextChange in budgeted slices), `advance_to` /
`advance_by` (tests and the headless render).

Safety: every opened simulation gets an `InvariantMonitor`, observed after
every engine step; a violation is published among the log lines it follows,
recorded in the history (timeline markers) and announced by
`violationsFound`.

Commands are `hasim.commands` values (or their text): `submit` checks them
with the engine's own check and queues them in the engine's one queue
(`queued_commands` reads it); each one's outcome — applied, or refused
because the cluster changed meanwhile — comes back as a status message.
Exceptions never escape to Qt: they become `errorOccurred`.
"""

from __future__ import annotations

import copy
import logging
import shutil
import tempfile
import time
import traceback
from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

from hasim import admin
from hasim import commands as C
from hasim.analysis.invariants import INVARIANTS, InvariantMonitor, Violation
from hasim.analysis.recording import RunWatch
from hasim.analysis.report import Report, build_report
from hasim.clock import NEXT_CHANGE_LIMIT, NextChange, PacedClock
from hasim.errors import InputError
from hasim.session import branch
from hasim.session.resume import mismatch, resumable
from hasim.session.resume import more as resume_more
from hasim.simulation import Simulation
from hasim.snapshot import Snapshot
from hasim.workdir import DirectoryBusy, DirLock, load_scenario
from hasim.workdir.create import fill_with_default, is_empty_dir, scenario_of_default
from hasim.workdir.live import LiveDirectory, state_as_inputs
from hasim.workdir.saved import SAVED_NAME, SavedSession, read_saved, user_files
from hasim.workdir.scenario import skipped_sections
from hasim.workdir.session_file import Entry
from hasim.workdir.shipped import copy_shipped
from ui.models.history import History
from ui.next_change import BudgetedSearch

log = logging.getLogger("hasim.ui.controller")

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
TICK_MS = 100
# At most this much engine work per timer tick: when the engine cannot keep up
# with the chosen speed (500x at 32 nodes, a burst of a thousand services
# changing state), the simulation falls behind instead of the window freezing,
# and `paceChanged` tells the speed it actually reaches.
TICK_BUDGET_MS = 40


FREEZE_EVERY = 50  # publishes (~5 s while running)


def _settle_garbage() -> None:
    """Keep Python's full garbage collections short.

    A simulation is tens of thousands of long-lived dicts (cluster files,
    service entries, the timeline's history); a full collection walks all of
    them and stalled a tick for 30-50 ms at 32 nodes / 1000 services.
    `gc.freeze()` (constant time) moves what exists now out of the collector's
    view, so later full collections only walk new objects.  Cyclic garbage
    frozen with it is not reclaimed; the engine and the views make little.
    """
    import gc

    gc.freeze()


def _needs_snapshot(line) -> bool:
    """Whether a step's line may stand for a change the history cannot take
    from the log itself.  The timeline's lanes are the manager's node and
    service states (its own log lines, `History.record_line`), power and
    network (commands) and the configured services (commands, config edits):
    only lines of the harness (cmdlist, commands, watchdog, hardware ...)
    can change something else the lanes show.  Daemon lines such as a CRM's
    or LRM's "status change" do not, and at 32 nodes they come by the dozen."""
    return line.node is None


class Controller(QObject):
    snapshotChanged = Signal(object)  # Snapshot
    logLines = Signal(list)  # list[LogLine], in order, only the new ones
    runningChanged = Signal(bool)
    speedChanged = Signal(float)
    errorOccurred = Signal(str)  # a message for the user (dialog / status bar)
    message = Signal(str)  # an informational status-bar message
    simulationChanged = Signal()  # a new working directory was opened
    violationsFound = Signal(list)  # list[Violation], new ones only, in order
    paceChanged = Signal(float)  # virtual seconds per wall second reached while behind; 0.0: keeping up
    searchingChanged = Signal(bool)  # a "next change" search runs in the background

    def __init__(self, parent: QObject | None = None, *, read_only: bool = False, speed: float = 10.0) -> None:
        super().__init__(parent)
        self.sim: Simulation | None = None
        self.live: LiveDirectory | None = None  # the directory's files (None: read-only, nothing is written)
        self.path: Path | None = None
        self.read_only = read_only
        self._speed = float(speed)
        self._running = False
        self._real = 0.0  # real seconds of running, summed over ticks (tests pass their own)
        self.clock = PacedClock(lambda: self._real, rate=self._speed)
        self._pending_lines: list = []
        self._waiting: dict[int, C.Command] = {}  # ticket -> command submitted from this window
        self._reported_end = False
        self._snapshot: Snapshot | None = None
        self._fence_deadlines: dict[str, int] = {}
        self._published_key = None
        self._new_violations: list[Violation] = []
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._wall = QElapsedTimer()  # measures each tick's real time
        self.tick_budget_ms = TICK_BUDGET_MS
        self._reported_pace = 0.0
        self._last_behind = float("-inf")  # real seconds (of `_real`) of the last tick out of budget
        self.search = BudgetedSearch(self.run_budgeted, self)
        self.search.searching.connect(self.searchingChanged)
        self.search.ended.connect(self.search_ended)
        self._flush_clock = QElapsedTimer()
        self._flush_clock.start()
        self._lock: DirLock | None = None
        self._publishes = 0
        self.history = History()
        self.monitor: InvariantMonitor | None = None
        self.run_watch: RunWatch | None = None  # what the outcome report reads of the open run
        self.loop_ends: branch.LoopEnds | None = None  # the moments the open run can go back to
        self.violations: list[Violation] = []
        self.source: str | None = None  # the shipped directory `path` is a fresh copy of (None: the user's own)
        self.scratch_parent: Path | None = None  # where fresh copies go (None: the system's temporary directory)
        self._scratch: Path | None = None  # the temporary folder of a fresh copy that is open
        self._saved = False  # the fresh copy was saved: it stays when the window closes
        self._saved_steps: int | None = 0  # engine steps at the last save (or the open): more is unsaved work
        self.resumed_at: int | None = None  # the saved moment the open simulation resumed at
        self._stopped: str | None = None  # why the simulation cannot go on (a file it could not write)

    # -- opening ------------------------------------------------------------------------------
    def open(self, path: str | Path, *, source: str | None = None, resume: bool = True,
             session: SavedSession | None = None) -> bool:  # fmt: skip
        """Open a working directory; False (and errorOccurred) when it is bad.

        `source`: the name of the shipped directory `path` is a fresh copy of
        (Reset then makes a new copy); None for a directory of the user's.
        A missing or empty directory gets the default cluster.  A directory
        with a saved session (hasim.workdir.saved) resumes it at the saved
        moment unless `resume` is False (Reset: the scenario from its start).
        `session`: resume this one instead (going back: the session so far,
        cut at the moment chosen)."""
        self._cancel_search()
        path = Path(path)
        same = self.path is not None and self._lock is not None and path.resolve() == self.path.resolve()
        # read-only: the directory is only read, never locked or written (it may be a read-only mount)
        lock = self._lock if same else (None if self.read_only else DirLock(path))
        notes: list[str] = []
        try:
            if lock is not None and not path.exists():
                path.mkdir(parents=True)  # `hasim DIR` with a new name: a new working directory
            if not same and lock is not None:
                lock.acquire()  # one simulation owns a working directory
            if lock is not None and is_empty_dir(path):
                fill_with_default(path)
                notes.append(f"{path} was empty: it now holds the default cluster (3 nodes, 6 VMs)")
        except DirectoryBusy as err:
            self.errorOccurred.emit(f"Cannot open {path}: {err}")
            return False
        except OSError as err:
            if not same and lock is not None:
                lock.release()
            self.errorOccurred.emit(f"Cannot open {path}: {err.strerror or err}")
            return False
        if same and self.sim is not None:
            # reopening the same directory: the old simulation must finish its
            # files before the new one recreates status/ (else its last flush
            # would land in the new status directory)
            self.pause()
            self._close_sim()
            self.sim = None
        try:
            sim, saved = (resumable(session), session) if session is not None else \
                self._simulation_for(path, resume, notes)
            # status files are written by `_maybe_flush` (at most once a second)
            live = None if self.read_only else LiveDirectory(sim, path, flush_loops=0, background=True,
                                                             requests=admin.request)  # fmt: skip
        except (InputError, OSError) as err:
            if not same and lock is not None:
                lock.release()
            if source is not None and not same:
                self._remove_scratch(path.parent)  # a fresh copy that cannot be opened is of no use
            reason = err if isinstance(err, InputError) else (err.strerror or err)
            if isinstance(err, InputError) and err.file == "cmdlist" and err.problem.startswith("missing"):
                reason = ("it has files but no cmdlist, so it is not a working directory (an empty folder "
                          "gets the default cluster)")
            if same:  # the old simulation was closed for it: nothing is open now
                self.live = None
                self.simulationChanged.emit()
            self.errorOccurred.emit(f"Cannot open {path}: {reason}")
            return False
        if self.sim is not None:
            self._close_sim()
        if not same and self._lock is not None:
            self._lock.release()
        self._lock = lock
        self.sim = sim
        self.live = live
        self.path = path
        self.source = source
        self._adopt_scratch(path, source)
        self._stopped = None
        self._pending_lines = []
        self._new_violations = []
        self._waiting = {}
        self._reported_end = False
        self.history = History()
        self.violations = []
        sim.subscribe(self._on_line)
        sim.on_outcome(self._on_outcome)
        self.run_watch = RunWatch(sim, safety=False)  # from the first step, as `hasim report` replays it
        self.loop_ends = branch.LoopEnds(sim)
        sim.start()
        _settle_garbage()
        self.monitor = self._make_monitor(sim)
        self.resumed_at = None
        self._published_key = None
        self.simulationChanged.emit()  # the views start over: the replayed lines go to them
        if saved is not None:
            self._resume(saved, notes, "Resumed the session saved at" if session is None else "Back at")
        self._saved_steps = sim.steps if session is None else None  # gone back: the directory's save is not this
        self.clock.restart(sim.time)
        self.publish(force=True)
        skipped = skipped_sections(sim.scenario.files)
        if skipped:
            self.errorOccurred.emit("\n".join(skipped))
        for note in notes:
            self.message.emit(note)
        return True

    def _simulation_for(self, path: Path, resume: bool, notes: list[str]):
        """(the Simulation to open, the saved session it resumes or None).

        A saved session that is damaged, or whose directory's inputs changed
        since, is not resumed: the directory starts from its inputs, and
        `notes` says why (the saved file stays until the next Save)."""
        if self.read_only and (not path.exists() or is_empty_dir(path)):
            notes.append(f"{path} is empty: showing the default cluster (read-only: nothing is written)")
            return Simulation(scenario_of_default(), interactive=True), None
        saved = None
        if resume:
            try:
                saved = read_saved(path)
                if saved is not None and not saved.current(path):
                    notes.append(f"The input files of {path} changed since the session was saved at {saved.time} s "
                                 f"(by hand or by hasim ha-manager): started from the input files. The saved "
                                 f"session stays in {SAVED_NAME} until the next Save.")
                    saved = None
                sim = resumable(saved) if saved is not None else None
            except InputError as err:
                notes.append(f"The saved session cannot be resumed ({err}): started from the input files.")
                saved, sim = None, None
            if sim is not None:
                return sim, saved
        return Simulation(load_scenario(path), interactive=True), None

    def _resume(self, saved, notes: list[str], arrived: str) -> None:
        """Run the opened simulation to the saved moment, through the window's
        own stepping (the timeline, the log and the safety checks see every
        step, as they did), and check it arrived where the save was."""
        sim = self.sim
        applied: list[Entry] = []
        sim.observe_applied(lambda t, source, text: applied.append(Entry(t, source, text)))
        self.history.record(sim.snapshot())  # the start, as the first publish of the saved run recorded it
        self._guard(self._run, lambda: resume_more(sim, saved))
        problem = mismatch(saved, applied, sim)
        self.resumed_at = sim.time
        if problem is None:
            notes.append(f"{arrived} {saved.time} s")  # short: the status bar has room for little
        else:
            self.errorOccurred.emit(f"The resumed session is not the one saved: {problem}.\n"
                                    "Please report this: a saved session must resume exactly.")

    # -- fresh copies ------------------------------------------------------------------------------
    # The default cluster and the shipped scenarios open as fresh copies in a
    # temporary folder (hasim-XXXX/NAME).  A copy is the window's own: it goes
    # when the window closes or another directory replaces it, unless it was
    # saved (then it holds the user's state and stays, like any of theirs).
    def _is_scratch(self, folder: Path) -> bool:
        base = Path(self.scratch_parent or tempfile.gettempdir())
        return folder.name.startswith("hasim-") and folder.parent.resolve() == base.resolve()

    def _adopt_scratch(self, path: Path, source: str | None) -> None:
        new = path.parent if source is not None and self._is_scratch(path.parent) else None
        if new == self._scratch:
            return
        old, saved = self._scratch, self._saved
        self._scratch, self._saved = new, False
        if old is not None and not saved:
            self._remove_scratch(old)

    def _remove_scratch(self, folder: Path) -> None:
        if self._is_scratch(folder):
            shutil.rmtree(folder, ignore_errors=True)

    def _make_monitor(self, sim: Simulation) -> InvariantMonitor | None:
        try:
            return InvariantMonitor(sim, attach=False)
        except Exception:  # noqa: BLE001 - the checks must never keep a directory from opening
            log.error("cannot start the safety checks: %s", traceback.format_exc())
            return None

    @property
    def check_count(self) -> int:
        """How many safety checks run on every engine step."""
        return len(INVARIANTS) if self.monitor is not None else 0

    def open_shipped(self, name: str) -> bool:
        """Open a fresh copy of the shipped working directory `name` (a
        workshop scenario or the default cluster); the shipped one is never
        touched."""
        parent = None
        try:
            parent = Path(tempfile.mkdtemp(prefix="hasim-", dir=self.scratch_parent))
            path = copy_shipped(name, parent)
        except (OSError, FileNotFoundError) as err:
            if parent is not None:
                self._remove_scratch(parent)
            self.errorOccurred.emit(f"Cannot copy the scenario '{name}': {getattr(err, 'strerror', None) or err}")
            return False
        self.pause()
        return self.open(path, source=name)

    def reset(self) -> bool:
        """Return the current scenario to its start: a fresh copy of the same
        shipped directory, or the user's own directory reopened from its files."""
        if self.source is not None:
            return self.open_shipped(self.source)
        return self.reload()

    def reload(self) -> bool:
        """Start the open working directory again from its input files (a
        saved session is not resumed: Reset means the start)."""
        if self.path is None:
            return False
        self.pause()
        return self.open(self.path, source=self.source, resume=False)

    def _on_line(self, line) -> None:
        self._pending_lines.append(line)
        self.history.record_line(line)

    def _close_sim(self) -> None:
        if self.live is None:
            return
        try:
            self.live.close()
        except Exception:  # noqa: BLE001 - closing must never take the window down
            log.exception("closing the simulation")
        self.live = None

    def shutdown(self) -> None:
        self._cancel_search()
        self._timer.stop()
        if self.sim is not None:
            self._close_sim()
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if self._scratch is not None and not self._saved:
            self._remove_scratch(self._scratch)
        self._scratch = None

    # -- state -----------------------------------------------------------------------------------
    @property
    def snapshot(self) -> Snapshot | None:
        return self._snapshot

    @property
    def fence_deadlines(self) -> dict[str, int]:
        return self._fence_deadlines

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def running(self) -> bool:
        return self._running

    @property
    def alive(self) -> bool:
        return self.sim is not None and not self.sim.finished and self._stopped is None

    # -- time controls --------------------------------------------------------------------------
    def set_speed(self, speed: float) -> None:
        speed = max(0.0, float(speed))
        if speed != self._speed:
            self._speed = speed
            self.clock.set_rate(speed)
            self.speedChanged.emit(speed)

    def faster(self) -> None:
        higher = [s for s in SPEEDS if s > self._speed]
        self.set_speed(higher[0] if higher else SPEEDS[-1])

    def slower(self) -> None:
        lower = [s for s in SPEEDS if s < self._speed]
        self.set_speed(lower[-1] if lower else SPEEDS[0])

    def play(self) -> None:
        self._cancel_search()
        if not self.alive or self._running:
            return
        self._running = True
        self.clock.restart(self.sim.time)
        self._wall.start()
        self._timer.start()
        self.runningChanged.emit(True)

    def pause(self) -> None:
        if not self._running:
            return
        self._running = False
        self._timer.stop()
        self._set_pace(0.0)
        self._maybe_flush(force=True)
        self.runningChanged.emit(False)

    def _maybe_flush(self, force: bool = False) -> None:
        """Write the status files at most once a second of wall time: they are
        for other readers (hasim ha-manager status), not for the window."""
        if self.live is None or (not force and self._flush_clock.elapsed() < 1000):
            return
        self._flush_clock.restart()
        try:
            self.live.flush()
        except OSError as err:
            self._stop_on_write_error(err)

    def _stop_on_write_error(self, err: OSError) -> None:
        """A log, session or status line that cannot be written stops the
        simulation (its files would no longer say what happened); what is on
        screen stays, and Save or Reset can follow."""
        if self._stopped is not None:
            return
        self._stopped = str(err)
        self.pause()
        self._cancel_search()
        self.errorOccurred.emit(
            f"The simulation stopped: {err}\nFree some space (or fix the permissions), then use Simulation → Reset."
        )

    def toggle(self) -> None:
        self.pause() if self._running else self.play()

    def _guard(self, fn, *args) -> bool:
        """Run an engine call; any exception becomes a message, never a crash."""
        if self.sim is None:
            return False
        try:
            fn(*args)
            return True
        except OSError as err:  # a file of the working directory could not be written
            self._stop_on_write_error(err)
            return False
        except Exception as err:  # noqa: BLE001
            log.error("engine call failed: %s", traceback.format_exc())
            self.errorOccurred.emit(f"Internal error: {err}")
            return False
        finally:
            self.publish()

    # The engine is stepped node by node here (not with Simulation.advance) so
    # that every state change lands in the timeline's history even when a
    # tick covers minutes of virtual time: a snapshot is taken after each step
    # that logged something (states only change with a log line).
    def _run(self, more) -> None:
        sim = self.sim
        lines = sim.log_lines
        monitor = self.monitor
        while not sim.finished and more():
            count = len(lines)
            sim.step_node()
            if monitor is not None:
                self._observe(monitor)
            # manager state changes reach the history through their log lines
            # (History.record_line); a snapshot is only needed when a step did
            # something else the lanes show: a command, a power change.
            if any(_needs_snapshot(line) for line in lines[count:]):
                self.history.record(sim.snapshot())

    def _observe(self, monitor: InvariantMonitor) -> None:
        """Run the safety checks on the state after one step; a violation goes
        into the log stream right after the lines of the step that caused it."""
        try:
            monitor.observe()
            found = monitor.check()  # everything new, also what the monitor saw when it was made
        except Exception:  # noqa: BLE001 - a broken check must not stop the simulation
            log.error("safety checks failed, switched off: %s", traceback.format_exc())
            self.monitor = None
            self.errorOccurred.emit("The safety checks failed and are switched off for this run (see the log)")
            return
        if found:
            self.violations.extend(found)
            self._pending_lines.extend(found)
            for v in found:
                self.history.record_violation(v)
            self._new_violations.extend(found)

    def step(self) -> None:
        """One loop: run to the next loop end (where commands are applied)."""
        self._cancel_search()
        if self.alive:
            sim = self.sim
            current = sim.loop_position
            self._guard(self._run, lambda: sim.loop_position == current)
            self.clock.jump(self.sim.time)

    def step_node(self) -> None:
        self._cancel_search()
        if self.alive:
            self._guard(self._run, iter([True, False]).__next__)
            self.clock.jump(self.sim.time)

    def advance_to(self, until: int) -> None:
        self._cancel_search()
        if self.alive:
            sim = self.sim
            self._guard(self._run, lambda: sim.time <= until)
            self.clock.jump(max(self.clock.virtual, float(until)))

    def advance_by(self, seconds: float) -> None:
        if self.sim is not None:
            self.advance_to(int(self.clock.virtual + seconds))

    def run_to_next_change(self) -> bool:
        """Step until a node or service changes state (at most an hour ahead),
        all at once (tests, scripts; the window uses `find_next_change`).

        True when a change was found."""
        if not self.alive:
            return False
        self._cancel_search()
        search = NextChange(self.sim)
        self._guard(self._run, search.more)
        return self.search_ended(search)

    def find_next_change(self) -> None:
        """`run_to_next_change` for the window, in budgeted slices between
        which the window keeps answering (ui.next_change); called again while
        searching, it stops the search."""
        if self.search.active:
            self._cancel_search()
            self.message.emit("Stopped looking for the next state change")
            return
        if not self.alive:
            return
        self.pause()
        self.message.emit("Looking for the next state change…")
        self.search.start(self.sim)

    @property
    def searching(self) -> bool:
        return self.search.active

    def search_ended(self, search: NextChange) -> bool:
        self.clock.jump(search.sim.time)
        if not search.found:
            self.message.emit(f"No state change within {NEXT_CHANGE_LIMIT} s of virtual time")
        else:
            self.message.emit(f"Next state change at {search.sim.time} s")
        return search.found

    def _cancel_search(self) -> None:
        self.search.cancel()

    def _tick(self) -> None:
        if not self.alive:
            self.pause()
            self.publish()
            return
        self.tick(self._wall.restart() / 1000.0)

    def tick(self, elapsed: float) -> None:
        """What one timer tick does after `elapsed` seconds of real time:
        advance virtual time by speed x elapsed (the clock bounds a stalled
        tick), doing at most `tick_budget_ms` of engine work, then publish.

        Behind schedule, the lag is cut to one tick's worth of virtual time:
        the simulation runs slower than asked rather than the window queueing
        up work it can never catch up with."""
        if not self.alive:
            return
        sim = self.sim
        self._real += elapsed
        target = self.clock.tick()
        behind = False
        if int(target) >= sim.time:
            until = int(target)
            self.run_budgeted(lambda: sim.time <= until)
            if not sim.finished and sim.time <= until:  # out of budget
                self.clock.fall_behind(sim.time, self._speed * TICK_MS / 1000.0)
                behind = True
        else:
            self.publish()
        self._measure_pace(behind)

    def run_budgeted(self, more) -> None:
        """`_run` while `more()`, for at most `tick_budget_ms` of wall time;
        at least one step is always made, so every call makes progress."""
        sim = self.sim
        deadline = time.perf_counter() + self.tick_budget_ms / 1000.0
        first = sim.steps
        self._guard(self._run, lambda: more() and (sim.steps == first or time.perf_counter() < deadline))

    def _measure_pace(self, behind: bool) -> None:
        """The speed reached, reported while the engine is behind schedule
        (0.0 once it has kept up for a second: not a blink)."""
        rate, span = self.clock.reached_rate(self.sim.time)
        if behind:
            self._last_behind = self._real
        elif self._real - self._last_behind >= 1.0:
            self._set_pace(0.0)
            return
        else:
            return
        if span >= 0.5:
            self._set_pace(max(1.0, round(rate)))

    def _set_pace(self, pace: float) -> None:
        if pace != self._reported_pace:
            self._reported_pace = pace
            self.paceChanged.emit(pace)

    @property
    def pace(self) -> float:
        """The speed reached while behind schedule (0.0: keeping up)."""
        return self._reported_pace

    # -- publishing ------------------------------------------------------------------------------
    def publish(self, force: bool = False) -> None:
        """Send new log lines and (if anything changed) one snapshot."""
        if self.sim is None:
            return
        self._maybe_flush(force=not self._running)  # paused: status/ shows the step just taken
        self._publishes += 1
        if self._publishes % FREEZE_EVERY == 0:
            _settle_garbage()
        if self._pending_lines:
            lines, self._pending_lines[:] = list(self._pending_lines), []
            self.logLines.emit(lines)
        if self._new_violations:
            found, self._new_violations = self._new_violations, []
            self.violationsFound.emit(found)
        key = (self.sim.time, len(self.sim.log_lines), self.sim.finished, self.sim.pending_count)
        if not force and key == self._published_key:
            return
        self._published_key = key
        try:
            snap = self.sim.snapshot()
            self._fence_deadlines = {n.name: n.fence_deadline for n in snap.nodes if n.fence_deadline is not None}
        except Exception as err:  # noqa: BLE001
            log.error("snapshot failed: %s", traceback.format_exc())
            self.errorOccurred.emit(f"Internal error while reading the cluster state: {err}")
            return
        self._snapshot = snap
        self.history.record(snap)
        self.snapshotChanged.emit(snap)
        if snap.finished and snap.error:
            self.pause()
            if not self._reported_end:
                self._reported_end = True
                self.errorOccurred.emit(
                    f"The simulated HA stack stopped: {snap.error.strip()}\n"
                    "Everything so far stays visible; use Simulation → Reset to start it again."
                )

    def report(self) -> Report | None:
        """The outcome report of the run so far (hasim.analysis.report), with
        the safety checks' findings: what `hasim report DIR` says of the
        session once the window has closed it.  Built when asked, never per tick."""
        if self.sim is None or self.run_watch is None:
            return None
        name = self.source or (self.path.name if self.path else "")
        return build_report(self.run_watch.record(monitor=self.monitor),
                            f"{name} — this session, at {self.sim.time} s")

    # -- commands ---------------------------------------------------------------------------------
    def check_command(self, command: C.Command | str) -> str | None:
        """Why `command` would be refused (None: fine to submit)."""
        if self.read_only:
            return "Read-only mode: changes are disabled"
        if self.sim is None:
            return "No working directory is open"
        if isinstance(command, str):
            try:
                command = C.parse(command)
            except C.CommandError as err:
                return err.message
        return self.sim.check(command)

    def queued_commands(self) -> tuple[C.Command, ...]:
        """Commands and edits submitted and not yet applied (they apply at the next loop end)."""
        return self.sim.pending if self.sim is not None else ()

    def submit(self, command: C.Command | str) -> str | None:
        """Check and queue a command (applied at the next loop end).

        Returns the refusal message (also sent as errorOccurred) or None."""
        problem = self.check_command(command)
        if problem is not None:
            self.errorOccurred.emit(problem)
            return problem
        if isinstance(command, str):
            command = C.parse(command)
        self._queue_for_next_loop(command, f"Queued '{command}' for the next loop end")
        return None

    def configure(self, name: str, value) -> str | None:
        """Replace a cluster configuration file at the next loop end."""
        if self.read_only:
            problem = "Read-only mode: changes are disabled"
        elif not self.alive:
            problem = "The simulation is not running"
        else:
            self._queue_for_next_loop(C.ReplaceConfig(name, value), f"{name} will be written at the next loop end")
            return None
        self.errorOccurred.emit(problem)
        return problem

    def _queue_for_next_loop(self, command: C.Command, message: str) -> None:
        ticket = self.sim.submit(command)
        self._waiting[ticket] = command
        self.message.emit(message)
        self.publish(force=True)

    def _on_outcome(self, outcome) -> None:
        """A queued command applied or refused: say so, so the status bar never
        keeps saying 'Queued' for something that already happened."""
        command = self._waiting.pop(outcome.ticket, None)
        if command is None:
            return
        what = command.name if isinstance(command, C.ReplaceConfig) else f"'{command}'"
        if outcome.applied:
            self.message.emit(f"Applied {what} at {outcome.time} s")
        else:
            self.errorOccurred.emit(f"{what} was not applied at {outcome.time} s: {outcome.reason}")

    def read_config(self, name: str, default=None):
        """A cluster file as the user last asked for it: the live file with the
        queued edits applied in order, so a dialog opened again shows them."""
        if self.sim is None:
            return default
        edits = [c for c in self.sim.pending if isinstance(c, C.Edit)]
        if not edits:
            return self.sim.read_config(name, default)
        files, nodes = dict(self.sim.files), self.sim.node_names
        for edit in edits:
            if edit.problem(files, nodes) is None:
                files.update(edit.change(files, nodes).files)
        value = files.get(name)
        return default if value is None else copy.deepcopy(value)

    # -- saving -----------------------------------------------------------------------------------
    # Save keeps the session (hasim.workdir.saved): reopening the directory
    # resumes at the saved moment.  Save as scenario also makes the live state
    # the directory's inputs with an empty cmdlist (the real simulator's Save).
    # Save as writes a copy elsewhere and continues there.
    def save(self) -> str | None:
        """Save the session in the working directory: the next open resumes here."""
        return self._save(None, "Saved at {time} s in {path}: opening it again resumes here")

    def save_as_scenario(self) -> str | None:
        """Make the live state the directory's inputs, with an empty cmdlist
        (the real simulator's Save), and keep the session as Save does."""
        if self.sim is None:
            return self._save(None, "")
        files = {**state_as_inputs(self.sim), "cmdlist": "[]\n"}
        return self._save(files, "The state at {time} s is now the start of {path} (cmdlist emptied); "
                                 "Reset starts from it, opening it again resumes here")

    def _save(self, files: dict | None, done: str) -> str | None:
        problem = self._cannot_change()
        if problem is None:
            try:
                self.live.save_session(files)
            except OSError as err:
                detail = err if err.filename else (err.strerror or err)
                problem = f"Save failed: {detail}; nothing was changed"
            else:
                kept = " (a temporary copy: it stays when the window closes)" if self._scratch is not None else ""
                pending = self.sim.pending_count
                if pending:  # applied at the next loop end, after the saved moment
                    many = pending != 1
                    kept += (f"; the {pending} command{'s' if many else ''} queued for the next loop end "
                             f"{'are' if many else 'is'} not in it: step, then save again")
                self._saved = True
                self._saved_steps = self.sim.steps
                self.message.emit(done.format(time=self.sim.time, path=self.path) + kept)
                return None
        self.errorOccurred.emit(problem)
        return problem

    def _cannot_change(self) -> str | None:
        if self.read_only:
            return "Read-only mode: changes are disabled"
        if self.sim is None or self.live is None:
            return "No working directory is open"
        return None

    def save_as(self, target: str | Path) -> str | None:
        """Copy the working directory to `target` (a new or empty directory)
        with the session saved, and go on there: the copy is the open
        directory from now on (a fresh copy in a temporary folder goes)."""
        target = Path(target)
        problem = self._cannot_change()
        if problem is None and target.exists() and not is_empty_dir(target):
            problem = f"{target} is not empty: Save as writes into a new or empty directory"
        if problem is None and self.path is not None and target.resolve() == self.path.resolve():
            problem = "That is the open directory: use Save"
        if problem is None:
            try:
                target.mkdir(parents=True, exist_ok=True)
                with DirLock(target):
                    branch.copy_branches(self.path, target)  # kept branches go along (whole or none)
                    try:
                        self.live.save_session(user_files(self.path), target=target)
                    except BaseException:
                        shutil.rmtree(branch.branches_dir(target), ignore_errors=True)
                        raise
            except (OSError, DirectoryBusy) as err:
                problem = f"Save as failed: {getattr(err, 'strerror', None) or err}; nothing was written"
        if problem is not None:
            self.errorOccurred.emit(problem)
            return problem
        self.pause()
        if not self.open(target):
            return f"Saved in {target}, but it cannot be opened"
        self.message.emit(f"Saved at {self.sim.time} s in {target}; this is the open directory now")
        return None

    # -- going back: branches (hasim.session.branch) -----------------------------------------------
    # The session so far is kept as a branch of the directory, then the
    # directory is opened again at an earlier loop end through the resume a
    # saved session takes: the same start, the entries up to that moment,
    # stepped by the window to the very step (exact: the engine is
    # deterministic).  From there it runs live, a new session of its own.
    @property
    def entries(self) -> tuple[Entry, ...]:
        """What the open session recorded so far (commands, edits, cmdlist batches), in order."""
        return tuple(self.live.recorder.entries) if self.live is not None else ()

    def going_back_problem(self) -> str | None:
        """Why the session cannot go back now (None: it can)."""
        if self.read_only:
            return "Read-only mode: going back keeps a branch in the working directory, so it is disabled"
        return self._cannot_change()

    def branch_problem(self, name: str) -> str | None:
        """Why the session cannot be kept as branch `name` now (None: it can)."""
        return self.going_back_problem() or branch.name_problem(self.path, name)

    def go_back(self, time: int, name: str) -> str | None:
        """Keep the session so far as branch `name`, then go back to the loop
        end at or before virtual time `time` and stay paused there.  Returns
        the refusal (also sent as errorOccurred) or None.  Should the branch
        not be written (a full disk), the session goes on where it was."""
        problem = self.branch_problem(name)
        if problem is None and not 0 <= time <= self.sim.time:
            problem = f"Cannot go back to {time} s: the session is at {self.sim.time} s"
        if problem is not None:
            self.errorOccurred.emit(problem)
            return problem
        sim, entries = self.sim, self.entries
        moment = self.loop_ends.at_or_before(time)
        here = branch.session_until(sim.scenario.files, sim.scenario.cmdlist, entries,
                                    branch.Moment(sim.time, sim.steps))
        back = branch.session_until(sim.scenario.files, sim.scenario.cmdlist, entries, moment)
        self.pause()
        self._cancel_search()
        status = self.live.status.path
        self._close_sim()  # its end line: the branch replays to this very step
        try:
            branch.keep(status, self.path, name)
        except (InputError, OSError) as err:
            problem = f"The session could not be kept as branch '{name}' ({err}); it goes on where it was"
            back = here
        if not self.open(self.path, source=self.source, session=back) and problem is None:
            return f"Cannot go back to {moment.time} s"  # open said why
        if problem is not None:
            self.errorOccurred.emit(problem)
            return problem
        # short: the status bar has room for little (the dialog said what queued commands come to)
        self.message.emit(f"Back at {moment.time} s; kept branch {name}")
        return None

    def why_start_paused(self) -> str | None:
        """Why a window that just opened should wait for the user rather than
        run (None: let it run — the scenario plays commands by itself)."""
        sim = self.sim
        if sim is None:
            return None
        if self.resumed_at is not None:
            return f"Resumed at {self.resumed_at} s and paused: Run (Space) goes on from here"
        if sim.applied_batches != tuple(tuple(b) for b in sim.scenario.cmdlist):
            return None
        if all(n.power == "off" for n in self.snapshot.nodes):
            return "Paused: every node is powered off. Switch nodes on (their Power switch), then Run (Space)"
        return "Paused: this directory has no scenario commands left to play. Give a command, then Run (Space)"

    @property
    def is_scratch(self) -> bool:
        """Whether the open directory is a fresh copy in a temporary folder (Save asks where to keep it)."""
        return self._scratch is not None

    @property
    def unsaved(self) -> bool:
        """Whether closing now would lose work: steps or commands since the last save (or the open)."""
        if self.sim is None or self.live is None:
            return False
        return self.sim.steps != self._saved_steps or self.sim.pending_count > 0

    def pending_count(self) -> int:
        return len(self.queued_commands())
