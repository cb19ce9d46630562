"""Drive the window the way a person does and check what it shows.

Virtual time is driven through the controller (never the wall clock), clicks
and keys go through QTest, assertions read the widgets: node cards, the
services table, the timeline's history and hover text, the log view.
"""

from __future__ import annotations

import json

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QComboBox

from ui.models.services_model import COL_NODE, COL_REQUESTED, COL_SID, COL_STATE


def table_rows(window) -> dict[str, dict[str, str]]:
    model = window.services.view.model()
    out = {}
    for r in range(model.rowCount()):
        sid = model.index(r, COL_SID).data()
        out[sid] = {
            "requested": model.index(r, COL_REQUESTED).data(),
            "state": model.index(r, COL_STATE).data(),
            "node": model.index(r, COL_NODE).data(),
        }
    return out


def click(qtbot, widget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def power_on_all(qtbot, window, controller) -> None:
    for name in ("node1", "node2", "node3"):
        card = window.nodes_panel.card(name)
        assert not card.power.isChecked()
        click(qtbot, card.power)
    controller.step()  # commands apply at the loop end
    controller.advance_by(120)
    qtbot.wait(1)


def test_power_off_node_is_fenced_and_services_recovered(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)
    for name in ("node1", "node2", "node3"):
        card = window.nodes_panel.card(name)
        assert card.chip.text() == "online"
        assert card.power.isChecked() and card.network.isChecked()
    rows = table_rows(window)
    assert all(r["state"] == "started" for r in rows.values()), rows
    assert rows["vm:101"]["node"] == "node1" and rows["vm:104"]["node"] == "node1"

    # switch node1's power off, as a person clicks the switch
    card1 = window.nodes_panel.card("node1")
    click(qtbot, card1.power)
    assert "queued" in card1.extra.text()
    controller.step()
    assert not card1.power.isChecked()

    # the stack waits: a countdown for the fence delay shows on node1's card
    seen_countdown = False
    for _ in range(30):
        controller.advance_by(10)
        if "fence in" in card1.waits.text():
            seen_countdown = True
        if controller.history.states_of("node1").count("fence"):
            break
    assert seen_countdown, "no fence countdown was shown"
    controller.advance_by(60)

    # table: node1's services recovered to the other nodes and started
    rows = table_rows(window)
    for sid in ("vm:101", "vm:104"):
        assert rows[sid]["node"] in ("node2", "node3"), rows
        assert rows[sid]["state"] == "started", rows
    # timeline: node1 went through 'fence', its services through fence/recovery
    assert "fence" in controller.history.states_of("node1")
    assert ["started", "fence", "recovery", "started"] == [
        s for s in controller.history.states_of("vm:101") if s != "queued"
    ][-4:]
    lane = controller.history.lane("node1")
    fence_seg = next(s for s in lane.segments if s.state == "fence")
    assert "fence" in window.timeline.describe("node1", fence_seg.start)
    # log: the fencing and the recovery are in the log view
    texts = window.log_pane.visible_texts()
    assert any("FENCE: Try to fence node 'node1'" in t for t in texts)
    assert any("recover service 'vm:101' from fenced node 'node1'" in t for t in texts)
    # and the log filter finds them by node and text
    window.log_pane.search.setText("fenced node")
    window.log_pane._filter()
    assert window.log_pane.visible_texts() and all("fenced node" in t for t in window.log_pane.visible_texts())


def test_add_migrate_disable_delete_service(qtbot, make_window, workdir, monkeypatch):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)

    # add: a taken id is refused in the dialog, a free one is added
    def fill_add(dialog):
        dialog.kind.setCurrentText("vm")
        dialog.number.setText("101")
        assert "already taken" in dialog.error.text()
        assert not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.number.setText("1x")
        assert "not a valid ID" in dialog.error.text()
        dialog.number.setText("200")
        dialog.node.setCurrentText("node2")
        assert dialog.error.text() == ""
        return True

    monkeypatch.setattr(window, "_exec", fill_add)
    click(qtbot, window.services.buttons["add"])
    controller.step()
    controller.advance_by(40)
    rows = table_rows(window)
    assert rows["vm:200"] == {"requested": "started", "state": "started", "node": "node2"}
    stats = controller.read_config("static_service_stats")
    assert stats["vm:200"] == {"maxcpu": 4, "maxmem": 4096 * 1048576}

    # migrate vm:200 to node3 through the dialog
    window.services.select("vm:200")

    def fill_migrate(dialog):
        dialog.target.setCurrentText("node3")
        assert not dialog.relocate.isChecked()
        return True

    monkeypatch.setattr(window, "_exec", fill_migrate)
    click(qtbot, window.services.buttons["migrate"])
    controller.step()
    controller.advance_by(60)
    assert table_rows(window)["vm:200"]["node"] == "node3"
    assert "migrate" in controller.history.states_of("vm:200")

    # disable it with the requested-state combo in the table
    view = window.services.view
    row = window.services.model.row_of("vm:200")
    index = view.model().index(row, COL_REQUESTED)
    view.setCurrentIndex(index)
    view.edit(index)
    combo = view.findChild(QComboBox, "requestedCombo")
    assert combo is not None
    combo.setCurrentText("disabled")
    combo.activated.emit(combo.currentIndex())
    view.commitData(combo)
    controller.step()
    controller.advance_by(40)
    rows = table_rows(window)
    assert rows["vm:200"]["requested"] == "disabled"
    assert rows["vm:200"]["state"] == "stopped"

    # delete it, confirming
    window.services.select("vm:200")
    monkeypatch.setattr(window, "_confirm", lambda title, text: True)
    click(qtbot, window.services.buttons["delete"])
    controller.step()
    controller.advance_by(20)
    assert "vm:200" not in table_rows(window)
    texts = window.log_pane.visible_texts()
    assert any("execute service vm:200 delete" in t for t in texts)


