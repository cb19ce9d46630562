"""The explainer: what a node or a service is doing, in plain words.

    explain_node(sim, "node2")     -> str
    explain_service(sim, "vm:102") -> str

Both are pure functions over the engine's own state: the `Snapshot` (node and
service views, the manager status, lock and watchdog deadlines), the log
history, and — when a live `Simulation` is given — the master's in-memory
node status (the fence delay runs from the last round in which the master saw
the node online, spec 02 §6) and a *look-ahead*.

Theory of operation
-------------------
The text has three parts:

1. a headline, ``node3: network cut, no quorum`` — the state in one line;
2. *now*: the facts and what the HA stack is waiting for, with the numbers
   that decide it: quorum lost 40 s ago; the watchdog fires at 166 (60 s
   after its last feed); fencing may start 60 s after the master last saw the
   node online; an agent lock can be taken over once it is older than 120 s;
3. *next*: what happens if nobody touches anything.  The engine is
   deterministic, so instead of re-deriving the manager's decisions the
   explainer copies the harness (`copy.deepcopy`, with the log sink, the
   session recorder and other outward-facing hooks cut off), lets the copy run
   for a few minutes of virtual time without the scenario's remaining batches,
   and translates the log lines it produced about this node or service:
   "at 240 the manager takes over node3's agent lock (node3 is fenced)", "at
   240 vm:103 is recovered to node1".  The original simulation is never
   touched; a copy and a 360 s run cost a few milliseconds, and the result is
   cached per engine state.

Given only a snapshot and log lines (no simulation), the explainer still
describes the present; the fence deadline is then estimated from the log and
the *next* part is left out.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from hasim import commands as C
from hasim import events as E
from hasim.log import LogLine, LogSink
from hasim.snapshot import NodeView, ServiceView, Snapshot
from hasim.vocab import FENCE_DELAY, GONE_DELAY, INACTIVE_SERVICE_STATES, LOCK_TIMEOUT, MOVING_STATES, WATCHDOG_TIMEOUT

if TYPE_CHECKING:
    from hasim.engine.harness import Harness
    from hasim.simulation import Simulation

LOOKAHEAD = 360  # seconds of virtual time the look-ahead runs

# manager service states in which a service on an offline node gets fenced (02 §9.1)
FENCEABLE = ("started", "request_stop", "migrate", "relocate", "request_start_balance", "stopped")


# ---------------------------------------------------------------------------------------------
# public API


def explain_node(sim: Simulation | Snapshot, node: str, *, log_lines: Sequence[LogLine] | None = None) -> str:
    """Plain-language explanation of `node`: its state, what the HA stack is
    waiting for, and what comes next."""
    ctx = _Context.build(sim, log_lines)
    return _NodeExplainer(ctx, node).text()


def explain_service(sim: Simulation | Snapshot, sid: str, *, log_lines: Sequence[LogLine] | None = None) -> str:
    """Plain-language explanation of the HA resource `sid`."""
    ctx = _Context.build(sim, log_lines)
    return _ServiceExplainer(ctx, sid).text()


# ---------------------------------------------------------------------------------------------
# context: snapshot, history, look-ahead


def _ago(now: int, t: int) -> str:
    d = now - t
    return "just now" if d <= 0 else f"{d} s ago"


def _in(now: int, t: int) -> str:
    d = t - now
    if d < 0:
        return "already passed"
    return "now" if d == 0 else f"in {d} s"


def _verb(items: Sequence[str], one: str, many: str) -> str:
    return one if len(items) == 1 else many


def _join(items: Sequence[str]) -> str:
    items = list(items)
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]




@attrs.define
class _Membership:
    """Quorum history replayed from the hardware commands in the log."""

    online_since: dict[str, int] = attrs.Factory(dict)  # member of the quorate partition since
    offline_since: dict[str, int] = attrs.Factory(dict)  # left the quorate partition at
    power_off_at: dict[str, tuple[int, str]] = attrs.Factory(dict)  # (time, source) of the last power off
    network_off_at: dict[str, int] = attrs.Factory(dict)
    removed_at: dict[str, int] = attrs.Factory(dict)
    quorum_lost_at: int | None = None

    @classmethod
    def replay(cls, initial: dict | None, nodes: Sequence[str], lines: Sequence[LogLine]) -> _Membership:
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
            command = _executed(line)
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
class _Context:
    snap: Snapshot
    lines: Sequence[LogLine]
    harness: Harness | None
    initial_hw: dict | None
    _membership: _Membership | None = None
    _future: list[LogLine] | None = None
    _future_done: bool = False

    @classmethod
    def build(cls, sim: Any, log_lines: Sequence[LogLine] | None) -> _Context:
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
    def membership(self) -> _Membership:
        if self._membership is None:
            nodes = sorted({n.name for n in self.snap.nodes} | set(self.initial_hw or {}))
            self._membership = _Membership.replay(self.initial_hw, nodes, self.lines)
        return self._membership

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
                f"older than {LOCK_TIMEOUT} s, from {free} ({_in(self.now, free)}), and becomes the new master."
            )
        else:
            text += " A quorate node takes the manager lock at its next step and becomes the master."
        return text

    # -- look-ahead --------------------------------------------------------------------------
    @property
    def future(self) -> list[LogLine]:
        if not self._future_done:
            self._future_done = True
            self._future = _lookahead(self.harness) if self.harness is not None else None
        return self._future or []

    @property
    def has_future(self) -> bool:
        """True when a look-ahead ran (a live, unfinished simulation whose copy could run)."""
        if self.harness is None or self.snap.finished:
            return False
        self.future  # noqa: B018 - computes it
        return self._future is not None


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _state_key(h: Harness) -> tuple:
    return (
        h.world.time,
        h.node_cursor,
        h.loop_count,
        len(h.sink.lines),
        len(getattr(h, "pending", ()) or ()),
        h.batch_index,
        h.finished,
    )


def _lookahead(h: Harness, horizon: int = LOOKAHEAD) -> list[LogLine] | None:
    """Log lines a copy of the engine produces in the next `horizon` seconds
    if nobody acts (the scenario's remaining batches are left out)."""
    if h.finished:
        return []
    key = _state_key(h)
    cached = _CACHE.get(h)
    if cached is not None and cached[0] == key:
        return cached[1]
    sink = LogSink()
    try:
        h.fork(sink).advance(h.world.time + horizon)
    except Exception:  # the explainer must never break the caller
        return None
    lines = list(sink.lines)
    try:
        _CACHE[h] = (key, lines)
    except TypeError:
        pass
    return lines


# ---------------------------------------------------------------------------------------------
# translating log lines into plain words

_NODE_STATE_WORDS = {
    "online": "online",
    "unknown": "'unknown' (not in the quorate partition)",
    "fence": "'fence' (to be fenced)",
    "maintenance": "'maintenance'",
    "gone": "'gone' (no longer a cluster member)",
}


def _executed(line: LogLine) -> C.Command | None:
    """The command an `execute` line applied (None for any other line)."""
    event = line.event
    return event.command if isinstance(event, E.CommandExecuted) else None


def _describe(line: LogLine) -> tuple[str, set[str]] | None:
    """(plain sentence, ids it concerns) for an interesting line, else None."""
    event = line.event
    node = line.node
    if event is None:
        return None
    if line.source == "watchdog" and isinstance(_executed(line), C.Power):
        n = event.command.node
        return f"the watchdog resets {n} (power off)", {n}
    if isinstance(event, E.NodeStateChanged):
        n, old, new = event.node, event.old, event.new
        if new == "fence":
            return f"the manager starts fencing {n}", {n}
        if old == "fence" and new == "unknown":
            return None  # said by the 'fenced' line
        if new == "gone":
            return f"the manager marks {n} 'gone': it has left the cluster", {n}
        return f"the manager marks {n} {_NODE_STATE_WORDS.get(new, repr(new))}", {n}
    if isinstance(event, E.NodeFenced):
        n = event.node
        return f"the manager takes over {n}'s agent lock: {n} is fenced", {n}
    if isinstance(event, E.ServiceRecovered):
        return f"{event.sid} is recovered from {event.fenced} to {event.target}", {event.sid, event.fenced, event.target}
    if isinstance(event, E.ServiceRecoveredBack):
        return f"{event.sid} is recovered to {event.fenced} again", {event.sid, event.fenced}
    if isinstance(event, E.RecoveryFailed):
        return f"{event.sid} cannot be recovered: no node it may run on is online", {event.sid, event.fenced}
    if isinstance(event, E.ServiceFailed):
        return f"{event.sid} enters the error state (failed on {event.failed_nodes})", {event.sid}
    if isinstance(event, E.StartFailedRelocating):
        return f"the manager relocates {event.sid} away from {event.node} after its start failed there", {event.sid, event.node}
    if isinstance(event, E.ServiceStateChanged):
        sid, old, new = event.sid, event.old, event.new
        p = dict(event.params)
        if old == "fence" and new == "recovery":
            return None
        if old == "recovery" and new == "started":
            return None  # said by the 'recover' line
        where = ""
        if new in MOVING_STATES and "target" in p:
            where = f" from {p.get('node')} to {p['target']}"
        elif new == "started" and "node" in p:
            where = f" on {p['node']}"
        ids = {sid} | set(p.values())
        return f"{sid}: '{old}' → '{new}'{where}", ids
    if node is None:
        return None
    if isinstance(event, E.ServiceStarting):
        return f"{node} starts {event.sid}", {event.sid, node}
    if isinstance(event, E.ServiceStopping) and not event.detail:
        return f"{node} stops {event.sid}", {event.sid, node}
    if isinstance(event, E.ServiceStartFailed):
        return f"{event.sid} fails to start on {node}", {event.sid, node}
    if isinstance(event, E.ServiceMove) and event.phase == "end":
        verb = "migrates" if event.how == "migrate" else "relocates"
        return f"{node} {verb} {event.sid} to {event.target}", {event.sid, node, event.target}
    if isinstance(event, E.LockAcquired):
        if line.daemon == "lrm" and event.agent_of == node:
            return f"{node}'s LRM gets its agent lock", {node}
        return None
    if isinstance(event, E.DaemonStateChanged):
        if event.old == "startup":
            return None
        if event.new == "master":
            return f"{node} becomes the master (runs the manager)", {node}
        return f"{node}'s {line.daemon.upper()}: {event.old} → {event.new}", {node}
    if isinstance(event, E.GoneNodeDeleted):
        return f"the manager forgets {event.node}", {event.node}
    return None


def _next_events(ctx: _Context, ids: set[str], limit: int = 8) -> list[str]:
    """The first `limit` future events concerning `ids`, as 'at T (in N s): …'."""
    out: list[str] = []
    seen: set[str] = set()
    for line in ctx.future:
        described = _describe(line)
        if described is None:
            continue
        text, concerns = described
        if not (concerns & ids):
            continue
        if text in seen:
            continue
        seen.add(text)
        out.append(f"at {line.time} ({_in(ctx.now, line.time)}): {text}")
        if len(out) >= limit:
            break
    return out


# ---------------------------------------------------------------------------------------------
# nodes


def _freeze_reason(ctx: _Context, node: str) -> str:
    """Why services on `node` are frozen, from its LRM's last shutdown line."""
    disarm = ctx.snap.disarm or {}
    if disarm.get("mode") == "freeze":
        line = ctx.last_command(lambda c: isinstance(c, C.DisarmHa) and c.mode == "freeze")
        when = f" at {line.time}" if line is not None else ""
        return (
            f"the HA stack was disarmed in 'freeze' mode{when}: every HA service is frozen in place "
            "until 'arm-ha'."
        )
    for line in reversed(ctx.lines):
        event = line.event
        if line.node != node or not isinstance(event, E.LrmShutdown) or not event.freezes:
            continue
        if event.kind == "restart":
            return f"{node}'s LRM was restarted at {line.time}; services are frozen while it restarts."
        if event.kind in ("reboot", "shutdown"):
            kind = event.kind
            policy = ctx.snap.shutdown_policy
            why = "freezes on a reboot" if policy == "conditional" else "freezes on every shutdown and reboot"
            return (
                f"a {kind} of {node} began at {line.time} with the shutdown policy '{policy}', which {why}: "
                "its services are stopped and stay assigned to it."
            )
    return f"{node}'s LRM is restarting, or the node is going down with a freezing shutdown policy."


def _rules_for(ctx: _Context, sid: str) -> list[str]:
    """Describe the rules (and HA groups) that constrain `sid`."""
    from hasim.engine.ha import groups as groups_mod
    from hasim.engine.ha import rules as rules_mod

    out: list[str] = []
    h = ctx.harness
    if h is None:
        return out
    world = h.world
    try:
        rules = rules_mod.parse_rules(world.peek("rules_config") or "")
        groups = groups_mod.parse_groups(world.peek("groups") or "")
        conf = world.peek("service_config") or {}
        rules = rules + groups_mod.groups_to_rules(groups, conf)
    except Exception:
        return out
    cd = conf.get(sid) or {}
    failback = groups_mod.group_failback(groups, conf).get(sid, cd.get("failback", 1))
    for rule in rules:
        if sid not in rule.resources or rule.disable:
            continue
        others = [r for r in rule.resources if r != sid]
        if rule.type == "node-affinity":
            ranked = sorted(rule.nodes.items(), key=lambda kv: (-kv[1], kv[0]))
            nodes = ", ".join(f"{n}" + (f" (priority {p})" if p else "") for n, p in ranked)
            if rule.strict:
                text = f"node affinity '{rule.id}' (strict): it may run only on {nodes}"
            else:
                text = f"node affinity '{rule.id}': it prefers {nodes}, but may run elsewhere"
            if str(failback) in ("0", "False", "false"):
                text += " (no failback: it stays where it is when a preferred node comes back)"
            else:
                text += " (failback: it moves back when a preferred node comes back)"
            out.append(text)
        elif rule.affinity == "positive":
            out.append(f"resource affinity '{rule.id}' (positive): it is kept on the same node as {_join(others)}")
        elif rule.affinity == "negative":
            out.append(f"resource affinity '{rule.id}' (negative): it never shares a node with {_join(others)}")
    return out


class _NodeExplainer:
    def __init__(self, ctx: _Context, node: str) -> None:
        self.ctx = ctx
        self.node = node
        self.nv = ctx.node_view(node)
        self.state = ctx.node_status.get(node)
        self.now = ctx.now
        self.hist = ctx.membership

    # services the manager has assigned to this node
    def assigned(self) -> list[tuple[str, dict]]:
        out = []
        for sid in sorted(self.ctx.service_status):
            sd = self.ctx.service_status[sid]
            if sd.get("node") == self.node or sd.get("target") == self.node:
                out.append((sid, sd))
        return out

    def to_fence(self) -> list[str]:
        """Services whose fencing waits on this node (02 §9.1)."""
        conf = {s.sid: s for s in self.ctx.snap.services}
        out = []
        for sid, sd in self.assigned():
            if sd.get("node") != self.node:
                continue
            state = sd.get("state")
            if state == "fence":
                out.append(sid)
            elif state in FENCEABLE:
                if state == "stopped" and conf.get(sid) is not None and conf[sid].requested == "disabled":
                    continue
                out.append(sid)
        return out

    def text(self) -> str:
        ctx, node, nv = self.ctx, self.node, self.nv
        if nv is None:
            head, body = self.removed()
        elif nv.power != "on":
            head, body = self.powered_off()
        elif not nv.online:
            head, body = self.isolated()
        else:
            head, body = self.online()
        if ctx.snap.disarm:
            mode = ctx.snap.disarm.get("mode")
            body.append(
                f"The HA stack is disarmed (mode '{mode}'): the manager and the LRMs do not act on services, "
                "and no watchdog is armed, until 'arm-ha'."
            )
        parts = [f"{node}: {head}", " ".join(body)]
        nxt = self.next_part()
        if nxt:
            parts.append(nxt)
        return "\n\n".join(p for p in parts if p)

    def next_part(self) -> str:
        ctx = self.ctx
        if not ctx.has_future:
            return ""
        ids = {self.node} | {sid for sid, _ in self.assigned()}
        events = _next_events(ctx, ids)
        if not events:
            return f"Next: nothing changes for {self.node} in the next {LOOKAHEAD} s unless someone acts."
        return "Next, if nobody intervenes:\n" + "\n".join(f"- {e}" for e in events)

    # -- the cases ------------------------------------------------------------------------------
    def removed(self) -> tuple[str, list[str]]:
        ctx, node = self.ctx, self.node
        at = self.hist.removed_at.get(node)
        removed = f" (delnode at {at}, {_ago(self.now, at)})" if at is not None else ""
        if self.state == "gone":
            body = [f"{node} was removed from the cluster{removed}. The manager keeps it as 'gone'"]
            last, exact = ctx.last_online(node)
            if last is not None:
                t = last + GONE_DELAY
                body[0] += (
                    f" and forgets it once it has not been online for an hour: it was last seen online at {last}, "
                    f"so at {t} ({_in(self.now, t)})."
                )
            else:
                body[0] += " and forgets it an hour after it was last seen online."
            return "removed from the cluster, still listed as 'gone'", body
        if self.state is None:
            line = ctx.last(lambda e: isinstance(e, E.GoneNodeDeleted) and e.node == node)
            when = f" at {line.time}" if line else ""
            return "removed from the cluster", [
                f"{node} was removed from the cluster{removed}; the manager forgot it{when}."
            ]
        body = [
            f"{node} was removed from the cluster{removed}, but the manager still lists it as '{self.state}'."
        ]
        if self.state == "maintenance":
            body.append(
                "A node stays in 'maintenance' as long as its last LRM status reports maintenance mode, "
                "so it never turns 'gone' — its LRM will not run again to say otherwise."
            )
        return f"removed from the cluster, still listed as '{self.state}'", body

    def powered_off(self) -> tuple[str, list[str]]:
        ctx, node, now = self.ctx, self.node, self.now
        off = self.hist.power_off_at.get(node)
        body: list[str] = []
        head = "powered off"
        if off is None:
            body.append(f"{node} is powered off; its HA daemons are not running.")
        else:
            t, source = off
            if source == "watchdog":
                head = "reset by its watchdog"
                lost = self.hist.offline_since.get(node)
                why = ""
                if lost is not None and lost < t:
                    why = (
                        f" It had lost quorum at {lost}; without quorum its LRM could not renew its agent lock, "
                        f"stopped feeding the watchdog, and the watchdog powered the node off {WATCHDOG_TIMEOUT} s after the last feed "
                        "— self-fencing, so that its services can safely be started elsewhere."
                    )
                body.append(f"{node} was reset by its watchdog at {t} ({_ago(now, t)}).{why}")
            elif source == "shutdown":
                head = "shut down"
                asked = ctx.last_command(lambda c: isinstance(c, C.Shutdown) and c.node == node)
                when = f"requested at {asked.time}, " if asked is not None and asked.time <= t else ""
                body.append(
                    f"{node} was shut down ({when}powered off at {t}, {_ago(now, t)}) with the shutdown policy "
                    f"'{ctx.snap.shutdown_policy}'."
                )
            elif source == "delnode":
                body.append(f"{node} was powered off at {t} to leave the cluster.")
            else:
                body.append(f"{node} was powered off at {t} ({_ago(now, t)}); its HA daemons died with it.")
        body += self.manager_side()
        return head, body

    def isolated(self) -> tuple[str, list[str]]:
        ctx, node, nv, now = self.ctx, self.node, self.nv, self.now
        body: list[str] = []
        lost = self.hist.offline_since.get(node)
        since = f" since {lost} ({_ago(now, lost)})" if lost is not None else ""
        online_count = sum(1 for n in ctx.snap.nodes if n.power == "on" and n.network == "on")
        total = len(ctx.snap.nodes)
        if nv.network != "on":
            head = "network cut, no quorum"
            body.append(f"{node} is powered on but its network is cut: it has no quorum{since}.")
        else:
            head = "no quorum"
            body.append(
                f"{node} is up, but the cluster has no quorum{since}: only {online_count} of {total} nodes "
                f"{'is' if online_count == 1 else 'are'} up and connected, and quorum needs more than half "
                f"({total // 2 + 1})."
            )
        lrm = nv.lrm_state
        if nv.watchdog_expires is not None:
            fire = nv.watchdog_expires
            fed = fire - WATCHDOG_TIMEOUT - 1
            holds = "its LRM holds the agent lock" if nv.lrm_state else "it holds an HA lock"
            body.append(
                f"Because {holds} (LRM {lrm or 'gone'}), its watchdog is armed. Without quorum the lock cannot be "
                f"renewed, so nobody feeds the watchdog any more (last fed at {fed}): it resets {node} at {fire} "
                f"({_in(now, fire)})"
                + (
                    " — the node fences itself before the rest of the cluster recovers its services."
                    if ctx.snap.quorate
                    else " — it fences itself, because it cannot know whether another partition has quorum and"
                    " recovers its services."
                )
            )
        else:
            body.append(
                f"It holds no agent lock (LRM {lrm or 'not running'}: no active HA service here), so no watchdog is "
                f"armed and {node} is not reset; it simply waits for quorum to come back."
            )
        body += self.manager_side()
        return head, body

    def online(self) -> tuple[str, list[str]]:
        ctx, node, nv, now = self.ctx, self.node, self.nv, self.now
        body: list[str] = []
        head = "online" + (", master" if nv.master else "")
        if self.state == "maintenance":
            head = "in maintenance" + (", master" if nv.master else "")
        if nv.shutdown:
            head += ", rebooting" if nv.shutdown == "reboot" else ", shutting down"
        crm = {
            "master": f"its CRM is the master: it runs the manager round every loop ({ctx.snap.loop_length} s)",
            "slave": f"its CRM is a slave (the master is {ctx.snap.master})"
            if ctx.snap.master
            else "its CRM is a slave",
            "wait_for_quorum": "its CRM is starting up (waiting for quorum)",
            "lost_manager_lock": "its CRM just lost the manager lock",
        }.get(nv.crm_state or "", f"its CRM is {nv.crm_state}" if nv.crm_state else "its CRM is not running")
        body.append(f"{node} is online and in the quorate partition; {crm}.")
        mine = [sid for sid, sd in self.assigned() if sd.get("node") == node]
        running = [s.sid for s in ctx.snap.services if node in s.running_on]
        if nv.lrm_state == "active":
            svc = f"runs {_join(running)}" if running else "runs no HA service yet"
            fire = nv.watchdog_expires
            wd = (
                f"; it feeds its watchdog at every step (the watchdog would reset the node at {fire} if it stopped)"
                if fire
                else ""
            )
            body.append(f"Its LRM is active, holds the agent lock and {svc}{wd}.")
        elif nv.lrm_mode == "disarm":
            body.append(
                "Its LRM is disarmed: it holds no agent lock and arms no watchdog; the services keep running untouched."
            )
        elif nv.lrm_state == "wait_for_agent_lock":
            holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
            active = [
                sid for sid, sd in self.assigned()
                if sd.get("node") == node and sd.get("state") not in INACTIVE_SERVICE_STATES
            ]  # fmt: skip
            to_start = [sid for sid in active if sid not in running]
            if holder and holder != node and expires is not None and active:
                body.append(
                    f"Its LRM waits for its agent lock, which {holder} holds (the master took it over when it fenced "
                    f"{node}); the lock expires at {expires} ({_in(now, expires)}), then the LRM takes it"
                    + (f" and starts {_join(to_start)}." if to_start else ".")
                )
            elif holder and holder != node and expires is not None:
                body.append(
                    f"Its LRM is idle (no active HA service here). {holder} still holds {node}'s agent lock from "
                    f"fencing it; the lock expires at {expires} ({_in(now, expires)})."
                )
            elif active:
                body.append(
                    "Its LRM takes its agent lock at its next step"
                    + (f" and then starts {_join(to_start)}." if to_start else ".")
                )
            elif mine:
                body.append(
                    f"Its LRM holds no agent lock and arms no watchdog: none of the services assigned here "
                    f"({_join(mine)}) is active right now."
                )
            else:
                body.append(
                    "Its LRM is idle (no HA service assigned here): it holds no agent lock and no watchdog is armed."
                )
        elif nv.lrm_state == "maintenance":
            body.append("Its LRM is in maintenance mode: it only moves services away.")
        elif nv.lrm_state == "lost_agent_lock":
            body.append("Its LRM lost its agent lock and tries to get it back.")
        elif nv.lrm_state is None:
            body.append("Its LRM is not running.")
        if nv.shutdown:
            body.append(self.shutdown_text())
        elif nv.lrm_mode == "restart":
            body.append(
                "Its LRM is restarting: the manager freezes its services (they keep running and stay here) until "
                "the new LRM is up."
            )
        if self.state == "maintenance" or nv.lrm_mode == "maintenance":
            body.append(self.maintenance_text())
        elif self.state == "fence":
            holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
            body.append(
                f"The manager still has it in 'fence': it fences {node} as soon as it can take over {node}'s agent lock"
                + (f" (free from {expires}, {_in(now, expires)})" if expires else "")
                + "."
            )
        elif self.state == "unknown":
            body.append("The manager has not yet seen it online again; it marks it online at its next round.")
        elif self.state is None and ctx.snap.master:
            body.append("The manager has not seen it yet; it adds it at its next round.")
        frozen = [sid for sid, sd in self.assigned() if sd.get("state") == "freeze"]
        if frozen:
            reason = _freeze_reason(ctx, node)
            body.append(f"Frozen here: {_join(frozen)} — {reason}")
        return head, body

    def shutdown_text(self) -> str:
        nv, policy = self.nv, self.ctx.snap.shutdown_policy
        kind = nv.shutdown
        mode = nv.lrm_mode
        if mode == "maintenance":
            what = "its services are migrated away first (maintenance), then the node goes down"
        elif mode == "restart":
            what = "its services are stopped and frozen: they stay assigned here and start again when it is back"
        elif mode == "shutdown":
            what = (
                f"its services are stopped; once it has been offline for {FENCE_DELAY} s the manager fences it (its LRM released "
                "the agent lock cleanly, so that is immediate) and recovers them on other nodes"
            )
        else:
            what = "its LRM handles the request at its next step"
        return f"It is going down ({kind}) with the shutdown policy '{policy}': {what}."

    def maintenance_text(self) -> str:
        ctx, node, nv = self.ctx, self.node, self.nv
        request = ((ctx.snap.manager_status.get("node_request") or {}).get(node) or {}).get("maintenance")
        away = [
            f"{sid} (now on {sd.get('node')})"
            for sid, sd in sorted(ctx.service_status.items())
            if sd.get("maintenance_node") == node and sd.get("node") != node
        ]
        toggled = ctx.last_command(lambda c: isinstance(c, C.NodeMaintenance) and c.node == node)
        if not request and toggled is not None and not toggled.event.command.enable:
            when = f" at {toggled.time}"
            text = f"Maintenance was disabled{when}; the manager ends it at its next round"
            text += f" and moves back {_join(away)}." if away else "."
            return text
        why = "requested with 'enable-node-maintenance'" if request else "because of the 'migrate' shutdown policy"
        moving = [
            sid for sid, sd in self.assigned() if sd.get("node") == node and sd.get("state") in ("migrate", "relocate")
        ]
        text = f"Maintenance mode ({why}): the manager moves its services to other nodes and does not fence it."
        if moving:
            text += f" Moving away now: {_join(moving)}."
        if away:
            back = "when maintenance is disabled" if request else "when the node is back"
            text += f" They return {back}: {_join(away)}."
        return text

    def manager_side(self) -> list[str]:
        """What the master does about this offline node."""
        ctx, node, now, nv = self.ctx, self.node, self.now, self.nv
        body: list[str] = []
        master = ctx.snap.master if ctx.snap.quorate else None
        state = self.state
        if not ctx.snap.quorate:
            lost = self.hist.quorum_lost_at
            body.append(
                "No node has quorum"
                + (f" (since {lost})" if lost is not None else "")
                + ", so no manager runs: nothing is fenced or recovered until more than half of the nodes are back."
            )
            return body
        active = ctx.active_master()
        if active is None:
            body.append(ctx.no_master_text())
            to_fence = self.to_fence()
            if to_fence:
                body.append(
                    f"The new master then waits a full fence delay of {FENCE_DELAY} s from its first round before it fences "
                    f"{node} (a new master does not know when {node} was last online), because {_join(to_fence)} "
                    f"{_verb(to_fence, 'is', 'are')} assigned to it."
                )
            return body
        master = active
        who = f"The master ({master})"
        to_fence = self.to_fence()
        fenced = ctx.last(lambda e: isinstance(e, E.NodeFenced) and e.node == node)
        off_at = self.hist.offline_since.get(node)
        if state == "online":
            body.append(f"{who} still has it 'online'; at its next round it marks it 'unknown'.")
        if state == "maintenance":
            body.append(
                f"{who} has it in 'maintenance': its services were moved away, and a node in maintenance is not "
                "fenced while its last LRM status says maintenance."
            )
            return body
        if state in ("online", "unknown") and to_fence:
            last, exact = ctx.last_online(node)
            if last is not None:
                t = last + FENCE_DELAY
                approx = "" if exact else " about"
                because = f"because {_join(to_fence)} {_verb(to_fence, 'is', 'are')} assigned to it"
                if off_at is not None and off_at < last:
                    body.append(
                        f"{who} became master after {node} went offline, so it started the {FENCE_DELAY} s fence delay when it "
                        f"first found {node} offline, at {last}: it starts fencing {node} at {t} ({_in(now, t)}), "
                        f"{because}."
                    )
                else:
                    body.append(
                        f"{who} last saw it online at{approx} {last}; once it has been offline for {FENCE_DELAY} s —{approx} at "
                        f"{t} ({_in(now, t)}) — it starts fencing it, {because}."
                    )
            else:
                body.append(
                    f"{who} starts a {FENCE_DELAY} s fence delay at its next round, because {_join(to_fence)} "
                    f"{'is' if len(to_fence) == 1 else 'are'} assigned to it."
                )
            body.append(self.lock_text(master))
        elif state == "fence":
            if to_fence:
                body.append(f"{who} is fencing it: {_join(to_fence)} {_verb(to_fence, 'waits', 'wait')} for recovery.")
            else:
                body.append(f"{who} is fencing it.")
            body.append(self.lock_text(master))
        elif state == "unknown" and fenced is not None and (off_at is None or fenced.time >= off_at):
            recovered = [
                f"{line.event.sid} to {line.event.target}"
                for line in ctx.lines
                if line.time >= fenced.time and isinstance(line.event, E.ServiceRecovered) and line.event.fenced == node
            ]
            text = f"It was fenced at {fenced.time} ({_ago(now, fenced.time)}): the master took over its agent lock"
            text += f" and recovered {_join(recovered)}." if recovered else "."
            waiting = [
                line.event.sid
                for line in ctx.lines
                if line.time >= fenced.time and isinstance(line.event, E.RecoveryFailed) and line.event.fenced == node
            ]
            waiting = sorted({s for s in waiting if (ctx.service_status.get(s) or {}).get("state") == "recovery"})
            if waiting:
                text += (
                    f" {_join(waiting)} found no node {_verb(waiting, 'it', 'they')} may run on and "
                    f"{_verb(waiting, 'waits', 'wait')} in 'recovery' until one comes online."
                )
                text += f" Otherwise nothing is pending for {node}; it rejoins when it is powered on again."
            else:
                text += f" Nothing is pending for {node}; it rejoins when it is powered on again."
            body.append(text)
        elif state in ("unknown", None):
            frozen = [sid for sid, sd in self.assigned() if sd.get("state") == "freeze"]
            if frozen:
                body.append(
                    f"{_join(frozen)} {'is' if len(frozen) == 1 else 'are'} frozen on {node}: frozen services are "
                    f"not fenced or recovered — they wait for {node} to come back."
                )
            else:
                body.append(
                    f"{who} has it 'unknown'. No HA service needs it, so there is nothing to fence or recover."
                )
        elif state == "gone":
            body.append(f"{who} has it 'gone'.")
        return body

    def lock_text(self, master: str) -> str:
        nv, node, now = self.nv, self.node, self.now
        if nv is None:
            return ""
        holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
        if holder is None:
            return (
                f"Fencing means taking over {node}'s agent lock; nobody holds it (its LRM released it on a clean "
                "shutdown, or never took it), so the master gets it at once and recovers the services."
            )
        if holder != node:
            return f"{holder} already holds {node}'s agent lock."
        renewed = expires - LOCK_TIMEOUT - 1
        wd = ""
        if nv.power == "on" and nv.watchdog_expires is not None:
            wd = f" (by then its watchdog has reset it, at {nv.watchdog_expires})"
        return (
            f"Fencing means taking over {node}'s agent lock, which {node} last renewed at {renewed}: the lock can be "
            f"taken once it is older than {LOCK_TIMEOUT} s, from {expires} ({_in(now, expires)}){wd}; at its first round after "
            "that the master takes it and recovers the services on other nodes."
        )


# ---------------------------------------------------------------------------------------------
# services


class _ServiceExplainer:
    def __init__(self, ctx: _Context, sid: str) -> None:
        self.ctx = ctx
        self.sid = sid
        self.sv = ctx.service_view(sid)
        self.sd = ctx.service_status.get(sid) or {}
        self.now = ctx.now

    def text(self) -> str:
        ctx, sid, sv, sd = self.ctx, self.sid, self.sv, self.sd
        if sv is None:
            if sd:
                return f"{sid}: being removed\n\n{sid} is no longer configured; the manager drops it at its next round."
            return f"{sid}: not an HA resource\n\n{sid} is not in the HA configuration."
        state = sv.state
        node = sd.get("node") or sv.node
        running = list(sv.running_on)
        run = f"running on {_join(running)}" if running else "not running"
        if sv.requested == "ignored":
            head = f"ignored ({run})"
        elif state is None:
            head = f"not managed yet ({run})"
        elif state in ("migrate", "relocate", "request_start_balance") and sv.target:
            head = f"'{state}' {node} → {sv.target}, {run}"
        else:
            head = f"'{state}' on {node}, {run}"
        body = [self.requested_text()]
        body += self.state_text()
        extra = []
        rules = _rules_for(ctx, sid)
        if rules:
            extra.append("Rules: " + "; ".join(rules) + ".")
        if sd.get("maintenance_node") and sd.get("maintenance_node") != node:
            extra.append(
                f"It was moved off {sd['maintenance_node']} for maintenance and returns there when the "
                "maintenance ends."
            )
        parts = [f"{sid}: {head}", " ".join(b for b in body if b)]
        if extra:
            parts.append(" ".join(extra))
        nxt = self.next_part()
        if nxt:
            parts.append(nxt)
        return "\n\n".join(parts)

    def requested_text(self) -> str:
        sv = self.sv
        policy = f"max_restart {sv.max_restart}, max_relocate {sv.max_relocate}"
        return f"Requested state: '{sv.requested}' ({policy})."

    def next_part(self) -> str:
        ctx = self.ctx
        if not ctx.has_future:
            return ""
        events = _next_events(ctx, {self.sid})
        if not events:
            return ""
        return "Next, if nobody intervenes:\n" + "\n".join(f"- {e}" for e in events)

    def node_problem(self, node: str) -> str:
        """Why `node` cannot run the service right now, or ''."""
        ctx, now = self.ctx, self.now
        nv = ctx.node_view(node)
        hist = ctx.membership
        if nv is None:
            return f"{node} is no longer a cluster member."
        if nv.power != "on":
            off = hist.power_off_at.get(node)
            how = ""
            if off is not None:
                how = " (reset by its watchdog" if off[1] == "watchdog" else " (powered off"
                how += f" at {off[0]})"
            return f"{node} is powered off{how}."
        if not nv.online:
            lost = hist.offline_since.get(node)
            return f"{node} has no quorum" + (f" since {lost} ({_ago(now, lost)})" if lost is not None else "") + "."
        return ""

    def state_text(self) -> list[str]:
        ctx, sid, sv, sd, now = self.ctx, self.sid, self.sv, self.sd, self.now
        state = sv.state
        node = sd.get("node") or sv.node
        out: list[str] = []
        if len(sv.running_on) > 1:
            out.append(
                f"It runs on {len(sv.running_on)} nodes at once ({', '.join(sv.running_on)}): the real stack never "
                "lets that happen (watchdog fencing exists to prevent it), so the engine or the scenario is broken."
            )
        if sv.requested == "ignored":
            out.append("HA leaves it alone: the manager neither starts, stops, nor recovers it.")
            return out
        if state is None:
            if ctx.snap.master:
                out.append("The manager adds it at its next round.")
            else:
                out.append("No manager is running yet (no quorate node holds the manager lock).")
            return out
        if state == "started":
            problem = self.node_problem(node)
            if not problem:
                if node in sv.running_on:
                    out.append(f"Running on {node}; nothing is pending.")
                else:
                    out.append(self.not_started_yet(node))
            else:
                still = f"It still runs on {node}, but" if node in sv.running_on else f"It is assigned to {node}, but"
                out.append(f"{still} {problem}")
                out += self.until_recovered(node)
        elif state == "request_start":
            out.append(f"{node}'s LRM starts it at its next step.")
        elif state in ("migrate", "relocate", "request_start_balance"):
            tgt = sd.get("target")
            how = {
                "migrate": "live migration",
                "relocate": "relocation (stop, move, start)",
                "request_start_balance": "start on the node the CRS picked (rebalance on start)",
            }[state]
            since = ctx.last(lambda e: isinstance(e, E.ServiceStateChanged) and e.sid == sid and e.new == state)
            done = ctx.last(
                lambda e: isinstance(e, E.ServiceMove) and e.phase == "end" and e.sid == sid and e.target == (tgt or ""),
                since=since.time if since is not None else None,
            )
            if state == "request_start_balance":
                handed = f"handed it over at {done.time}" if done is not None else "hands it over at its next step"
                out.append(
                    f"Rebalance on start: the CRS picked {tgt} as the best node for it; {node}'s LRM {handed}, the "
                    f"manager then marks it started on {tgt} and {tgt}'s LRM starts it."
                )
            elif done is not None:
                out.append(
                    f"The {how} from {node} to {tgt} is done on {node}'s side (at {done.time}); the manager marks it "
                    f"started on {tgt} at its next round, and {tgt}'s LRM then starts it."
                )
            else:
                out.append(
                    f"A {how} from {node} to {tgt} is under way: {node}'s LRM moves it at its next step, and the "
                    f"manager marks it started on {tgt} at the round after."
                )
        elif state == "request_stop":
            out.append(f"{node}'s LRM stops it at its next step.")
        elif state == "stopped":
            why = {"stopped": "it is requested 'stopped'", "disabled": "it is requested 'disabled'"}.get(
                sv.requested, "its requested state says so"
            )
            out.append(f"It is stopped because {why}; set it to 'started' to start it again.")
        elif state == "fence":
            problem = self.node_problem(node)
            out.append(
                f"Its node {node} must be fenced before {sid} can be recovered elsewhere."
                + (" " + problem if problem else "")
            )
            out += self.until_recovered(node)
        elif state == "recovery":
            problem = self.node_problem(node)
            out.append(
                f"Its node {node} has been fenced, but no node it may run on is online, so it waits in 'recovery'; "
                f"it is recovered as soon as an allowed node comes online." + (" " + problem if problem else "")
            )
        elif state == "freeze":
            nv = ctx.node_view(node)
            out.append(f"It is frozen on {node}: {_freeze_reason(ctx, node)}")
            out.append("A frozen service stays assigned to its node and is neither fenced nor recovered elsewhere.")
            if (ctx.snap.disarm or {}).get("mode") == "freeze":
                out.append("It is unfrozen when the HA stack is armed again ('arm-ha').")
            elif nv is not None and nv.power != "on":
                out.append(f"{node} is powered off, so {sid} stays down until {node} is back.")
            else:
                out.append(f"It is started again when {node}'s LRM is back.")
        elif state == "error":
            failed = list(sv.failed_nodes)
            line = ctx.last(lambda e: isinstance(e, E.ServiceFailed) and e.sid == sid)
            when = f" at {line.time}" if line else ""
            fail = f" after failing to start on {_join(failed)}" if failed else ""
            out.append(
                f"It entered the error state{when}{fail}: more failures than the restart policy allows "
                f"(max_restart = {sv.max_restart}: retries on one node; max_relocate = {sv.max_relocate}: moves to "
                "another node). "
                "HA does nothing more with it."
            )
            out.append(
                "To recover: fix the cause, set it to 'disabled' (it goes to 'stopped'), then to 'started' again "
                f"(ha-manager set {sid} --state disabled, then --state started)."
            )
        if sv.failed_nodes and state not in ("error",):
            out.append(f"Failed start attempts so far on: {_join(list(sv.failed_nodes))}.")
        return out

    def until_recovered(self, node: str) -> list[str]:
        """The way from a lost node to the service's recovery: watchdog, fence delay, lock."""
        ctx, sid, now = self.ctx, self.sid, self.now
        out: list[str] = []
        nv = ctx.node_view(node)
        if nv is not None and nv.power == "on" and nv.watchdog_expires is not None:
            out.append(
                f"{node}'s watchdog is no longer fed: it resets {node} at {nv.watchdog_expires} "
                f"({_in(now, nv.watchdog_expires)}), which stops {sid} there."
            )
        if not ctx.snap.quorate:
            out.append("No node has quorum, so no manager can recover it until quorum is back.")
            return out
        if ctx.active_master() is None:
            out.append(ctx.no_master_text())
            out.append(f"The new master fences {node} after a full {FENCE_DELAY} s fence delay and then recovers {sid}.")
            return out
        if ctx.node_status.get(node) != "fence":
            last, exact = ctx.last_online(node)
            if last is not None:
                t = last + FENCE_DELAY
                out.append(
                    f"The manager starts fencing {node} {FENCE_DELAY} s after it last saw it online "
                    f"({'' if exact else 'about '}{last}), at {t} ({_in(now, t)})."
                )
        if nv is not None and nv.agent_lock_holder == node and nv.agent_lock_expires is not None:
            t = nv.agent_lock_expires
            out.append(
                f"Fencing completes when the manager takes over {node}'s agent lock, possible from {t} "
                f"({_in(now, t)}); then {sid} is recovered on another node."
            )
        else:
            out.append(f"Once {node} is fenced, {sid} is recovered on another node.")
        return out

    def not_started_yet(self, node: str) -> str:
        ctx, sid, now = self.ctx, self.sid, self.now
        nv = ctx.node_view(node)
        if nv is None:
            return ""
        attempt = ctx.last(
            lambda e: isinstance(e, (E.RestartRetry, E.RestartsExhausted, E.ServiceStarting))
            and e.sid == sid
            or isinstance(e, E.ServiceStatus) and e.sid == sid and e.state == "started"
        )
        if attempt is not None and attempt.node == node and nv.lrm_state == "active":
            event = attempt.event
            if isinstance(event, E.RestartRetry):
                return (
                    f"{node}'s LRM failed to start it at {attempt.time} and retries at its next step "
                    f"(restart policy: retry {event.attempt} of max_restart {self.sv.max_restart})."
                )
            if isinstance(event, E.RestartsExhausted):
                return (
                    f"{node}'s LRM gave up at {attempt.time} after {event.tries} retries (max_restart) and reported the "
                    f"failure: the manager now relocates it to another node, or puts it in the error state once "
                    f"its start has failed on more than max_relocate ({self.sv.max_relocate}) node(s)."
                )
        if nv.lrm_state == "wait_for_agent_lock":
            holder, expires = nv.agent_lock_holder, nv.agent_lock_expires
            if holder and holder != node and expires is not None:
                return (
                    f"It is assigned to {node}, but {node}'s LRM waits for its agent lock, which {holder} took over "
                    f"when fencing {node}; the lock expires at {expires} ({_in(now, expires)}), then {node} starts it."
                )
            return f"{node}'s LRM takes its agent lock and starts it at its next step."
        return f"{node}'s LRM starts it at its next step."
