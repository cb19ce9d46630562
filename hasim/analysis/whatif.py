"""What if a node fails? One run from the directory's state, or one per node.

Theory of operation
-------------------
1. **The starting point.**  A directory's inputs are its current state: the
   nodes that are on (in `hardware_status`, or powered on by the first batch
   of `cmdlist`, as `hasim import` writes it), the services where
   `service_config`, `manager_status` and `service_status_<node>` put them.
   The rest of `cmdlist` — a scenario of the admin's own — is not run.  A
   directory with no node on at all (a fresh `hasim new`) starts every node.
2. **Settling.**  A simulated cluster starts with its daemons: the nodes are
   powered on at the first loop end, a CRM becomes master, the LRMs take
   their agent locks and start what is not running yet.  The run goes on
   loop by loop until that is done (bounded by `SETTLE_LIMIT`): this is the
   *settled* moment, and the base every fault is tried from.
3. **The fault.**  Each what-if forks the settled simulation
   (`Simulation.fork`: no re-settling per node), applies the fault at the
   first loop end at or after `at` seconds — power off, network off, reboot,
   shutdown or maintenance — and heals it after `duration` seconds if asked
   (power or network back on — an isolated node its watchdog reset is powered
   on again —, maintenance off; a shut down node is powered on once it is off).  It then runs until the cluster is quiet: no node or
   service state change, no start, stop or move, for `quiet_for` seconds
   (longer than any silence of the stack: a lock expiring after 120 s, a
   fence delay of 60 s), bounded by `RUN_LIMIT` after the fault and its
   healing.
4. **The outcome** is the outcome report (`hasim.analysis.report`) of the
   fork from the settled moment, its clock starting at the fault.

`each_node` runs one what-if per node that is up, each in a worker process
forked for it: the worker inherits the settled simulation as its own
copy-on-write copy and runs the fault on it directly (no deep copy, nothing
sent over a pipe but the summary back); the nodes' order is kept whatever
finishes first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import attrs

from hasim import commands as C
from hasim import events as E
from hasim.analysis.forked import can_fork, map_forked
from hasim.analysis.recording import RunWatch
from hasim.analysis.report import Report, build_report
from hasim.jsondata import jcopy
from hasim.scenario import Scenario
from hasim.simulation import Simulation
from hasim.snapshot import Snapshot

HOWS = ("power", "network", "reboot", "shutdown", "maintenance")
SETTLE_LIMIT = 1200  # virtual seconds to get a freshly started cluster running
#: no state change for this long: the cluster is quiet.  The longest silence
#: inside the stack's reaction is a lock left to expire (120 s, spec 01 §9.5)
#: plus a loop until the next round sees it: at most 152 s with 32 nodes
QUIET_FOR = 240
RUN_LIMIT = 3600  # virtual seconds after the fault (and its healing) at most

#: events that say the cluster is still moving
CHANGES = (
    E.NodeStateChanged, E.ServiceStateChanged, E.ServiceStatus, E.ServiceMove, E.NodeFenced,
    E.CommandExecuted, E.DaemonStateChanged, E.LrmShutdown,
)  # fmt: skip


class WhatIfError(Exception):
    """A what-if that cannot run: `argument` names the option, `message` why."""

    def __init__(self, argument: str, message: str) -> None:
        super().__init__(f"{argument}: {message}")
        self.argument = argument
        self.message = message


_DOES = {
    "power": "loses power",
    "network": "loses its network",
    "reboot": "reboots",
    "shutdown": "shuts down",
    "maintenance": "goes into maintenance",
}
_HEALS = {"power": "power back", "network": "network back", "shutdown": "powered on", "maintenance": "maintenance off"}


@attrs.frozen
class Fault:
    node: str
    how: str = "power"
    at: int = 0  # seconds after the settled moment
    duration: int | None = None  # heal after this many seconds (None: never within the run)

    def inject(self) -> C.Command:
        return {
            "power": C.Power(self.node, False),
            "network": C.Network(self.node, False),
            "reboot": C.Reboot(self.node),
            "shutdown": C.Shutdown(self.node),
            "maintenance": C.NodeMaintenance(self.node, True),
        }[self.how]

    def heal(self, powered: bool = True) -> C.Command | None:
        """What undoes the fault; `powered`: is the node still on?  An isolated
        node its watchdog has reset comes back powered on with its network (a
        real watchdog reset reboots the node)."""
        if self.how == "network" and not powered:
            return C.Power(self.node, True)
        return {
            "power": C.Power(self.node, True),
            "network": C.Network(self.node, True),
            "shutdown": C.Power(self.node, True),
            "maintenance": C.NodeMaintenance(self.node, False),
        }.get(self.how)

    def describe(self) -> str:
        back = "" if self.how == "reboot" else ", not back"
        if self.duration is not None and self.how in _HEALS:
            back = f", {_HEALS[self.how]} after {self.duration} s"
        return f"{self.node} {_DOES[self.how]}{back}"


def check_fault(how: str, at: int, duration: int | None) -> None:
    """Refuse what cannot be tried (raises WhatIfError naming the option)."""
    if how not in HOWS:
        raise WhatIfError("--how", f"'{how}' is not one of {', '.join(HOWS)}")
    if at < 0:
        raise WhatIfError("--at", f"{at}: must be 0 or more seconds")
    if duration is not None:
        if duration <= 0:
            raise WhatIfError("--for", f"{duration}: must be more than 0 seconds")
        if how == "reboot":
            raise WhatIfError("--for", "a rebooting node comes back by itself: leave --for out")


# -- 1. the starting point ---------------------------------------------------------------------------


@attrs.frozen
class Start:
    """The directory's state as a cluster about to be powered on."""

    scenario: Scenario  # every node off, no cmdlist: the up nodes are powered on when settling
    up: tuple[str, ...]
    notes: tuple[str, ...] = ()


