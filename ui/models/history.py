"""The timeline's data: per lane, the states it went through over virtual time.

A *lane* is a node (its state as the manager sees it, 'off' before anyone has
seen it powered on) or a service (its manager state and node).  `record`
takes a snapshot and only appends: a lane whose state did not change just
extends its last segment, so hours of virtual time with few changes stay a
handful of segments.  Safety violations (hasim.analysis.invariants) and the
commands given (a switch clicked, a scenario's cmdlist: their CommandExecuted
events) are kept beside the lanes, in order, for the timeline's markers.
Pure Python, no Qt.
"""

from __future__ import annotations

import bisect

import attrs

from hasim.events import CommandExecuted, NodeStateChanged, ServiceStateChanged
from hasim.log import LogLine
from hasim.snapshot import Snapshot
from hasim.vocab import MOVING_STATES, NOT_YET_MANAGED
from ui.natural import natural_sorted
from ui.style import node_display_state

COMMAND_SOURCES = ("command", "cmdlist")  # a click in the window, a scenario's script


@attrs.define
class Segment:
    start: int
    end: int  # exclusive; the last segment of a lane grows with "now"
    state: str
    node: str | None = None  # services: the node it is on
    logged: bool = False  # a transition the manager logged: kept even if it lasted 0 s
    target: str | None = None  # migrate/relocate: where to

    @property
    def label(self) -> str:
        # the manager keeps a service's last target after it arrived: only a
        # move in progress names it ("migrate node1 → node2", never
        # "started node3 → node3")
        if self.node and self.target and self.target != self.node and self.state in MOVING_STATES:
            return f"{self.state} {self.node} → {self.target}"
        return f"{self.state} on {self.node}" if self.node else self.state


@attrs.define
class Lane:
    key: str  # "node1" or "vm:101"
    kind: str  # "node" | "service"
    segments: list[Segment] = attrs.Factory(list)
    starts: list[int] = attrs.Factory(list)  # segment starts, for bisect
    gone_at: int | None = None  # service deleted

    def at(self, t: float) -> Segment | None:
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return None
        seg = self.segments[i]
        return seg if t < seg.end or (seg is self.segments[-1] and self.gone_at is None) else None


class History:
    def __init__(self) -> None:
        self.lanes: dict[str, Lane] = {}
        self.order: list[str] = []  # nodes first, then services, each sorted
        self.now = 0
        self.revision = 0  # bumped on every change the timeline must draw
        self.layout_revision = 0  # bumped when lanes are added
        self.violations: list = []  # hasim.analysis.invariants.Violation, in the order found
        self.commands: list[tuple[int, str]] = []  # (time, "power node1 on"), in the order applied

    def clear(self) -> None:
        self.__init__()

    def _append(self, key: str, kind: str, t: int, state: str, node: str | None, logged: bool = False,
                target: str | None = None) -> None:
        lane = self.lanes.get(key)
        if lane is None:
            lane = self.lanes[key] = Lane(key, kind)
            if kind != "power":  # power strips are drawn inside their node's lane
                nodes = natural_sorted(k for k, v in self.lanes.items() if v.kind == "node")
                services = sorted(k for k, v in self.lanes.items() if v.kind == "service")
                self.order = nodes + services
                self.layout_revision += 1
        lane.gone_at = None
        if lane.segments:
            last = lane.segments[-1]
            t = max(t, last.start)  # log lines are in call order, not time order
            if last.state == state and last.node == node:
                last.end = max(last.end, t)
                return
            if last.start == t and not last.logged:  # replaced within the same second: keep the latest
                last.state, last.node = state, node
                if len(lane.segments) > 1:
                    prev = lane.segments[-2]
                    if prev.state == state and prev.node == node:
                        lane.segments.pop()
                        lane.starts.pop()
                        prev.end = t
                self.revision += 1
                return
            last.end = t
        lane.segments.append(Segment(t, t, state, node, logged, target))
        lane.starts.append(t)
        self.revision += 1

    def record_line(self, line: LogLine) -> None:
        """Take a state transition from a manager log line.

        A manager round can pass through states within one second (fence ->
        recovery -> started); snapshots only see the end of the round, the log
        sees every step, so the timeline keeps those short states too."""
        event = line.event
        if isinstance(event, CommandExecuted) and line.source in COMMAND_SOURCES:
            self.commands.append((line.time, event.text))
            self.now = max(self.now, line.time)
            self.revision += 1
            return
        if isinstance(event, NodeStateChanged):
            self._append(event.node, "node", line.time, event.new, None, logged=True)
            self.now = max(self.now, line.time)
        elif isinstance(event, ServiceStateChanged):
            node = event.param("node") or None
            lane = self.lanes.get(event.sid)
            if node is None and lane is not None and lane.segments:
                node = lane.segments[-1].node
            self._append(event.sid, "service", line.time, event.new, node, logged=True, target=event.param("target") or None)
            self.now = max(self.now, line.time)

    def record_violation(self, violation) -> None:
        """Keep a safety violation for the timeline (a marker at its time)."""
        self.violations.append(violation)
        self.now = max(self.now, violation.time)
        self.revision += 1

    def violations_near(self, t: float, tolerance: float) -> list:
        """The violations within `tolerance` seconds of `t` (hover)."""
        return [v for v in self.violations if abs(v.time - t) <= tolerance]

    def commands_near(self, t: float, tolerance: float) -> list[tuple[int, str]]:
        """The commands applied within `tolerance` seconds of `t` (hover)."""
        return [c for c in self.commands if abs(c[0] - t) <= tolerance]

    def record(self, snap: Snapshot) -> None:
        t = snap.time
        self.now = max(self.now, t)
        for node in snap.nodes:
            self._append(node.name, "node", t, node_display_state(node), None)
            power = "off" if node.power == "off" else ("on" if node.network == "on" else "network off")
            self._append(f"{node.name}/power", "power", t, power, None)
        present = set()
        for svc in snap.services:
            present.add(svc.sid)
            state = svc.state or ("disabled" if svc.requested == "disabled" else NOT_YET_MANAGED)
            self._append(svc.sid, "service", t, state, svc.node, target=svc.target)
        for key, lane in self.lanes.items():
            if lane.kind == "service" and key not in present and lane.gone_at is None:
                lane.gone_at = t
                lane.segments[-1].end = t
                self.revision += 1
        for lane in self.lanes.values():
            if lane.gone_at is None and lane.segments:
                lane.segments[-1].end = self.now

    def lane(self, key: str) -> Lane:
        return self.lanes[key]

    def states_of(self, key: str) -> list[str]:
        """The states a lane went through, in order (tests, tooltips)."""
        return [s.state for s in self.lanes[key].segments] if key in self.lanes else []

    def segment_count(self) -> int:
        return sum(len(lane.segments) for lane in self.lanes.values())
