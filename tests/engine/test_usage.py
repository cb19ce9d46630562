"""Usage accounting and balancing migrations (spec 02 §13–§15), with the spec's log lines."""

from __future__ import annotations

import pytest

from hasim.engine.ha.scheduler import (
    Candidate,
    SchedulerError,
    create_usage,
    select_best_balancing_migration,
    should_migrate,
)

GiB = 1024**3
MiB = 1024**2
NODES = ["node1", "node2", "node3"]


class FakeStats:
    """A StatsSource over plain dicts (spec 01 §9.8)."""

    def __init__(self, nodes=None, services=None, placed_on=None, running_on=None, fail=None):
        # nodes: node -> {maxcpu, maxmem}; services: sid -> usage dict
        self.nodes = nodes if nodes is not None else {n: {"maxcpu": 24, "maxmem": 32 * GiB} for n in NODES}
        self.services = services or {}
        self.placed_on = placed_on or {}  # sid -> configured node
        self.running_on = running_on or {}  # sid -> node whose service_status marks it running
        self.fail = fail

    def _records(self, usage):
        return {
            sid: {"node": self.placed_on.get(sid, "node1"), "state": "started", "running": True, "usage": usage(sid)}
            for sid in sorted(self.services)
        }

    def basic_service_stats(self):
        return self._records(lambda sid: {})

    def static_service_stats(self):
        return self._records(lambda sid: {k: v for k, v in self.services[sid].items() if k.startswith("max")})

    def dynamic_service_stats(self):
        if self.fail:
            raise RuntimeError(self.fail)
        return self._records(lambda sid: dict(self.services[sid]))

    def static_node_stats(self):
        return {n: dict(s) for n, s in self.nodes.items()}

    def dynamic_node_stats(self):
        out = {n: {"cpu": 0.0, "mem": 0, **s} for n, s in self.nodes.items()}
        for sid in sorted(self.running_on):
            out[self.running_on[sid]]["cpu"] += self.services[sid]["cpu"]
            out[self.running_on[sid]]["mem"] += self.services[sid]["mem"]
        return out


class Log(list):
    def __call__(self, level, message):
        self.append((level, message))


def best(scores):
    """The manager's choice: lowest score, then name (spec 02 §10 step 9)."""
    return min(scores, key=lambda n: (scores[n], n))


# -- creation and fallbacks ----------------------------------------------------


def test_basic_mode_logs_nothing():
    log = Log()
    usage = create_usage("basic", NODES, FakeStats(), log)
    assert (usage.mode, usage.configured_mode, log) == ("basic", "basic", [])


def test_unknown_mode_warns_and_uses_basic():
    log = Log()
    usage = create_usage("fancy", NODES, FakeStats(), log)
    assert usage.mode == "basic" and usage.configured_mode == "fancy"
    assert log == [("warning", "got unknown scheduler mode 'fancy', using 'basic'")]


def test_static_init_failure_falls_back_to_basic():
    log = Log()
    stats = FakeStats(nodes={"node1": {"maxcpu": 24, "maxmem": GiB}, "node2": {"maxmem": GiB}})
    usage = create_usage("static", ["node1", "node2"], stats, log)
    assert usage.mode == "basic" and usage.configured_mode == "static"
    assert log == [
        (
            "warning",
            "fallback to 'basic' scheduler mode, init for 'static' failed - "
            "static node usage information for 'node2' missing cpu count",
        )
    ]


def test_static_init_missing_memory_and_missing_node():
    log = Log()
    create_usage("static", ["node1"], FakeStats(nodes={"node1": {"maxcpu": 4, "maxmem": None}}), log)
    create_usage("static", ["node1"], FakeStats(nodes={}), log)
    assert [m.split(" - ", 1)[1] for _, m in log] == [
        "static node usage information for 'node1' missing memory",
        "did not get static node usage information for 'node1'",
    ]


