"""Virtual time that follows a real clock at a chosen rate, and the search for
the next moment something changes.

The engine has no clock of its own: a driver advances it.  Two drivers follow
real time — the window and `hasim run --speed` — and both need the same
arithmetic: virtual seconds = rate × real seconds elapsed, pause (rate 0),
jumps (a step or a search moved the simulation), a bound on how far one tick
may jump after the real clock stalled, and the rate actually reached when the
engine cannot keep up.  `PacedClock` is that arithmetic, with the real clock
injected (`time.monotonic` in the CLI, a Qt timer in the window, a list of
numbers in tests), as trio's MockClock does for its event loop; nothing here
reads the wall clock itself.

`NextChange` is "run until something changes" (trio's autojump): it says
whether to keep stepping, and the caller steps — all at once (a script) or in
budgeted slices between repaints (the window).
"""

from __future__ import annotations

from collections.abc import Callable

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.simulation import Simulation
    from hasim.snapshot import Snapshot

MAX_TICK = 1.0  # real seconds one tick may account for at most: a stalled driver must not jump hours ahead
PACE_WINDOW = 2.0  # real seconds over which the reached rate is measured
NEXT_CHANGE_LIMIT = 3600  # virtual seconds the next-change search looks ahead at most


class WaitClock:
    """The real clock of a command that waits on another process (an edit
    waiting for the directory's lock, a request waiting for the running
    simulation's answer): `now()` in monotonic seconds, `sleep(seconds)`, and
    `stamp()` in nanoseconds of the system clock (request ids sort in arrival
    order across processes).  The command line makes one from `time`; tests
    may hand in their own; below the command line nothing reads the wall
    clock itself."""

    __slots__ = ("now", "sleep", "stamp")

    def __init__(self, now: Callable[[], float], sleep: Callable[[float], None], stamp: Callable[[], int]) -> None:
        self.now = now
        self.sleep = sleep
        self.stamp = stamp


class PacedClock:
    """Virtual time at `rate` virtual seconds per real second (0: paused)."""

    def __init__(self, real: Callable[[], float], rate: float = 1.0, virtual: float = 0.0) -> None:
        self._real = real
        self.rate = max(0.0, float(rate))
        self.virtual = float(virtual)
        self._last = real()
        self._samples: list[tuple[float, float]] = []  # (real seconds, virtual time) of recent ticks

    def set_rate(self, rate: float) -> None:
        self.tick()  # time up to now still runs at the old rate
        self.rate = max(0.0, float(rate))

    def jump(self, virtual: float) -> None:
        """The simulation moved by itself (a step, a search): follow it."""
        self.virtual = float(virtual)
        self._last = self._real()

    def restart(self, virtual: float) -> None:
        """Start following real time afresh from `virtual` (after a pause)."""
        self.jump(virtual)
        self._samples.clear()

    def tick(self) -> float:
        """Advance by the real time elapsed since the last call; the new virtual time."""
        now = self._real()
        elapsed, self._last = max(0.0, now - self._last), now
        self.virtual += self.rate * min(elapsed, MAX_TICK)
        return self.virtual

    def fall_behind(self, reached: float, slack: float) -> None:
        """The engine only got to `reached`: let virtual time wait for it
        (at most `slack` virtual seconds ahead), so the simulation runs slower
        instead of the driver queueing up work it can never catch up with."""
        self.virtual = min(self.virtual, reached + slack)

    def reached_rate(self, sim_time: float) -> tuple[float, float]:
        """(virtual seconds per real second the simulation made, over how many
        real seconds): measured over the last `PACE_WINDOW` real seconds, for
        showing the speed reached when the engine falls behind."""
        now = self._real()
        self._samples.append((now, float(sim_time)))
        while len(self._samples) > 2 and now - self._samples[0][0] > PACE_WINDOW:
            self._samples.pop(0)
        (r0, v0), (r1, v1) = self._samples[0], self._samples[-1]
        span = r1 - r0
        return ((v1 - v0) / span if span > 0 else 0.0), span


def change_key(snap: Snapshot) -> tuple:
    """What counts as 'something changed': a node's power, network, manager,
    CRM or LRM state, or a service's requested state, state or node."""
    return (
        tuple((n.name, n.power, n.network, n.manager_state, n.crm_state, n.lrm_state) for n in snap.nodes),
        tuple((s.sid, s.requested, s.state, s.node) for s in snap.services),
    )


class NextChange:
    """One search for the next change; step the simulation while `more()`."""

    def __init__(self, sim: Simulation, limit: int = NEXT_CHANGE_LIMIT) -> None:
        self.sim = sim
        self._start = change_key(sim.snapshot())
        self.limit = sim.time + limit
        self.found = False
        self._seen = (len(sim.log_lines), sim.loop_position)

    @property
    def exhausted(self) -> bool:
        return self.sim.finished or self.sim.time > self.limit

    def more(self) -> bool:
        # every change the key covers comes with a log line (the manager's, a
        # daemon's status change, a command) or happens at a loop end
        # (configuration edits): only then is a snapshot worth taking — on a
        # quiet big cluster that was most of the time spent
        sim = self.sim
        now = (len(sim.log_lines), sim.loop_position)
        if now != self._seen:
            self._seen = now
            if change_key(sim.snapshot()) != self._start:
                self.found = True
        return not self.found and sim.time <= self.limit

    def run(self) -> bool:
        """Search all at once; True when a change was found."""
        while self.more() and not self.sim.finished:
            self.sim.step_node()
        return self.found
