"""What-if runs on small clusters whose outcome can be checked by hand.

The default cluster: node1..3 with two VMs each (vm:101/104 on node1,
vm:102/105 on node2, vm:103/106 on node3).  It settles at 40 s (powered on at
the first loop end, 20 s; the master starts everything in that round and the
LRMs report at 21..25; the next loop end, 40, finds everything running); a
fault "right away" lands at the next loop end, F = 60.
"""

from __future__ import annotations

import pytest

from hasim.analysis.whatif import (
    Fault,
    WhatIfError,
    check_fault,
    each_node,
    run_fault,
    settle,
    starting_point,
)
from hasim.analysis.whatif_table import failure_table, summarize, verdict
from hasim.workdir import load_scenario

from .support import GIB, write_cluster


@pytest.fixture
def base(tmp_path):
    return settle(starting_point(load_scenario(write_cluster(tmp_path / "c"))))


def test_settles_from_the_directory_state(base):
    assert base.done and base.time == 40
    snap = base.sim.snapshot()
    assert all(s.state == "started" and s.running_on == (s.node,) for s in snap.services)


def test_power_loss_of_a_node(base):
    """node2 off at F=60.  Its agent lock was renewed at 43 (F-17) and is
    older than 120 s first at 164: the master (node1) fences at its round at
    F+120=180 and recovers vm:102 to node1 (its LRM starts it at F+121) and
    vm:105 to node3 (F+123): down 121 s and 123 s."""
    r = run_fault(base, Fault("node2"))
    assert r.origin == 60
    assert r.node("node2").fenced == (180,)
    assert [(o.start, o.end) for o in r.service("vm:102").outages] == [(60, 181)]
    assert [(o.start, o.end) for o in r.service("vm:105").outages] == [(60, 183)]
    assert (r.service("vm:102").node, r.service("vm:105").node) == ("node1", "node3")
    row = summarize(r, Fault("node2"))
    assert row.longest == ("vm:105", 123, False) and row.fenced_after == 120
    assert [(m.sid, m.target, m.kinds) for m in row.moved] == [("vm:102", "node1", ("recovery",)), ("vm:105", "node3", ("recovery",))]
    assert row.left_down == () and row.over == () and row.violations == 0


def test_network_loss_outage_starts_at_the_watchdog_reset(base):
    """node3 isolated at F=60: its LRM fed its watchdog last at 45 and is reset
    at the first check more than 60 s later (106); recovery at 180 as above."""
    r = run_fault(base, Fault("node3", "network"))
    (outage,) = r.service("vm:103").outages
    assert (outage.start, outage.cause) == (106, "node3 was reset by its watchdog")
    assert r.node("node3").fenced == (180,)


def test_heal_brings_the_node_back(base):
    """Power back after 300 s: node2 rejoins (the master sees it at F+300);
    its VMs stay where they were recovered (no group or rule draws them back)."""
    r = run_fault(base, Fault("node2", duration=300))
    node2 = r.node("node2")
    assert [e.what for e in node2.events] == ["power off", "power on"]
    assert node2.events[1].time == 360 and node2.rejoined == (360,)
    assert r.service("vm:102").node == "node1"


def test_maintenance_migrates_live_and_back(base):
    r = run_fault(base, Fault("node1", "maintenance", duration=200))
    vm101 = r.service("vm:101")
    assert vm101.outages == () and [m.kind for m in vm101.moves] == ["migrate", "migrate"]
    assert vm101.node == "node1" and r.node("node1").fenced == ()


def test_a_service_that_may_only_run_on_the_failed_node_stays_down(tmp_path):
    rules = "node-affinity: only-on-1\n\tresources vm:101\n\tnodes node1\n\tstrict 1\n"
    d = write_cluster(tmp_path / "c", rules=rules)
    base = settle(starting_point(load_scenario(d)))
    r = run_fault(base, Fault("node1"))
    vm101 = r.service("vm:101")
    assert vm101.still_down and vm101.not_running and vm101.outages[0].start == r.origin
    row = summarize(r, Fault("node1"))
    assert row.left_down == (("vm:101", "recovery"),)
    assert row.longest[0] == "vm:101" and row.longest[2] is True
    assert "NOT met" in verdict([row])


def test_node_over_memory_after_the_moves(tmp_path):
    """Three 16 GiB nodes with two 6 GiB VMs each (12 GiB): node1's two VMs go
    one to node2 and one to node3, 18 GiB on 16 GiB = 112%."""
    sizes = {f"vm:{101 + i}": {"maxcpu": 2, "maxmem": 6 * GIB} for i in range(6)}
    d = write_cluster(tmp_path / "c", node_mem_gib=16, sizes=sizes)
    base = settle(starting_point(load_scenario(d)))
    row = summarize(run_fault(base, Fault("node1")), Fault("node1"))
    assert [(n.node, n.mem / GIB, n.over_mem, n.over_cpu) for n in row.over] == [("node2", 18, True, False), ("node3", 18, True, False)]
    table = failure_table([row])
    assert "node2: mem 112% (18.0/16.0 GiB), was 75%" in table.rows[0][4]


def test_each_node_in_processes_is_the_same_in_order(base):
    faults = [Fault(n) for n in ("node1", "node2", "node3")]
    alone = each_node(base, faults, summarize, jobs=1)
    shared = each_node(base, faults, summarize, jobs=2)
    assert alone == shared
    assert [r.fault.node for r in shared] == ["node1", "node2", "node3"]
    assert "survives the failure of any one of its 3 nodes" in verdict(shared)


