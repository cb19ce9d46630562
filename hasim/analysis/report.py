"""The outcome of a run, for an admin: what was down, how long, what moved.

Theory of operation
-------------------
`build_report(record)` reads a `RunRecord` (`hasim.analysis.recording`): the
snapshot at the start, the log lines' typed events (`hasim.events`, never
their text) and the snapshot at the end.  It replays three small histories
from the events:

* **where each service runs** — a service runs on a node from the LRM's
  "service status … started" there until that node loses power (a
  `power … off` from a person, a watchdog, a reboot or a shutdown), until the
  LRM stops it, or until it moves: a live migration carries it to the target
  while it keeps running (as on a real cluster; the simulator itself starts
  it again on the target), a relocation stops it first;
* **what each node went through** — the commands applied to it, fencing, the
  manager losing and seeing it again, its hardware and manager state over
  time;
* **quorum** — from the power and network commands, as the simulated
  cluster decides it (more than half of the nodes are up, spec 01 §9.2).

A service's *outage* starts when it stops running although the manager
still wants it up (any state but `stopped`/`request_stop`: a stop on request
is no outage) and ends when it runs again — or the admin stops it — or is
still open at the end ("still down").  A service that never ran is not "down
after a failure", but a service that should run and does not at the end is
flagged (`not_running`).  The cluster lacks quorum while some node is powered
on but no quorate partition exists; all nodes off is a cluster that is off.

The values are attrs-frozen and picklable: a what-if computes reports in
worker processes.  Renderers live apart (`report_text`, `report_markdown`,
`report_html`, the timeline picture in `report_svg`).
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from hasim import commands as C
from hasim import events as E
from hasim.analysis.capacity import NodeLoad, node_loads
from hasim.analysis.invariants import Violation
from hasim.analysis.recording import RunRecord
from hasim.log import LogLine
from hasim.snapshot import Snapshot

#: manager states in which a service is not wanted up (stopped on request)
STOPPED_STATES = ("stopped", "request_stop")

#: service lanes of the timeline
RUNNING, DOWN, ERROR, STOPPED = "running", "down", "error", "stopped"
#: node lanes of the timeline
UP, ISOLATED, OFF, MAINTENANCE = "up", "isolated", "off", "maintenance"

#: a node powered off or on, by the log line's source: (what the node went
#: through, why its services went down)
_POWER_OFF = {
    "watchdog": ("reset by its watchdog", "{node} was reset by its watchdog"),
    "reboot": ("powered off (reboot)", "{node} rebooted"),
    "shutdown": ("powered off (shutdown)", "{node} shut down"),
    "delnode": ("powered off (removed)", "{node} was removed from the cluster"),
}
_POWER_OFF_DEFAULT = ("power off", "{node} lost power")
_POWER_ON = {"reboot": "powered on (reboot)"}


# -- the values ----------------------------------------------------------------------------------------


@attrs.frozen
class Interval:
    start: int
    end: int | None  # None: still open at the end of the run

    def seconds(self, until: int) -> int:
        return max(0, (self.end if self.end is not None else until) - self.start)

    @property
    def open(self) -> bool:
        return self.end is None


@attrs.frozen
class Outage(Interval):
    """A service not running although it should: `cause` in plain words."""

    cause: str = ""


@attrs.frozen
class Move:
    time: int
    kind: str  # "migrate" | "relocate" | "recovery"
    source: str
    target: str

    def render(self) -> str:
        return f"{self.kind} {self.source} -> {self.target}"


@attrs.frozen
class Span:
    """One stretch of a timeline lane: a service running on `node`, down, …"""

    start: int
    end: int
    status: str
    node: str | None = None


@attrs.frozen
class ServiceOutcome:
    sid: str
    start_node: str | None  # configured node at the start
    start_running: tuple[str, ...]  # where it ran at the start
    node: str | None  # configured node at the end: where it ended
    running_on: tuple[str, ...]  # where it runs at the end
    requested: str  # requested state at the end
    state: str | None  # manager state at the end
    outages: tuple[Outage, ...]
    moves: tuple[Move, ...]
    failures: tuple[int, ...]  # times the recovery policy gave up (error state)
    spans: tuple[Span, ...]
    until: int  # end of the run (for outages still open)

    @property
    def error(self) -> bool:
        return self.state == "error"

    @property
    def still_down(self) -> bool:
        return bool(self.outages) and self.outages[-1].open

    @property
    def not_running(self) -> bool:
        """Should run at the end (requested started, not in error) but does not."""
        return self.requested == "started" and not self.running_on and not self.error

    @property
    def downtime(self) -> int:
        return sum(o.seconds(self.until) for o in self.outages)

    @property
    def longest(self) -> Outage | None:
        return max(self.outages, key=lambda o: o.seconds(self.until), default=None)

    @property
    def moved(self) -> bool:
        return self.node != self.start_node

    @property
    def eventful(self) -> bool:
        return bool(self.outages or self.moves or self.failures) or self.error or self.not_running


@attrs.frozen
class NodeEvent:
    time: int
    what: str  # "power off", "network back", "reset by its watchdog", …


@attrs.frozen
class NodeOutcome:
    node: str
    events: tuple[NodeEvent, ...]
    lost: tuple[int, ...]  # the manager stopped seeing it online
    fenced: tuple[int, ...]
    rejoined: tuple[int, ...]  # the manager saw it online again after losing it
    state: str | None  # manager state at the end
    power: str
    network: str
    load_before: NodeLoad | None
    load_after: NodeLoad | None
    spans: tuple[Span, ...]

    @property
    def eventful(self) -> bool:
        return bool(self.events or self.lost or self.fenced or self.rejoined)


@attrs.frozen
class ClusterOutcome:
    no_quorum: tuple[Interval, ...]
    masters: tuple[tuple[int, str], ...]  # (time, node) each time a CRM became master
    violations: tuple[Violation, ...]
    notices: tuple[Violation, ...]
    error: str | None  # the run ended in an error exit of the real stack
    until: int

    @property
    def no_quorum_seconds(self) -> int:
        return sum(i.seconds(self.until) for i in self.no_quorum)


@attrs.frozen
class Report:
    title: str
    start: int
    end: int
    services: tuple[ServiceOutcome, ...]
    nodes: tuple[NodeOutcome, ...]
    cluster: ClusterOutcome
    origin: int | None = None  # the readers' time 0 (the fault of a what-if); None: absolute times
    notes: tuple[str, ...] = ()

    def service(self, sid: str) -> ServiceOutcome:
        return next(s for s in self.services if s.sid == sid)

    def node(self, name: str) -> NodeOutcome:
        return next(n for n in self.nodes if n.node == name)

    def shown_time(self, time: int) -> int:
        """A time on the readers' clock (relative to the origin, if any)."""
        return time - self.origin if self.origin is not None else time

    @property
    def longest_outage(self) -> tuple[str, Outage] | None:
        best = None
        for s in self.services:
            o = s.longest
            if o is not None and (best is None or o.seconds(self.end) > best[1].seconds(self.end)):
                best = (s.sid, o)
        return best

    @property
    def left_down(self) -> tuple[ServiceOutcome, ...]:
        """Services that should run but do not at the end, or ended in error."""
        return tuple(s for s in self.services if s.error or s.not_running)

    @property
    def over_capacity(self) -> tuple[NodeLoad, ...]:
        return tuple(n.load_after for n in self.nodes if n.load_after is not None and n.load_after.over)


