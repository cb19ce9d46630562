"""Models over snapshots, without a window."""

from __future__ import annotations

import attrs
from PySide6.QtCore import Qt

from hasim.events import NodeStateChanged, ServiceStateChanged
from hasim.log import LogLine
from hasim.snapshot import NodeView, ServiceView, Snapshot
from ui.models import History, LogFilterProxy, LogModel, NodesModel, ServicesModel
from ui.models.nodes_model import countdowns
from ui.models.services_model import COL_STATE


def node(name, **kw):
    base = dict(name=name, power="on", network="on", online=True, manager_state="online", crm_state="slave",
                lrm_state="active", lrm_mode="active", master=False, cfs_rw=True, cfs_update=True, shutdown=None,
                watchdog_expires=None, agent_lock_holder=None, agent_lock_expires=None)
    base.update(kw)
    return NodeView(**base)


def service(sid, node="node1", state="started", **kw):
    base = dict(sid=sid, requested="started", state=state, node=node, target=None, running_on=(node,), lrm_result=0,
                failed_nodes=(), max_restart=1, max_relocate=1, failback=1, group=None, lock=None)
    base.update(kw)
    return ServiceView(**base)


def snap(time, nodes, services):
    return Snapshot(time=time, loop_length=20, finished=False, error=None, quorate=True, nodes=tuple(nodes),
                    services=tuple(services), manager_status={}, master="node1", disarm=None, crs_mode="basic",
                    shutdown_policy="conditional", log_count=0)


def test_services_model_signals_only_changed_rows(qtbot):
    model = ServicesModel()
    nodes = [node("node1")]
    model.update(snap(0, nodes, [service("vm:101"), service("vm:102"), service("vm:103")]))
    assert model.rowCount() == 3
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append((a.row(), b.row())))
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    model.update(snap(10, nodes, [service("vm:101"), service("vm:102", state="fence"), service("vm:103")]))
    assert changed == [(1, 1)] and not resets
    assert model.index(1, COL_STATE).data() == "fence"
    assert model.index(1, COL_STATE).data(Qt.ItemDataRole.BackgroundRole).color().name() == "#e03131"
    inserted, removed = [], []
    model.rowsInserted.connect(lambda p, a, b: inserted.append(a))
    model.rowsRemoved.connect(lambda p, a, b: removed.append(a))
    model.update(snap(20, nodes, [service("vm:100"), service("vm:101"), service("vm:103")]))
    assert inserted == [0] and removed == [1]
    assert model.sids() == ["vm:100", "vm:101", "vm:103"]


def test_services_model_reports_only_the_cells_that_changed(qtbot):
    # a view repaints what dataChanged names: a new state repaints its cells, not rows;
    # neighbouring rows of one column go as one range
    model = ServicesModel()
    nodes = [node("node1")]
    sids = [f"vm:{100 + i}" for i in range(10)]
    model.update(snap(0, nodes, [service(sid) for sid in sids]))
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append(((a.row(), a.column()), (b.row(), b.column()))))
    fenced = {"vm:102", "vm:103", "vm:104", "vm:107", "vm:109"}
    model.update(snap(10, nodes, [service(sid, state="fence" if sid in fenced else "started") for sid in sids]))
    assert changed == [((2, COL_STATE), (4, COL_STATE)), ((7, COL_STATE), (7, COL_STATE)),
                       ((9, COL_STATE), (9, COL_STATE))]
    assert [model.index(r, COL_STATE).data() for r in (1, 2, 4, 5, 9)] == ["started", "fence", "fence", "started",
                                                                            "fence"]


def test_migrate_state_names_its_target(qtbot):
    model = ServicesModel()
    model.update(snap(0, [node("node1")], [service("vm:101", state="migrate", target="node2")]))
    assert model.index(0, COL_STATE).data() == "migrate → node2"


def test_countdowns():
    n = node("node3", manager_state="unknown", online=False, watchdog_expires=166, agent_lock_expires=226)
    assert countdowns(n, 130, 160) == ["fence in 30s", "watchdog fires in 36s"]
    n = attrs.evolve(n, manager_state="fence", power="off", network="off")
    assert countdowns(n, 200, None) == ["agent lock free in 26s"]
    assert countdowns(node("node1"), 100, None) == []