def test_starting_point_reads_the_directory_state(tmp_path):
    d = write_cluster(tmp_path / "c", cmdlist=[["power node1 on", "power node2 on"], ["network node1 off"]])
    start = starting_point(load_scenario(d))
    assert start.up == ("node1", "node2")
    assert any("node3" in n for n in start.notes) and any("1 command(s) of cmdlist not run" in n for n in start.notes)
    assert all(rec["power"] == "off" for rec in start.scenario.files["hardware_status"].values())
    fresh = starting_point(load_scenario(d).replace(cmdlist=[]))
    assert fresh.up == ("node1", "node2", "node3")


@pytest.mark.parametrize(
    ("how", "at", "duration", "argument"),
    [("fire", 0, None, "--how"), ("power", -1, None, "--at"), ("power", 0, 0, "--for"), ("reboot", 0, 30, "--for")],
)
def test_refused_faults_name_the_option(how, at, duration, argument):
    with pytest.raises(WhatIfError) as err:
        check_fault(how, at, duration)
    assert err.value.argument == argument


def test_many_moves_are_grouped_by_target():
    from hasim.analysis.whatif_table import NodeFailure, ServiceMoved, _moves_cell

    moved = tuple(ServiceMoved(f"vm:{i}", "node2", f"node{3 + i % 9}", ("recovery",)) for i in range(20))
    row = NodeFailure(Fault("node2"), 60, moved, None, (), (), 120, 0, 0, 0, 20)
    cell = _moves_cell(row)
    assert cell[0] == "20 services (recovery 20) to"
    assert cell[1] == "node3 x3, node4 x3, node5 x2, node6 x2" and cell[-1] == "node11 x2"


def test_network_back_after_the_watchdog_reset_powers_the_node_on(base):
    """node3 isolated at F=60 and reset by its watchdog at 106; the heal at
    F+300 finds it off and powers it on (a real watchdog reset reboots)."""
    r = run_fault(base, Fault("node3", "network", duration=300))
    node3 = r.node("node3")
    assert [(e.time, e.what) for e in node3.events] == [(60, "network off"), (106, "reset by its watchdog"), (360, "power on")]
    assert node3.rejoined == (360,) and (node3.power, node3.network, node3.state) == ("on", "on", "online")


def test_fault_at_a_later_moment(base):
    """--at 100 after the settled moment (40): the first loop end at or after 140."""
    r = run_fault(base, Fault("node2", at=100))
    assert r.origin == 140 and r.node("node2").fenced == (260,)


def test_two_nodes_are_not_n_plus_1(tmp_path):
    """Two nodes: either one alone has no quorum (1 of 2 is no majority).
    node2 off at F=60: node1 keeps its VMs running without quorum until its
    watchdog, last fed at 41, fires at the first check after 101 (102);
    then the cluster is off: 42 s without quorum, nothing recovered."""
    d = write_cluster(tmp_path / "c", nodes=2)
    base = settle(starting_point(load_scenario(d)))
    r = run_fault(base, Fault("node2"))
    assert [(i.start, i.end) for i in r.cluster.no_quorum] == [(60, 102)]
    assert r.node("node1").events[0].what == "reset by its watchdog"
    assert {s.sid for s in r.left_down} == {"vm:101", "vm:102", "vm:103", "vm:104"}
    assert "NOT met" in verdict([summarize(r, Fault("node2"))])


def test_forked_map_keeps_the_order_and_reports_failures():
    from hasim.analysis.forked import WorkerError, map_forked

    seen = []
    assert map_forked(lambda x: x * x, [3, 1, 2, 5], jobs=2, on_done=lambda n, i: seen.append(i)) == [9, 1, 4, 25]
    assert sorted(seen) == [0, 1, 2, 3]
    with pytest.raises(WorkerError, match="ZeroDivisionError"):
        map_forked(lambda x: 1 // x, [1, 0, 2], jobs=2)


def test_a_service_down_before_the_fault_is_not_blamed_on_it(tmp_path):
    """fa:1900 fails its first nine starts: with one restart and no relocation
    it is in error before the fault, so no row of the N+1 table lists it,
    while the report itself still names it."""
    services = {"vm:101": {"node": "node1", "state": "started"}, "fa:1900": {"node": "node2", "state": "started", "max_relocate": 0}}
    d = write_cluster(tmp_path / "c", services=services)
    base = settle(starting_point(load_scenario(d)))
    r = run_fault(base, Fault("node3"))
    assert [s.sid for s in r.left_down] == ["fa:1900"] and r.service("fa:1900").error
    assert r.service("fa:1900").start_running == ()
    assert summarize(r, Fault("node3")).left_down == ()


def test_the_imported_sample_cluster_keeps_its_rules(tmp_path):
    """shared/import-samples/small-3node: vm:100 prefers pve1 then pve2 (its
    group), vm:101 and vm:102 must stay apart (negative affinity).  pve1
    fails: vm:100 goes to pve2, vm:101 to pve3 (not beside vm:102 on pve2).
    pve1 is also the master: a survivor takes over once the manager lock has
    expired (+102) and fences pve1 60 s later (+162)."""
    from hasim.importer import import_cluster

    from .support import REPO

    d = tmp_path / "mine"
    assert import_cluster(REPO.parent / "shared" / "import-samples" / "small-3node", d).ok
    base = settle(starting_point(load_scenario(d)))
    r = run_fault(base, Fault("pve1"))  # a fork: groups and rules are deep-copied
    assert (r.service("vm:100").node, r.service("vm:101").node) == ("pve2", "pve3")
    assert r.node("pve1").fenced == (r.origin + 162,) and r.cluster.masters[0] == (r.origin + 102, "pve3")
    assert summarize(r, Fault("pve1")).left_down == ()
