"""Branches in the window: go back to an earlier moment (exactly: the log up to
there is the original's), try another action, keep both; each replays to its
own log byte for byte (`hasim replay DIR [--branch NAME]`); list them and
compare two reports side by side; nothing of it in read-only mode."""

from __future__ import annotations

import pytest

from hasim.cli import main as cli
from hasim.session import branch
from hasim.session.replay import replay
from tests.ui.conftest import powered_on
from ui.dialogs.branches_dialog import BranchesDialog
from ui.dialogs.go_back_dialog import GoBackDialog
from ui.models.report_rows import DIFF
from ui.save_resume import DISCARD
from ui.widgets.report_view import TONES

KEPT = "power-node1-off-at-100"


def node1_off(qtbot, make_window, workdir):
    """Nodes on at 20 s, node1's power switched off (applied at 100 s), run to 400 s."""
    window, controller = powered_on(qtbot, make_window, workdir, speed=0, seconds=60)
    window.nodes_panel.card("node1").power.click()
    controller.advance_to(400)
    return window, controller


def answer(monkeypatch, window, fill):
    """Dialogs opened by the window are filled by `fill(dialog)`, which returns the answer."""
    seen = []
    monkeypatch.setattr(window, "_exec", lambda dialog: seen.append(dialog) or fill(dialog))
    return seen


def pick_row(text):
    """Go back: the moment whose label holds `text`, the default name; Go back."""

    def fill(dialog):
        assert isinstance(dialog, GoBackDialog)
        rows = [dialog.moments.item(i).text() for i in range(dialog.moments.count())]
        dialog.pick(next(i for i, row in enumerate(rows) if text in row))
        assert dialog.go_button.isEnabled(), dialog.problem.text()
        return True

    return fill


@pytest.fixture
def went_back(qtbot, make_window, workdir, monkeypatch):
    """node1 lost power at 100 s; back to the loop end before it, node2 loses power instead."""
    window, controller = node1_off(qtbot, make_window, workdir)
    before = controller.sim.log_text()
    answer(monkeypatch, window, pick_row("just before 100 s: power node1 off"))
    window.go_back_action.trigger()
    back = controller.sim.log_text()
    assert controller.sim.time == 80 and not controller.running  # the loop end before 100 s, paused
    bar = window.statusBar()
    said = bar.currentMessage()
    assert said == f"Back at 80 s; kept branch {KEPT}"
    room = bar.message.width()  # the message line, beside the status bar's labels
    assert bar.message.fontMetrics().horizontalAdvance(said) <= room  # not cut off
    window.nodes_panel.card("node2").power.click()
    controller.advance_to(400)
    return window, controller, before, back


def test_going_back_is_exact_and_both_sessions_replay(qtbot, went_back, workdir, asked, capsys):
    window, controller, before, back = went_back
    assert branch.list_branches(workdir) == [KEPT]
    assert before.startswith(back) and "power node1 off" not in back  # the original, up to 80 s
    snap = controller.snapshot
    assert snap.node("node2").power == "off" and snap.node("node1").power == "on"
    assert (workdir / "branches" / KEPT / "log").read_text() == before  # the session so far, kept whole
    assert controller.unsaved
    asked.answer = DISCARD
    window.close()
    new_log = (workdir / "status" / "log").read_text()
    assert new_log.startswith(back) and new_log != before
    assert replay(workdir / "status").log_text().startswith(back)  # a fresh replay agrees up to the moment
    assert cli.main(["replay", "-q", str(workdir)]) == 0
    assert cli.main(["replay", "-q", str(workdir), "--branch", KEPT]) == 0
    err = capsys.readouterr().err
    assert f"identical to {workdir}/status/log" in err and f"identical to {workdir}/branches/{KEPT}/log" in err
    assert cli.main(["branches", str(workdir)]) == 0
    assert KEPT in capsys.readouterr().out


