"""The outcome report on the workshop scenarios, whose numbers follow from
the real stack's timing (spec 01 §7.1, 02 §9) and can be checked by hand in
their logs (`hasim run working-dirs/<name>`)."""

from __future__ import annotations

import pickle

from hasim.analysis.report import Interval, Move
from hasim.analysis.report_html import render_html
from hasim.analysis.report_markdown import render_markdown
from hasim.analysis.report_svg import render_svg
from hasim.analysis.report_text import render_text

from .support import WORKING_DIRS, report_of, write_cluster


def test_power_loss_outage_fencing_and_recovery():
    """node-failure: node2 loses power at 120 (batch 2).  Its agent lock was
    last renewed at 103 (its LRM steps at 3 s into each 20 s loop) and can be
    taken over once older than 120 s: the master's round at 240 fences it and
    recovers vm:102 to node1 (started by node1's LRM at 241) and vm:105 to
    node3 (node3's LRM steps at 243, node2 has no daemon left to cost a
    second).  Down: 121 s and 123 s.  node2 comes back at 320 (batch 4)."""
    r = report_of(WORKING_DIRS / "node-failure")
    vm102, vm105 = r.service("vm:102"), r.service("vm:105")
    assert [(o.start, o.end, o.cause) for o in vm102.outages] == [(120, 241, "node2 lost power")]
    assert [(o.start, o.end) for o in vm105.outages] == [(120, 243)]
    assert (vm102.downtime, vm105.downtime) == (121, 123)
    assert vm102.moves == (Move(240, "recovery", "node2", "node1"),)
    assert vm105.moves == (Move(240, "recovery", "node2", "node3"),)
    assert (vm102.node, vm102.running_on, vm105.running_on) == ("node1", ("node1",), ("node3",))
    assert all(not s.outages and not s.moves for s in r.services if s.sid not in ("vm:102", "vm:105"))
    node2 = r.node("node2")
    assert node2.lost == (120,) and node2.fenced == (240,) and node2.rejoined == (320,)
    assert [(e.time, e.what) for e in node2.events] == [(20, "power on"), (120, "power off"), (320, "power on")]
    assert r.node("node1").fenced == () and r.cluster.no_quorum == ()
    assert r.cluster.masters == ((20, "node1"),) and r.cluster.violations == ()
    assert r.longest_outage == ("vm:105", vm105.outages[0]) and r.left_down == ()


def test_isolated_node_runs_its_services_until_its_watchdog_resets_it():
    """network-isolation: node3 loses its network at 120; it keeps running its
    VMs until its watchdog, last fed at 105, fires at the first check more
    than 60 s later (166); they are recovered at 240 like above."""
    r = report_of(WORKING_DIRS / "network-isolation")
    for sid, end in (("vm:103", 241), ("vm:106", 243)):
        (outage,) = r.service(sid).outages
        assert (outage.start, outage.end, outage.cause) == (166, end, "node3 was reset by its watchdog")
    node3 = r.node("node3")
    assert [(e.time, e.what) for e in node3.events][1:3] == [(120, "network off"), (166, "reset by its watchdog")]
    assert node3.fenced == (240,)


def test_quorum_lost_only_while_a_node_is_on():
    """two-node-cluster: node2 off at 120 leaves node1 alone (1 of 2 is no
    majority) until its watchdog powers it off at 162: 42 s; all off is a
    cluster that is off, not one without quorum; node1 alone again from 320
    until node2 returns at 420: 100 s.  Nothing can be recovered without
    quorum: the VMs wait for their own nodes."""
    r = report_of(WORKING_DIRS / "two-node-cluster")
    assert r.cluster.no_quorum == (Interval(120, 162), Interval(320, 420))
    assert r.cluster.no_quorum_seconds == 142
    assert all(not s.moves for s in r.services)
    assert r.service("vm:102").outages[0].start == 120 and r.service("vm:101").outages[0].start == 162


def test_live_migration_is_no_outage():
    """maintenance-rolling-reboot: every VM migrates away and back, never down."""
    r = report_of(WORKING_DIRS / "maintenance-rolling-reboot")
    assert all(s.outages == () for s in r.services)
    assert [m.kind for m in r.service("vm:101").moves] == ["migrate", "migrate"]
    assert r.node("node1").fenced == () and r.node("node1").lost == ()


def test_relocation_is_an_outage_and_a_requested_stop_is_not(tmp_path):
    """vm:101 relocated at 120: node1's LRM stops it at 121, the master puts
    it on node2 at its next round (140), node2's LRM starts it at 143: 22 s.
    vm:102 stopped on request at 220: no outage, not 'left down'."""
    d = write_cluster(tmp_path / "c", cmdlist=[
        ["power node1 on", "power node2 on", "power node3 on"],
        ["service vm:101 relocate node2"],
        ["service vm:102 stopped"],
    ])  # fmt: skip
    r = report_of(d)
    (outage,) = r.service("vm:101").outages
    assert (outage.start, outage.end) == (121, 143) and outage.cause.startswith("relocated")
    vm102 = r.service("vm:102")
    assert vm102.outages == () and vm102.state == "stopped" and not vm102.not_running
    assert r.left_down == ()


def test_reboot_with_freeze_and_shutdown_with_failover():
    """shutdown-policy-conditional: a reboot freezes node3's VMs (stopped by
    the LRM, started again on node3 when it is back); a shutdown stops them
    and they are recovered after fencing."""
    r = report_of(WORKING_DIRS / "shutdown-policy-conditional")
    first, second = r.service("vm:103").outages
    assert first.cause == "stopped by the reboot of node3" and first.end is not None
    assert second.cause == "stopped by the shutdown of node3"
    assert [m.kind for m in r.service("vm:103").moves] == ["recovery"]
    assert r.node("node3").fenced == (400,)


def test_renderers_show_the_same_outcome():
    r = report_of(WORKING_DIRS / "node-failure")
    text = render_text(r)
    assert "longest outage 2m03s (vm:105)" in text
    assert "120..241 2m01s: node2 lost power" in text
    assert "fenced: node2 at 240" in text
    md = render_markdown(r, svg_link="t.svg")
    assert "![Timeline](t.svg)" in md and "| vm:102 | 2m01s |" in md
    assert "data:image/svg+xml;base64," in render_markdown(r)
    html = render_html(r)
    assert html.startswith("<!DOCTYPE html>") and "<svg" in html and "vm:105" in html
    svg = render_svg(r)
    assert svg.count("<rect") > 9 and "fenced at 240" in svg


def test_a_report_is_a_picklable_value():
    r = report_of(WORKING_DIRS / "node-failure")
    assert pickle.loads(pickle.dumps(r)) == r


def test_a_removed_node_stays_in_the_report():
    """remove-node: node3's VMs are migrated away live (120), it is shut down
    (220, off at 245) and removed with delnode at 320."""
    r = report_of(WORKING_DIRS / "remove-node")
    node3 = r.node("node3")
    assert node3.state == "removed" and [e.what for e in node3.events][-1] == "removed from the cluster"
    assert all(s.outages == () for s in r.services)