def test_edit_service_and_relocate(qtbot, make_window, workdir, monkeypatch):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)
    window.services.select("vm:102")

    def fill_edit(dialog):
        dialog.max_restart.setText("3")
        dialog.failback.setChecked(False)
        dialog.cpu.setText("2")
        return True

    monkeypatch.setattr(window, "_exec", fill_edit)
    click(qtbot, window.services.buttons["edit"])
    controller.step()
    conf = controller.read_config("service_config")["vm:102"]
    assert conf["max_restart"] == 3 and conf["failback"] == 0
    assert controller.read_config("static_service_stats")["vm:102"]["maxcpu"] == 2
    window.services.select("vm:102")
    monkeypatch.setattr(window, "_exec", lambda d: (d.target.setCurrentText("node1"), True)[1])
    click(qtbot, window.services.buttons["relocate"])
    controller.step()
    controller.advance_by(60)
    assert table_rows(window)["vm:102"]["node"] == "node1"
    assert "relocate" in controller.history.states_of("vm:102")


def test_time_controls_with_keyboard(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=10)
    assert not controller.running
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert controller.running and window.play_action.text() == "Pause"
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not controller.running and window.play_action.text() == "Run"

    qtbot.keyClick(window, Qt.Key.Key_Plus)
    assert controller.speed == 20 and window.speed_combo.currentText() == "20×"
    qtbot.keyClick(window, Qt.Key.Key_Minus)
    qtbot.keyClick(window, Qt.Key.Key_Minus)
    assert controller.speed == 5
    window.speed_combo.setCurrentIndex(window.speed_combo.findData(100.0))
    assert controller.speed == 100

    t0 = controller.snapshot.time
    qtbot.keyClick(window, Qt.Key.Key_S)
    assert controller.snapshot.time == t0 + 20
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert controller.snapshot.time == t0 + 40
    assert f"({t0 + 40} s)" in window.clock.text()

    # N: run until something changes state (here: a node is switched on)
    click(qtbot, window.nodes_panel.card("node2").power)
    qtbot.keyClick(window, Qt.Key.Key_N)
    qtbot.waitUntil(lambda: not controller.searching, timeout=5000)
    assert controller.snapshot.node("node2").power == "on"
    assert window.nodes_panel.card("node2").power.isChecked()