def _powered_on_by(batch: Sequence[str]) -> tuple[list[str], int]:
    """Nodes a cmdlist batch powers on, and how many of its commands are something else."""
    nodes, other = [], 0
    for text in batch:
        try:
            command = C.parse(text, strict=False)
        except C.CommandError:
            other += 1
            continue
        if isinstance(command, C.Power) and command.on:
            nodes.append(command.node)
        else:
            other += 1
    return nodes, other


def starting_point(scenario: Scenario) -> Start:
    hw = scenario.files["hardware_status"]
    up = {n for n in scenario.nodes if (hw.get(n) or {}).get("power") == "on"}
    batches = scenario.cmdlist or []
    first, skipped = _powered_on_by(batches[0]) if batches else ([], 0)
    up.update(n for n in first if n in hw)
    skipped += sum(len(batch) for batch in batches[1:])
    notes = []
    if not up:
        up = set(scenario.nodes)
        notes.append("no node is on in the directory's state: the what-if starts every node")
    off = [n for n in scenario.nodes if n not in up]
    if off:
        notes.append(f"off in the directory's state, left off: {' '.join(off)}")
    if skipped:
        notes.append(f"{skipped} command(s) of cmdlist not run: the what-if starts from the directory's state")
    files = jcopy(scenario.files)
    for n in scenario.nodes:
        files["hardware_status"][n].update(power="off", network="off")
    start = scenario.replace(files=files, cmdlist=[])
    return Start(start, tuple(n for n in scenario.nodes if n in up), tuple(notes))


# -- 2. settling ---------------------------------------------------------------------------------------


def _settled(snap: Snapshot, up: Sequence[str]) -> bool:
    if snap.master is None:
        return False
    busy: set[str] = set()
    for s in snap.services:
        if s.requested != "started" or s.state == "error":
            continue
        if s.state != "started" or s.running_on != (s.node,):
            return False
        busy.add(s.node)
    return all(n.lrm_state == "active" for n in snap.nodes if n.name in busy and n.name in up)


@attrs.frozen
class Settled:
    sim: Simulation = attrs.field(eq=False)
    time: int
    done: bool  # False: the limit was reached first
    notes: tuple[str, ...] = ()


