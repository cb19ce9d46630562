"""The safety checks' vocabulary: a violation, an invariant, the view of the
cluster a check reads, and its context."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any

import attrs


if TYPE_CHECKING:
    pass


# Liveness: how long an eligible service may stay down once the faults stopped.
# Worst case on the faithful engine over 2600 explored runs: 268 s; by
# construction about 120 s (an old manager lock expires) + 120 s (a fenced
# node's agent lock expires) + a few rounds, plus start retries of `fa:` services.
LIVENESS_BOUND = 600


@attrs.frozen
class Violation:
    """One violated guarantee, as shown to a user."""

    name: str
    explanation: str
    time: int
    detail: str
    log_index: int = 0

    def render(self) -> str:
        return f"{self.time:5d} {self.name}: {self.detail}"


@attrs.frozen
class View:
    """What the checks look at after one engine step (read-only; cheap)."""

    time: int
    after_node_step: bool  # the harness has just run its watchdog checks
    nodes: tuple[str, ...]
    power: dict[str, bool]
    online: dict[str, bool]  # member of the quorate partition
    running: dict[str, tuple[str, ...]]  # sid -> powered-on nodes whose agent runs it
    locks: dict[str, tuple[str, int]]  # lock name -> (holder node, last renewal)
    watchdogs: tuple[tuple[str, int], ...]  # (node, last feed), one per open watchdog
    masters: tuple[str, ...]  # nodes whose CRM is in state master
    ms: dict  # the manager status file (do not mutate)
    ms_written: bool  # manager status replaced in this step
    services: dict[str, tuple[str, str, str | None, bool]]  # sid -> (state, node, target, running) from ms
    placement: dict[str, str]  # sid -> configured node (service_config), the node whose agent acts
    stepped: str | None  # the node whose daemons just stepped (None after a loop end)
    conf_obj: dict = attrs.field(repr=False)  # the service_config object placement was read from
    # per node: (service_status object, powered, sids it runs) — reused while unchanged
    node_running: dict = attrs.field(repr=False, factory=dict)


@attrs.frozen
class Invariant:
    name: str
    title: str
    explanation: str
    check: Callable[[Context], Iterable[tuple[Hashable, str]]]


@attrs.define(eq=False)
class Context:
    """What a check function receives: the current and previous view, the
    harness (read only) and a scratch dict private to the check."""

    view: View | None
    prev: View | None
    harness: Any
    memory: dict
    notices: list = attrs.Factory(list)  # (key, detail): the real stack's own known gaps, seen now
