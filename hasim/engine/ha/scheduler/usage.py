"""Usage accounting: how loaded each online node is (spec 02 §13).

Theory of operation
-------------------
Every manager round builds a fresh `Usage` over the online nodes
(`create_usage`), adds every service-status entry and every non-HA service,
and keeps it up to date on each state change (remove + add). Node selection
asks it for start scores, automatic rebalancing for the imbalance and for
candidate migrations (`balancing.py`).

A service is *placed* (`hasim.engine.ha.placement`) on a current and/or a target
node; only placed services are accounted. Three accountings exist:

* `BasicUsage` — a node's score is the number of services placed on it.
* `StaticUsage` — each placed service counts with its configured maxima
  (`maxcpu`, `maxmem`) on every node it is placed on, moving or not, running
  or not; start scores and migrations are ranked by TOPSIS.
* `DynamicUsage` — the environment measures the running services' actual
  `cpu`/`mem` per node; services placed but not yet running are added at
  their maxima for start scoring only (quirk 14).

Node stats are recomputed from the placed services (in sid order) whenever
they are needed instead of being updated incrementally, so removing a service
never leaves floating-point residue behind.

Every failure becomes the spec's log line (§13.7); nothing here raises, except
a dynamic start-scoring error, which aborts the manager round upstream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from hasim.values import Value

from hasim.engine.ha.placement import placement
from hasim.engine.ha.scheduler.topsis import (
    NodeStats,
    SchedulerError,
    imbalance,
    score_alternatives,
    start_alternatives,
)

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Protocol

    class StatsSource(Protocol):
        """What the environment provides (spec 01 §9.8)."""

        def static_node_stats(self) -> dict[str, dict]: ...

        def dynamic_node_stats(self) -> dict[str, dict]: ...

        def static_service_stats(self) -> dict[str, dict]: ...

        def dynamic_service_stats(self) -> dict[str, dict]: ...

        def basic_service_stats(self) -> dict[str, dict]: ...

LogFn = Callable[[str, str], None]

MODES = ("basic", "static", "dynamic")


class UsageInitError(Exception):
    """Building a static/dynamic accounting failed; ``str()`` is the reason."""


class Placed(Value):
    """Where an accounted service sits and whether it already runs (§13.1)."""

    current: str | None
    target: str | None
    running: bool

    def nodes(self) -> tuple[str, ...]:
        """The distinct nodes the service is accounted on, current first."""
        result = tuple(node for node in (self.current, self.target) if node is not None)
        return result[:1] if len(result) == 2 and result[0] == result[1] else result


class ServiceLimits(Value):
    """A service's validated usage record: maxima, plus measurements in dynamic mode."""

    maxcpu: float
    maxmem: float
    cpu: float = 0.0
    mem: float = 0.0


def perl_true(value: Any) -> bool:
    """Perl truthiness of a scalar from a stats file (None, 0, "", "0" are false)."""
    return value is not None and value != 0 and value != "" and value != "0"


def to_number(value: Any) -> float | int:
    """A JSON number (or numeric string) as Python number; anything else is 0 like Perl."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float)):
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0


def _field(usage: Mapping, name: str) -> float | int:
    """One required field of a usage record, as the crate's deserialiser sees it."""
    if usage.get(name) is None:
        raise SchedulerError(f"error: missing field `{name}`")
    return to_number(usage[name])