def settle(start: Start, limit: int = SETTLE_LIMIT) -> Settled:
    sim = Simulation(start.scenario, interactive=True)
    for node in start.up:
        sim.submit(C.Power(node, True))
    sim.start()
    done = False
    while sim.time < limit and not sim.finished:
        sim.step_loop()
        if _settled(sim.snapshot(), start.up):
            done = True
            break
    notes = list(start.notes)
    if done:
        notes.append(f"the cluster settled {sim.time} s after power-on (master elected, services started)")
    else:
        notes.append(f"the cluster had not settled {sim.time} s after power-on; the fault is applied anyway")
    return Settled(sim, sim.time, done, tuple(notes))


# -- 3. one fault --------------------------------------------------------------------------------------


def _step_to(sim: Simulation, moment: int) -> None:
    """Run whole loops until the next loop end is at or after `moment`."""
    while sim.loop_position[1] + sim.loop_length < moment and not sim.finished:
        sim.step_loop()


def _changed(lines, since: int) -> bool:
    return any(isinstance(line.event, CHANGES) for line in lines[since:])


def run_fault(
    base: Settled, fault: Fault, *, quiet_for: int = QUIET_FOR, safety: bool = True, in_place: bool = False
) -> Report:
    """Fork the settled cluster, apply `fault`, run until quiet; the outcome.

    `in_place` runs on the settled simulation itself instead of a fork: for a
    process that is a copy already (a worker forked for this one run)."""
    sim = base.sim if in_place else base.sim.fork()
    watch = RunWatch(sim, safety=safety)
    _step_to(sim, base.time + fault.at)
    sim.submit(fault.inject())
    sim.step_loop()
    fault_time = sim.loop_position[1]
    heal_at = fault_time + fault.duration if fault.duration is not None and fault.heal() is not None else None
    quiet = max(quiet_for, 5 * sim.loop_length)
    limit = fault_time + (fault.duration or 0) + RUN_LIMIT
    last_change, seen = fault_time, len(sim.log_lines)
    notes = list(base.notes)
    while sim.time < limit and not sim.finished:
        if heal_at is not None and sim.loop_position[1] + sim.loop_length >= heal_at:
            powered = sim.snapshot().node(fault.node).power == "on"
            if fault.how != "shutdown" or not powered:  # a shutdown still going on: wait for the power-off
                sim.submit(fault.heal(powered))
                heal_at = None
        sim.step_loop()
        if _changed(sim.log_lines, seen):
            last_change = sim.time
        seen = len(sim.log_lines)
        if heal_at is None and sim.time - last_change >= quiet:
            break
    else:
        if not sim.finished:
            notes.append(f"still changing {sim.time - fault_time} s after the fault: the run was cut there")
    notes.append(f"the run ends {sim.time - last_change} s after the last change")
    title = f"{fault.describe()} (at t={fault_time})"
    return build_report(watch.record(), title, origin=fault_time, notes=notes)


# -- each node in turn ---------------------------------------------------------------------------------

def each_node(
    base: Settled,
    faults: Sequence[Fault],
    summarize: Callable[[Report, Fault], object],
    *,
    jobs: int = 1,
    progress: Callable[[int, int, str], None] | None = None,
) -> list:
    """`summarize(report, fault)` of every fault, in the faults' order.

    With `jobs` > 1 the runs go to that many forked child processes at a
    time (`hasim.analysis.forked`); only the summaries travel back (a report
    of a thousand services is large)."""
    total = len(faults)

    def done(count: int, index: int) -> None:
        if progress is not None:
            progress(count, total, faults[index].node)

    if jobs > 1 and total > 1 and can_fork():
        # one child per run, forked from this process while it still holds the
        # untouched settled cluster: each run works on its own copy-on-write
        # copy of it, no deep copy needed
        return map_forked(lambda fault: summarize(run_fault(base, fault, in_place=True), fault), faults, jobs, done)
    results = []
    for index, fault in enumerate(faults):
        results.append(summarize(run_fault(base, fault), fault))
        done(index + 1, index)
    return results