def test_dynamic_stats_error_falls_back_to_basic():
    log = Log()
    usage = create_usage("dynamic", NODES, FakeStats(fail="no entry for vm:101"), log)
    assert usage.mode == "basic"
    assert log == [
        ("warning", "fallback to 'basic' scheduler mode, init for 'dynamic' failed - no entry for vm:101")
    ]


# -- basic ---------------------------------------------------------------------


def test_basic_scores_count_services_on_current_and_target():
    log = Log()
    usage = create_usage("basic", NODES, FakeStats(), log)
    usage.add_service("vm:101", "started", "node1", None, True)
    usage.add_service("vm:102", "migrate", "node1", "node2", False)  # counts on both
    usage.add_service("vm:103", "stopped", "node3", None, False)  # placed nowhere
    usage.add_service("vm:104", "request_start", "node3", None, False)  # placed nowhere
    usage.add_service("vm:105", "started", "node4", None, True)  # node4 not online
    # quirk 12: vm:101 counts on its own node when scoring for itself
    assert usage.score_nodes_to_start_service("vm:101") == {"node1": 2.0, "node2": 1.0, "node3": 0.0}
    assert usage.imbalance() == 0.0
    assert usage.contains_service("vm:102") and not usage.contains_service("vm:103")
    usage.remove_service("vm:102")
    usage.remove_service("vm:999")  # silent
    assert usage.score_nodes_to_start_service("vm:101") == {"node1": 1.0, "node2": 0.0, "node3": 0.0}
    assert log == []


def test_basic_adds_non_ha_services_from_the_statistics():
    usage = create_usage("basic", NODES, FakeStats(services={"vm:101": {}, "vm:200": {}}), Log())
    usage.add_non_ha_services({"vm:101": {}})  # vm:101 has a status entry, vm:200 not
    assert usage.contains_service("vm:200") and not usage.contains_service("vm:101")


def test_basic_never_balances():
    usage = create_usage("basic", NODES, FakeStats(), Log())
    usage.add_service("vm:101", "started", "node1", None, True)
    assert select_best_balancing_migration(usage, [Candidate("vm:101", ("vm:101",), "node1", "node2")], "bruteforce", Log()) is None


# -- static --------------------------------------------------------------------


def static3_stats():
    """test-crs-static3: node2 64 cores / 200 GB, node3 32 / 100 GB; VMs 2 cores / 4 GB."""
    return FakeStats(
        nodes={
            "node1": {"maxcpu": 32, "maxmem": 100 * 10**9},
            "node2": {"maxcpu": 64, "maxmem": 200 * 10**9},
            "node3": {"maxcpu": 32, "maxmem": 100 * 10**9},
        },
        services={f"vm:{i}": {"maxcpu": 2, "maxmem": 4 * 10**9} for i in range(100, 110)},
    )


def test_static_walkthrough_crs_static3():
    # spec 02 §19: node1 in maintenance (not online), nine VMs leave it one by
    # one; each decision is accounted on its target before the next one.
    # After vm:101, vm:102 on node2: node2 loads (4/64, 8/200) = (1/16, 0.04)
    # equal the loads of node3 with one VM: node3 gets the third, and so on.
    log = Log()
    usage = create_usage("static", ["node2", "node3"], static3_stats(), log)
    chosen = []
    for i in range(101, 110):
        sid = f"vm:{i}"
        usage.add_service(sid, "started", "node1", None, True)  # node1 offline: not accounted
        target = best(usage.score_nodes_to_start_service(sid))
        chosen.append(target)
        usage.remove_service(sid)
        usage.add_service(sid, "migrate", "node1", target, True)
    assert chosen == ["node2", "node2", "node3"] * 3
    assert log == []
    # node2 6 VMs (12/64, 24/200), node3 3 VMs (6/32, 12/100): equal loads
    assert usage.imbalance() == 0.0