class Usage:
    """Basic accounting and the interface shared by all modes.

    `mode` is the accounting actually in use, `configured_mode` the one asked
    for (they differ after a fallback). `service_records` is the environment's
    service statistics of this round (sid -> {node, state, running, usage}):
    the manager adds the non-HA entries from it (`add_non_ha_services`).
    """

    mode = "basic"

    def __init__(
        self,
        nodes: list[str],
        service_records: Mapping[str, dict],
        log: LogFn,
        configured_mode: str | None = None,
    ) -> None:
        self.nodes: tuple[str, ...] = tuple(sorted(nodes))
        self.service_records: dict[str, dict] = dict(service_records)
        self.configured_mode = configured_mode if configured_mode is not None else self.mode
        self._log = log
        self._placed: dict[str, Placed] = {}
        # services placed per node, kept with every add/remove: basic start
        # scores are asked for once per service to place, and counting all
        # placed services each time made a failover of 30 of 1000 services
        # cost 30 000 visits (integer counts leave no residue behind)
        self._counts: dict[str, int] = dict.fromkeys(self.nodes, 0)

    # -- membership -----------------------------------------------------

    def contains_node(self, node: str) -> bool:
        return node in self.nodes

    def contains_service(self, sid: str) -> bool:
        """Whether the service is accounted on at least one node."""
        return sid in self._placed

    def placed(self, sid: str) -> Placed | None:
        return self._placed.get(sid)

    # -- updates --------------------------------------------------------

    def add_service(
        self, sid: str, state: str, node: str | None, target: str | None, running: Any
    ) -> None:
        """Account one status entry (or non-HA entry) where it is placed (§13.1).

        It is *running* if it is `started` with the running flag, or in any
        other state with a current node. A service placed nowhere is not
        accounted; one whose stats are unusable is logged and left out.
        """
        self.remove_service(sid)
        entry = {"state": state, "node": node, "target": target}
        current, tgt = placement(entry, self.nodes)
        if current is None and tgt is None:
            return
        is_running = bool(running) if state == "started" else current is not None
        try:
            self._check_service(sid)
        except SchedulerError as err:
            self._log("warning", f"unable to add service '{sid}' - {err}")
            return
        placed = self._placed[sid] = Placed(current, tgt, is_running)
        counts = self._counts
        for n in placed.nodes():
            counts[n] += 1

    def add_non_ha_services(self, status_sids: Mapping[str, Any] | set[str]) -> None:
        """Add every service of the statistics that has no status entry (§13.1).

        In the simulator these come from the service configuration: state =
        configured state, running = configured state is `started`.
        """
        for sid in sorted(self.service_records):
            if sid in status_sids:
                continue
            record = self.service_records[sid]
            self.add_service(sid, record.get("state"), record.get("node"), None, record.get("running"))

    def remove_service(self, sid: str) -> None:
        """Forget a service's usage; removing an unaccounted service is silent."""
        placed = self._placed.pop(sid, None)
        if placed is not None:
            counts = self._counts
            for n in placed.nodes():
                counts[n] -= 1

    # -- queries --------------------------------------------------------

    def score_nodes_to_start_service(self, sid: str) -> dict[str, float]:
        """Start score per usage node, lower is better (§13.3).

        Basic: the number of services placed on the node, the service itself
        included (quirk 12).
        """
        return {node: float(count) for node, count in self._counts.items()}

    def imbalance(self) -> float:
        """Basic accounting never sees an imbalance."""
        return 0.0

    def service_stats(self, sid: str) -> dict | None:
        """Resource stats of a service for balancing bundles; none in basic mode."""
        return None

    def balancing_node_stats(self) -> list[NodeStats]:
        """Node stats that imbalance and candidate migrations start from."""
        return []

    # -- mode hooks -----------------------------------------------------

    def _check_service(self, sid: str) -> None:
        """Raise `SchedulerError` if the service cannot be accounted."""


class _ResourceUsage(Usage):
    """What static and dynamic accounting share: node capacities and TOPSIS."""

    # whether the node stats carry measured cpu/mem (dynamic) or start empty (static)
    measured = False

    def __init__(
        self,
        nodes: list[str],
        service_records: Mapping[str, dict],
        node_stats: Mapping[str, Mapping],
        log: LogFn,
        configured_mode: str | None = None,
    ) -> None:
        super().__init__(nodes, service_records, log, configured_mode)
        self._base: dict[str, NodeStats] = {
            node: self._node_from_stats(node, node_stats.get(node)) for node in self.nodes
        }

    def _node_from_stats(self, node: str, stats: Mapping | None) -> NodeStats:
        """Validate one node's stats like the Perl usage module (§13.7)."""
        if not stats:
            raise UsageInitError(f"did not get {self.mode} node usage information for '{node}'")
        if not perl_true(stats.get("maxcpu")):
            raise UsageInitError(f"{self.mode} node usage information for '{node}' missing cpu count")
        if not perl_true(stats.get("maxmem")):
            raise UsageInitError(f"{self.mode} node usage information for '{node}' missing memory")
        return NodeStats(
            name=node,
            cpu=float(to_number(stats.get("cpu") or 0)) if self.measured else 0.0,
            maxcpu=int(to_number(stats["maxcpu"])),
            mem=to_number(stats.get("mem") or 0) if self.measured else 0,
            maxmem=int(to_number(stats["maxmem"])),
        )

    def limits(self, sid: str) -> ServiceLimits:
        """The service's validated usage record, or `SchedulerError`."""
        record = self.service_records.get(sid)
        if record is None:
            raise SchedulerError(f"did not get {self.mode} service usage information for '{sid}'")
        return self._limits_from(record.get("usage") or {})

    def _limits_from(self, usage: Mapping) -> ServiceLimits:
        return ServiceLimits(maxcpu=float(_field(usage, "maxcpu")), maxmem=_field(usage, "maxmem"))

    def _check_service(self, sid: str) -> None:
        self.limits(sid)

    def _accounted_stats(self, only_not_running: bool) -> list[NodeStats]:
        """Base node stats plus the maxima of the placed services (sid order)."""
        nodes = dict(self._base)
        for sid in sorted(self._placed):
            placed = self._placed[sid]
            if only_not_running and placed.running:
                continue
            limits = self.limits(sid)
            for node in placed.nodes():
                nodes[node] = nodes[node].add(limits.maxcpu, limits.maxmem)
        return [nodes[node] for node in self.nodes]

    def start_scoring_node_stats(self) -> list[NodeStats]:
        raise NotImplementedError

    def score_nodes_to_start_service(self, sid: str) -> dict[str, float]:
        """Minus the TOPSIS score of "sid started on N" for every node N (§13.4–§13.6)."""
        try:
            limits = self.limits(sid)
            nodes = self.start_scoring_node_stats()
            scores = score_alternatives(start_alternatives(nodes, limits.maxcpu, limits.maxmem))
        except SchedulerError as err:
            self._log(
                "err",
                f"unable to score nodes according to {self.mode} usage for service '{sid}' - {err}",
            )
            return self._scoring_failed(err)
        return {node.name: -score for node, score in zip(nodes, scores)}

    def _scoring_failed(self, err: SchedulerError) -> dict[str, float]:
        return dict.fromkeys(self.nodes, 0.0)

    def imbalance(self) -> float:
        """Coefficient of variation of the node loads (§15); 0 and a warning on error."""
        try:
            return imbalance(self.balancing_node_stats())
        except SchedulerError as err:
            self._log("warning", f"unable to calculate {self.mode} node imbalance - {err}")
            return 0.0


