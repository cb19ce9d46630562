"""The deterministic run loop and the world commands (spec 01 §6–§9).

Theory of operation
-------------------
Time is integer seconds.  A *loop* lasts P = max(20, 2·N) seconds.  In a
loop the nodes are visited in sorted name order; for each node its CRM steps,
then its LRM, then all watchdogs are checked.  Every step of an existing
daemon costs exactly one second of the hardware clock.  At the end of a loop
the clock jumps to loop start + P, every env clock is set to it, and at every
fifth loop end (a *slot*) the next batch of the scenario's command list is
applied.  The run ends at the first slot more than 500 s after the last
batch.

The loop is executed one node at a time (`advance` / `step_node`) so that a
window can follow it at any speed; batch mode simply runs it to the end.
Commands sent interactively (`submit`) are applied at the next loop end, the
only point where the real tester applies commands.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from hasim import commands as C
from hasim import events as E
from hasim.engine.env import Env
from hasim.errors import SimError
from hasim.engine.ha.crm import CRM
from hasim.engine.ha.lrm import LRM
from hasim.log import LogLine, LogSink
from hasim.values import Value
from hasim.engine.world.cluster import World
from hasim.vocab import LOOPS_PER_SLOT, MAX_SIM_TIME, SCENARIO_TAIL, TESTER_SID_RE, loop_length, paired_steps



class Submission(Value):
    """A command or edit waiting for the next loop end.

    `text` is what the log's `execute` line and the session show (for a
    scenario line, exactly as written).  A `checked` submission (the window,
    `hasim ha-manager`) is checked again when it applies and refused — not
    allowed to abort the simulation as a broken scenario line does — if the
    cluster changed meanwhile; `ticket` lets its sender learn the outcome.
    """

    text: str
    source: str
    command: C.Command | None = None  # None: parse the text when it applies, as the tester does
    checked: bool = False
    ticket: int = 0


class Outcome(Value):
    """What became of a checked submission."""

    ticket: int
    time: int
    applied: bool
    reason: str | None = None  # why it was refused


class Scheduled(Value):
    """A recorded session entry, applied at its time (replay)."""

    time: int
    submission: Submission


class Node:
    """Per-node harness state: the daemons and their control flags."""

    def __init__(self, name: str, world: World, sink: LogSink) -> None:
        self.name = name
        self.crm_env = Env(world, sink, name, "crm")
        self.lrm_env = Env(world, sink, name, "lrm")
        self.crm: CRM | None = None
        self.lrm: LRM | None = None
        self.crm_stop = False
        self.lrm_restart = False


class Harness:
    def __init__(self, world: World, cmdlist: list[list[str]], sink: LogSink | None = None) -> None:
        self.world = world
        self.sink = sink or LogSink()
        self.nodes = {n: Node(n, world, self.sink) for n in world.nodes}
        self.order = sorted(self.nodes)
        self.cmdlist = [list(batch) for batch in cmdlist]
        self.batch_index = 0  # batches applied so far
        self.loop_count = 0
        self.next_cmd_at = 0
        self.last_command_time = 0
        self.skip = {"crm": 0, "lrm": 0}
        self.pending: list[Submission] = []  # applied at the next loop end, in order
        self.schedule: list[Scheduled] = []  # recorded-session entries (replay), applied at their times
        self.end_at: int | None = None  # replay: end the run like the original did
        self.before_apply: Callable[[], None] | None = None  # e.g. poll the ha-manager inbox
        self.step_observers: list[Callable[[str | None], None]] = []
        # told (time, source, text) of every command and edit as it is applied: the session recorder
        self.applied_observers: list[Callable[[int, str, str], None]] = []
        # told the Outcome of every checked submission
        self.outcome_observers: list[Callable[[Outcome], None]] = []
        self.finished = False
        self.error: str | None = None
        self.error_command: tuple[int, int, str] | None = None  # (batch, index, command) that failed
        self.started = False
        self.auto_finish = True  # batch: end 500 s after the last batch; window: never
        # the batch tester's 10000 s limit (01 §6.2); the real-time simulator has
        # none, and neither has an interactive simulation (None): at 100x the
        # limit would end a workshop window after 100 s of wall time
        self.max_time: int | None = MAX_SIM_TIME
        self.loop_start = 0
        self.node_cursor = 0  # next node index to step in the current loop

    # -- logging -----------------------------------------------------------------------
    def log(self, level: str, source: str, msg: str) -> None:
        self.sink.emit(LogLine(level, self.world.time, source, msg))

    def emit(self, source: str, event: E.Event) -> None:
        """Log a typed event of the harness or the hardware (levels are not cut, 01 §5.2)."""
        self.sink.emit(LogLine(event.level, self.world.time, source, event.message, event))

    @property
    def paired_steps(self) -> bool:
        """hasim extension for 30–32 nodes (`hasim.vocab.paired_steps`)."""
        return paired_steps(self.node_count)

    @property
    def node_count(self) -> int:
        return len(self.order)

    @property
    def loop_length(self) -> int:
        return loop_length(self.node_count)

    # -- driving -----------------------------------------------------------------------
    def start(self) -> None:
        if not self.started:
            self.started = True
            self.emit("hardware", E.SimulationStarted())
            self.loop_start = self.world.time

    def run(self) -> None:
        """Run the scenario to its end (batch mode)."""
        self.start()
        while not self.finished:
            self.step_node()

    def next_step_time(self) -> int:
        """Hardware time of the next thing `step_node` will do."""
        return self.world.time

    def advance(self, until: int) -> None:
        """Execute node steps and loop ends while they start at or before `until`."""
        self.start()
        while not self.finished and self.world.time <= until:
            before = self.world.time
            self.step_node()
            if self.world.time == before and self.node_cursor == 0:
                # a loop end moves time; guard against a stuck clock
                continue

    def step_loop(self) -> None:
        """Run to the end of the current loop (the window's "step" action)."""
        self.start()
        if self.finished:
            return
        current = self.loop_count, self.loop_start
        while not self.finished and (self.loop_count, self.loop_start) == current:
            self.step_node()

    def step_node(self) -> None:
        """One unit of work: the next node's steps, or the loop end.

        Observers in `step_observers` are called after every step that did
        something, with the node that stepped (None after a loop end); they
        only read (the safety checks use this).
        """
        if self.finished:
            return
        cursor = self.node_cursor
        stepped = self.order[cursor] if cursor < len(self.order) else None
        before = (self.loop_count, cursor, self.world.time)
        self._step_once()
        if self.step_observers and (
            (self.loop_count, self.node_cursor, self.world.time) != before or self.finished
        ):
            for observer in list(self.step_observers):
                observer(stepped)

    def _step_once(self) -> None:
        try:
            if self.node_cursor == 0 and self.loop_count == 0 and self.world.time == 0:
                if self.loop_length >= 60:
                    raise SimError("unable to simulate so many nodes. You need to increase watchdog/lock timeouts.")
            if self.node_cursor < len(self.order):
                self._step_node(self.order[self.node_cursor])
                self.node_cursor += 1
            else:
                self._end_loop()
                self.node_cursor = 0
        except SimError as err:
            self._abort(str(err))

    def _abort(self, msg: str) -> None:
        self.error = msg
        self.emit("hardware", E.SimulationEnded(msg))
        self.finished = True

    # -- one node ----------------------------------------------------------------------
    def _step_node(self, name: str) -> None:
        world = self.world
        d = self.nodes[name]
        first = name == self.order[0]
        step_end = world.time
        if d.crm is not None:
            if self.skip["crm"]:
                if first:
                    self.emit("run-loop", E.RoundSkipped("crm"))
            else:
                crm = d.crm
                exit_crm = not crm.do_one_iteration()
                if self.paired_steps:
                    step_end = max(step_end, d.crm_env.get_time())
                else:
                    world.time = max(world.time, d.crm_env.get_time())
                if exit_crm:
                    d.crm_env.emit(E.DaemonExited())
                    d.crm = None
                    shutdown = (world.hw.get(name) or {}).get("shutdown") or ""
                    if shutdown == "reboot":
                        self.command(C.Power(name, False), "reboot")
                        self.command(C.Power(name, True), "reboot")
                    elif shutdown == "shutdown":
                        self.command(C.Power(name, False), "shutdown")
                    elif not d.crm_stop:
                        raise SimError("unexpected CRM exit - not implemented")
                    d.crm_stop = False
        if d.lrm is not None:
            if self.skip["lrm"]:
                if first:
                    self.emit("run-loop", E.RoundSkipped("lrm"))
            else:
                lrm = d.lrm
                exit_lrm = not lrm.do_one_iteration()
                world.time = max(world.time, step_end, d.lrm_env.get_time())
                if exit_lrm:
                    d.lrm_env.emit(E.DaemonExited())
                    d.lrm = None
                    shutdown = (world.hw.get(name) or {}).get("shutdown") or ""
                    if d.lrm_restart:
                        if shutdown:
                            raise SimError("lrm restart during shutdown - not implemented")
                        d.lrm_restart = False
                        d.lrm = LRM(d.lrm_env)
                    elif shutdown in ("reboot", "shutdown"):
                        self.command(C.CrmStop(name), shutdown)
                    else:
                        raise SimError("unexpected LRM exit - not implemented")
        world.time = max(world.time, step_end)
        for n in self.order if world.any_watchdog_expired() else ():
            if not world.watchdog_check(n):
                self.command(C.Power(n, False), "watchdog")
                self.emit("hardware", E.WatchdogPoweroff(n))
                self.nodes[n].crm = None
                self.nodes[n].lrm = None

    # -- loop end (01 §6.3 steps 4-9) ------------------------------------------------------------
    def _end_loop(self) -> None:
        world = self.world
        for kind in ("crm", "lrm"):
            if self.skip[kind]:
                self.skip[kind] -= 1
        start = self.loop_start
        if world.time - start < self.loop_length:
            world.time = start + self.loop_length
        if self.max_time is not None and world.time > self.max_time:
            raise SimError(f"simulation exceeded maximum time ({self.max_time}) - force end")
        for name in self.order:
            d = self.nodes[name]
            d.lrm_env.loop_start_hook()
            d.crm_env.loop_start_hook()
        self.loop_start = world.time
        if self.end_at is not None and world.time >= self.end_at:
            self.emit("hardware", E.SimulationEnded())
            self.finished = True
            return
        if world.time < self.next_cmd_at:
            self._apply_pending()
            return
        if self.loop_count % LOOPS_PER_SLOT == 0:
            if self.batch_index >= len(self.cmdlist):
                if self.auto_finish and world.time - self.last_command_time > SCENARIO_TAIL and not self.pending:
                    self.emit("hardware", E.SimulationEnded())
                    self.finished = True
                    return
            else:
                batch = self.cmdlist[self.batch_index]
                self.batch_index += 1
                for index, cmd in enumerate(batch):
                    self.last_command_time = world.time
                    self.error_command = (self.batch_index, index + 1, cmd)
                    self.scenario_command(cmd)
                self.error_command = None
        self._apply_pending()
        self.loop_count += 1

    def _apply_pending(self) -> None:
        """Apply recorded-session entries due now, then the submissions."""
        while self.schedule and self.schedule[0].time <= self.world.time:
            self._apply(self.schedule.pop(0).submission)
        if self.before_apply is not None:
            self.before_apply()
        pending, self.pending = self.pending, []
        for submission in pending:
            self._apply(submission)

    def _apply(self, s: Submission) -> None:
        self.error_command = None
        command = s.command
        if s.checked:
            problem = self.problem(command) if command is not None else None
            if problem is not None:
                self._tell(Outcome(s.ticket, self.world.time, False, problem))
                return
        if isinstance(command, C.Edit):
            self.apply_edit(command)
        else:
            self.scenario_command(s.text, s.source)
        if s.checked:
            self._tell(Outcome(s.ticket, self.world.time, True))

    def _tell(self, outcome: Outcome) -> None:
        for observer in list(self.outcome_observers):
            observer(outcome)

    def _record(self, source: str, text: str) -> None:
        for observer in list(self.applied_observers):
            observer(self.world.time, source, text)

    # -- submitting and checking -------------------------------------------------------------
    def submit(self, submission: Submission) -> None:
        """Queue a command or edit for the next loop end."""
        self.pending.append(submission)

    def facts(self) -> C.Facts:
        """What `commands.check` needs of the cluster now."""
        hw = self.world.hw
        return C.Facts(
            nodes=tuple(self.order),
            services=frozenset(self.world.peek("service_config") or {}),
            pending=tuple(s.command for s in self.pending if s.command is not None),
            shutting_down=frozenset(n for n in self.order if (hw.get(n) or {}).get("shutdown")),
            finished=None if not self.finished else "The simulation has ended" + (f": {self.error}" if self.error else ""),
            node_state=self._node_facts(),
        )

    def _node_facts(self) -> dict[str, C.NodeFacts]:
        hw = self.world.hw
        ms = self.world.peek("manager_status") or {}
        in_maintenance = {n for n, s in (ms.get("node_status") or {}).items() if s == "maintenance"}
        in_maintenance |= {n for n, r in (ms.get("node_request") or {}).items() if (r or {}).get("maintenance")}
        queued = self.world.peek("crm_commands") or ""
        for line in (queued if isinstance(queued, str) else "").splitlines():  # not yet read by the master
            words = line.split()
            if len(words) == 2 and words[0] in ("enable-node-maintenance", "disable-node-maintenance"):
                (in_maintenance.add if words[0].startswith("enable") else in_maintenance.discard)(words[1])
        out = {}
        for name in self.order:
            rec, d = hw.get(name) or {}, self.nodes[name]
            cfs = rec.get("cfs") or {}
            out[name] = C.NodeFacts(power=rec.get("power") == "on", network=rec.get("network") == "on",
                                    crm=d.crm is not None, lrm=d.lrm is not None,
                                    cfs_rw=cfs.get("rw", True) is not False,
                                    cfs_update=cfs.get("update", True) is not False,
                                    maintenance=name in in_maintenance)  # fmt: skip
        return out

    def problem(self, command: C.Command) -> str | None:
        """Why `command` cannot apply now (None: it can)."""
        if isinstance(command, C.Edit):
            if self.finished:
                return self.facts().finished
            return command.problem(self.world.files, list(self.world.nodes))
        return C.check(command, self.facts())

    def apply_edit(self, edit: C.Edit) -> None:
        """A configuration edit now: files replaced or deleted, CRM commands queued."""
        world = self.world
        change = edit.change(world.files, list(world.nodes))
        for name, value in change.files.items():
            if value is None:
                world.delete(name)
            else:
                world.write(name, value)
        for line in change.crm_commands:
            world.queue_crm_command(line)
        for source, text in edit.recorded(change):
            self._record(source, text)

    # -- commands (01 §8) -----------------------------------------------------------------------
    def scenario_command(self, text: str, source: str = "cmdlist") -> None:
        """A command line as the real tester runs it from a cmdlist."""
        self._record(source, text)
        directive = C.parse_directive(text)
        if isinstance(directive, C.Delay):
            self.emit(source, E.CommandExecuted(text, directive))
            self.next_cmd_at = self.world.time + directive.seconds
        elif isinstance(directive, C.SkipRound):
            self.emit(source, E.CommandExecuted(text, directive))
            self.skip[directive.daemon] += directive.count or 1
        else:
            self.execute(text, source)

    def execute(self, text: str, source: str) -> None:
        """A world command: the tester's checks (01 §8 steps 1-2), the
        `execute` line, then the command; any error aborts the simulation."""
        tokens = text.split()
        verb = tokens[0] if tokens else ""
        obj = tokens[1] if len(tokens) > 1 else None
        if obj is None:
            raise SimError("sim_hardware_cmd: no node or service for command specified")
        if verb == "delnode" and len(self.order) <= 1:
            raise SimError("delnode: cannot remove the last node of the cluster")
        if verb == "service":
            if not TESTER_SID_RE.fullmatch(obj):
                raise SimError("value does not look like a valid ha resource id")
        elif obj not in self.nodes:
            raise SimError(f"sim_hardware_cmd: no such node '{obj}'")
        try:
            command: C.Command | None = C.parse(text, strict=False)
            problem = None
        except C.CommandError as err:
            command, problem = None, err.tester_message
        self.emit(source, E.CommandExecuted(text, command))  # logged before the command's own errors (01 §8)
        if command is None:
            raise SimError(problem)
        _DISPATCH[type(command)](self, command)

    def command(self, command: C.Command, source: str) -> None:
        """A world command the run loop gives itself (reboot chain, watchdog)."""
        self.execute(command.render(), source)

    # -- node commands -------------------------------------------------------------------------
    def _power(self, c: C.Power) -> None:
        world, node = self.world, c.node
        d = self.nodes[node]
        rec = world.hw[node]
        action = "on" if c.on else "off"
        if rec.get("power") != action:
            if c.on:
                if d.crm is None:
                    d.crm = CRM(d.crm_env)
                if d.lrm is None:
                    d.lrm = LRM(d.lrm_env)
                d.lrm_restart = False
                rec["cfs"] = {}
            else:
                if d.crm is not None:
                    d.crm_env.emit(E.KilledByPoweroff())
                    d.crm = None
                if d.lrm is not None:
                    d.lrm_env.emit(E.KilledByPoweroff())
                    d.lrm = None
                    d.lrm_restart = False
                world.watchdog_reset(node)
                world.write_service_status(node, {})
        rec["power"] = action
        rec["network"] = action
        rec["shutdown"] = None
        world.update_hw()

    def _network(self, c: C.Network) -> None:
        self.world.hw[c.node]["network"] = "on" if c.on else "off"
        self.world.update_hw()

    def _cfs(self, c: C.Cfs) -> None:
        rec = self.world.hw[c.node]
        cfs = rec.get("cfs") or {}
        cfs[c.what] = c.works
        rec["cfs"] = cfs
        self.world.update_hw()

    def _version(self, c: C.PveManagerVersion) -> None:
        self.world.hw[c.node]["pve-manager-version"] = c.version
        self.world.update_hw()

    def _reboot(self, c: C.Reboot | C.Shutdown) -> None:
        self.world.hw[c.node]["shutdown"] = "reboot" if isinstance(c, C.Reboot) else "shutdown"
        self.world.update_hw()
        lrm = self.nodes[c.node].lrm
        if lrm is not None:
            lrm.shutdown()

    def _restart_lrm(self, c: C.RestartLrm) -> None:
        d = self.nodes[c.node]
        if d.lrm is not None:
            d.lrm_restart = True
            d.lrm.shutdown()

    def _crm_stop(self, c: C.CrmStop) -> None:
        d = self.nodes[c.node]
        if d.crm is not None:
            d.crm_stop = True
            d.crm.shutdown()

    def _crm_start(self, c: C.CrmStart) -> None:
        d = self.nodes[c.node]
        if d.crm is None:
            d.crm = CRM(d.crm_env)

    def _maintenance(self, c: C.NodeMaintenance) -> None:
        self.world.queue_crm_command(f"{'enable' if c.enable else 'disable'}-node-maintenance {c.node}")

    def _disarm(self, c: C.DisarmHa) -> None:
        self.world.queue_crm_command(f"disarm-ha {c.mode}")

    def _arm(self, c: C.ArmHa) -> None:
        self.world.queue_crm_command("arm-ha")

    def _delnode(self, c: C.DelNode) -> None:
        """hasim extension: the cluster forgets the node, as after `pvecm delnode`.

        The node is powered off and leaves the membership; the manager then
        sees it vanish (`unknown` -> `gone`) and drops it an hour later.
        """
        world = self.world
        node = c.node
        if world.hw[node].get("power") == "on":
            self.command(C.Power(node, False), "delnode")
        del world.hw[node]
        world.update_hw()
        world.nodes.remove(node)
        world.delete(f"service_status_{node}")
        world.delete(f"lrm_status_{node}")  # /etc/pve/nodes/<node> is removed with it
        self.order.remove(node)
        del self.nodes[node]
        if not self.order:
            raise SimError("delnode: cannot remove the last node of the cluster")

    # -- service commands -------------------------------------------------------------------------
    def _configured(self, sid: str, message: str | None = None) -> dict:
        """The service config as stored (checked like a read); writers change only their keys."""
        conf = self.world.stored_service_config()
        if sid not in conf:
            raise SimError(message or f"no such service '{sid}'")
        return conf

    def _set_state(self, c: C.SetRequestedState) -> None:
        conf = self._configured(c.sid)
        conf[c.sid]["state"] = c.state
        self.world.write_service_config(conf)

    def _move(self, c: C.Migrate | C.Relocate) -> None:
        action = "migrate" if isinstance(c, C.Migrate) else "relocate"
        self.world.queue_crm_command(f"{action} {c.sid} {c.target}")

    def _stop(self, c: C.StopService) -> None:
        self.world.queue_crm_command(f"stop {c.sid} {c.timeout}")

    def _add(self, c: C.AddService) -> None:
        world, sid = self.world, c.sid
        conf = world.stored_service_config()
        if sid in conf:
            raise SimError(f"resource ID '{sid}' already defined")
        m = re.match(r"^(\w+):(\S+)$", sid)
        conf[sid] = {"node": c.node, "state": c.state or "started", "type": m.group(1), "name": m.group(2)}
        world.write_service_config(conf)
        name = f"service_status_{c.node}"
        if not world.exists(name):
            raise SimError(f"unable to open file '{name}' - No such file or directory")
        ss = world.read(name, {})
        running = c.running
        ss[sid] = int(running) if running and running.isdigit() else (running or 0)
        world.write(name, ss)

    def _delete(self, c: C.DeleteService) -> None:
        world = self.world
        conf = self._configured(c.sid)
        del conf[c.sid]
        world.write_service_config(conf)
        static = world.read("static_service_stats", {})
        static.pop(c.sid, None)
        world.write("static_service_stats", static)

    def _lock(self, c: C.LockService) -> None:
        conf = self._configured(c.sid)
        conf[c.sid]["lock"] = c.lock if c.lock is not None else "backup"
        self.world.write_service_config(conf)

    def _unlock(self, c: C.UnlockService) -> None:
        conf = self._configured(c.sid)
        lock = conf[c.sid].get("lock")
        if lock and (c.lock is None or c.lock == lock):
            del conf[c.sid]["lock"]
            self.world.write_service_config(conf)

    def _manual_migrate(self, c: C.ManualMigrate) -> None:
        world, sid = self.world, c.sid
        conf = self._configured(sid, f"sim_hardware_cmd: service '{sid}' not configured")
        if not conf[sid].get("node"):
            raise SimError(f"sim_hardware_cmd: service '{sid}' has no node")
        ms = world.peek("manager_status") or {}
        disarm_mode = (ms.get("disarm") or {}).get("mode")
        if conf[sid].get("state") != "ignored" and disarm_mode != "ignore":
            raise SimError("sim_hardware_cmd: manual-migrate requires service in 'ignored' state or disarm-ha ignore mode")
        conf[sid]["node"] = c.target
        world.write_service_config(conf)

    def _set_stats(self, c: C.SetStats) -> None:
        world = self.world
        fname = "dynamic_service_stats" if c.dynamic else "static_service_stats"
        self._configured(c.sid)
        stats = world.read(fname, {})
        entry = stats.setdefault(c.sid, {})
        for key, value in c.pairs:
            if key not in c.keys:
                raise SimError(f"sim_hardware_cmd: unknown target stat '{key}' for '{c.action}' command")
            number = _number(value)
            entry[key] = number * 1048576 if c.keys[key] == "mem" else number
        world.write(fname, stats)

    # -- feeding a scenario as it runs (the explorer) --------------------------------------------
    def wants_batch(self) -> bool:
        """Whether the next step is a loop end at which the scenario would apply
        its next batch (a command slot past any `delay`) and none is left."""
        return (
            self.node_cursor >= len(self.order)
            and self.loop_count % LOOPS_PER_SLOT == 0
            and self.batch_index == len(self.cmdlist)
            and max(self.world.time, self.loop_start + self.loop_length) >= self.next_cmd_at
        )

    def add_batch(self, batch: list[str]) -> None:
        self.cmdlist.append(list(batch))

    @property
    def next_stepper(self) -> str | None:
        """The node whose daemons step next (None: the loop end comes next)."""
        return self.order[self.node_cursor] if self.node_cursor < len(self.order) else None

    # -- look-ahead ---------------------------------------------------------------------------------
    def fork(self, sink: LogSink) -> Harness:
        """An independent copy that logs into `sink`: the same state, no
        observers, no scenario batches still to come, no replay schedule, no
        end — for looking ahead at what happens if nobody acts."""
        memo: dict[int, object] = {id(self.sink): sink}
        for value in (self.before_apply, self.step_observers, self.applied_observers, self.outcome_observers):
            memo[id(value)] = None
        import copy  # only a look-ahead copies; a batch run does not load it

        twin = copy.deepcopy(self, memo)
        twin.before_apply = None
        twin.step_observers, twin.applied_observers, twin.outcome_observers = [], [], []
        twin.cmdlist = twin.cmdlist[: twin.batch_index]
        twin.schedule = []
        twin.end_at = None
        twin.auto_finish = False
        return twin


_DISPATCH: dict[type, Callable[[Harness, C.Command], None]] = {
    C.Power: Harness._power,
    C.Network: Harness._network,
    C.Cfs: Harness._cfs,
    C.PveManagerVersion: Harness._version,
    C.Reboot: Harness._reboot,
    C.Shutdown: Harness._reboot,
    C.RestartLrm: Harness._restart_lrm,
    C.CrmStop: Harness._crm_stop,
    C.CrmStart: Harness._crm_start,
    C.NodeMaintenance: Harness._maintenance,
    C.DisarmHa: Harness._disarm,
    C.ArmHa: Harness._arm,
    C.DelNode: Harness._delnode,
    C.SetRequestedState: Harness._set_state,
    C.Migrate: Harness._move,
    C.Relocate: Harness._move,
    C.StopService: Harness._stop,
    C.AddService: Harness._add,
    C.DeleteService: Harness._delete,
    C.LockService: Harness._lock,
    C.UnlockService: Harness._unlock,
    C.ManualMigrate: Harness._manual_migrate,
    C.SetStats: Harness._set_stats,
}


def _number(text: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return 0
