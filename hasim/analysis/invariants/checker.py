"""Running the checks after every engine step: the view of the engine's state
(`build_view`), the `Checker` and the `InvariantMonitor` that watches a
simulation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING


from hasim import commands as C
from hasim import events as E
from hasim.jsondata import truthy

if TYPE_CHECKING:
    from hasim.engine.harness import Harness
    from hasim.simulation import Simulation

from hasim.analysis.invariants.checks import INVARIANTS
from hasim.analysis.invariants.model import Context, Invariant, View, Violation


# -- the checker ------------------------------------------------------------------------------
def build_view(
    harness: Harness, stepped: str | None, prev: View | None, ghosts: set | None = None
) -> View:
    """The view after one step.  `ghosts` (updated in place) holds the (sid, node)
    running entries that stand for no real copy: entries written while the node was
    powered off (initial files, `service add` with a running flag) and the copy an
    admin moved away with `manual-migrate` (the simulator leaves that entry behind).
    A ghost becomes a real copy once the manager records the service as started
    and running on that node (its LRM took charge of the entry)."""
    if ghosts is None:
        ghosts = set()
    world = harness.world
    files = world.files
    hw = world.hw
    nodes = tuple(harness.order)
    info, _quorate = world.node_info()
    power = {n: (hw.get(n) or {}).get("power") == "on" for n in nodes}
    online = {n: bool((info.get(n) or {}).get("online")) for n in nodes}
    ms = files.get("manager_status") or {}
    written = prev is not None and ms is not prev.ms
    if prev is not None and not written:
        services = prev.services
    else:
        services = {
            sid: (sd.get("state"), sd.get("node"), sd.get("target"), truthy(sd.get("running")))
            for sid, sd in (ms.get("service_status") or {}).items()
            if isinstance(sd, dict)
        }
    conf = files.get("service_config") or {}
    if prev is not None and conf is prev.conf_obj:
        placement = prev.placement
    else:
        placement = {sid: rec.get("node") for sid, rec in conf.items() if isinstance(rec, dict)}
    node_running: dict = {}  # node -> (its service_status object, powered, the sids it really runs)
    prev_running = prev.node_running if prev is not None else {}
    all_cached = prev is not None and not ghosts
    for n in nodes:
        status = files.get(f"service_status_{n}")
        if not status:
            continue
        cached = prev_running.get(n)
        if not ghosts and cached is not None and cached[0] is status and cached[1] == power[n]:
            # the node's map object is replaced on every write: same object, same answer
            node_running[n] = cached
            continue
        all_cached = False
        mine: list[str] = []
        for sid, value in status.items():
            if not truthy(value):
                ghosts.discard((sid, n))
            elif not power[n]:
                ghosts.add((sid, n))  # a "running" entry on a powered-off node: no real copy
            else:
                if (sid, n) in ghosts and services.get(sid) == ("started", n, None, True):
                    ghosts.discard((sid, n))  # the node's LRM reported it started: HA took charge of it
                if (sid, n) not in ghosts:
                    mine.append(sid)
        node_running[n] = (status, power[n], tuple(mine))
    running: dict[str, tuple[str, ...]]
    if all_cached and node_running.keys() == prev_running.keys():
        running = prev.running  # no node's map changed: the same answer, and checks can tell by identity
    else:
        running = {}
        for n in nodes:
            if n in node_running:
                for sid in node_running[n][2]:
                    running[sid] = running.get(sid, ()) + (n,)
    for sid, n in sorted(ghosts):
        if not truthy((files.get(f"service_status_{n}") or {}).get(sid)):
            ghosts.discard((sid, n))
    locks = {name: (rec["node"], rec["time"]) for name, rec in (files.get("cluster_locks") or {}).items()}
    watchdogs = tuple((wd["node"], wd["update_time"]) for wd in (files.get("watchdog_status") or {}).values())
    masters = tuple(n for n in nodes if (crm := harness.nodes[n].crm) is not None and crm.state == "master")
    return View(
        time=world.time,
        after_node_step=stepped is not None,
        nodes=nodes,
        power=power,
        online=online,
        running=running,
        locks=locks,
        watchdogs=watchdogs,
        masters=masters,
        ms=ms,
        ms_written=written,
        services=services,
        placement=placement,
        stepped=stepped,
        conf_obj=conf,
        node_running=node_running,
    )


class Checker:
    """Runs the invariants after each engine step and collects violations."""

    def __init__(self, sim: Simulation, invariants: Iterable[Invariant] | None = None) -> None:
        # the checks read the engine's own state (daemons, watchdogs, locks): a white-box reader
        harness = self.harness = sim.kernel
        self.invariants = list(INVARIANTS.values() if invariants is None else invariants)
        self.violations: list[Violation] = []
        self.notices: list[Violation] = []  # known gaps of the real stack itself, as they happen
        self._active: dict[str, set] = {inv.name: set() for inv in self.invariants}
        self._noticed: dict[str, set] = {inv.name: set() for inv in self.invariants}
        self._memory: dict[str, dict] = {inv.name: {} for inv in self.invariants}
        self._contexts = [(inv, Context(None, None, harness, self._memory[inv.name])) for inv in self.invariants]
        self.prev: View | None = None
        self.ghosts: set[tuple[str, str]] = set()
        self._seen = 0
        self.observe(None)

    def observe(self, stepped: str | None) -> list[Violation]:
        """Check the simulation as it is now, after the steps of node `stepped` (None:
        after a loop end); returns the violations that start now.

        Nothing is checked once the simulation ended with an error: the real
        tester stops there too, in the middle of a step (e.g. an LRM that
        regains quorum 61 s after its last watchdog feed touches the expired
        watchdog before the next check, 01 §9.6), and the frozen state proves
        nothing about the stack."""
        if self.harness.error is not None:
            return []
        lines = self.harness.sink.lines
        for line in lines[self._seen :]:
            event = line.event
            if isinstance(event, E.CommandExecuted) and isinstance(event.command, C.ManualMigrate) and self.prev is not None:
                sid, target = event.command.sid, event.command.target
                self.ghosts.update((sid, n) for n in self.prev.running.get(sid, ()) if n != target)
        self._seen = len(lines)
        view = build_view(self.harness, stepped, self.prev, self.ghosts)
        found: list[Violation] = []
        for inv, ctx in self._contexts:
            ctx.view, ctx.prev = view, self.prev
            keys = set()
            active = self._active[inv.name]
            for key, detail in inv.check(ctx):
                keys.add(key)
                if key not in active:
                    found.append(Violation(inv.name, inv.explanation, view.time, detail, len(lines)))
            if keys or active:
                self._active[inv.name] = keys
            if ctx.notices or self._noticed[inv.name]:
                keys = set()
                for key, detail in ctx.notices:
                    keys.add(key)
                    if key not in self._noticed[inv.name]:
                        self.notices.append(Violation(inv.name, inv.explanation, view.time, detail, len(lines)))
                self._noticed[inv.name] = keys
                ctx.notices.clear()
        self.prev = view
        self.violations.extend(found)
        return found


class InvariantMonitor:
    """Watches a `Simulation`; see the module docstring for the API."""

    def __init__(self, sim: Simulation, *, attach: bool = True, invariants: Iterable[Invariant] | None = None) -> None:
        self.sim = sim
        self.checker = Checker(sim, invariants)
        self._reported = 0
        if attach:
            self._attach()

    def _attach(self) -> None:
        # the harness calls its step observers after every step that did something
        self.sim.observe_steps(self.checker.observe)

    def observe(self) -> list[Violation]:
        """Check now (only needed with attach=False: call after each sim.step_node())."""
        harness = self.sim.kernel
        cursor = harness.node_cursor
        return self.checker.observe(harness.order[cursor - 1] if cursor else None)

    def check(self) -> list[Violation]:
        """Violations found since the last call."""
        new = self.checker.violations[self._reported :]
        self._reported = len(self.checker.violations)
        return list(new)

    @property
    def violations(self) -> list[Violation]:
        return list(self.checker.violations)

    @property
    def notices(self) -> list[Violation]:
        """Known gaps of the real stack itself seen so far (not violations: the
        faithful engine shows them because the real stack does them)."""
        return list(self.checker.notices)

    @property
    def ok(self) -> bool:
        return not self.checker.violations