class StaticUsage(_ResourceUsage):
    """Configured maxima of every placed service, on every node it is placed on (§13.4)."""

    mode = "static"

    def start_scoring_node_stats(self) -> list[NodeStats]:
        return self._accounted_stats(only_not_running=False)

    def balancing_node_stats(self) -> list[NodeStats]:
        return self._accounted_stats(only_not_running=False)

    def service_stats(self, sid: str) -> dict | None:
        """A bundle member weighs its maxima: cpu = maxcpu, mem = maxmem."""
        try:
            limits = self.limits(sid)
        except SchedulerError:
            return None
        return {"cpu": limits.maxcpu, "mem": limits.maxmem}


class DynamicUsage(_ResourceUsage):
    """Measured node load plus not-yet-running services at their maxima (§13.5)."""

    mode = "dynamic"
    measured = True

    def _limits_from(self, usage: Mapping) -> ServiceLimits:
        return ServiceLimits(
            maxcpu=float(_field(usage, "maxcpu")),
            maxmem=_field(usage, "maxmem"),
            cpu=float(_field(usage, "cpu")),
            mem=_field(usage, "mem"),
        )

    def start_scoring_node_stats(self) -> list[NodeStats]:
        """Running services are already in the measurement; the others count at max."""
        return self._accounted_stats(only_not_running=True)

    def balancing_node_stats(self) -> list[NodeStats]:
        """The imbalance looks at the measurement only (quirk 14)."""
        return [self._base[node] for node in self.nodes]

    def _scoring_failed(self, err: SchedulerError) -> dict[str, float]:
        """Upstream lets a dynamic scoring error abort the manager round."""
        raise err

    def service_stats(self, sid: str) -> dict | None:
        """A bundle member weighs its measured usage."""
        try:
            limits = self.limits(sid)
        except SchedulerError:
            return None
        return {"cpu": limits.cpu, "mem": limits.mem}


def create_usage(mode: str | None, online_nodes: list[str], stats: StatsSource, log: LogFn) -> Usage:
    """Build this round's accounting for the configured CRS mode (§13.1, §13.7).

    An unknown mode, or a static/dynamic accounting that cannot be built,
    gives basic accounting and the spec's warning (every round).
    """
    nodes = sorted(online_nodes)
    if mode in ("static", "dynamic"):
        try:
            if mode == "static":
                records = stats.static_service_stats()
                usage: Usage = StaticUsage(nodes, records, stats.static_node_stats(), log, mode)
            else:
                records = stats.dynamic_service_stats()
                usage = DynamicUsage(nodes, records, stats.dynamic_node_stats(), log, mode)
            return usage
        except Exception as err:  # stats files are input: any failure falls back
            log("warning", f"fallback to 'basic' scheduler mode, init for '{mode}' failed - {err}")
    elif mode and mode != "basic":
        log("warning", f"got unknown scheduler mode '{mode}', using 'basic'")
    try:
        records = stats.basic_service_stats()
    except Exception:  # noqa: BLE001 - the basic records come from the config cache
        records = {}
    return Usage(nodes, records, log, mode or "basic")