def test_nodes_model_reports_changes(qtbot):
    model = NodesModel()
    model.update(snap(0, [node("node1"), node("node2")], []))
    changed = []
    model.dataChanged.connect(lambda a, b, roles=(): changed.append(a.row()))
    model.update(snap(10, [node("node1"), node("node2", manager_state="unknown", online=False)], []), {"node2": 70})
    assert changed == [1]
    assert model.index(1, 3).data() == "unknown"
    assert model.index(1, 6).data() == "fence in 1m00s"


def test_history_appends_and_merges():
    h = History()
    for t in range(0, 3600, 10):
        h.record(snap(t, [node("node1")], [service("vm:101")]))
    assert h.segment_count() == 3  # node1, its power strip, vm:101: one segment each over an hour
    for t, event in (
        (3600, NodeStateChanged("node1", "online", "unknown")),
        (3660, ServiceStateChanged("vm:101", "started", "fence")),
        (3660, NodeStateChanged("node1", "unknown", "fence")),
        (3660, NodeStateChanged("node1", "fence", "unknown")),
        (3660, ServiceStateChanged("vm:101", "fence", "recovery")),
        (3660, ServiceStateChanged("vm:101", "recovery", "started", (("node", "node2"),))),
    ):
        h.record_line(LogLine.of(t, "node2/crm", event))
    # only the typed event counts, not text that looks like one
    h.record_line(LogLine("info", 3661, "cmdlist", "node 'node1': state changed from 'unknown' => 'online'"))
    assert h.states_of("node1") == ["online", "unknown", "fence", "unknown"]
    assert h.states_of("vm:101") == ["started", "fence", "recovery", "started"]
    assert h.lane("vm:101").segments[-1].node == "node2"
    seg = h.lane("node1").at(3660)
    assert seg.state == "unknown"
    assert h.lane("node1").at(100).state == "online"


def test_log_filter_proxy(qtbot):
    model = LogModel()
    proxy = LogFilterProxy()
    proxy.setSourceModel(model)
    model.append([
        LogLine("info", 20, "cmdlist", "execute power node1 on"),
        LogLine("info", 20, "node1/crm", "status change startup => wait_for_quorum"),
        LogLine("err", 30, "node2/lrm", "unable to start service vm:101"),
        LogLine("emai", 40, "node1/crm", "FENCE: Try to fence node 'node2'"),
    ])
    assert proxy.rowCount() == 4
    proxy.set_filter(node="node1")
    assert proxy.rowCount() == 2
    proxy.set_filter(node=None, daemon="lrm")
    assert proxy.rowCount() == 1
    proxy.set_filter(daemon="harness")
    assert proxy.index(0, 0).data().endswith("cmdlist: execute power node1 on")
    proxy.set_filter(daemon=None, level="err")
    assert proxy.rowCount() == 1
    proxy.set_filter(level=None, text="FENCE")
    assert proxy.rowCount() == 1
    assert proxy.index(0, 0).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#7048e8"


def test_manager_status_pane_renders_at_most_once_a_second_and_ends_on_the_newest(qtbot):
    import json

    from ui.widgets.manager_status import ManagerStatusPane

    pane = ManagerStatusPane()
    qtbot.addWidget(pane)
    first = {"master_node": "node1", "service_status": {}}
    pane.show_status(first)
    assert json.loads(pane.toPlainText()) == first
    pane.show_status(first)  # the same object again: nothing to do
    newer = [{"master_node": "node1", "service_status": {"vm:101": {"uid": f"uid{i}"}}} for i in range(5)]
    for status in newer:  # a manager round every tick
        pane.show_status(status)
    assert json.loads(pane.toPlainText()) == first  # not yet: rendered less than a second ago
    qtbot.waitUntil(lambda: json.loads(pane.toPlainText()) == newer[-1], timeout=2000)


def test_services_model_labels_each_lrm_exit_code_with_the_engines_meaning(qtbot):
    # pinned against spec 03 §2.6: the table once said "wrong node (8)" for an ignored request
    from ui.models.services_model import COL_RESULT

    expected = {0: "ok (0)", 1: "error (1)", 2: "try again (2)", 3: "wrong node (3)", 4: "unknown service type (4)",
                5: "unknown command (5)", 7: "unknown service (7)", 8: "ignored (8)", None: ""}
    model = ServicesModel()
    services = [service(f"vm:{100 + i}", lrm_result=code) for i, code in enumerate(expected)]
    model.update(snap(0, [node("node1")], services))
    shown = [model.index(row, COL_RESULT).data() for row in range(model.rowCount())]
    assert shown == list(expected.values())
