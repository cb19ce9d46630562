"""Save and resume you can trust (issue items 4 and 5): Save, quit, reopen
gives the cluster as it was — time, daemons, services, log, timeline — and
nothing that holds unsaved work is replaced or closed unasked."""

from __future__ import annotations

import json
import shutil

from tests.ui.conftest import make_workdir
from ui.save_resume import DISCARD, SAVE

SCENARIO = json.dumps([["power node1 on", "power node2 on", "power node3 on"], ["network node3 off"], [],
                       ["network node3 on"]])


def picture(window) -> dict:
    """What a person sees of the cluster: clock, cards, table, status bar."""
    from tests.ui.test_ui_window import table_rows

    cards = {name: (card.chip.text(), card.daemons.text(), card.power.isChecked(), card.network.isChecked())
             for name, card in window.nodes_panel.cards.items()}
    return {"clock": window.clock.text(), "cards": cards, "services": table_rows(window),
            "master": window.master_label.text(), "quorum": window.quorum_label.text()}


def played(qtbot, make_window, workdir):
    """A window that ran the scenario to 250 s, with a command of its own."""
    window, controller = make_window(workdir, speed=0)
    controller.advance_to(150)
    window.send("service vm:101 migrate node2")
    controller.advance_to(250)
    qtbot.wait(1)
    return window, controller


def test_save_quit_reopen_gives_the_cluster_as_it_was(qtbot, make_window, tmp_path):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    window.save_action.trigger()
    assert "opening it again resumes here" in window.statusBar().currentMessage()
    before, log, states = picture(window), controller.sim.log_text(), controller.history.states_of("node3")
    assert "master: node" in before["master"] and "CRM: " in before["cards"]["node1"][1]
    saved_at = controller.sim.time
    window.close()  # saved: no question
    assert not window.isVisible()

    again, resumed = make_window(workdir, speed=0)
    assert picture(again) == before
    assert resumed.sim.time == saved_at and resumed.resumed_at == saved_at
    assert resumed.sim.log_text() == log  # the log, line by line, as it was
    qtbot.wait(1)
    assert again.log_model.rowCount() == len(log.splitlines())  # and in the window
    assert resumed.history.states_of("node3") == states  # and the timeline
    assert (workdir / "status" / "log").read_text().splitlines() == log.splitlines()
    assert not resumed.running
    assert resumed.why_start_paused().startswith(f"Resumed at {saved_at} s and paused")
    assert not resumed.unsaved


def test_a_resumed_session_goes_on_as_the_saved_one_would_have(qtbot, make_window, tmp_path):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    window.save_action.trigger()
    copy = tmp_path / "copy"
    shutil.copytree(workdir, copy, ignore=shutil.ignore_patterns("status", ".hasim.lock"))
    controller.advance_to(700)  # the batches still to come play on
    expected = controller.sim.log_text()

    _again, resumed = make_window(copy, speed=0)
    resumed.advance_to(700)
    assert resumed.sim.log_text() == expected
    lines = expected.splitlines()
    assert sum("cmdlist: execute power node1 on" in line for line in lines) == 1  # never played twice
    assert any("cmdlist: execute network node3 on" in line for line in lines)
    session = (copy / "status" / "session" / "commands").read_text()
    assert "command service vm:101 migrate node2" in session  # the session goes on where it was


def test_reset_starts_from_the_inputs_not_from_the_save(qtbot, make_window, tmp_path, monkeypatch):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    window.save_action.trigger()
    window.reset_action.trigger()
    assert controller.sim.time == 0 and controller.resumed_at is None


def test_inputs_changed_since_the_save_start_from_the_inputs_and_say_so(qtbot, make_window, tmp_path):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    window.save_action.trigger()
    window.close()
    conf = json.loads((workdir / "service_config").read_text())
    conf["vm:101"]["max_restart"] = 3  # as `hasim ha-manager DIR set vm:101 --max_restart 3` does
    (workdir / "service_config").write_text(json.dumps(conf))
    again, resumed = make_window(workdir, speed=0)
    assert resumed.sim.time == 0 and resumed.resumed_at is None
    message = again.statusBar().currentMessage()
    assert "changed since the session was saved at 260 s" in message and "started from the input files" in message


def test_a_damaged_save_is_named_and_the_inputs_open(qtbot, make_window, tmp_path):
    workdir = make_workdir(tmp_path, SCENARIO)
    (workdir / "saved-session.json").write_text('{"format": "hasim saved session 1", "time": -1}')
    window, controller = make_window(workdir, speed=0)
    assert controller.sim.time == 0
    assert "The saved session cannot be resumed" in window.statusBar().currentMessage()


