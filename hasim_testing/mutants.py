"""Deliberately broken engine variants, for testing the invariants.

Each mutant is a context manager that monkeypatches one piece of the engine
for the duration of a `with` block and restores it afterwards; no engine file
is edited.  A mutant names the invariant expected to catch it
(`MUTANTS[name].caught_by`); the mutation tests and ``hasim explore --mutant``
check that the explorer finds a violation of that invariant within a bounded
number of runs.

    with mutant("watchdog-never-fires"):
        result = run_one(spec)          # the engine is broken inside the block

Mutants patch classes (not instances), so they affect every simulation run
inside the block in this process; `hasim.explore` applies them again inside
each worker process.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import attrs

from hasim.engine.env import Env
from hasim.engine.ha import service_fsm
from hasim.engine.ha.manager import Manager
from hasim.engine.ha.node_status import NodeStatus
from hasim.engine.world.cluster import World


@attrs.frozen
class Mutant:
    name: str
    caught_by: str  # the invariant that must catch it
    description: str
    patch: Callable[[], contextlib.AbstractContextManager]


@contextlib.contextmanager
def _patched(owner, attr: str, value) -> Iterator[None]:
    had = attr in vars(owner)
    old = vars(owner).get(attr)
    setattr(owner, attr, value)
    try:
        yield
    finally:
        if had:
            setattr(owner, attr, old)
        else:
            delattr(owner, attr)


def _fence_without_lock():
    """Fencing 'succeeds' at once, without taking the node's agent lock."""

    def fence(self: NodeStatus, node: str) -> bool:
        env = self.env
        if self.get(node) != "fence":
            self.set(node, "fence")
            env.send_notification("FENCE", f"Try to fence node '{node}'")
        msg = f"fencing: acknowledged - got agent lock for node '{node}'"
        env.log("info", msg)
        self.set(node, "unknown")
        env.send_notification("SUCCEED", msg)
        return True

    return _patched(NodeStatus, "fence", fence)


def _watchdog_never_fires():
    """The hardware never resets a node whose watchdog expired."""

    def watchdog_check(self: World, node: str) -> bool:
        return True

    return _patched(World, "watchdog_check", watchdog_check)


def _two_masters():
    """Every CRM that asks for the manager lock is told it got it."""
    original = Env.get_ha_manager_lock

    def get_ha_manager_lock(self: Env) -> bool:
        original(self)
        return True

    return _patched(Env, "get_ha_manager_lock", get_ha_manager_lock)


def _short_lock_timeout():
    """Cluster locks expire after 30 s instead of 120 s: shorter than the watchdog."""
    return _patched(World, "lock_timeout", 30)


def _no_recovery():
    """The recovery state never finds a node: fenced services stay down."""

    def recovery(m, sid, cd, sd, lrm_res) -> None:
        return None

    @contextlib.contextmanager
    def patch() -> Iterator[None]:
        old = service_fsm.HANDLERS["recovery"]
        service_fsm.HANDLERS["recovery"] = recovery
        try:
            yield
        finally:
            service_fsm.HANDLERS["recovery"] = old

    return patch()


def _stale_keys():
    """State changes keep the previous state's keys (target, running, timeout)."""
    original = Manager.change_service_state

    def change_service_state(self: Manager, sid: str, new_state: str, **params) -> None:
        old = dict(self.ss[sid])
        original(self, sid, new_state, **params)
        for key in ("target", "running", "timeout"):
            if key in old and key not in self.ss[sid]:
                self.ss[sid][key] = old[key]

    return _patched(Manager, "change_service_state", change_service_state)


MUTANTS: dict[str, Mutant] = {
    m.name: m
    for m in (
        Mutant("recovery-without-fencing", "recovery-after-fencing",
               "NodeStatus.fence acknowledges without taking the agent lock", _fence_without_lock),
        Mutant("watchdog-never-fires", "watchdog-reset",
               "World.watchdog_check never reports an expired watchdog", _watchdog_never_fires),
        Mutant("two-masters", "single-manager",
               "the manager lock is always granted", _two_masters),
        Mutant("short-lock-timeout", "lock-exclusive",
               "locks expire after 30 s, before the 60 s watchdog fires", _short_lock_timeout),
        Mutant("no-recovery", "service-recovers",
               "fenced services are never recovered", _no_recovery),
        Mutant("stale-keys", "manager-status-consistent",
               "service state changes keep stale keys", _stale_keys),
    )
}  # fmt: skip


@contextlib.contextmanager
def mutant(name: str | None) -> Iterator[Mutant | None]:
    """Apply the named mutant for the block (None: the faithful engine)."""
    if name is None:
        yield None
        return
    try:
        m = MUTANTS[name]
    except KeyError:
        raise ValueError(f"unknown mutant '{name}' (known: {', '.join(MUTANTS)})") from None
    with m.patch():
        yield m


__all__ = ["MUTANTS", "Mutant", "mutant"]
