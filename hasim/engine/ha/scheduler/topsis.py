"""The arithmetic of the real stack's resource scheduler (spec 02 §13.6, §15).

Theory of operation
-------------------
The real HA manager delegates its load arithmetic to the Rust crate
``proxmox-resource-scheduling`` (2.0.0 for the expected logs). Everything in
this module mirrors that crate, step by step and in IEEE-754 doubles, because
the logs print its results and its ties decide which node wins:

* A cluster situation is a list of `NodeStats`, always in ascending node name
  order (upstream iterates a hash; bit-exact ties between non-symmetric
  situations are not reproducible, see spec 02 §21).
* `alternative` condenses one situation into the four TOPSIS criteria
  (average/highest CPU and memory load, each damped by ``1 +``).
* `score_alternatives` ranks several situations with TOPSIS: higher is better,
  0..1.
* `imbalance` is the raw coefficient of variation of the node loads — crate
  2.0.0 behaviour, *not* the sqrt(n-1)-normalised value of 2.1.0 (quirk 13).
* `truncate15` cuts an expected imbalance to 15 decimals before candidates are
  compared, which turns last-bit differences into ties (spec 02 §15).

Division by zero follows IEEE (inf/NaN) instead of raising, like the Rust
code; TOPSIS then refuses the non-finite matrix with the crate's message, and
the callers turn that into the spec's log lines. Pure functions only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from hasim.values import Value

# (name, weight) of the four criteria, all to be minimised (spec 02 §13.6).
CRITERIA: tuple[tuple[str, float], ...] = (
    ("average CPU", 1.0),
    ("highest CPU", 2.0),
    ("average memory", 5.0),
    ("highest memory", 10.0),
)

Alternative = tuple[float, float, float, float]


class SchedulerError(Exception):
    """An error of the scheduling library; ``str()`` is the reason the log shows."""


class NodeStats(Value):
    """Load and capacity of one node: cpu in cores, mem in bytes."""

    name: str
    cpu: float
    maxcpu: float
    mem: float
    maxmem: float

    def add(self, cpu: float, mem: float) -> NodeStats:
        """Account a service's maximum on this node.

        A service with ``maxcpu`` 0 has no CPU limit, so it may use the whole
        node: the crate adds the node's ``maxcpu`` instead (spec 02 §13.4).
        """
        return self.replace(
            cpu=self.cpu + (self.maxcpu if cpu == 0 else cpu), mem=self.mem + mem
        )

    def shifted(self, cpu: float, mem: float) -> NodeStats:
        """Add (or, negative, remove) measured usage, never going below zero."""
        return self.replace(cpu=max(self.cpu + cpu, 0.0), mem=max(self.mem + mem, 0))


def ratio(a: float, b: float) -> float:
    """``a / b`` with IEEE semantics for ``b == 0`` (inf or NaN, never an exception)."""
    if b == 0:
        return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
    return float(a) / float(b)


def fmax(a: float, b: float) -> float:
    """Rust's ``f64::max``: a NaN operand is ignored."""
    if math.isnan(a):
        return b
    if math.isnan(b):
        return a
    return a if a >= b else b


def l2_norm(values: Iterable[float]) -> float:
    """sqrt of the sum of squares, summed left to right like the crate's fold."""
    total = 0.0
    for value in values:
        total += value * value
    return math.sqrt(total)


def cpu_load(node: NodeStats) -> float:
    return ratio(node.cpu, node.maxcpu)


def mem_load(node: NodeStats) -> float:
    return ratio(float(node.mem), float(node.maxmem))


def alternative(nodes: Sequence[NodeStats]) -> Alternative:
    """The four criteria of one cluster situation (spec 02 §13.6).

    average = 1 + sqrt(mean of load²), highest = 1 + max load (starting at 0),
    for CPU and memory. The "+1" keeps tiny loads from looking hugely different.
    """
    highest_cpu = squares_cpu = highest_mem = squares_mem = 0.0
    for node in nodes:
        c = cpu_load(node)
        highest_cpu = fmax(highest_cpu, c)
        squares_cpu += c * c
        m = mem_load(node)
        highest_mem = fmax(highest_mem, m)
        squares_mem += m * m
    count = float(len(nodes))
    return (
        1.0 + math.sqrt(ratio(squares_cpu, count)),
        1.0 + highest_cpu,
        1.0 + math.sqrt(ratio(squares_mem, count)),
        1.0 + highest_mem,
    )