def test_static_counts_a_moving_service_on_both_nodes():
    # quirk 14: vm:101 (2 cores, 4 GB) migrating node2 -> node3 weighs on both;
    # each node then has load (2/32 + 4/100) / 2 except node2 with (2/64 + 4/200) / 2
    usage = create_usage("static", ["node2", "node3"], static3_stats(), Log())
    usage.add_service("vm:101", "migrate", "node2", "node3", True)
    nodes = {n.name: n for n in usage.balancing_node_stats()}
    assert (nodes["node2"].cpu, nodes["node2"].mem) == (2.0, 4 * 10**9)
    assert (nodes["node3"].cpu, nodes["node3"].mem) == (2.0, 4 * 10**9)


def test_static_zero_maxcpu_counts_the_node_maxcpu():
    stats = FakeStats(services={"vm:101": {"maxcpu": 0, "maxmem": GiB}})
    usage = create_usage("static", NODES, stats, Log())
    usage.add_service("vm:101", "started", "node1", None, True)
    assert usage.balancing_node_stats()[0].cpu == 24.0


def test_static_service_without_stats():
    # rand-1-157: a configured service with an empty static record
    log = Log()
    stats = FakeStats(services={"vm:101": {"maxcpu": 1.0, "maxmem": GiB}, "vm:107": {}})
    usage = create_usage("static", NODES, stats, log)
    usage.add_service("vm:107", "request_stop", "node1", None, False)
    usage.add_service("vm:107", "stopped", "node1", None, False)  # placed nowhere: no line
    assert log == [("warning", "unable to add service 'vm:107' - error: missing field `maxcpu`")]
    assert not usage.contains_service("vm:107")
    log.clear()
    assert usage.score_nodes_to_start_service("vm:107") == dict.fromkeys(NODES, 0.0)
    assert log == [
        (
            "err",
            "unable to score nodes according to static usage for service 'vm:107' - "
            "error: missing field `maxcpu`",
        )
    ]


def test_static_service_with_half_the_stats():
    log = Log()
    usage = create_usage("static", NODES, FakeStats(services={"vm:101": {"maxcpu": 2.0}}), log)
    usage.add_service("vm:101", "started", "node1", None, True)
    assert log == [("warning", "unable to add service 'vm:101' - error: missing field `maxmem`")]


def test_static_status_entry_without_record():
    log = Log()
    usage = create_usage("static", NODES, FakeStats(), log)
    usage.add_service("vm:300", "started", "node1", None, True)
    assert log == [("warning", "unable to add service 'vm:300' - did not get static service usage information for 'vm:300'")]


def test_static_rebalance_on_start_round_robin():
    # spec 02 §13.6: five equal VMs on three equal empty nodes go to
    # node1, node2, node3, node1, node2 (all-symmetric ties -> name order)
    stats = FakeStats(services={f"vm:{i}": {"maxcpu": 2.0, "maxmem": 4 * GiB} for i in range(100, 105)})
    usage = create_usage("static", NODES, stats, Log())
    chosen = []
    for i in range(100, 105):
        sid = f"vm:{i}"
        target = best(usage.score_nodes_to_start_service(sid))
        chosen.append(target)
        usage.add_service(sid, "request_start_balance", "node3", target, False)
    assert chosen == ["node1", "node2", "node3", "node1", "node2"]


def test_static_service_stats_are_the_maxima():
    usage = create_usage("static", ["node2"], static3_stats(), Log())
    assert usage.service_stats("vm:101") == {"cpu": 2.0, "mem": 4 * 10**9}
    assert usage.service_stats("vm:999") is None


# -- dynamic -------------------------------------------------------------------


def rebalance2_stats():
    """test-crs-dynamic-auto-rebalance2: four VMs (1 core, 4 GiB measured) running on node1."""
    services = {f"vm:{i}": {"maxcpu": 2.0, "maxmem": 8 * GiB, "cpu": 1.0, "mem": 4 * GiB} for i in range(101, 105)}
    return FakeStats(services=services, running_on=dict.fromkeys(services, "node1"))


def added_rebalance2(log=None):
    usage = create_usage("dynamic", NODES, rebalance2_stats(), log if log is not None else Log())
    for sid in sorted(usage.service_records):
        usage.add_service(sid, "started", "node1", None, True)
    return usage


