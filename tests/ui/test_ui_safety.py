"""Safety you can see: the indicator, the violation line in the log, the
timeline marker — made to appear by deliberately broken engines
(hasim_testing.mutants), and staying green with the faithful engine.

The mutant is active while virtual time runs (the engine steps inside the
`with` block); the window is then read as a person reads it: the indicator's
text and colour, the dialog it opens, the highlighted log line, the marker
and its hover text.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolTip

from hasim.analysis.invariants import INVARIANTS
from hasim_testing.mutants import mutant
from ui.main_window import UNSAFE_STYLE
from ui.models.log_model import LINE_ROLE, VIOLATION_BACKGROUND


def open_scenario(make_window, workdir, tmp_path, name):
    window, controller = make_window(workdir)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped(name)
    return window, controller


def hover_timeline_at(window, t: float, lane: int = 0) -> str:
    return window.timeline.hover_at(t, lane)


def test_recovery_without_fencing_turns_the_indicator_red_and_is_marked(qtbot, make_window, workdir, tmp_path):
    window, controller = open_scenario(make_window, workdir, tmp_path, "node-failure")
    indicator = window.safety_indicator
    assert indicator.text() == f"✔ Safety: OK — {len(INVARIANTS)} checks"
    with mutant("recovery-without-fencing"):  # the manager "fences" without taking node2's agent lock
        controller.advance_by(300)
    qtbot.wait(1)

    # the indicator: red, counting the violations
    violations = controller.violations
    assert [v.name for v in violations] == ["recovery-after-fencing"] * 2
    assert indicator.text() == "⚠ Safety: 2 violations" and indicator.styleSheet() == UNSAFE_STYLE
    assert "without fencing node2" in indicator.toolTip()
    assert "Safety violation at 162 s: recovery-after-fencing" in window.statusBar().currentMessage()

    # clicking it lists the violations with their plain-language explanation
    qtbot.mouseClick(indicator, Qt.MouseButton.LeftButton)
    dialog = window.safety_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.plain_text()
    assert "2 violations of the HA guarantees" in text
    assert "node1 moved vm:102 from node2 to node1 (now started) without fencing node2" in text
    assert INVARIANTS["recovery-after-fencing"].explanation in text

    # the log: a highlighted line right after the recovery that broke the guarantee
    lines = window.log_pane.visible_texts()
    marked = window.log_pane.violation_texts()
    assert len(marked) == 2
    assert "VIOLATED recovery-after-fencing: node1 moved vm:102 from node2 to node1" in marked[0]
    assert INVARIANTS["recovery-after-fencing"].title in marked[0]
    i = lines.index(marked[0])
    assert "recover service 'vm:102' from fenced node 'node2' to node 'node1'" in "".join(lines[i - 8:i])
    assert lines[i].split()[1] == "162"  # in its place in time
    proxy = window.log_pane.proxy
    index = proxy.index(i, 0)
    assert index.data(Qt.ItemDataRole.BackgroundRole).color().name() == VIOLATION_BACKGROUND
    assert "fences the node by taking over its agent lock" in index.data(Qt.ItemDataRole.ToolTipRole)
    # node filters do not hide it
    window.log_pane.node_filter.setCurrentIndex(window.log_pane.node_filter.findData("node3"))
    assert len(window.log_pane.violation_texts()) == 2

    # the timeline: a marker at 162, its explanation on hover
    assert window.timeline.marker_times() == [162]
    hover = hover_timeline_at(window, 162, lane=3)
    assert hover.startswith("⚠ Safety violation at 0:02:42 (162 s): recovery-after-fencing")
    marker = window.timeline.describe_marker(162)
    assert marker is not None and INVARIANTS["recovery-after-fencing"].explanation in marker[1]
    assert not hover_timeline_at(window, 60, lane=3).startswith("⚠")  # elsewhere: the lane's state
    QToolTip.hideText()


def test_a_watchdog_that_never_fires_is_shown_as_it_happens(qtbot, make_window, workdir, tmp_path):
    window, controller = open_scenario(make_window, workdir, tmp_path, "network-isolation")
    with mutant("watchdog-never-fires"):  # node3 loses its network at 120 and is never reset
        controller.advance_by(160)
        assert controller.violations == []  # 60 s after the last feed (105): not yet
        assert window.safety_indicator.text().startswith("✔ Safety: OK")
        controller.advance_by(10)
    first = controller.violations[0]
    assert (first.name, first.time) == ("watchdog-reset", 166)
    assert window.safety_indicator.text() == "⚠ Safety: 1 violation"
    assert any("VIOLATED watchdog-reset: node3 is still running 61 s after its watchdog was last fed"
               in t for t in window.log_pane.violation_texts())
    assert window.timeline.marker_times() == [166]
    # Reset starts again with a clean record
    window.reset_action.trigger()
    assert window.safety_indicator.text().startswith("✔ Safety: OK")
    assert window.log_pane.violation_texts() == [] and window.timeline.marker_times() == []


def test_the_faithful_engine_stays_green_through_a_node_failure(qtbot, make_window, workdir, tmp_path):
    window, controller = open_scenario(make_window, workdir, tmp_path, "node-failure")
    controller.advance_by(400)  # node2 dies at 120, fenced at 240, back at 320
    assert any("recover service 'vm:102' from fenced node 'node2'" in t for t in window.log_pane.visible_texts())
    assert controller.violations == []
    assert window.safety_indicator.text() == f"✔ Safety: OK — {len(INVARIANTS)} checks"
    assert window.log_pane.violation_texts() == [] and window.timeline.marker_times() == []
    window.safety_action.trigger()  # Simulation → Safety checks…
    text = window.safety_dialog.plain_text()
    assert "No violation so far" in text
    assert all(inv.title in text for inv in INVARIANTS.values())
    # a network partition too: the isolated node runs its VMs until its watchdog fires (the known window)
    assert controller.open_shipped("network-isolation")
    controller.advance_by(400)
    assert controller.violations == [] and window.safety_indicator.text().startswith("✔ Safety: OK")


def test_violation_lines_in_the_log_model(qtbot):
    from hasim.analysis.invariants import Violation
    from hasim.log import LogLine
    from ui.models import LogFilterProxy, LogModel

    model = LogModel()
    proxy = LogFilterProxy()
    proxy.setSourceModel(model)
    v = Violation("single-active-service", INVARIANTS["single-active-service"].explanation, 162,
                  "vm:103 runs on node1 and node3 at the same time", 3)
    model.append([LogLine("info", 160, "node1/crm", "recover service 'vm:103'"), v,
                  LogLine("info", 164, "node3/lrm", "got lock")])
    assert model.violation_rows() == [1]
    assert model.index(1, 0).data(LINE_ROLE) is v
    assert model.index(1, 0).data().startswith("SAFETY   162   invariants: VIOLATED single-active-service")
    proxy.set_filter(level="err")
    assert proxy.rowCount() == 1  # a violation counts as an error
    proxy.set_filter(level="info")
    assert proxy.rowCount() == 2
    proxy.set_filter(level=None, text="runs on node1")
    assert proxy.rowCount() == 1
    assert QApplication.instance() is not None
