"""What a report needs of a run, kept as one value.

An outcome report is a pure function of a run: the typed events of its log
lines, a snapshot at the start and one at the end, the sizes of the nodes
and guests, and the safety checks' findings.  `RunWatch` collects them from
a `Simulation` — attach it before the run (it takes the first snapshot and
starts the safety monitor), call `record()` after — and `RunRecord` is the
frozen result that `hasim.analysis.report.build_report` reads.  Nothing here
steers the simulation.

`record_session` records a session kept on disk (`DIR/status`, a branch)
by replaying it; the window records its own run as it goes (a watch without
its own monitor: `record(monitor=)` takes the findings of the window's).
"""

from __future__ import annotations

from pathlib import Path
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

    def record(self, monitor: InvariantMonitor | None = None) -> RunRecord:
        """The run from the watch's start to now; the safety findings are
        `monitor`'s when given (one the owner runs itself), else the watch's own."""
        sim = self.sim
        monitor = monitor if monitor is not None else self.monitor
        return RunRecord(
            first=self.first,
            last=sim.snapshot(),
            lines=tuple(sim.log_lines[self.start :]),
            sizes=sizes_of(sim.files, sim.nodes),
            violations=tuple(monitor.violations) if monitor is not None else (),
            notices=tuple(monitor.notices) if monitor is not None else (),
        )


def record_session(status_dir: Path) -> RunRecord:
    """The run of a recorded session (`DIR/status`, or a kept branch),
    replayed in memory and watched from its first step; InputError (naming
    the session's file) when it cannot be replayed."""
    from hasim.session.replay import replay

    watches: list[RunWatch] = []
    replay(Path(status_dir), watch=lambda sim: watches.append(RunWatch(sim)))
    return watches[0].record()