# -- building ------------------------------------------------------------------------------------------


class _Lanes:
    """Timeline lanes: the current status of each key and the closed spans."""

    def __init__(self) -> None:
        self.current: dict[str, tuple[str, str | None, int]] = {}
        self.spans: dict[str, list[Span]] = {}

    def set(self, key: str, status: str, node: str | None, time: int) -> None:
        cur = self.current.get(key)
        if cur is not None and cur[:2] == (status, node):
            return
        if cur is not None:
            since = cur[2]
            time = max(time, since)
            if time > since:
                self.spans.setdefault(key, []).append(Span(since, time, cur[0], cur[1]))
        self.current[key] = (status, node, time)

    def close(self, key: str, end: int) -> tuple[Span, ...]:
        cur = self.current.get(key)
        spans = list(self.spans.get(key, ()))
        if cur is not None and end > cur[2]:
            spans.append(Span(cur[2], end, cur[0], cur[1]))
        return tuple(spans)


def _quorate(hw: dict[str, list[str]]) -> bool:
    """More than half of the nodes up (spec 01 §9.2)."""
    up = sum(1 for power, network in hw.values() if power == "on" and network == "on")
    return up > len(hw) // 2


class _Builder:
    def __init__(self, first: Snapshot) -> None:
        start = first.time
        self.start = start
        self.hw = {n.name: [n.power, n.network] for n in first.nodes}
        self.node_state = {n.name: n.manager_state for n in first.nodes}
        self.running: dict[str, str | None] = {s.sid: (s.running_on[0] if s.running_on else None) for s in first.services}
        self.mstate: dict[str, str | None] = {s.sid: s.state for s in first.services}
        self.outages: dict[str, list[Outage]] = {}
        self.moves: dict[str, list[Move]] = {}
        self.failures: dict[str, list[int]] = {}
        self.node_events: dict[str, list[NodeEvent]] = {}
        self.lost: dict[str, list[int]] = {}
        self.fenced: dict[str, list[int]] = {}
        self.rejoined: dict[str, list[int]] = {}
        self.shutdown_plan: dict[str, str] = {}  # node -> how its LRM handles the running shutdown
        self.no_quorum: list[Interval] = []
        self.no_quorum_since: int | None = None
        self.masters: list[tuple[int, str]] = []
        self.service_lanes = _Lanes()
        self.node_lanes = _Lanes()
        for sid in self.running:
            self._service_lane(sid, start)
        for n in self.hw:
            self._node_lane(n, start)
        self._quorum(start)

    # -- lanes and quorum ---------------------------------------------------------------------------
    def _wanted(self, sid: str) -> bool:
        return self.mstate.get(sid) not in STOPPED_STATES and self.mstate.get(sid) is not None

    def _service_lane(self, sid: str, time: int) -> None:
        node = self.running.get(sid)
        if node is not None:
            status = RUNNING
        elif self.mstate.get(sid) == "error":
            status = ERROR
        elif self._open_outage(sid) is not None:
            status = DOWN
        else:
            status = STOPPED
        self.service_lanes.set(sid, status, node, time)

    def _node_lane(self, node: str, time: int) -> None:
        power, network = self.hw.get(node, ("off", "off"))
        if power != "on":
            status = OFF
        elif network != "on":
            status = ISOLATED
        elif self.node_state.get(node) == "maintenance":
            status = MAINTENANCE
        else:
            status = UP
        self.node_lanes.set(node, status, None, time)

    def _quorum(self, time: int) -> None:
        lacking = any(power == "on" for power, _ in self.hw.values()) and not _quorate(self.hw)
        if lacking and self.no_quorum_since is None:
            self.no_quorum_since = time
        elif not lacking and self.no_quorum_since is not None:
            if time > self.no_quorum_since:
                self.no_quorum.append(Interval(self.no_quorum_since, time))
            self.no_quorum_since = None

    # -- services going down and up ----------------------------------------------------------------
    def _open_outage(self, sid: str) -> Outage | None:
        outages = self.outages.get(sid)
        return outages[-1] if outages and outages[-1].open else None

    def _close_outage(self, sid: str, time: int) -> None:
        outage = self._open_outage(sid)
        if outage is not None:
            self.outages[sid][-1] = attrs.evolve(outage, end=max(time, outage.start))

    def _down(self, sid: str, time: int, cause: str) -> None:
        if self.running.get(sid) is None:
            return
        self.running[sid] = None
        if self._wanted(sid) and self._open_outage(sid) is None:
            self.outages.setdefault(sid, []).append(Outage(time, None, cause))
        self._service_lane(sid, time)

    def _up(self, sid: str, node: str, time: int) -> None:
        self.running[sid] = node
        self._close_outage(sid, time)
        self._service_lane(sid, time)

    def _stop_cause(self, sid: str, node: str) -> str:
        state = self.mstate.get(sid)
        plan = self.shutdown_plan.get(node)
        if state in ("relocate", "request_start_balance"):
            return "relocated (stopped, moved, started)"
        if plan is not None:
            return f"stopped by the {plan} of {node}"
        return f"stopped on {node} ({state})" if state else f"stopped on {node}"

    # -- one line ------------------------------------------------------------------------------------
    def line(self, line: LogLine) -> None:
        event, t = line.event, line.time
        if isinstance(event, E.CommandExecuted):
            self._command(event.command, line.source, t)
        elif isinstance(event, E.ServiceStatus):
            if event.state == "started" and line.node is not None:
                self._up(event.sid, line.node, t)
            elif event.state == "stopped" and self.running.get(event.sid) == line.node:
                self._down(event.sid, t, self._stop_cause(event.sid, line.node))
        elif isinstance(event, E.ServiceMove) and event.phase == "end" and line.node is not None:
            self.moves.setdefault(event.sid, []).append(Move(t, event.how, line.node, event.target))
            if event.how == "migrate" and self.running.get(event.sid) == line.node:
                self._up(event.sid, event.target, t)  # a live migration: it keeps running
        elif isinstance(event, (E.ServiceRecovered, E.ServiceRecoveredBack)):
            self.moves.setdefault(event.sid, []).append(Move(t, "recovery", event.fenced, event.target))
        elif isinstance(event, E.ServiceStateChanged):
            self._service_state(event, t)
        elif isinstance(event, E.ServiceAdded):
            self.mstate[event.sid] = "request_start"
            self.running.setdefault(event.sid, None)
            self._service_lane(event.sid, t)
        elif isinstance(event, E.ServiceFailed):
            self.failures.setdefault(event.sid, []).append(t)
        elif isinstance(event, E.NodeStateChanged):
            self._node_state(event, t)
        elif isinstance(event, E.NodeFenced):
            self.fenced.setdefault(event.node, []).append(t)
        elif isinstance(event, E.LrmShutdown) and line.node is not None and event.kind != "restart":
            self.shutdown_plan[line.node] = event.kind
        elif isinstance(event, E.DaemonStateChanged) and event.new == "master" and line.node is not None:
            self.masters.append((t, line.node))

    def _service_state(self, event: E.ServiceStateChanged, t: int) -> None:
        sid = event.sid
        self.mstate[sid] = event.new
        if event.new in STOPPED_STATES:
            self._close_outage(sid, t)  # stopped on request: the outage ends here
        self._service_lane(sid, t)

    def _node_state(self, event: E.NodeStateChanged, t: int) -> None:
        node = event.node
        self.node_state[node] = event.new
        if event.old == "online" and event.new in ("unknown", "fence", "gone"):
            self.lost.setdefault(node, []).append(t)
        elif event.new == "online" and node in self.lost and len(self.rejoined.get(node, ())) < len(self.lost[node]):
            self.rejoined.setdefault(node, []).append(t)
        self._node_lane(node, t)

    def _node_down(self, node: str, cause: str, t: int) -> None:
        for sid in sorted(self.running):
            if self.running[sid] == node:
                self._down(sid, t, cause)

    def _command(self, command: C.Command | None, source: str, t: int) -> None:
        if not isinstance(command, C.NodeCommand) or command.node not in self.hw:
            return
        node = command.node
        what = None
        if isinstance(command, C.Power):
            state = "on" if command.on else "off"
            self.hw[node] = [state, state]
            if command.on:
                what = _POWER_ON.get(source, "power on")
                self.shutdown_plan.pop(node, None)
            else:
                what, cause = _POWER_OFF.get(source, _POWER_OFF_DEFAULT)
                self._node_down(node, cause.format(node=node), t)
        elif isinstance(command, C.Network):
            self.hw[node][1] = "on" if command.on else "off"
            what = "network back" if command.on else "network off"
        elif isinstance(command, C.Reboot):
            what = "reboot"
        elif isinstance(command, C.Shutdown):
            what = "shutdown"
        elif isinstance(command, C.NodeMaintenance):
            what = "maintenance on" if command.enable else "maintenance off"
        elif isinstance(command, C.DelNode):
            what = "removed from the cluster"
            self._node_down(node, _POWER_OFF["delnode"][1].format(node=node), t)
            del self.hw[node]
        if what is None:
            return
        self.node_events.setdefault(node, []).append(NodeEvent(t, what))
        self._node_lane(node, t)
        self._quorum(t)


