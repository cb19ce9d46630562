"""Safety and liveness checks over a running simulation (issue 6).

Theory of operation
-------------------
The whole point of HA with watchdog fencing is that a service never runs
twice and is recovered only after its old node is surely gone.  Each
`Invariant` below states one guarantee of the real stack: a name, a one-line
title, a plain-language explanation and a function over the running
simulation.  A `Checker` looks at the simulation after every engine step (one
node's CRM+LRM steps with the watchdog checks that follow, or a loop end),
builds one cheap `View` of what matters (power, quorum, what runs where,
locks, watchdogs, CRM states, the manager status) and runs every check on it
with the previous view at hand.  Checks only read: the engine never knows it
is watched.

The bars are the spec's constants (lock timeout 120 s, watchdog 60 s, 01 §9.5,
§9.6), never the engine's attributes, so that a wrong engine cannot move them.
The known windows of the real stack are part of the guarantees: a node cut
off from the quorate partition keeps running its services until its watchdog
fires (the manager only recovers them after taking the node's agent lock,
which cannot happen before the lock has been unrenewed for 120 s); an old
master keeps its `master` state until its next step but can no longer act.

A violated condition is reported once when it starts (a service running on
two nodes for ten seconds is one violation, not ten); one-off events (a
recovery without fencing, a lock taken over too early, an inconsistent
manager status) are reported when they happen.

One gap of the real stack itself is not a violation but a *notice*: an LRM
restart freezes its node's services and leaves them running while the new
LRM holds neither the agent lock nor a watchdog.  If the node drops out of
the quorate partition just after the new LRM reported itself active, the
manager unfreezes the services, fences the node at once (its lock was
released) and recovers them elsewhere, while the cut-off node - which no
watchdog will reset - still runs them (spec 02 §8.4.8, §9.2, 03 §9.3; it
needs a partition 20-40 s after the restart, which the real tester's command
slots cannot express, but the window can).

A second gap is a notice of `service-recovers`: a master whose own node is
marked `fence` in the manager status ends every round with "master seems
offline" and never fences itself out of that state, so nothing is started or
recovered any more (02 §5 step 5; seen from a manager status that marks the
node that becomes master as fenced).

The invariants
--------------
* ``single-active-service`` — a service never runs on two nodes at once.
* ``recovery-after-fencing`` — a service is moved away from its node only by
  a migration its node performed, or after the manager fenced that node.
* ``watchdog-reset`` — a node that stops feeding its watchdog (it lost
  quorum while holding its agent lock) is reset within 60 s.
* ``single-manager`` — at most one manager acts at a time.
* ``lock-exclusive`` — a cluster lock changes owner only after it was
  released or left unrenewed for more than 120 s.
* ``manager-status-consistent`` — every manager status written is internally
  consistent.
* ``service-recovers`` (liveness) — once faults stop, an enabled service that
  has an online, quorate node it may run on is running again within
  `LIVENESS_BOUND` seconds.

API for the window (and anyone else)
------------------------------------
::

    from hasim.analysis.invariants import InvariantMonitor, INVARIANTS

    monitor = InvariantMonitor(sim)   # sim: hasim.simulation.Simulation
    ...                               # drive sim as usual: advance/step_loop/step_node
    new = monitor.check()             # list[Violation] found since the last call
    monitor.violations                # every Violation so far, in order
    monitor.ok                        # True while nothing was violated
    monitor.notices                   # known gaps of the real stack seen so far (same shape)

`InvariantMonitor(sim)` attaches itself to the simulation's harness, so every
engine step is checked however the simulation is driven (`advance` runs many
steps at once; none is missed).  `check()` is cheap and never changes the
simulation; call it whenever you refresh the view.  Pass ``attach=False`` to
drive it yourself with `observe()` after each `sim.step_node()`.

A `Violation` is an attrs frozen value:

* ``name`` — the invariant's name, e.g. ``"single-active-service"``
  (``INVARIANTS[name].title`` is a one-line title for a status bar);
* ``explanation`` — the invariant's plain-language paragraph (for a tooltip
  or a detail pane);
* ``time`` — virtual time of the step after which it was seen (for the
  timeline);
* ``detail`` — what exactly happened, e.g. ``"vm:101 runs on node1 and
  node3"``;
* ``log_index`` — number of log lines at detection time; the violation
  belongs right after ``sim.log_lines[log_index - 1]`` in the log view.

A safety indicator reads ``monitor.ok`` (green) or the last violation (red,
its ``name`` and ``detail``); a notice deserves a warning colour: the real
stack does it too.  Violations are never checked after the simulation ended
with an error (the real tester stops in the middle of a step as well).
"""


from hasim.analysis.invariants.checker import Checker, InvariantMonitor, build_view
from hasim.analysis.invariants.checks import INVARIANTS
from hasim.analysis.invariants.model import LIVENESS_BOUND, Invariant, View, Violation

__all__ = [
    "INVARIANTS",
    "LIVENESS_BOUND",
    "Checker",
    "Invariant",
    "InvariantMonitor",
    "View",
    "Violation",
    "build_view",
]
