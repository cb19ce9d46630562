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

from collections.abc import Sequence

from hasim.analysis.explain.context import Context
from hasim.analysis.explain.node import NodeExplainer
from hasim.analysis.explain.service import ServiceExplainer
from hasim.log import LogLine

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.simulation import Simulation
    from hasim.snapshot import Snapshot


def explain_node(sim: Simulation | Snapshot, node: str, *, log_lines: Sequence[LogLine] | None = None) -> str:
    """Plain-language explanation of `node`: its state, what the HA stack is
    waiting for, and what comes next."""
    ctx = Context.build(sim, log_lines)
    return NodeExplainer(ctx, node).text()


def explain_service(sim: Simulation | Snapshot, sid: str, *, log_lines: Sequence[LogLine] | None = None) -> str:
    """Plain-language explanation of the HA resource `sid`."""
    ctx = Context.build(sim, log_lines)
    return ServiceExplainer(ctx, sid).text()