def test_next_change_searches_in_slices_and_the_window_keeps_answering(qtbot, make_window, workdir):
    """An hour without a state change: the search runs in slices between which
    the event loop runs (a timer keeps firing, the clock moves); pressing the
    action again stops it; a search that finds nothing says so."""
    window, controller = make_window(workdir, speed=10)
    for n in (1, 2, 3):
        controller.submit(f"power node{n} on")
    controller.advance_to(300)  # everything started: nothing changes any more
    controller.tick_budget_ms = 1  # many slices
    beats, messages = [], []
    controller.message.connect(messages.append)
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: beats.append(controller.snapshot.time))
    heartbeat.start(0)  # fires whenever the event loop gets a turn
    window.next_action.trigger()
    assert controller.searching and window.next_action.text() == "Stop looking"
    assert "looking for the next state change" in window.run_state.text()
    qtbot.waitUntil(lambda: not controller.searching, timeout=20000)
    heartbeat.stop()
    assert controller.snapshot.time > 300 + 3600
    assert len(set(beats)) > 5  # the event loop had turns while the clock moved
    assert messages[-1] == "No state change within 3600 s of virtual time"
    assert window.next_action.text() == "Next change"
    # stopping a search: press the action again
    window.next_action.trigger()
    assert controller.searching
    t = controller.snapshot.time
    window.next_action.trigger()
    assert not controller.searching and messages[-1] == "Stopped looking for the next state change"
    qtbot.wait(50)
    assert controller.snapshot.time < t + 3600


def test_running_follows_virtual_time(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=500)
    controller.play()
    qtbot.waitUntil(lambda: controller.snapshot.time >= 40, timeout=5000)
    controller.pause()
    t = controller.snapshot.time
    qtbot.wait(250)
    assert controller.snapshot.time == t  # paused: time stands still
    assert "paused" in window.run_state.text()


def test_a_tick_does_bounded_engine_work_and_says_when_it_falls_behind(qtbot, make_window, workdir):
    """Out of budget, a tick stops stepping (at least one step is made), the
    lag is cut to one tick's worth, and the window says which speed the
    engine really reaches; with budget again it catches up and says so."""
    window, controller = make_window(workdir, speed=100)
    controller.submit("power node1 on")
    controller.tick_budget_ms = 0  # every tick is out of budget after its first step
    controller._running = True  # as play() does, without the timer: the test drives the ticks
    paces = []
    controller.paceChanged.connect(paces.append)
    steps = controller.sim.steps
    for _ in range(10):
        controller.tick(0.1)  # 10 virtual seconds asked each time
    assert controller.sim.steps - steps == 10  # one step per tick
    assert controller.sim.time < 60  # far behind the 100 s asked for
    assert controller.clock.virtual - controller.sim.time <= 10  # lag cut to one tick's worth
    assert paces and 1 <= paces[-1] < 100 and controller.pace == paces[-1]
    assert "cannot keep up with 100×" in window.run_state.text()
    controller.tick_budget_ms = 1000
    controller.tick(0.1)
    assert controller.sim.time > controller.clock.virtual - 1  # caught up within the tick
    assert paces[-1] != 0.0  # one tick in time is not "keeping up" yet (no blinking label)
    for _ in range(10):
        controller.tick(0.1)
    assert paces[-1] == 0.0 and window.run_state.text().strip() == "running"
    controller._running = False


def test_read_only_disables_every_change(qtbot, make_window, workdir):
    window, controller = make_window(workdir, read_only=True)
    assert window.read_only_badge.isVisible()
    card = window.nodes_panel.card("node1")
    assert not card.power.isEnabled() and not card.network.isEnabled() and not card.more.isEnabled()
    for key in ("add", "migrate", "relocate", "edit", "delete"):
        assert not window.services.buttons[key].isEnabled()
    assert all(not w.isEnabled() for w in window.mutating)
    assert not window.services.model.flags(window.services.model.index(0, COL_REQUESTED)) & Qt.ItemFlag.ItemIsEditable
    # time still runs, and the controller refuses commands that slip through
    controller.step()
    assert controller.snapshot.time == 20
    assert controller.submit("power node1 on") is not None
    controller.step()
    assert controller.snapshot.node("node1").power == "off"
    assert "Read-only" in window.last_error


