"""What a report needs of a run, kept as one value.

An outcome report is a pure function of a run: the typed events of its log
lines, a snapshot at the start and one at the end, the sizes of the nodes
and guests, and the safety checks' findings.  `RunWatch` collects them from
a `Simulation` — attach it before the run (it takes the first snapshot and
starts the safety monitor), call `record()` after — and `RunRecord` is the
frozen result that `hasim.analysis.report.build_report` reads.  Nothing here
steers the simulation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from hasim.analysis.capacity import Sizes, sizes_of
from hasim.analysis.invariants import InvariantMonitor, Violation
from hasim.log import LogLine
from hasim.snapshot import Snapshot

if TYPE_CHECKING:
    from hasim.simulation import Simulation


@attrs.frozen
class RunRecord:
    """One run, from `first` to `last`: `lines` are the log lines in between."""

    first: Snapshot
    last: Snapshot
    lines: tuple[LogLine, ...]
    sizes: Sizes
    violations: tuple[Violation, ...] = ()
    notices: tuple[Violation, ...] = ()


class RunWatch:
    """Watches a simulation from now on (see the module docstring)."""

    def __init__(self, sim: Simulation, *, safety: bool = True) -> None:
        self.sim = sim
        self.first = sim.snapshot()
        self.start = len(sim.log_lines)
        self.monitor = InvariantMonitor(sim) if safety else None

    def record(self) -> RunRecord:
        sim = self.sim
        monitor = self.monitor
        return RunRecord(
            first=self.first,
            last=sim.snapshot(),
            lines=tuple(sim.log_lines[self.start :]),
            sizes=sizes_of(sim.files, sim.nodes),
            violations=tuple(monitor.violations) if monitor is not None else (),
            notices=tuple(monitor.notices) if monitor is not None else (),
        )
