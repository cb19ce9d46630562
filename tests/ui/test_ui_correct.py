"""Correct at a glance (issue item 6): what the window shows agrees with
itself, with the stack's words and with the files it writes."""

from __future__ import annotations

import json

from tests.ui.conftest import make_workdir
from ui.models.services_model import COL_STATE
from ui.widgets.timeline import HINT


def status_message(window) -> str:
    return window.statusBar().currentMessage()


def test_the_status_bar_tells_the_outcome_not_queued(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    window.send("power node1 on")
    assert status_message(window) == "Queued 'power node1 on' for the next loop end"
    controller.step()
    assert status_message(window) == "Applied 'power node1 on' at 20 s"


def test_a_command_refused_at_the_loop_end_says_why(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    window.send("service vm:101 stopped")
    # the service goes away before the loop end, as an ha-manager request would do it
    controller.sim.kernel.world.write_service_config(
        {k: v for k, v in controller.sim.read_config("service_config").items() if k != "vm:101"})
    controller.step()
    assert "'service vm:101 stopped' was not applied at 20 s: No such service 'vm:101'" in window.last_error
    assert not status_message(window).startswith("Queued")


def test_nodes_are_listed_in_natural_order(qtbot, make_window, tmp_path):
    from hasim.workdir.create import new_workdir

    d = tmp_path / "twelve"
    new_workdir(d, nodes=12)
    window, controller = make_window(d, speed=0)
    expected = [f"node{i}" for i in range(1, 13)]
    assert list(window.nodes_panel.cards) == expected
    assert window.nodes() == expected
    combo = window.log_pane.node_filter
    assert [combo.itemText(i) for i in range(1, combo.count())] == expected
    assert [k for k in controller.history.order if k.startswith("node")] == expected
    assert controller.sim.nodes[:3] == ["node1", "node10", "node11"]  # the engine keeps the tester's order


def test_a_service_the_manager_has_not_seen_is_queued(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    model = window.services.view.model()
    assert model.index(0, COL_STATE).data() == "queued"  # the word of `ha-manager status`
    assert "queued" in controller.history.states_of("vm:101")


def test_a_node_reset_by_its_watchdog_is_off_not_online(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    for name in ("node1", "node2", "node3"):
        window.send(f"power {name} on")
    controller.advance_to(200)
    window.send("network node1 off")
    card = window.nodes_panel.card("node1")
    seen = []
    while controller.sim.time < 330:
        controller.step()
        qtbot.wait(1)
        node = controller.snapshot.node("node1")
        if node.power == "off":
            seen.append((node.manager_state, card.chip.text(), card.daemons.text()))
    assert seen, "node1 was never reset by its watchdog"
    stale = [s for s in seen if s[0] == "online"]
    assert stale, "the manager always saw the reset at once: nothing to check"
    for _manager, chip, daemons in stale:
        assert chip == "off" and daemons.startswith("Powered off")


def test_the_explainer_heading_and_the_chip_say_the_same(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    for name in ("node1", "node2", "node3"):
        window.send(f"power {name} on")
    controller.step()  # powered on at 20 s: no master has seen them yet
    window.explain_node("node2")
    window.explain_pane.update_now()
    heading = window.explain_pane.text().split("\n")[0]
    chip = window.nodes_panel.card("node2").chip.text()
    assert heading == f"node2: {chip}", (heading, chip)


def test_status_files_follow_every_step_while_paused(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    window.send("power node1 on")
    for _ in range(3):
        controller.step()
        controller.live.status.wait()
        assert (workdir / "status" / "clock").read_text() == f"{controller.sim.time}\n"
        hw = json.loads((workdir / "status" / "hardware_status").read_text())
        assert hw["node1"]["power"] == "on"


def test_the_timeline_hover_goes_with_the_scenario(qtbot, make_window, workdir, tmp_path):
    window, controller = make_window(workdir, speed=0)
    for name in ("node1", "node2", "node3"):
        window.send(f"power {name} on")
    controller.advance_to(120)
    text = window.timeline.hover_at(100, controller.history.order.index("vm:102"))
    assert text.startswith("vm:102")
    assert window.timeline.hover_label.toolTip().startswith("vm:102")
    assert controller.open(make_workdir(tmp_path, name="other"))
    assert window.timeline.hover_label.text() == HINT
    assert window.timeline.hover_label.toolTip() == ""
    window.timeline.refresh()
    assert window.timeline.hover_label.text() == HINT


def test_the_window_starts_paused_over_powered_off_nodes_and_says_why(qtbot, make_window, tmp_path):
    window, controller = make_window(make_workdir(tmp_path), speed=10)
    assert controller.why_start_paused() == ("Paused: every node is powered off. Switch nodes on (their Power "
                                             "switch), then Run (Space)")
    _, scenario = make_window(make_workdir(tmp_path, '[["power node1 on"]]', name="scripted"), speed=10)
    assert scenario.why_start_paused() is None  # a scenario plays its commands by itself: it runs


def test_the_log_counts_its_lines_in_english(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)  # every node off: one line so far
    pane = window.log_pane
    assert pane.model.rowCount() == 1 and pane.count.text() == "1 line"
    pane.search.setText("no such text")
    qtbot.wait(10)
    assert pane.count.text() == "0 of 1 line"
    pane.search.setText("")
    for name in ("node1", "node2", "node3"):
        window.nodes_panel.card(name).power.click()
    controller.step()
    qtbot.wait(10)
    assert pane.count.text() == f"{pane.model.rowCount()} lines"
