"""Choosing the best balancing migration (spec 02 §15 steps 4–5).

The manager decides *when* to rebalance (hold counter, threshold) and builds
the candidates from the rules: every stationary bundle (a leader and its
co-located positive partners) with every node it may go to. This module only
scores them, like the crate's "score best balancing migration" call:

* the *expected imbalance* of a candidate is the imbalance after moving the
  bundle's summed stats from its source to its target node, truncated to 15
  decimals (`topsis.truncate15`);
* ``bruteforce`` picks the smallest expected imbalance, ties broken by
  (leader, source, target) as strings;
* ``topsis`` ranks the post-migration situations with TOPSIS (§13.6) and
  picks the highest score, the earlier candidate on ties; the reported value
  is still that candidate's truncated expected imbalance.

If any candidate's bundle is not fully accounted (a `started` service on a
node that is not online), the whole call is refused with the spec's warning,
as upstream does (27 generated scenarios depend on it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from hasim.values import Value

from hasim.engine.ha.scheduler.topsis import (
    NodeStats,
    SchedulerError,
    alternative,
    imbalance,
    score_alternatives,
    truncate15,
)
from hasim.engine.ha.scheduler.usage import LogFn, Usage

METHODS = ("bruteforce", "topsis")


class Candidate(Value):
    """Move the bundle led by `leader` (members sorted, leader included) from source to target."""

    leader: str
    members: tuple[str, ...]
    source: str
    target: str


def _after_migration(nodes: Sequence[NodeStats], source: str, target: str, cpu: float, mem: float) -> list[NodeStats]:
    """Node stats once the bundle left `source` (not below 0) and arrived on `target`."""
    result = []
    for node in nodes:
        if node.name == source:
            node = node.shifted(-cpu, -mem)
        if node.name == target:
            node = node.shifted(cpu, mem)
        result.append(node)
    return result


def _sort_key(value: float) -> float:
    """NaN never wins (it would compare unordered)."""
    return math.inf if math.isnan(value) else value


def select_best_balancing_migration(
    usage: Usage, candidates: Sequence[Candidate], method: str, log: LogFn
) -> tuple[Candidate, float] | None:
    """The best candidate and its truncated expected imbalance, or None.

    `method` other than ``topsis`` means ``bruteforce`` (its default). Basic
    accounting never proposes a migration.
    """
    if usage.mode == "basic" or not candidates:
        return None
    for candidate in candidates:
        members = (candidate.leader, *candidate.members)
        if not all(usage.contains_service(sid) for sid in members):
            log(
                "warn",
                "unable to score best balancing migration - "
                f"leader '{candidate.leader}' is not present in the cluster usage",
            )
            return None
    try:
        nodes = usage.balancing_node_stats()
        situations = []
        expected = []
        for candidate in candidates:
            cpu, mem = 0.0, 0
            for sid in candidate.members or (candidate.leader,):
                stats = usage.service_stats(sid)
                if stats is None:
                    raise SchedulerError(f"no usage information for '{sid}'")
                cpu += stats["cpu"]
                mem += stats["mem"]
            after = _after_migration(nodes, candidate.source, candidate.target, cpu, mem)
            situations.append(after)
            expected.append(truncate15(imbalance(after)))
        if method == "topsis":
            scores = score_alternatives([alternative(after) for after in situations])
            best = 0
            for index, score in enumerate(scores):
                if score > scores[best]:  # strictly: the earlier candidate keeps a tie
                    best = index
        else:
            best = min(
                range(len(candidates)),
                key=lambda i: (
                    _sort_key(expected[i]),
                    candidates[i].leader,
                    candidates[i].source,
                    candidates[i].target,
                ),
            )
    except SchedulerError as err:
        log("warning", f"unable to score best balancing migration - {err}")
        return None
    return candidates[best], expected[best]


def should_migrate(current: float, expected: float, margin: float) -> bool:
    """Whether the expected improvement is worth a migration (§15 step 5).

    Migrate unless (I − I') / I < margin, where I is the current imbalance
    and I' the candidate's truncated expected imbalance. A zero current
    imbalance never migrates (it cannot exceed a sane threshold anyway).
    """
    if current == 0 or math.isnan(current) or math.isnan(expected):
        return False
    return not (current - expected) / current < margin
