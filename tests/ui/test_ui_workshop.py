"""Workshop use of the window: open a scenario through the picker, reset it,
and read the explainer for the node or service a person clicks.

The picker is driven as a person does (click the scenario in the list, read
its README, click Open); nodes are selected by clicking their card, services
by clicking their row; assertions read what the explainer pane shows.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from hasim.workdir.shipped import shipped_dirs
from tests.ui.conftest import REPO
from ui.dialogs.scenario_picker import NAME_ROLE, ScenarioPicker
from ui.models.services_model import COL_SID

SHIPPED = REPO / "working-dirs"


def click(qtbot, widget, pos=None) -> None:
    if pos is None:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)
    else:
        qtbot.mouseClick(widget, Qt.MouseButton.LeftButton, pos=pos)


def pick_in_dialog(qtbot, name: str):
    """A stand-in for `window._exec`: show the picker, click `name`, check its README, click Open."""

    def drive(dialog) -> bool:
        assert isinstance(dialog, ScenarioPicker)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        names = [dialog.list.item(i).data(NAME_ROLE) for i in range(dialog.list.count())]
        item = dialog.list.item(names.index(name))
        dialog.list.scrollToItem(item)
        click(qtbot, dialog.list.viewport(), dialog.list.visualItemRect(item).center())
        assert dialog.selected_name() == name
        readme = dialog.readme.toPlainText()
        heading = next(d.title for d in shipped_dirs() if d.name == name)
        assert readme.startswith(heading)  # the markdown is rendered: no '#'
        assert "## " not in readme and "What to try" in readme
        click(qtbot, dialog.open_button)
        return dialog.result() == QDialog.DialogCode.Accepted

    return drive


def explain_text(qtbot, window, *needles: str) -> str:
    """Wait until the explainer pane shows every needle (it refreshes a few times a second)."""
    browser = window.explain_pane.browser
    qtbot.waitUntil(lambda: all(n in browser.toPlainText() for n in needles), timeout=3000)
    return browser.toPlainText()


def run_until(controller, predicate, limit: int = 900, step: int = 5) -> None:
    while not predicate():
        assert controller.snapshot.time < limit, "the expected state was not reached"
        controller.advance_by(step)


def log_has(window, text: str) -> bool:
    return any(text in t for t in window.log_pane.visible_texts())


def test_picker_lists_every_scenario_with_its_readme(qtbot):
    dialog = ScenarioPicker()
    qtbot.addWidget(dialog)
    names = [dialog.list.item(i).data(NAME_ROLE) for i in range(dialog.list.count())]
    assert names[0] == "default" and len(names) >= 15
    assert {"node-failure", "network-isolation", "two-node-cluster", "error-state-recovery"} <= set(names)
    assert dialog.selected_name() == "node-failure"  # a good first scenario is preselected
    row = names.index("two-node-cluster")
    assert "why HA needs three votes" in dialog.list.item(row).text()
    dialog.list.setCurrentRow(row)
    assert dialog.readme.toPlainText().startswith("two-node-cluster — why HA needs three votes")


def test_open_scenario_through_the_picker_and_explain_the_fenced_node(qtbot, make_window, workdir, tmp_path,
                                                                      monkeypatch):
    window, controller = make_window(workdir)
    controller.scratch_parent = tmp_path / "copies"
    controller.scratch_parent.mkdir()
    shipped_before = sorted(p.name for p in (SHIPPED / "node-failure").iterdir())

    monkeypatch.setattr(window, "_exec", pick_in_dialog(qtbot, "node-failure"))
    window.open_scenario_action.trigger()  # File → Open scenario…
    assert controller.source == "node-failure"
    assert controller.path.parent.parent == controller.scratch_parent  # a fresh copy, not the shipped one
    assert sorted(p.name for p in (SHIPPED / "node-failure").iterdir()) == shipped_before
    assert "scenario node-failure" in window.windowTitle()
    assert controller.snapshot.time == 0 and len(controller.snapshot.services) == 6

    # the scenario's own script runs: node2 loses power at 120; wait until the
    # manager is fencing it, then click node2's card
    run_until(controller, lambda: controller.snapshot.node("node2").manager_state == "fence")
    card = window.nodes_panel.card("node2")
    click(qtbot, card.daemons)  # anywhere on the card but its buttons
    assert card.selected and window.explain_pane.subject == ("node", "node2")
    text = explain_text(qtbot, window, "node2: powered off", "is fencing it")
    assert "vm:102 and vm:105 wait for recovery" in text
    assert "the lock can be taken once it is older than 120 s" in text
    # what comes next, in plain words from the engine's look-ahead
    assert "the manager takes over node2's agent lock: node2 is fenced" in text
    assert "vm:102 is recovered from node2 to node1" in text

    # time runs on; the pane follows: node2 has been fenced, its VMs recovered
    run_until(controller, lambda: log_has(window, "fencing: acknowledged - got agent lock for node 'node2'"))
    controller.advance_by(5)
    text = explain_text(qtbot, window, "It was fenced at 240")
    assert text.startswith("node2: powered off")
    assert "the master took over its agent lock and recovered vm:102 to node1 and vm:105 to node3" in text


def test_reset_returns_the_scenario_to_its_start(qtbot, make_window, workdir, tmp_path):
    window, controller = make_window(workdir)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("node-failure")
    first = controller.path
    controller.advance_by(260)
    window.explain_node("node2")
    assert controller.snapshot.node("node2").power == "off"
    assert window.log_pane.model.rowCount() > 50

    window.reset_action.trigger()  # Simulation → Reset
    assert controller.source == "node-failure" and controller.path != first  # a new fresh copy
    assert controller.snapshot.time == 0
    assert window.log_pane.model.rowCount() == 1  # "starting simulation"
    assert controller.history.states_of("node2") == ["off"]
    # the scenario runs again from its start, and the explainer still follows node2
    assert explain_text(qtbot, window, "node2").startswith("node2")
    controller.advance_by(130)
    assert controller.snapshot.node("node2").power == "off"
    assert "node2 was powered off at 120" in explain_text(qtbot, window, "powered off at 120")


def test_reset_of_a_users_directory_reopens_it_untouched(qtbot, make_window, tmp_path):
    from tests.ui.conftest import make_workdir

    wd = make_workdir(tmp_path, json.dumps([["power node1 on", "power node2 on", "power node3 on"]]))
    inputs = {p.name: p.read_bytes() for p in wd.iterdir() if p.is_file() and p.name != ".hasim.lock"}
    window, controller = make_window(wd)
    controller.advance_by(100)
    click(qtbot, window.nodes_panel.card("node1").power)  # the user changes things...
    controller.step()
    assert controller.snapshot.node("node1").power == "off"
    window.reset_action.trigger()
    assert controller.path == wd and controller.source is None and controller.snapshot.time == 0
    assert {p.name: p.read_bytes() for p in wd.iterdir() if p.is_file() and p.name != ".hasim.lock"} == inputs
    controller.advance_by(60)
    assert controller.snapshot.node("node1").power == "on"  # ...and Reset starts from the files again


def test_explainer_for_a_node_that_lost_quorum(qtbot, make_window, workdir, tmp_path):
    window, controller = make_window(workdir)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("network-isolation")  # node3's network is cut at 120
    controller.advance_by(140)
    click(qtbot, window.nodes_panel.card("node3").daemons)
    text = explain_text(qtbot, window, "node3: network cut, no quorum")
    assert "no quorum since 120" in text
    assert "it resets node3 at 166" in text  # its watchdog: 60 s after the last feed
    assert "at 166 (in 24 s): the watchdog resets node3 (power off)" in text
    assert "vm:103 is recovered from node3 to node1" in text
    # the card and the pane agree with each other
    assert "watchdog fires in" in window.nodes_panel.card("node3").waits.text()


def test_explainer_for_a_service_in_error(qtbot, make_window, workdir, tmp_path):
    window, controller = make_window(workdir)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("error-state-recovery")
    run_until(controller, lambda: controller.snapshot.service("fa:140").state == "error", limit=220)
    view = window.services.view
    row = window.services.model.row_of("fa:140")
    click(qtbot, view.viewport(), view.visualRect(view.model().index(row, COL_SID)).center())
    assert window.services.selected_sid() == "fa:140"
    assert window.explain_pane.subject == ("service", "fa:140")
    assert window.nodes_panel.selected is None
    text = explain_text(qtbot, window, "fa:140: 'error'")
    assert "It entered the error state at 120 after failing to start on node3 and node2" in text
    assert "HA does nothing more with it" in text
    # the way out: fix, disable, enable
    assert "To recover: fix the cause, set it to 'disabled' (it goes to 'stopped'), then to 'started' again" in text
    # clicking a node afterwards explains the node and clears the service selection
    click(qtbot, window.nodes_panel.card("node1").daemons)
    assert window.services.selected_sid() is None
    assert explain_text(qtbot, window, "node1:").startswith("node1:")


def test_explainer_refreshes_at_most_a_few_times_a_second(qtbot, make_window, workdir, tmp_path, monkeypatch):
    import ui.widgets.explain_pane as pane_module

    window, controller = make_window(workdir, speed=500)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("node-failure")
    calls = []
    real = pane_module.explain_node

    def counting(sim, node, **kw):
        calls.append(sim.time)
        return real(sim, node, **kw)

    monkeypatch.setattr(pane_module, "explain_node", counting)
    window.explain_node("node2")
    assert len(calls) == 1  # a click explains at once
    controller.play()
    qtbot.wait(1000)
    controller.pause()
    assert controller.snapshot.time >= 200  # minutes of virtual time went by in ten ticks...
    assert 2 <= len(calls) <= 5, calls  # ...and the text was rebuilt a few times only
    # once time stands still the pane catches up with the last state, then rests
    qtbot.waitUntil(lambda: calls[-1] == controller.snapshot.time, timeout=2000)
    settled = len(calls)
    qtbot.wait(400)
    assert len(calls) == settled


def test_opening_a_cluster_without_the_selected_node_clears_the_explainer(qtbot, make_window, workdir, tmp_path):
    window, controller = make_window(workdir)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("network-isolation")
    click(qtbot, window.nodes_panel.card("node3").daemons)
    assert explain_text(qtbot, window, "node3").startswith("node3")
    assert controller.open_shipped("two-node-cluster")  # node1 and node2 only
    assert window.explain_pane.subject is None and window.explain_pane.text() == ""
    assert window.nodes_panel.selected is None and not window.nodes_panel.card("node1").selected
    assert window.explain_pane.browser.toPlainText() == ""  # the placeholder shows


def test_a_slow_look_ahead_is_not_run_while_time_runs(qtbot, make_window, workdir, monkeypatch):
    """Where one look-ahead costs more than HEAVY_MS, the pane shows the present
    only while time runs (no look-ahead in the ticks) and the whole text again
    once time is paused."""
    import ui.widgets.explain_pane as pane_mod

    monkeypatch.setattr(pane_mod, "HEAVY_MS", -1)  # every look-ahead counts as slow
    window, controller = make_window(workdir, speed=0)
    controller.submit("power node1 on")
    controller.submit("power node2 on")
    controller.submit("power node3 on")
    controller.advance_to(200)
    pane = window.explain_pane
    window.explain_node("node2")
    assert pane.heavy and "in the next 360 s" in pane.text() and not pane.note.isVisibleTo(window)
    calls = []
    real = pane_mod.explain_node
    monkeypatch.setattr(pane_mod, "explain_node", lambda source, *a, **k: calls.append(source) or real(source, *a, **k))
    controller.set_speed(100)
    controller.play()
    qtbot.waitUntil(lambda: len(calls) >= 2, timeout=3000)
    assert all(source is not controller.sim for source in calls)  # snapshots only: no engine copy to run ahead
    assert pane.note.isVisibleTo(window) and "Big cluster" in pane.note.text()
    assert "in the next 360 s" not in pane.text()  # the present only
    controller.pause()
    pane.update_now()
    assert calls[-1] is controller.sim and not pane.note.isVisibleTo(window)
    assert "in the next 360 s" in pane.text()