def test_two_branches_side_by_side(qtbot, went_back, workdir, monkeypatch):
    window, controller, _, _ = went_back

    def compare(dialog):
        assert isinstance(dialog, BranchesDialog)
        names = [dialog.table.item(r, 0).text() for r in range(dialog.table.rowCount())]
        assert names == [KEPT, "this session (live)"]
        dialog.select(KEPT, None)
        dialog.compare_button.click()
        return True

    answer(monkeypatch, window, compare)
    window.branches_action.trigger()
    dialog = window.reports.dialog
    assert dialog.isVisible() and f"A: branch {KEPT}" in dialog.windowTitle()
    a, b = dialog.reports
    assert "node1" in [n.node for n in a.nodes if n.fenced] and "node2" in [n.node for n in b.nodes if n.fenced]
    table = dialog.view.services
    assert [table.horizontalHeaderItem(c).text() for c in range(3)] == ["service", "down (A)", "down (B)"]
    rows = {table.item(r, 0).text(): r for r in range(table.rowCount())}
    down = table.item(rows["vm:101"], 1)  # on node1: down in A only
    assert down.text() != "-" and table.item(rows["vm:101"], 2).text() == "-"
    assert down.background().color().name() == TONES[DIFF]
    nodes = dialog.view.nodes
    fenced = {nodes.item(r, 0).text(): (nodes.item(r, 1).text(), nodes.item(r, 2).text())
              for r in range(nodes.rowCount())}
    assert fenced["node1"][0] != "-" and fenced["node1"][1] == "-" and fenced["node2"][1] != "-"
    assert not dialog.export_button.isEnabled()
    # rows measured again once the columns are wide: one line each, not wrapped as in the hidden table
    dialog.resize(1200, 700)
    line = nodes.fontMetrics().height()
    qtbot.waitUntil(lambda: max(nodes.rowHeight(r) for r in range(nodes.rowCount())) < 2 * line, timeout=2000)


def test_right_click_on_the_timeline_goes_back_there(qtbot, make_window, workdir, monkeypatch):
    window, controller = node1_off(qtbot, make_window, workdir)
    now = controller.sim.time
    canvas = window.timeline.canvas
    window.timeline.canvas.window.follow = False
    menu = window.timeline.context_menu_at(canvas.point_at(205, 0))
    (action,) = menu.actions()
    t = int(action.text().split("(")[1].split(" ")[0])
    assert abs(t - 205) <= 5 * canvas.window.seconds_per_px + 1 and action.isEnabled()
    seen = answer(monkeypatch, window, lambda dialog: True)
    action.trigger()
    assert seen[0].time.text() == str(t) and seen[0].chosen_time() == controller.sim.time
    assert controller.sim.time <= t < controller.sim.time + controller.sim.loop_length
    assert branch.list_branches(workdir) == [f"until-{now}s"]  # nothing was done after that moment


def test_the_name_is_checked_as_it_is_typed(qtbot, went_back, monkeypatch):
    window, *_ = went_back

    def fill(dialog):
        dialog.name.setText(KEPT)
        taken = dialog.problem.text()
        dialog.name.setText("../escape")
        bad = dialog.problem.text()
        dialog.name.setText("mine")
        dialog.pick(0)  # another moment: a name typed stays
        assert dialog.branch_name() == "mine" and dialog.go_button.isEnabled()
        dialog.time.setText("99999")
        late = dialog.problem.text()
        assert not dialog.go_button.isEnabled()
        fill.seen = (taken, bad, late)
        return False

    answer(monkeypatch, window, fill)
    window.go_back_action.trigger()
    taken, bad, late = fill.seen
    assert taken == f"Branch name: a branch named '{KEPT}' exists already"
    assert bad.startswith("Branch name: a branch name is letters, digits")
    assert late.startswith("The moment must be at most")


def test_a_branch_that_cannot_be_kept_leaves_the_session_where_it_was(qtbot, make_window, workdir, monkeypatch):
    window, controller = node1_off(qtbot, make_window, workdir)
    before, time = controller.sim.log_text(), controller.sim.time

    def full_disk(*_args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(branch, "keep", full_disk)
    assert "could not be kept" in controller.go_back(80, "x")
    assert controller.sim.time == time and controller.sim.log_text() == before
    assert "No space left on device" in window.last_error and branch.list_branches(workdir) == []


def test_save_as_takes_the_branches_along(qtbot, went_back, tmp_path, capsys):
    window, controller, _, _ = went_back
    target = tmp_path / "elsewhere"
    assert controller.save_as(target) is None
    assert branch.list_branches(target) == [KEPT]
    assert cli.main(["replay", "-q", str(target), "--branch", KEPT]) == 0


def test_read_only_writes_no_branch(qtbot, make_window, workdir, monkeypatch):
    window, controller = make_window(workdir, read_only=True, speed=0)
    controller.advance_to(100)
    assert not window.go_back_action.isEnabled() and window.branches_action.isEnabled()
    menu = window.timeline.context_menu_at(window.timeline.canvas.point_at(50, 0))
    assert not menu.actions()[0].isEnabled() and "Read-only mode" in menu.actions()[0].text()
    problem = controller.go_back(0, "x")
    assert problem.startswith("Read-only mode: going back keeps a branch")
    assert not window.branches.go_back() and "Read-only mode" in window.last_error
    assert not (workdir / "branches").exists() and not (workdir / "status").exists()