def test_save_as_scenario_makes_the_state_the_start(qtbot, make_window, tmp_path):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    before = picture(window)
    window.save_scenario_action.trigger()
    assert json.loads((workdir / "cmdlist").read_text()) == []
    hw = json.loads((workdir / "hardware_status").read_text())
    assert hw["node3"]["network"] == "off" and hw["node1"]["power"] == "on"
    window.close()
    again, resumed = make_window(workdir, speed=0)
    assert picture(again) == before  # reopening still resumes
    again.reset_action.trigger()  # Reset: the new start, as the real tester reads it
    assert resumed.sim.time == 0
    resumed.live.status.wait()  # the window's status files go through its writer thread
    assert json.loads((workdir / "status" / "hardware_status").read_text())["node1"]["power"] == "on"


def test_save_on_a_temporary_copy_asks_where_and_goes_on_there(qtbot, make_window, tmp_path, monkeypatch):
    window, controller = make_window(make_workdir(tmp_path), speed=0)
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("node-failure")
    scratch = controller.path.parent
    controller.advance_to(300)
    before = picture(window)
    asked = []
    target = tmp_path / "my-node-failure"
    monkeypatch.setattr(window.saving, "choose_directory", lambda title, hint: asked.append(hint) or str(target))
    window.save_action.trigger()  # a temporary copy: Save is Save as
    assert asked and asked[0].endswith("node-failure")
    assert controller.path == target and controller.source is None
    assert not scratch.exists(), "the temporary copy goes once its session lives elsewhere"
    assert picture(window) == before
    assert (target / "saved-session.json").is_file() and (target / "README.md").is_file()
    assert target.name in window.dir_label.text()


def test_save_as_refuses_a_folder_that_is_not_empty(qtbot, make_window, tmp_path, monkeypatch):
    window, controller = played(qtbot, make_window, make_workdir(tmp_path, SCENARIO))
    full = tmp_path / "full"
    full.mkdir()
    (full / "notes.txt").write_text("mine")
    monkeypatch.setattr(window.saving, "choose_directory", lambda title, hint: str(full))
    window.save_as_action.trigger()
    assert "is not empty" in window.last_error
    assert sorted(p.name for p in full.iterdir()) == ["notes.txt"]


# -- item 5: never throw work away unasked -------------------------------------------------------------


def test_open_scenario_reset_and_quit_ask_before_discarding(qtbot, make_window, tmp_path, monkeypatch, asked):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    monkeypatch.setattr(window, "_exec", lambda dialog: True)  # the scenario picker: Open
    window.open_scenario_action.trigger()
    window.reset_action.trigger()
    window.close()
    assert [what for what, _ in asked] == ["Opening the scenario 'node-failure'", "Reset", "Quitting"]
    assert "it is at 260 s" in asked[0][1]
    assert controller.path == workdir and controller.sim.time == 260 and window.isVisible()  # all cancelled

    asked.answer = DISCARD
    window.reset_action.trigger()
    assert controller.sim.time == 0 and len(asked) == 4
    window.reset_action.trigger()
    assert len(asked) == 4, "nothing to lose after a reset: no question"


def test_answering_save_saves_then_goes_ahead(qtbot, make_window, tmp_path, asked):
    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    asked.answer = SAVE
    window.close()
    assert not window.isVisible()
    assert json.loads((workdir / "saved-session.json").read_text())["time"] == 260


def test_the_question_is_one_method_any_action_can_ask(qtbot, make_window, tmp_path, asked):
    window, controller = make_window(make_workdir(tmp_path), speed=0)
    assert window.may_discard("Importing a cluster")  # nothing done yet: no question
    window.send("power node1 on")  # a queued command is work too
    assert not window.may_discard("Importing a cluster")
    assert asked[-1][0] == "Importing a cluster" and "1 command queued" in asked[-1][1]


def test_hasim_dir_resumes_a_saved_directory(qtbot, make_window, tmp_path):
    from tests.ui.test_ui_app import run_hasim

    workdir = make_workdir(tmp_path, SCENARIO)
    window, controller = played(qtbot, make_window, workdir)
    window.send("power node1 off")  # queued: not part of what is saved, and Save says so
    window.save_action.trigger()
    assert "the 1 command queued for the next loop end is not in it" in window.statusBar().currentMessage()
    saved_log = controller.sim.log_text()
    controller.shutdown()
    result = run_hasim("gui", str(workdir), "--offscreen", "--screenshot", str(tmp_path / "again.png"))
    assert result.returncode == 0, result.stderr
    assert (workdir / "status" / "clock").read_text() == "260\n"
    assert (workdir / "status" / "log").read_text() == saved_log