def singles(usage):
    """Every started VM is its own bundle; targets in name order (spec 02 §15)."""
    return [
        Candidate(sid, (sid,), usage.placed(sid).current, target)
        for sid in sorted(usage.service_records)
        if usage.contains_service(sid)
        for target in usage.nodes
        if target != usage.placed(sid).current
    ]


def test_dynamic_imbalance_uses_the_measurement():
    # loads (1/3, 0, 0) -> sqrt(2), printed 1.41
    assert f"{added_rebalance2().imbalance():.2f}" == "1.41"


def test_dynamic_start_scores_add_not_running_services_at_max():
    # quirk 14: vm:101 runs (in the measurement), vm:102 is started but not
    # yet running: it weighs on node2 with its maxima (2 cores, 8 GiB).
    stats = FakeStats(
        services={
            "vm:101": {"maxcpu": 2.0, "maxmem": 8 * GiB, "cpu": 1.0, "mem": 4 * GiB},
            "vm:102": {"maxcpu": 2.0, "maxmem": 8 * GiB, "cpu": 1.0, "mem": 4 * GiB},
            "vm:103": {"maxcpu": 2.0, "maxmem": 8 * GiB, "cpu": 1.0, "mem": 4 * GiB},
        },
        running_on={"vm:101": "node1"},
    )
    usage = create_usage("dynamic", NODES, stats, Log())
    usage.add_service("vm:101", "started", "node1", None, True)
    usage.add_service("vm:102", "started", "node2", None, False)
    scoring = {n.name: (n.cpu, n.mem) for n in usage.start_scoring_node_stats()}
    assert scoring == {"node1": (1.0, 4 * GiB), "node2": (2.0, 8 * GiB), "node3": (0.0, 0)}
    # node3 is empty, node1 (1 core, 4 GiB) is lighter than node2 (2, 8)
    scores = usage.score_nodes_to_start_service("vm:103")
    assert sorted(scores, key=lambda n: (scores[n], n)) == ["node3", "node1", "node2"]
    # the imbalance ignores vm:102, which is not measured yet
    assert {n.name: n.cpu for n in usage.balancing_node_stats()} == {"node1": 1.0, "node2": 0.0, "node3": 0.0}


def test_dynamic_moving_service_counts_as_running():
    # §13.1: a migrating service has a current node, so it is "running" and
    # already in the measurement; request_start_balance is not placed on its
    # current node, hence not running: it weighs on its target at max.
    usage = create_usage("dynamic", NODES, rebalance2_stats(), Log())
    usage.add_service("vm:101", "migrate", "node1", "node2", False)
    usage.add_service("vm:102", "request_start_balance", "node1", "node3", False)
    assert usage.placed("vm:101").running and not usage.placed("vm:102").running
    scoring = {n.name: n.cpu for n in usage.start_scoring_node_stats()}
    assert scoring == {"node1": 4.0, "node2": 0.0, "node3": 2.0}


def test_dynamic_scoring_error_logs_and_raises():
    log = Log()
    stats = FakeStats(services={"vm:101": {"maxcpu": 2.0, "maxmem": GiB, "cpu": 1.0}})
    usage = create_usage("dynamic", NODES, stats, log)
    with pytest.raises(SchedulerError) as info:
        usage.score_nodes_to_start_service("vm:101")
    assert str(info.value) == "error: missing field `mem`"
    assert log == [
        (
            "err",
            "unable to score nodes according to dynamic usage for service 'vm:101' - error: missing field `mem`",
        )
    ]


def test_dynamic_service_stats_are_the_measurement():
    assert added_rebalance2().service_stats("vm:101") == {"cpu": 1.0, "mem": 4 * GiB}


# -- balancing -----------------------------------------------------------------


