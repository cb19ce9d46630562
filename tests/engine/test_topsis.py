"""The scheduler arithmetic (spec 02 §13.6, §15), checked against hand computations."""

from __future__ import annotations

import math

import pytest

from hasim.engine.ha.scheduler.topsis import (
    NodeStats,
    SchedulerError,
    alternative,
    imbalance,
    node_load,
    score_alternatives,
    start_alternatives,
    truncate15,
    weights,
)

GiB = 1024**3


def node(name, cpu=0.0, maxcpu=24, mem=0, maxmem=32 * GiB):
    return NodeStats(name=name, cpu=cpu, maxcpu=maxcpu, mem=mem, maxmem=maxmem)


# -- weights and alternatives -------------------------------------------------


def test_weights_are_normalised_by_their_sum():
    # 1 + 2 + 5 + 10 = 18
    assert weights() == (1 / 18, 2 / 18, 5 / 18, 10 / 18)


def test_alternative_criteria():
    # node A: cpu 2/4 = 0.5, mem 50/100 = 0.5; node B: empty.
    # average cpu = 1 + sqrt((0.5² + 0²) / 2) = 1 + sqrt(0.125)
    # highest cpu = 1 + 0.5; memory identical.
    a = node("a", cpu=2.0, maxcpu=4, mem=50, maxmem=100)
    b = node("b", maxcpu=4, maxmem=100)
    assert alternative([a, b]) == (1 + math.sqrt(0.125), 1.5, 1 + math.sqrt(0.125), 1.5)


def test_alternative_of_an_idle_cluster_is_all_ones():
    # all loads 0: 1 + sqrt(0) and 1 + max(0, 0)
    assert alternative([node("a"), node("b")]) == (1.0, 1.0, 1.0, 1.0)


def test_start_alternatives_add_the_service_to_one_node_each():
    # service 2 cores / 8 GiB on two 24-core / 32-GiB empty nodes:
    # "on node a": loads cpu (1/12, 0), mem (1/4, 0) — "on node b" mirrored,
    # so both alternatives are bit-identical.
    first, second = start_alternatives([node("a"), node("b")], 2.0, 8 * GiB)
    assert first == second
    assert first[1] == 1 + 2 / 24
    assert first[3] == 1 + 0.25


def test_zero_maxcpu_service_takes_the_whole_node():
    # maxcpu 0 means "no limit": the node's maxcpu (24) is added, load 24/24 = 1
    (alt,) = start_alternatives([node("a")], 0.0, 0)
    assert alt[1] == 2.0


# -- TOPSIS --------------------------------------------------------------------


def test_topsis_equidistant_alternative_scores_one_half():
    # every column (1, 2, 3): norm sqrt(14), values k/sqrt(14);
    # best = 1/sqrt(14), worst = 3/sqrt(14).
    # alternative 1: d⁺ = 0 -> score 1; alternative 3: d⁻ = 0 -> score 0;
    # alternative 2: d⁺ = d⁻ = sqrt(Σ wᵢ²)/sqrt(14) -> score 1/2.
    matrix = [[1.0] * 4, [2.0] * 4, [3.0] * 4]
    scores = score_alternatives(matrix)
    assert scores[0] == 1.0
    assert scores[2] == 0.0
    assert scores[1] == pytest.approx(0.5, abs=1e-15)


def test_topsis_weights_decide_between_criteria():
    # A = (1, 2, 1, 1), B = (2, 1, 1, 1).
    # columns 1, 2: norm sqrt(5); columns 3, 4: equal values -> best = worst.
    # A: d⁺ = w₂·(1/√5), d⁻ = w₁·(1/√5) -> score w₁/(w₁+w₂) = 1/3
    # B: d⁺ = w₁·(1/√5), d⁻ = w₂·(1/√5) -> score w₂/(w₁+w₂) = 2/3
    # (a high peak CPU weighs twice the average CPU)
    a, b = score_alternatives([[1.0, 2.0, 1.0, 1.0], [2.0, 1.0, 1.0, 1.0]])
    assert a == pytest.approx(1 / 3, abs=1e-15)
    assert b == pytest.approx(2 / 3, abs=1e-15)


def test_topsis_identical_alternatives_score_zero():
    # d⁺ = d⁻ = 0 -> the crate returns 0 instead of dividing by zero
    assert score_alternatives([[1.5, 1.5, 1.2, 1.2]] * 3) == [0.0, 0.0, 0.0]


def test_topsis_leaves_a_zero_column_alone():
    # column 1 is all zero (norm 0, kept); the rest as in the 1/2/3 case
    # with two rows: A best everywhere -> 1, B worst -> 0
    assert score_alternatives([[0.0, 1.0, 1.0, 1.0], [0.0, 2.0, 2.0, 2.0]]) == [1.0, 0.0]


