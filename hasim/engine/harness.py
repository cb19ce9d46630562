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

from hasim.engine.env import Env
from hasim.errors import SimError
from hasim.engine.ha.crm import CRM
from hasim.engine.ha.lrm import LRM
from hasim.log import LogLine, LogSink
from hasim.engine.world.cluster import World
from hasim.vocab import LOOPS_PER_SLOT, MAX_SIM_TIME, SCENARIO_TAIL, TESTER_SID_RE, loop_length, paired_steps

DELAY_RE = re.compile(r"^delay\s+(\d+)\s*$")
SKIP_RE = re.compile(r"^skip-round\s+(crm|lrm)(?:\s+(\d+))?\s*$")


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


def _shown(token: str | None) -> str:
    """A command token as the real tester's messages show it: a missing one
    (Perl's undef) interpolates as the empty string."""
    return "" if token is None else token


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
        self.pending: list[tuple] = []  # interactively submitted, applied at the next loop end
        self.schedule: list = []  # recorded-session entries (replay), applied at their times
        self.end_at: int | None = None  # replay: end the run like the original did
        self.recorder = None  # hasim.session.recorder.SessionRecorder
        self.before_apply: Callable[[], None] | None = None  # e.g. poll the ha-manager inbox
        self.step_observers: list[Callable[[str | None], None]] = []
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
            self.log("info", "hardware", "starting simulation")
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
        self.log("err", "hardware", f"exit simulation - {msg}\n ")
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
                    self.log("info", "run-loop", "skipping CRM round")
            else:
                crm = d.crm
                exit_crm = not crm.do_one_iteration()
                if self.paired_steps:
                    step_end = max(step_end, d.crm_env.get_time())
                else:
                    world.time = max(world.time, d.crm_env.get_time())
                if exit_crm:
                    d.crm_env.log("info", "exit (loop end)")
                    d.crm = None
                    shutdown = (world.hw.get(name) or {}).get("shutdown") or ""
                    if shutdown == "reboot":
                        self.command(f"power {name} off", "reboot")
                        self.command(f"power {name} on", "reboot")
                    elif shutdown == "shutdown":
                        self.command(f"power {name} off", "shutdown")
                    elif not d.crm_stop:
                        raise SimError("unexpected CRM exit - not implemented")
                    d.crm_stop = False
        if d.lrm is not None:
            if self.skip["lrm"]:
                if first:
                    self.log("info", "run-loop", "skipping LRM round")
            else:
                lrm = d.lrm
                exit_lrm = not lrm.do_one_iteration()
                world.time = max(world.time, step_end, d.lrm_env.get_time())
                if exit_lrm:
                    d.lrm_env.log("info", "exit (loop end)")
                    d.lrm = None
                    shutdown = (world.hw.get(name) or {}).get("shutdown") or ""
                    if d.lrm_restart:
                        if shutdown:
                            raise SimError("lrm restart during shutdown - not implemented")
                        d.lrm_restart = False
                        d.lrm = LRM(d.lrm_env)
                    elif shutdown in ("reboot", "shutdown"):
                        self.command(f"crm {name} stop", shutdown)
                    else:
                        raise SimError("unexpected LRM exit - not implemented")
        world.time = max(world.time, step_end)
        for n in self.order if world.any_watchdog_expired() else ():
            if not world.watchdog_check(n):
                self.command(f"power {n} off", "watchdog")
                self.log("info", "hardware", f"server '{n}' stopped by poweroff (watchdog)")
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
            self.log("info", "hardware", "exit simulation - done")
            self.finished = True
            return
        if world.time < self.next_cmd_at:
            self._apply_pending()
            return
        if self.loop_count % LOOPS_PER_SLOT == 0:
            if self.batch_index >= len(self.cmdlist):
                if self.auto_finish and world.time - self.last_command_time > SCENARIO_TAIL and not self.pending:
                    self.log("info", "hardware", "exit simulation - done")
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
        """Apply recorded-session entries due now, then interactive submissions."""
        if self.schedule:
            from hasim.session.replay import apply_entry

            while self.schedule and self.schedule[0].time <= self.world.time:
                entry = self.schedule.pop(0)
                self.error_command = None
                apply_entry(self, entry)
        if self.before_apply is not None:
            self.before_apply()
        pending, self.pending = self.pending, []
        for kind, a, b in pending:
            self.error_command = None
            if kind == "config":
                self.apply_config(a, b)
            elif kind == "call":
                a(self)
                self._record(b[0], b[1])
            else:
                self.scenario_command(a, b)

    def _record(self, source: str, text: str) -> None:
        if self.recorder is not None:
            self.recorder.record(self.world.time, source, text)

    def apply_config(self, name: str, value) -> None:
        """Replace a configuration file now (an admin editing /etc/pve)."""
        if value is None:
            self.world.delete(name)
        else:
            self.world.write(name, value)
        if self.recorder is not None:
            self.recorder.record_config(self.world.time, name, value)

    def submit_config(self, name: str, value) -> None:
        """Queue a configuration-file replacement for the next loop end."""
        self.pending.append(("config", name, value))

    def submit_call(self, fn: Callable[[Harness], None], source: str, text: str) -> None:
        """Queue a deterministic edit (e.g. an ha-manager request) for the next loop end."""
        self.pending.append(("call", fn, (source, text)))

    def submit(self, cmd: str, source: str = "command") -> None:
        """Queue a command for the next loop end (interactive use)."""
        self.pending.append(("cmd", cmd, source))

    def scenario_command(self, cmd: str, source: str = "cmdlist") -> None:
        self._record(source, cmd)
        if m := DELAY_RE.match(cmd):
            self.log("info", source, f"execute {cmd}")
            self.next_cmd_at = self.world.time + int(m.group(1))
        elif m := SKIP_RE.match(cmd):
            self.log("info", source, f"execute {cmd}")
            self.skip[m.group(1)] += int(m.group(2) or 1)
        else:
            self.command(cmd, source)

    # -- world commands (01 §8) -------------------------------------------------------------
    def command(self, cmdstr: str, source: str) -> None:
        world = self.world
        parts = cmdstr.split()
        cmd = parts[0] if parts else ""
        objid = parts[1] if len(parts) > 1 else None
        action = parts[2] if len(parts) > 2 else None
        params = parts[3:]
        if objid is None:
            raise SimError("sim_hardware_cmd: no node or service for command specified")
        if cmd == "delnode" and len(self.order) <= 1:
            raise SimError("delnode: cannot remove the last node of the cluster")
        if cmd == "service":
            if not TESTER_SID_RE.fullmatch(objid):
                raise SimError("value does not look like a valid ha resource id")
        elif objid not in self.nodes:
            raise SimError(f"sim_hardware_cmd: no such node '{objid}'")
        self.log("info", source, f"execute {cmdstr}")
        if cmd == "service":
            self._service_command(objid, action, params)
            return
        node = objid
        d = self.nodes[node]
        hw = world.hw
        rec = hw[node]
        if cmd == "power":
            if action not in ("on", "off"):
                raise SimError(f"sim_hardware_cmd: unknown action '{_shown(action)}'")
            if rec.get("power") != action:
                if action == "on":
                    if d.crm is None:
                        d.crm = CRM(d.crm_env)
                    if d.lrm is None:
                        d.lrm = LRM(d.lrm_env)
                    d.lrm_restart = False
                    rec["cfs"] = {}
                else:
                    if d.crm is not None:
                        d.crm_env.log("info", "killed by poweroff")
                        d.crm = None
                    if d.lrm is not None:
                        d.lrm_env.log("info", "killed by poweroff")
                        d.lrm = None
                        d.lrm_restart = False
                    world.watchdog_reset(node)
                    world.write_service_status(node, {})
            rec["power"] = action
            rec["network"] = action
            rec["shutdown"] = None
            world.update_hw()
        elif cmd == "network":
            if action not in ("on", "off"):
                raise SimError(f"sim_hardware_cmd: unknown network action '{_shown(action)}'")
            rec["network"] = action
            world.update_hw()
        elif cmd == "cfs":
            if action not in ("rw", "update"):
                raise SimError(f"sim_hardware_cmd: unknown cfs action '{_shown(action)}' for node '{node}'")
            param = params[0] if params else None
            if param == "work":
                value = True
            elif param == "fail":
                value = False
            else:
                raise SimError(f"sim_hardware_cmd: unknown cfs command '{_shown(param)}' for '{action}' on node '{node}'")
            cfs = rec.get("cfs") or {}
            cfs[action] = value
            rec["cfs"] = cfs
            world.update_hw()
        elif cmd == "pve-manager-version":
            if action != "set":
                raise SimError(f"sim_hardware_cmd: unknown version action '{_shown(action)}'")
            rec["pve-manager-version"] = params[0] if params else None
            world.update_hw()
        elif cmd in ("reboot", "shutdown"):
            rec["shutdown"] = cmd
            world.update_hw()
            if d.lrm is not None:
                d.lrm.shutdown()
        elif cmd == "restart-lrm":
            if d.lrm is not None:
                d.lrm_restart = True
                d.lrm.shutdown()
        elif cmd == "crm":
            self._crm_command(d, action, params)
        elif cmd == "delnode":
            self._delnode(d)
        else:
            raise SimError(f"sim_hardware_cmd: unknown command '{cmdstr}'")

    def _delnode(self, d: Node) -> None:
        """hasim extension: the cluster forgets the node, as after `pvecm delnode`.

        The node is powered off and leaves the membership; the manager then
        sees it vanish (`unknown` -> `gone`) and drops it an hour later.
        """
        world = self.world
        node = d.name
        if world.hw[node].get("power") == "on":
            self.command(f"power {node} off", "delnode")
        del world.hw[node]
        world.update_hw()
        world.nodes.remove(node)
        world.delete(f"service_status_{node}")
        world.delete(f"lrm_status_{node}")  # /etc/pve/nodes/<node> is removed with it
        self.order.remove(node)
        del self.nodes[node]
        if not self.order:
            raise SimError("delnode: cannot remove the last node of the cluster")

    def _crm_command(self, d: Node, action: str | None, params: list[str]) -> None:
        node = d.name
        world = self.world
        if action == "stop":
            if d.crm is not None:
                d.crm_stop = True
                d.crm.shutdown()
        elif action == "start":
            if d.crm is None:
                d.crm = CRM(d.crm_env)
        elif action in ("enable-node-maintenance", "disable-node-maintenance"):
            world.queue_crm_command(f"{action} {node}")
        elif action == "disarm-ha":
            mode = params[0] if params else None
            if mode not in ("freeze", "ignore"):
                raise SimError(f"sim_hardware_cmd: unknown resource mode '{_shown(mode)}'")
            world.queue_crm_command(f"disarm-ha {mode}")
        elif action == "arm-ha":
            world.queue_crm_command("arm-ha")
        else:
            raise SimError(f"sim_hardware_cmd: unknown action '{_shown(action)}'")

    def _service_command(self, sid: str, action: str | None, params: list[str]) -> None:
        world = self.world
        if action in ("started", "disabled", "stopped", "ignored"):
            conf = world.read_service_config()
            if sid not in conf:
                raise SimError(f"no such service '{sid}'")
            conf[sid]["state"] = action
            world.write_service_config(conf)
        elif action in ("migrate", "relocate"):
            if not params:
                raise SimError(f"sim_hardware_cmd: missing target node for '{action}' command")
            world.queue_crm_command(f"{action} {sid} {params[0]}")
        elif action == "stop":
            if not params:
                raise SimError(f"sim_hardware_cmd: missing timeout for '{action}' command")
            world.queue_crm_command(f"stop {sid} {params[0]}")
        elif action == "add":
            if not params:
                raise SimError(f"sim_hardware_cmd: missing target node for '{action}' command")
            self._add_service(sid, params[0], params[1] if len(params) > 1 else None, params[2] if len(params) > 2 else None)
        elif action == "delete":
            conf = world.read_service_config()
            if sid not in conf:
                raise SimError(f"no such service '{sid}'")
            del conf[sid]
            world.write_service_config(conf)
            static = world.read("static_service_stats", {})
            static.pop(sid, None)
            world.write("static_service_stats", static)
        elif action == "lock":
            conf = world.read_service_config()
            if sid not in conf:
                raise SimError(f"no such service '{sid}'")
            conf[sid]["lock"] = params[0] if params else "backup"
            world.write_service_config(conf)
        elif action == "unlock":
            conf = world.read_service_config()
            if sid not in conf:
                raise SimError(f"no such service '{sid}'")
            lock = conf[sid].get("lock")
            if lock and (not params or params[0] == lock):
                del conf[sid]["lock"]
                world.write_service_config(conf)
        elif action == "manual-migrate":
            if not params:
                raise SimError(f"sim_hardware_cmd: missing target node for '{action}' command")
            conf = world.read_service_config()
            if sid not in conf:
                raise SimError(f"sim_hardware_cmd: service '{sid}' not configured")
            if not conf[sid].get("node"):
                raise SimError(f"sim_hardware_cmd: service '{sid}' has no node")
            ms = world.peek("manager_status") or {}
            disarm_mode = (ms.get("disarm") or {}).get("mode")
            if conf[sid].get("state") != "ignored" and disarm_mode != "ignore":
                raise SimError(
                    "sim_hardware_cmd: manual-migrate requires service in 'ignored' state or disarm-ha ignore mode"
                )
            conf[sid]["node"] = params[0]
            world.write_service_config(conf)
        elif action in ("set-static-stats", "set-dynamic-stats"):
            self._set_stats(sid, action, params)
        else:
            raise SimError(f"sim_hardware_cmd: unknown service action '{_shown(action)}' - not implemented")

    def _add_service(self, sid: str, node: str, state: str | None, running: str | None) -> None:
        world = self.world
        conf = world.read_service_config()
        if sid in conf:
            raise SimError(f"resource ID '{sid}' already defined")
        m = re.match(r"^(\w+):(\S+)$", sid)
        conf[sid] = {"node": node, "state": state or "started", "type": m.group(1), "name": m.group(2)}
        world.write_service_config(conf)
        name = f"service_status_{node}"
        if not world.exists(name):
            raise SimError(f"unable to open file '{name}' - No such file or directory")
        ss = world.read(name, {})
        ss[sid] = int(running) if running and running.isdigit() else (running or 0)
        world.write(name, ss)

    def _set_stats(self, sid: str, action: str, params: list[str]) -> None:
        world = self.world
        if not params:
            raise SimError(f"sim_hardware_cmd: missing target stat for '{action}' command")
        if len(params) % 2:
            raise SimError(f"sim_hardware_cmd: missing value for '{action} {params[-1]}' command")
        if action == "set-static-stats":
            keys, fname = {"maxcpu": "cpu", "maxmem": "mem"}, "static_service_stats"
        else:
            keys, fname = {"cpu": "cpu", "mem": "mem"}, "dynamic_service_stats"
        conf = world.read_service_config()
        if sid not in conf:
            raise SimError(f"no such service '{sid}'")
        stats = world.read(fname, {})
        entry = stats.setdefault(sid, {})
        for key, value in zip(params[::2], params[1::2]):
            if key not in keys:
                raise SimError(f"sim_hardware_cmd: unknown target stat '{key}' for '{action}' command")
            number = _number(value)
            entry[key] = number * 1048576 if keys[key] == "mem" else number
        world.write(fname, stats)


def _number(text: str) -> float | int:
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return 0