def build_report(
    record: RunRecord, title: str = "", *, origin: int | None = None, notes: Iterable[str] = ()
) -> Report:
    """The outcome report of one recorded run (see the module docstring)."""
    first, last = record.first, record.last
    b = _Builder(first)
    for line in record.lines:
        if line.event is not None:
            b.line(line)
    end = max(last.time, first.time)
    if b.no_quorum_since is not None:
        b.no_quorum.append(Interval(b.no_quorum_since, None))
    start_nodes = {s.sid: s.node for s in first.services}
    start_running = {s.sid: s.running_on for s in first.services}
    services = tuple(
        ServiceOutcome(
            sid=s.sid,
            start_node=start_nodes.get(s.sid),
            start_running=start_running.get(s.sid, ()),
            node=s.node,
            running_on=s.running_on,
            requested=s.requested,
            state=s.state,
            outages=tuple(b.outages.get(s.sid, ())),
            moves=tuple(b.moves.get(s.sid, ())),
            failures=tuple(b.failures.get(s.sid, ())),
            spans=b.service_lanes.close(s.sid, end),
            until=end,
        )
        for s in last.services
    )
    before = node_loads(record.sizes, {s.sid: s.running_on[0] if s.running_on else None for s in first.services})
    after = node_loads(record.sizes, {s.sid: s.running_on[0] if s.running_on else None for s in last.services})
    at_end = {n.name: n for n in last.nodes}
    removed = [n.name for n in first.nodes if n.name not in at_end]  # `delnode`: no longer in the cluster
    nodes = tuple(
        NodeOutcome(
            node=name,
            events=tuple(b.node_events.get(name, ())),
            lost=tuple(b.lost.get(name, ())),
            fenced=tuple(b.fenced.get(name, ())),
            rejoined=tuple(b.rejoined.get(name, ())),
            state=at_end[name].manager_state if name in at_end else "removed",
            power=at_end[name].power if name in at_end else "off",
            network=at_end[name].network if name in at_end else "off",
            load_before=before.get(name),
            load_after=after.get(name),
            spans=b.node_lanes.close(name, end),
        )
        for name in sorted([*at_end, *removed], key=lambda n: (n in removed, n))
    )
    cluster = ClusterOutcome(
        no_quorum=tuple(b.no_quorum),
        masters=tuple(b.masters),
        violations=record.violations,
        notices=record.notices,
        error=last.error,
        until=end,
    )
    return Report(title, first.time, end, services, nodes, cluster, origin, tuple(notes))
