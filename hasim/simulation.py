"""The engine's public face: one simulation of one cluster, in memory.

Batch mode, the window, the explainer, the explorer and the tests all drive
the same object:

    sim = Simulation(load_scenario("working-dirs/default"))
    sim.run()                       # batch: scenario to its end
    sim.advance(sim.time + 60)      # window: follow virtual time
    sim.step_loop()                 # window: one loop
    sim.submit("power node1 off")   # applied at the next loop end
    snap = sim.snapshot()           # immutable view
    sim.log_lines                   # every LogLine so far, in order

Nothing here reads the wall clock, touches a file or imports Qt: a working
directory on disk is attached from above (`hasim.workdir.live`), and so is
everything else that watches a run.
"""

from __future__ import annotations

from collections.abc import Callable

from hasim import commands as C
from hasim.engine.harness import Harness, Outcome, Scheduled, Submission
from hasim.engine.world.cluster import World
from hasim.jsondata import jcopy
from hasim.log import LogLine, LogSink
from hasim.scenario import Scenario

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.snapshot import Snapshot


class Simulation:
    def __init__(self, scenario: Scenario, *, interactive: bool = False) -> None:
        """`interactive`: driven by a person (window, `run --interactive`,
        replay): no end after the scenario's last batch, no 10000 s limit."""
        self.scenario = scenario
        self.sink = LogSink()
        self._world = World(jcopy(scenario.files), list(scenario.nodes))
        self._harness = Harness(self._world, [] if interactive and not scenario.cmdlist else scenario.cmdlist, self.sink)
        self._harness.auto_finish = not interactive
        if interactive:
            self._harness.max_time = None
        self.steps = 0  # engine steps taken (node steps and loop ends)
        self._tickets = 0

    # -- driving --------------------------------------------------------------------------------
    @property
    def kernel(self) -> Harness:
        """The engine itself, for the white-box readers that must look inside
        (the safety checks read the daemons' own state, tests set up corner
        cases).  Everything else uses the methods here; nobody changes the
        kernel except through `submit`."""
        return self._harness

    def changed_files(self) -> tuple[dict, set[str]]:
        """(the cluster files, the names changed since the last call): what a
        status directory writes; the set is emptied by the caller."""
        return self._world.files, self._world.dirty

    @property
    def node_names(self) -> list[str]:
        """Every node the cluster files still know (as `nodes`, but also during a `delnode`)."""
        return list(self._world.nodes)

    @property
    def time(self) -> int:
        return self._world.time

    @property
    def finished(self) -> bool:
        return self._harness.finished

    @property
    def error(self) -> str | None:
        return self._harness.error

    @property
    def error_command(self) -> tuple[int, int, str] | None:
        """(batch, index, command) of the scenario line that ended the run in an error."""
        return self._harness.error_command

    @property
    def loop_length(self) -> int:
        return self._harness.loop_length

    @property
    def nodes(self) -> list[str]:
        """The cluster's nodes in the order the loop visits them (sorted)."""
        return list(self._harness.order)

    @property
    def loop_position(self) -> tuple[int, int]:
        """(loop counter, loop start time): changes exactly at a loop end."""
        return self._harness.loop_count, self._harness.loop_start

    @property
    def next_loop_end(self) -> int:
        """Virtual time of the next loop end, where submitted commands apply."""
        return self._harness.loop_start + self.loop_length

    @property
    def pending_count(self) -> int:
        """Submitted commands/edits waiting for the next loop end."""
        return len(self._harness.pending)

    @property
    def pending(self) -> tuple[C.Command, ...]:
        """Submitted commands and edits waiting for the next loop end, in order."""
        return tuple(s.command for s in self._harness.pending if s.command is not None)

    def start(self) -> None:
        """Log 'starting simulation' (done by the first step otherwise)."""
        self._harness.start()

    def run(self) -> None:
        """Run to the end (batch mode)."""
        self._harness.start()
        while not self._harness.finished:
            self._step()

    def advance(self, until: int) -> None:
        """Run every step that starts at or before virtual time `until`."""
        self._harness.start()
        while not self._harness.finished and self._world.time <= until:
            self._step()

    def step_loop(self) -> None:
        """Run to the end of the current loop."""
        harness = self._harness
        harness.start()
        current = self.loop_position
        while not harness.finished and self.loop_position == current:
            self._step()

    def step_node(self) -> None:
        """The smallest unit: the next node's steps, or the loop end."""
        self._harness.start()
        self._step()

    def _step(self) -> None:
        if not self._harness.finished:
            self.steps += 1
            self._harness.step_node()

    # -- watching -------------------------------------------------------------------------------
    def observe_steps(self, observer: Callable[[str | None], None]) -> None:
        """Be called after every engine step that did something, with the node
        that stepped (None after a loop end or at the end of the run)."""
        self._harness.step_observers.append(observer)

    def observe_applied(self, observer: Callable[[int, str, str], None]) -> None:
        """Be told (time, source, text) of every command and edit as it is applied."""
        self._harness.applied_observers.append(observer)

    def at_loop_end(self, callback: Callable[[], None]) -> None:
        """Be called at every loop end just before queued commands apply: the
        moment to submit what arrived meanwhile (the working directory's inbox)."""
        self._harness.before_apply = callback

    @property
    def next_stepper(self) -> str | None:
        """The node whose daemons step next (None: the loop end comes next)."""
        return self._harness.next_stepper

    def wants_batch(self) -> bool:
        """Whether the next step is a command slot and the scenario has no batch
        left for it: the moment to `add_batch` (the explorer plans as it runs)."""
        return self._harness.wants_batch()

    def add_batch(self, batch: list[str]) -> None:
        """Append a command batch to the scenario, applied at its next slot."""
        self._harness.add_batch(batch)

    @property
    def applied_batches(self) -> tuple[tuple[str, ...], ...]:
        """The scenario's batches applied so far (a run's schedule, to replay)."""
        return tuple(tuple(b) for b in self._harness.cmdlist[: self._harness.batch_index])

    def follow(self, schedule: list[Scheduled], end_at: int | None = None) -> None:
        """Replay: apply recorded submissions at their times (at loop ends, as
        they were), and end the run at `end_at` as the original ended."""
        self._harness.schedule = list(schedule)
        self._harness.end_at = end_at

    def check(self, command: C.Command) -> str | None:
        """Why `command` cannot be applied now (None: it can), in the words
        the window shows; commands still queued count as applied."""
        return self._harness.problem(command)

    def submit(self, command: C.Command | str, source: str = "command") -> int:
        """Queue a command or edit for the next loop end; returns its ticket.

        A string is parsed strictly (CommandError names the bad token).  The
        command is checked again when it applies: if the cluster changed so
        that it no longer can, it is refused (see `on_outcome`) rather than
        ending the simulation as a broken scenario line would.
        """
        if isinstance(command, str):
            command = C.parse(command)
        self._tickets += 1
        self._harness.submit(Submission(command.render(), source, command, checked=True, ticket=self._tickets))
        return self._tickets

    def on_outcome(self, listener: Callable[[Outcome], None]) -> None:
        """Be told whether each submitted command was applied or refused."""
        self._harness.outcome_observers.append(listener)

    def configure(self, name: str, value) -> int:
        """Replace a configuration file (service_config, rules_config, groups,
        datacenter.cfg, static/dynamic stats) at the next loop end, as an admin
        editing /etc/pve would; the daemons see it at their next read."""
        return self.submit(C.ReplaceConfig(name, value))

    def read_config(self, name: str, default=None):
        """A copy of a cluster file as the daemons would read it now."""
        return self._world.read(name, default)

    @property
    def files(self) -> dict:
        """The live cluster files, read-only (Save writes them back as inputs)."""
        return self._world.files

    def subscribe(self, listener: Callable[[LogLine], None]) -> None:
        self.sink.subscribe(listener)

    @property
    def log_lines(self) -> list[LogLine]:
        return self.sink.lines

    def log_text(self) -> str:
        return self.sink.text()

    def snapshot(self) -> Snapshot:
        """An immutable view of the cluster now (the window's; a batch run takes none)."""
        from hasim.snapshot import take_snapshot

        return take_snapshot(self._harness)

    def fork(self) -> Simulation:
        """An independent copy from this moment on, for looking ahead: the same
        state and queue, no watchers, no scenario batches still to come."""
        twin = Simulation.__new__(Simulation)
        twin.scenario = self.scenario
        twin.sink = LogSink()
        twin._harness = self._harness.fork(twin.sink)
        twin._world = twin._harness.world
        twin.steps = self.steps
        twin._tickets = self._tickets
        return twin