def test_bad_commands_show_a_message_and_the_window_keeps_running(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    for cmd, text in (
        ("service vm:1x add node1", "not a valid service id"),
        ("service vm:101 add node1", "already taken"),
        ("service vm:300 migrate node2", "No such service"),
        ("service vm:101 migrate node9", "Unknown target node"),
        ("power node9 off", "No such node"),
    ):
        assert controller.submit(cmd) is not None
        assert text in window.last_error
        assert text in window.statusBar().currentMessage()
    controller.step()
    assert not controller.sim.finished
    assert controller.snapshot.time == 20


def test_bad_working_directory_is_reported(qtbot, make_window, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "cmdlist").write_text("[]")
    (bad / "hardware_status").write_text("{ not json")
    window, controller = make_window(bad, expect_open=False)
    assert "hardware_status" in window.last_error and "invalid JSON" in window.last_error
    controller.step()  # nothing open: nothing happens, nothing raises
    assert controller.sim is None


def test_datacenter_settings_and_rules(qtbot, make_window, workdir, monkeypatch):
    window, controller = make_window(workdir)
    window.crs_combo.setCurrentText("static")
    window.crs_combo.activated.emit(window.crs_combo.currentIndex())
    window.policy_actions["migrate"].trigger()
    controller.step()
    assert controller.snapshot.crs_mode == "static"
    assert controller.snapshot.shutdown_policy == "migrate"

    def fill_rules(dialog):
        dialog.rules.edit.setPlainText("node-affinity: bad\n\tresources vm:101\n")
        problems = dialog.rules.validate()
        assert problems and any("nodes" in p for p in problems)
        assert dialog.rules.edit.extraSelections()
        dialog.rules.edit.setPlainText("node-affinity: vm101-on-node1\n\tnodes node1\n\tresources vm:101\n\tstrict 1\n")
        assert dialog.rules.validate() == []
        table = dialog.rules.summary
        assert table.rowCount() == 1 and table.item(0, 0).text() == "vm101-on-node1"
        assert "node1 (strict)" in table.item(0, 3).text()
        dialog.groups.edit.setPlainText("group: g1\n\tnodes node1:2,node9\n\tnofailback 1\n")
        assert any("node9" in p for p in dialog.groups.validate())
        assert dialog.groups.summary.item(0, 2).text() == "nofailback"
        dialog.groups.edit.setPlainText(dialog.groups.example)
        return True

    monkeypatch.setattr(window, "_exec", fill_rules)
    window.rules_action.trigger()
    controller.step()
    assert "vm101-on-node1" in controller.read_config("rules_config")


def test_save_as_scenario_writes_the_state_back_as_inputs(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)
    window.save_scenario_action.trigger()
    hw = json.loads((workdir / "hardware_status").read_text())
    assert hw["node1"]["power"] == "on"
    assert json.loads((workdir / "cmdlist").read_text()) == []
    assert "is now the start of" in window.statusBar().currentMessage()


def test_countdowns_for_watchdog_and_agent_lock(qtbot, make_window, tmp_path):
    from tests.ui.conftest import make_workdir

    wd = make_workdir(tmp_path, json.dumps([["power node1 on", "power node2 on", "power node3 on"],
                                              ["network node3 off"]]))
    window, controller = make_window(wd)
    seen = set()
    for _ in range(40):
        controller.advance_by(5)
        text = window.nodes_panel.card("node3").waits.text()
        for key in ("fence in", "watchdog fires in", "agent lock free in"):
            if key in text:
                seen.add(key)
    assert seen == {"fence in", "watchdog fires in", "agent lock free in"}


def test_repaints_are_coalesced_to_ten_per_second(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=500)
    controller.submit("power node1 on")
    published = []
    controller.snapshotChanged.connect(lambda s: published.append(s.time))
    controller.play()
    qtbot.wait(1000)
    controller.pause()
    assert controller.snapshot.time >= 300  # 500x for a second: minutes of virtual time
    assert 3 <= len(published) <= 12, published  # one snapshot per tick at most


def test_log_follows_the_tail_unless_scrolled_up(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    window.resize(1280, 800)
    power_on_all(qtbot, window, controller)
    bar = window.log_pane.view.verticalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0)
    assert bar.value() == bar.maximum() and window.log_pane.following
    bar.setValue(0)  # the user scrolls up to read
    assert not window.log_pane.following
    click(qtbot, window.nodes_panel.card("node2").network)
    controller.step()
    controller.advance_by(60)
    assert bar.value() == 0  # stays where the user is reading
    bar.setValue(bar.maximum())  # back at the bottom: follows again
    assert window.log_pane.following
    controller.advance_by(60)
    assert bar.value() == bar.maximum()


def test_timeline_hover_shows_state_and_time(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)
    order = controller.history.order
    text = window.timeline.hover_at(100, order.index("vm:102"))
    assert text.startswith("vm:102: started on node2") and "0:01:40" in text


def test_manager_status_pane_shows_the_live_status(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)
    window.bottom_tabs.setCurrentWidget(window.manager_pane)
    status = json.loads(window.manager_pane.toPlainText())
    assert status["master_node"] == "node1"
    assert status["service_status"]["vm:101"]["state"] == "started"


def test_node_actions_menu_reboot_and_maintenance(qtbot, make_window, workdir):
    window, controller = make_window(workdir)
    power_on_all(qtbot, window, controller)
    card = window.nodes_panel.card("node2")
    card.actions_by_command["crm node2 enable-node-maintenance"].trigger()
    controller.step()
    controller.advance_by(60)
    assert card.chip.text() == "maintenance"
    assert all(r["node"] != "node2" for r in table_rows(window).values())
    card.actions_by_command["crm node2 disable-node-maintenance"].trigger()
    card3 = window.nodes_panel.card("node3")
    card3.actions_by_command["reboot node3"].trigger()
    controller.step()
    controller.advance_by(120)
    texts = window.log_pane.visible_texts()
    assert any("execute reboot node3" in t for t in texts)
    assert card.chip.text() == "online"


def test_a_stopped_simulation_is_reported_and_can_be_reloaded(qtbot, make_window, tmp_path):
    from tests.ui.conftest import make_workdir

    wd = make_workdir(tmp_path, '[["power node1 on"], ["foo node1"]]')
    window, controller = make_window(wd)
    controller.advance_by(200)
    assert controller.sim.finished
    assert "stopped" in window.last_error and "unknown command 'foo node1'" in window.last_error
    assert "ended:" in window.run_state.text()
    assert not window.step_action.isEnabled()
    controller.step()  # nothing happens, nothing raises
    assert controller.reload()
    assert controller.snapshot.time == 0 and window.step_action.isEnabled()
    assert window.log_pane.model.rowCount() == 1  # "starting simulation"


def test_no_opengl_anywhere(qtbot, make_window, workdir):
    from PySide6.QtOpenGLWidgets import QOpenGLWidget

    window, controller = make_window(workdir)
    assert window.findChildren(QOpenGLWidget) == []


def test_many_lanes_scroll_instead_of_shrinking(qtbot, make_window, tmp_path):
    from tests.ui.conftest import make_workdir

    wd = make_workdir(tmp_path, '[["power node1 on", "power node2 on", "power node3 on"]]')
    (wd / "service_config").write_text(json.dumps(
        {f"vm:{100 + i}": {"node": f"node{i % 3 + 1}", "state": "started"} for i in range(1, 31)}))
    window, controller = make_window(wd)
    controller.advance_by(100)
    qtbot.wait(10)
    assert window.width() <= 1280
    canvas = window.timeline.canvas
    shown = canvas.lanes_shown()
    assert shown < 33 and canvas.first_lane == 0  # the top lanes (the nodes) are in view
    assert canvas.lane_h >= 18  # each lane keeps a readable height
    assert "lanes shown" in window.timeline.hover_label.text()
    canvas.scroll_lanes(5)
    assert canvas.first_lane == 5


def test_a_failed_save_shows_a_message(qtbot, make_window, workdir, monkeypatch):
    window, controller = make_window(workdir)

    def broken_save(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    import hasim.workdir.saved

    monkeypatch.setattr(hasim.workdir.saved, "write_saved", broken_save)
    window.save_action.trigger()
    assert "Save failed: Permission denied" in window.last_error
    controller.step()
    assert controller.snapshot.time == 20  # still running
