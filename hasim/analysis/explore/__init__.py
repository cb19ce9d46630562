"""`hasim explore`: seeded random fault schedules, every run checked.

    hasim explore --seed S --runs N [--nodes K] [--services M] [--duration T]
                  [--jobs J] [--out DIR] [--mutant NAME]

Theory of operation
-------------------
Run *i* of seed *S* draws everything from its own ``random.Random`` seeded
with ``"hasim-explore:S:i"``: a cluster of 3–5 nodes (``--nodes``) with 3–8
services (``--services``: `vm:`, `ct:` and failure-injecting `fa:` ones, some
with node-affinity rules, a random shutdown policy and CRS mode), and then,
as the run goes, its fault schedule.  The schedule is written in the real
tester's own grammar and timing: batches of commands applied at command
slots, spaced with ``delay`` (spec 01 §6.5).  At each slot the `Planner`
looks at the cluster (which nodes are up, cut off, shutting down, …) and
picks 1–3 faults — power off/on, network off/on, partitions (network off on
a subset), reboot, shutdown, node maintenance on/off, migrate, relocate,
LRM restart, cfs ``rw``/``update`` failures and repairs, requested-state
changes and stop commands — never a combination the real tester cannot
simulate.  After ``--duration`` seconds of faults it heals the cluster
(power, network, cfs, maintenance) and leaves it quiet long enough for the
liveness check.  The invariants of `hasim.analysis.invariants` are checked after every
node step and loop end.

The schedule a run applied is a plain command list, so a failing run is
replayed statically: the shrinker removes commands and services (delta
debugging) while the same invariant still fails, and the smallest failing
schedule is saved as a scenario directory (``hardware_status``,
``service_config``, ``manager_status``, ``cmdlist``, optional
``datacenter.cfg``/``rules_config``, and a README) that ``hasim run``
replays.  Same seed, same schedules, same verdicts, in any process; with
``--jobs J`` runs are spread over J processes and merged in run order.

The last line of the summary reads ``N runs, V violations``, where V counts
the runs that violated at least one invariant.  Exit status: 0 no violation,
1 violations found, 2 bad arguments.

``--mutant NAME`` runs a deliberately broken engine (`hasim_testing.mutants`) to see
the invariants catch it.
"""