def test_bruteforce_rebalance2_first_trigger():
    # spec 02 §19: all eight candidates have expected CV √14/4 = 0.935;
    # ties -> smallest (leader, source, target): vm:101 -> node2; "1.41 to 0.94"
    usage = added_rebalance2()
    chosen, expected = select_best_balancing_migration(usage, singles(usage), "bruteforce", Log())
    assert (chosen.leader, chosen.source, chosen.target) == ("vm:101", "node1", "node2")
    assert f"{usage.imbalance():.2f} to {expected:.2f}" == "1.41 to 0.94"
    assert should_migrate(usage.imbalance(), expected, 0.1)


def test_bruteforce_uses_the_truncation_tie():
    # test-crs-dynamic-constrained-auto-rebalance3, round 60: vm:102 -> node2
    # (0.7231749488916931) and -> node3 (0.723174948891693) tie after the
    # 15-decimal truncation, and node2 sorts first. Listing node3 first
    # shows that the tie, not the candidate order, decides.
    services = {
        "vm:101": {"maxcpu": 8.0, "maxmem": 8 * GiB, "cpu": 0.9, "mem": 2621440000},
        "vm:102": {"maxcpu": 8.0, "maxmem": 8 * GiB, "cpu": 7.9, "mem": 8 * GiB},
        "vm:103": {"maxcpu": 8.0, "maxmem": 8 * GiB, "cpu": 4.7, "mem": 5242880000},
        "vm:104": {"maxcpu": 8.0, "maxmem": 8 * GiB, "cpu": 4.0, "mem": 4 * GiB},
    }
    stats = FakeStats(
        nodes={n: {"maxcpu": 24, "maxmem": 48 * GiB} for n in NODES},
        services=services,
        running_on=dict.fromkeys(services, "node1"),
    )
    usage = create_usage("dynamic", NODES, stats, Log())
    for sid in services:
        usage.add_service(sid, "started", "node1", None, True)
    candidates = [Candidate("vm:102", ("vm:102",), "node1", t) for t in ("node3", "node2")]
    chosen, expected = select_best_balancing_migration(usage, candidates, "bruteforce", Log())
    assert chosen.target == "node2" and expected == 0.723174948891693
    assert f"{usage.imbalance():.2f} to {expected:.2f}" == "1.41 to 0.72"


def topsis3_usage(phase):
    """test-crs-dynamic-auto-rebalance-topsis3 at round 160 (phase 1) and 240 (phase 2)."""
    measured = {
        "vm:101": (0.9, 5444206592),
        "vm:102": (1.2, 2621440000),
        "vm:103": (0.8, 5444206592),
        "vm:104": (0.9, 2621440000),
        "vm:105": (7.8, 7912 * MiB),
        "vm:106": (5.7, 8192 * MiB),
        "vm:107": (6.0, 8011 * MiB),
    }
    where = dict(zip(sorted(measured), ["node1", "node1", "node2", "node2", "node3", "node3", "node3"]))
    if phase == 2:
        measured.update(
            {
                "vm:101": (0.9, 1011 * MiB),
                "vm:103": (3.9, 6517 * MiB),
                "vm:104": (6.7, 8001 * MiB),
                "vm:105": (1.8, 1201 * MiB),
                "vm:106": (2.1, 1211 * MiB),
                "vm:107": (0.9, 1191 * MiB),
            }
        )
        where["vm:105"] = "node2"
    services = {sid: {"maxcpu": 8.0, "maxmem": 8 * GiB, "cpu": c, "mem": m} for sid, (c, m) in measured.items()}
    stats = FakeStats(
        nodes={n: {"maxcpu": 24, "maxmem": 48 * GiB} for n in NODES},
        services=services,
        placed_on=where,
        running_on=where,
    )
    usage = create_usage("dynamic", NODES, stats, Log())
    for sid in sorted(services):
        usage.add_service(sid, "started", where[sid], None, True)
    return usage


