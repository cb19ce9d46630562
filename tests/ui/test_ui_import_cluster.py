"""File → Import cluster… in the window: the dialog imports the shipped sample
(its warnings shown while the old cluster is still open), then the new
directory becomes the open one — after the unsaved-work question; a broken
copy is refused and the window keeps its directory."""

from __future__ import annotations

import shutil

from tests.ui.conftest import REPO
from ui.save_resume import DISCARD

SAMPLE = REPO.parent / "shared" / "import-samples" / "small-3node"


def importing(source, target, seen: list):
    """A stand-in for `window._exec`: fill the import dialog, press Import,
    note what the dialog and the window show, then press Open if it is offered."""

    def run(dialog):
        dialog.source.setText(str(source))
        dialog.target.setText(str(target))
        dialog.import_button.click()
        messages = [dialog.messages.item(i).text() for i in range(dialog.messages.count())]
        seen.append((messages, dialog.status.text(), dialog.parent().controller.path))
        if not dialog.open_button.isVisibleTo(dialog):
            return False  # refused: the admin can only cancel
        dialog.open_button.click()
        return dialog.result() == dialog.DialogCode.Accepted

    return run


def test_import_opens_the_cluster_after_showing_its_warnings(qtbot, make_window, workdir, tmp_path, monkeypatch,
                                                              asked):  # fmt: skip
    window, controller = make_window(workdir, speed=0)
    controller.advance_to(60)  # unsaved work: the question comes before the cluster is replaced
    target, seen = tmp_path / "mine", []
    monkeypatch.setattr(window, "_exec", importing(SAMPLE, target, seen))
    asked.answer = DISCARD
    window.import_action.trigger()

    (messages, status, path_then), = seen
    assert path_then == workdir  # the warnings were on screen while the old cluster was still open
    assert any(m.startswith("warning[W06]") for m in messages) and any("W13" in m for m in messages)
    assert status.startswith("Imported 3 nodes, 6 HA services")
    assert [what for what, _ in asked] == ["Importing a cluster"]
    assert controller.path == target and controller.sim.time == 0
    assert [n.name for n in controller.snapshot.nodes] == ["pve1", "pve2", "pve3"]
    assert len(controller.snapshot.services) == 6
    assert (target / "status" / "log").is_file()  # opened as Open working directory opens one
    assert str(target) in window.windowTitle() and window.import_action.isEnabled()


def test_cancelling_the_question_keeps_the_window_and_says_where_the_import_is(qtbot, make_window, workdir,
                                                                               tmp_path, monkeypatch, asked):  # fmt: skip
    window, controller = make_window(workdir, speed=0)
    controller.advance_to(60)
    target = tmp_path / "mine"
    monkeypatch.setattr(window, "_exec", importing(SAMPLE, target, []))
    window.import_action.trigger()  # asked.answer is Cancel
    assert controller.path == workdir and controller.sim.time >= 60
    assert (target / "service_config").is_file()  # imported, not opened
    assert str(target) in window.statusBar().currentMessage()


def test_a_broken_copy_is_refused_and_the_window_keeps_its_directory(qtbot, make_window, workdir, tmp_path,
                                                                     monkeypatch, asked):  # fmt: skip
    window, controller = make_window(workdir, speed=0)
    controller.advance_to(60)
    broken = tmp_path / "copy"
    shutil.copytree(SAMPLE, broken)
    (broken / "etc" / "pve" / "corosync.conf").write_text("garbage {\n")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    target, seen = tmp_path / "mine", []
    monkeypatch.setattr(window, "_exec", importing(broken, target, seen))
    window.import_action.trigger()

    (messages, status, _), = seen
    assert messages[0].startswith("error[E02] etc/pve/corosync.conf:1:") and status.startswith("Not imported")
    assert not target.exists() and asked == []  # nothing written, nothing asked
    assert controller.path == workdir and controller.sim.time >= 60
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    assert [p for p in written if p not in before and "status" not in p.parts] == []


def test_read_only_cannot_import(qtbot, make_window, workdir):
    window, _ = make_window(workdir, read_only=True)
    assert not window.import_action.isEnabled()
