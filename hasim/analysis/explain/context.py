"""What an explanation is built from: the snapshot, the log's history of the
cluster's membership, the master's memory, and a look-ahead."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from hasim import commands as C
from hasim import events as E
from hasim.analysis.explain.lookahead import lookahead
from hasim.analysis.explain.phrases import executed, within
from hasim.analysis.explain.ruleset import RuleSet, load_rules
from hasim.log import LogLine
from hasim.snapshot import NodeView, ServiceView, Snapshot
from hasim.vocab import LOCK_TIMEOUT

if TYPE_CHECKING:
    from hasim.engine.harness import Harness



@attrs.define
class Membership:
    """Quorum history replayed from the hardware commands in the log."""

    online_since: dict[str, int] = attrs.Factory(dict)  # member of the quorate partition since
    offline_since: dict[str, int] = attrs.Factory(dict)  # left the quorate partition at
    power_off_at: dict[str, tuple[int, str]] = attrs.Factory(dict)  # (time, source) of the last power off
    network_off_at: dict[str, int] = attrs.Factory(dict)
    removed_at: dict[str, int] = attrs.Factory(dict)
    quorum_lost_at: int | None = None

    @classmethod
    def replay(cls, initial: dict | None, nodes: Sequence[str], lines: Sequence[LogLine]) -> Membership:
        hw = {n: {"power": "off", "network": "off"} for n in nodes}
        for n, rec in (initial or {}).items():
            if isinstance(rec, dict):
                hw[n] = {"power": rec.get("power", "off"), "network": rec.get("network", "off")}
        m = cls()
        members = m._members(hw)
        quorate = bool(members)
        for n in members:
            m.online_since[n] = 0
        for line in lines:
            command = executed(line)
            if isinstance(command, (C.Power, C.Network)):
                n, action = command.node, "on" if command.on else "off"
                if n not in hw:
                    continue
                if isinstance(command, C.Power):
                    hw[n]["power"] = hw[n]["network"] = action
                    if action == "off":
                        m.power_off_at[n] = (line.time, line.source)
                else:
                    hw[n]["network"] = action
                    if action == "off":
                        m.network_off_at[n] = line.time
            elif isinstance(command, C.DelNode):
                n = command.node
                hw.pop(n, None)
                m.removed_at[n] = line.time
            else:
                continue
            now_members = m._members(hw)
            for n in sorted(set(members) - set(now_members)):
                m.offline_since[n] = line.time
            for n in sorted(set(now_members) - set(members)):
                m.online_since[n] = line.time
            now_quorate = bool(now_members)
            if quorate and not now_quorate:
                m.quorum_lost_at = line.time
            members, quorate = now_members, now_quorate
        return m

    @staticmethod
    def _members(hw: dict) -> list[str]:
        up = [n for n in sorted(hw) if hw[n]["power"] == "on" and hw[n]["network"] == "on"]
        return up if len(up) > len(hw) // 2 else []


@attrs.define
class Context:
    snap: Snapshot
    lines: Sequence[LogLine]
    harness: Harness | None
    initial_hw: dict | None
    _membership: Membership | None = None
    _rules: RuleSet | None = None
    _rules_done: bool = False
    _future: list[LogLine] | None = None
    _future_done: bool = False

    @classmethod
    def build(cls, sim: Any, log_lines: Sequence[LogLine] | None) -> Context:
        if isinstance(sim, Snapshot):
            return cls(snap=sim, lines=list(log_lines or ()), harness=None, initial_hw=None)
        scenario = getattr(sim, "scenario", None)
        initial = (getattr(scenario, "files", None) or {}).get("hardware_status")
        return cls(
            snap=sim.snapshot(),
            lines=list(log_lines if log_lines is not None else sim.log_lines),
            harness=getattr(sim, "kernel", None),  # white-box: the master's memory, locks, look-ahead
            initial_hw=initial,
        )

    @property
    def now(self) -> int:
        return self.snap.time

    @property
    def membership(self) -> Membership:
        if self._membership is None:
            nodes = sorted({n.name for n in self.snap.nodes} | set(self.initial_hw or {}))
            self._membership = Membership.replay(self.initial_hw, nodes, self.lines)
        return self._membership

    @property
    def rules(self) -> RuleSet | None:
        """The rules as the manager sees them, None without a live simulation."""
        if not self._rules_done:
            self._rules_done = True
            self._rules = load_rules(self.harness, sorted(self.node_status))
        return self._rules

    def node_view(self, name: str) -> NodeView | None:
        return next((n for n in self.snap.nodes if n.name == name), None)

    def service_view(self, sid: str) -> ServiceView | None:
        return next((s for s in self.snap.services if s.sid == sid), None)

    @property
    def service_status(self) -> dict:
        return self.snap.manager_status.get("service_status") or {}

    @property
    def node_status(self) -> dict:
        return self.snap.manager_status.get("node_status") or {}

    def last(self, wanted: Callable[[Any], bool], *, since: int | None = None) -> LogLine | None:
        """The latest log line whose event is `wanted` (a predicate over events)."""
        for line in reversed(self.lines):
            if since is not None and line.time < since:
                break
            if line.event is not None and wanted(line.event):
                return line
        return None

    def last_command(self, wanted: Callable[[C.Command], bool]) -> LogLine | None:
        """The latest `execute` line of a command that is `wanted`."""
        return self.last(lambda e: isinstance(e, E.CommandExecuted) and e.command is not None and wanted(e.command))

    # -- the master's in-memory state (read only) -----------------------------------------------
    def _master_manager(self):
        h = self.harness
        if h is None:
            return None
        for name in sorted(h.nodes):
            crm = h.nodes[name].crm
            if crm is not None and getattr(crm, "state", None) == "master":
                return getattr(crm, "manager", None)
        return None

    def last_online(self, node: str) -> tuple[int | None, bool]:
        """(time the master last saw `node` online, exact?)."""
        manager = self._master_manager()
        if manager is not None:
            value = manager.ns.last_online.get(node)
            if value is not None:
                return value, True
            return None, True
        # estimate from the log: the round before the master marked it 'unknown'
        line = self.last(lambda e: isinstance(e, E.NodeStateChanged) and e.node == node and e.new == "unknown")
        if line is None:
            return None, False
        estimate = line.time - self.snap.loop_length
        became_master = self.last(lambda e: isinstance(e, E.DaemonStateChanged) and e.new == "master")
        if became_master is not None and became_master.time > estimate:
            estimate = became_master.time
        return estimate, False

    def active_master(self) -> str | None:
        """The node whose CRM is master now (None between masters)."""
        for n in self.snap.nodes:
            if n.crm_state == "master" and n.online:
                return n.name
        return None

    def no_master_text(self) -> str:
        old = self.last(lambda e: isinstance(e, E.DaemonStateChanged) and (e.old, e.new) == ("master", "lost_manager_lock"))
        lost = f" {old.node} was the master and lost the manager lock at {old.time}." if old is not None else ""
        text = f"There is no active master right now.{lost}"
        lock = None
        if self.harness is not None:
            lock = (self.harness.world.peek("cluster_locks") or {}).get("ha_manager_lock")
        if lock is not None:
            free = lock["time"] + LOCK_TIMEOUT + 1
            text += (
                f" The manager lock was last renewed at {lock['time']}; a quorate node can take it over once it is "
                f"older than {LOCK_TIMEOUT} s, from {free} ({within(self.now, free)}), and becomes the new master."
            )
        else:
            text += " A quorate node takes the manager lock at its next step and becomes the master."
        return text

    # -- look-ahead --------------------------------------------------------------------------
    @property
    def future(self) -> list[LogLine]:
        if not self._future_done:
            self._future_done = True
            self._future = lookahead(self.harness) if self.harness is not None else None
        return self._future or []

    @property
    def has_future(self) -> bool:
        """True when a look-ahead ran (a live, unfinished simulation whose copy could run)."""
        if self.harness is None or self.snap.finished:
            return False
        self.future  # noqa: B018 - computes it
        return self._future is not None