@pytest.mark.parametrize(
    ("phase", "method", "expected"),
    [
        (1, "topsis", "migrate vm:105 to node2 (0.85 to 0.42)"),
        (2, "topsis", "migrate vm:103 to node3 (0.81 to 0.43)"),
        # spec 02 §15: the same situation with bruteforce picks node1
        (2, "bruteforce", "migrate vm:103 to node1 (0.81 to 0.40)"),
    ],
)
def test_topsis3_choices(phase, method, expected):
    usage = topsis3_usage(phase)
    chosen, value = select_best_balancing_migration(usage, singles(usage), method, Log())
    assert f"migrate {chosen.leader} to {chosen.target} ({usage.imbalance():.2f} to {value:.2f})" == expected


def test_bundle_moves_its_summed_stats():
    # a bundle of vm:101 + vm:102 (2 × 1 core, 4 GiB) from node1 to node2:
    # node1 keeps 2 VMs: loads (2/24 + 8/32)/2 = 1/6, node2 the same, node3 0
    # mean 1/9, deviations (1/18, 1/18, -1/9) -> variance (1/324·2 + 4/324)/3 = 6/972
    # sd = sqrt(6/972) = 0.0786, CV = 0.707 (= 1/√2)
    usage = added_rebalance2()
    bundle = Candidate("vm:101", ("vm:101", "vm:102"), "node1", "node2")
    chosen, expected = select_best_balancing_migration(usage, [bundle], "bruteforce", Log())
    assert chosen is bundle
    assert expected == pytest.approx(1 / 2**0.5, abs=1e-14)


def test_source_never_goes_below_zero():
    # the source node's measurement lacks the bundle (e.g. stale status files):
    # it is clamped at 0 instead of going negative
    stats = rebalance2_stats()
    stats.running_on = {}
    usage = create_usage("dynamic", NODES, stats, Log())
    usage.add_service("vm:101", "started", "node1", None, True)
    chosen, expected = select_best_balancing_migration(
        usage, [Candidate("vm:101", ("vm:101",), "node1", "node2")], "bruteforce", Log()
    )
    # loads after: node2 only -> (1/24 + 1/8)/2, others 0 -> CV √2
    assert expected == pytest.approx(2**0.5, abs=1e-14)


def test_member_missing_from_the_usage_refuses_the_whole_call():
    # spec 02 §15 step 4: vm:104 sits on an offline node and is never added;
    # the first such candidate's leader is named, nothing is scored.
    usage = added_rebalance2()
    usage.remove_service("vm:104")
    log = Log()
    candidates = singles(usage)[:2] + [Candidate("vm:104", ("vm:104",), "node4", "node2")]
    assert select_best_balancing_migration(usage, candidates, "bruteforce", log) is None
    assert log == [
        ("warn", "unable to score best balancing migration - leader 'vm:104' is not present in the cluster usage")
    ]
    log.clear()
    bundle = Candidate("vm:101", ("vm:101", "vm:104"), "node1", "node2")
    assert select_best_balancing_migration(usage, [bundle], "topsis", log) is None
    assert log == [
        ("warn", "unable to score best balancing migration - leader 'vm:101' is not present in the cluster usage")
    ]


def test_no_candidates_no_migration():
    assert select_best_balancing_migration(added_rebalance2(), [], "bruteforce", Log()) is None


@pytest.mark.parametrize(
    ("current", "expected", "margin", "result"),
    [
        (1.414, 0.935, 0.1, True),  # (1.414 - 0.935) / 1.414 = 0.34 >= 0.1
        (0.354, 0.354, 0.1, False),  # rebalance2 after 160: no improvement
        (0.5, 0.45, 0.5, False),  # 0.1 improvement < margin 0.5
        (0.5, 0.25, 0.5, True),  # (0.5 - 0.25) / 0.5 = 0.5 exactly: not below the margin
        (1.0, 0.9, 0.1, False),  # (1.0 - 0.9) / 1.0 = 0.09999999999999998 in doubles: below
        (0.0, 0.0, 0.1, False),  # no imbalance, nothing to improve (and no division by 0)
    ],
)
def test_should_migrate(current, expected, margin, result):
    assert should_migrate(current, expected, margin) is result