def test_topsis_rejects_non_finite_values():
    with pytest.raises(SchedulerError, match="matrix contains non-finite value inf"):
        score_alternatives([[math.inf, 1.0, 1.0, 1.0]])
    with pytest.raises(SchedulerError, match="matrix contains non-finite value NaN"):
        score_alternatives([[math.nan, 1.0, 1.0, 1.0]])


def test_topsis_of_nothing_is_nothing():
    assert score_alternatives([]) == []


def test_symmetric_start_prefers_no_node():
    # three equal empty nodes: all "start on N" alternatives are identical
    # -> score 0 for each, the caller's name order decides (spec 02 §13.6).
    nodes = [node("node1"), node("node2"), node("node3")]
    assert score_alternatives(start_alternatives(nodes, 1.0, GiB)) == [0.0, 0.0, 0.0]


def test_start_prefers_the_bigger_node():
    # test-crs-static3: node2 64 cores / 200 GB, node3 32 / 100 GB, empty.
    # service 2 cores / 4 GB: on node2 loads (1/32, 0.02), on node3 (1/16, 0.04):
    # node2 is better in every criterion -> score 1, node3 score 0.
    nodes = [node("node2", maxcpu=64, maxmem=200 * 10**9), node("node3", maxcpu=32, maxmem=100 * 10**9)]
    assert score_alternatives(start_alternatives(nodes, 2.0, 4 * 10**9)) == [1.0, 0.0]


# -- imbalance -----------------------------------------------------------------


def test_node_load_is_the_mean_of_cpu_and_memory_load():
    # cpu 4/24 = 1/6, mem 16/32 GiB = 1/2 -> (1/6 + 1/2) / 2 = 1/3
    assert node_load(node("a", cpu=4.0, mem=16 * GiB)) == pytest.approx(1 / 3, abs=1e-15)


def test_imbalance_is_the_raw_coefficient_of_variation():
    # test-crs-dynamic-auto-rebalance2: loads (1/3, 0, 0)
    # mean 1/9; variance ((2/9)² + 2·(1/9)²)/3 = 2/81; sd √2/9; CV = √2 = 1.41
    # (crate 2.1.0 would divide by sqrt(n-1) and print 1.00)
    nodes = [node("node1", cpu=4.0, mem=16 * GiB), node("node2"), node("node3")]
    assert imbalance(nodes) == pytest.approx(math.sqrt(2), abs=1e-15)
    assert f"{imbalance(nodes):.2f}" == "1.41"


def test_imbalance_after_first_rebalance2_migration():
    # one VM (1 core, 4 GiB) moved to node2: loads (1/4, 1/12, 0), mean 1/9
    # squared deviations (5/36)², (1/36)², (4/36)² -> sum 42/1296, /3 = 14/1296
    # sd = √14/36, CV = √14/36 · 9 = √14/4 = 0.935
    nodes = [node("node1", cpu=3.0, mem=12 * GiB), node("node2", cpu=1.0, mem=4 * GiB), node("node3")]
    assert imbalance(nodes) == pytest.approx(math.sqrt(14) / 4, abs=1e-15)


def test_imbalance_without_nodes_or_load_is_zero():
    assert imbalance([]) == 0.0
    assert imbalance([node("a"), node("b")]) == 0.0


def test_imbalance_of_equal_loads_is_zero():
    assert imbalance([node("a", cpu=2.0, mem=GiB), node("b", cpu=2.0, mem=GiB)]) == 0.0


def test_node_order_changes_the_last_bit():
    # test-crs-dynamic-constrained-auto-rebalance3, round 60: four VMs
    # (cpu 0.9 + 7.9 + 4.7 + 4.0 = 17.5, 20749221888 bytes) on node1 of three
    # 24-core / 48-GiB nodes; moving vm:102 (7.9, 8 GiB) to node2 or node3 is
    # the same situation, but the sums run in a different node order:
    maxmem = 51539607552
    cpu, mem = ((0.9 + 7.9) + 4.7) + 4.0, 20749221888
    rest = node("node1", cpu=cpu - 7.9, mem=mem - 8 * GiB, maxmem=maxmem)
    moved = dict(cpu=7.9, mem=8 * GiB, maxmem=maxmem)
    to_node2 = imbalance([rest, node("node2", **moved), node("node3", maxmem=maxmem)])
    to_node3 = imbalance([rest, node("node2", maxmem=maxmem), node("node3", **moved)])
    assert to_node2 == 0.7231749488916931
    assert to_node3 == 0.723174948891693
    # ... which the 15-decimal truncation turns into a tie (spec 02 §15)
    assert truncate15(to_node2) == truncate15(to_node3) == 0.723174948891693


def test_truncate15_cuts_toward_zero():
    # 0.1234567890123456789 -> 0.123456789012345 (never rounds up)
    assert truncate15(0.1234567890123459) == 0.123456789012345
    assert truncate15(1.4142135623730951) == 1.414213562373095
    assert truncate15(0.0) == 0.0
    assert math.isnan(truncate15(math.nan))