def start_alternatives(nodes: Sequence[NodeStats], cpu: float, mem: float) -> list[Alternative]:
    """One alternative per node N: "the service (cpu, mem maxima) started on N"."""
    result = []
    for index in range(len(nodes)):
        situation = [n.add(cpu, mem) if i == index else n for i, n in enumerate(nodes)]
        result.append(alternative(situation))
    return result


def weights() -> tuple[float, ...]:
    """Criteria weights normalised by their sum: 1/18, 2/18, 5/18, 10/18."""
    divisor = 0.0
    for _, weight in CRITERIA:
        divisor += abs(weight)
    return tuple(weight / divisor for _, weight in CRITERIA)


def _format_f64(value: float) -> str:
    """Rust's Display of a non-finite f64."""
    if math.isnan(value):
        return "NaN"
    return "inf" if value > 0 else "-inf"


def score_alternatives(matrix: Sequence[Sequence[float]]) -> list[float]:
    """TOPSIS relative closeness of each alternative to the ideal (spec 02 §13.6).

    1. every criterion column is divided by its Euclidean norm (a zero column
       stays as it is);
    2. ideal best = column minimum, ideal worst = column maximum (all criteria
       are minimised);
    3. d⁺ = sqrt(Σ (wᵢ·(xᵢ − bestᵢ))²), d⁻ = sqrt(Σ (wᵢ·(xᵢ − worstᵢ))²);
    4. score = d⁻ / (d⁺ + d⁻), or 0 when both are 0 (all alternatives equal).

    Raises `SchedulerError` for a non-finite value, as the crate does.
    """
    for row in matrix:
        for value in row:
            if not math.isfinite(value):
                raise SchedulerError(f"matrix contains non-finite value {_format_f64(value)}")
    if not matrix:
        return []
    w = weights()
    columns = range(len(w))
    normalised = [list(row) for row in matrix]
    for n in columns:
        divisor = l2_norm(row[n] for row in normalised)
        if divisor != 0.0:
            for row in normalised:
                row[n] /= divisor
    best = [min(row[n] for row in normalised) for n in columns]
    worst = [max(row[n] for row in normalised) for n in columns]
    scores = []
    for row in normalised:
        to_best = l2_norm((row[n] - best[n]) * w[n] for n in columns)
        to_worst = l2_norm((row[n] - worst[n]) * w[n] for n in columns)
        divisor = to_worst + to_best
        scores.append(0.0 if divisor == 0.0 else to_worst / divisor)
    return scores


def node_load(node: NodeStats) -> float:
    """Load of one node for the imbalance: mean of its CPU and memory load."""
    return (cpu_load(node) + mem_load(node)) / 2.0


def imbalance(nodes: Sequence[NodeStats]) -> float:
    """Coefficient of variation of the node loads, crate 2.0.0 (quirk 13).

    population standard deviation / mean; 0 without nodes or without load.
    Example: loads (1/3, 0, 0) give sqrt(2) = 1.41 (test-crs-dynamic-auto-rebalance2).
    """
    loads = [node_load(node) for node in nodes]
    total = 0.0
    for load in loads:
        total += load
    if not loads or total == 0.0:
        return 0.0
    count = float(len(loads))
    mean = total / count
    squares = 0.0
    for load in loads:
        squares += (load - mean) * (load - mean)
    return ratio(math.sqrt(squares / count), mean)


def truncate15(value: float) -> float:
    """Cut toward zero to 15 decimal places: trunc(x·10¹⁵)/10¹⁵ (spec 02 §15)."""
    scaled = value * 1e15
    if not math.isfinite(scaled):
        return value
    return float(math.trunc(scaled)) / 1e15
