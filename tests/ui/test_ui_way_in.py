"""The way in (issue item 3): a missing or empty directory opens with the
default cluster, as the README says; a directory that cannot open leaves
nothing enabled that would act on it."""

from __future__ import annotations

import json

from tests.ui.conftest import DEFAULT_DIR
from tests.ui.test_ui_app import run_hasim


def default_files() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in DEFAULT_DIR.iterdir() if p.is_file()}


def test_a_missing_directory_opens_with_the_default_cluster(qtbot, make_window, tmp_path):
    new = tmp_path / "workshop" / "mine"
    window, controller = make_window(new, speed=0)
    assert list(window.nodes_panel.cards) == ["node1", "node2", "node3"]
    assert window.services.model.sids() == [f"vm:{n}" for n in range(101, 107)]
    assert {p.name: p.read_bytes() for p in new.iterdir() if p.is_file() and p.name in default_files()} \
        == default_files()
    assert "was empty: it now holds the default cluster" in window.statusBar().currentMessage()
    assert window.play_action.isEnabled() and window.save_action.isEnabled()


def test_an_empty_directory_opens_with_the_default_cluster(qtbot, make_window, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    window, controller = make_window(empty, speed=0)
    assert controller.sim.nodes == ["node1", "node2", "node3"]
    assert json.loads((empty / "cmdlist").read_text()) == []


def test_read_only_shows_the_default_cluster_and_writes_nothing(qtbot, make_window, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    window, controller = make_window(empty, read_only=True, speed=0)
    assert list(window.nodes_panel.cards) == ["node1", "node2", "node3"]
    assert list(empty.iterdir()) == []


def test_hasim_dir_creates_a_missing_directory(tmp_path):
    new = tmp_path / "fresh"
    out = tmp_path / "fresh.png"
    result = run_hasim("gui", str(new), "--offscreen", "--advance", "60", "--screenshot", str(out))
    assert result.returncode == 0, result.stderr
    assert out.exists() and (new / "hardware_status").is_file() and (new / "status" / "log").is_file()


def test_a_directory_that_cannot_open_leaves_nothing_enabled(qtbot, make_window, tmp_path):
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("not a cluster")
    window, controller = make_window(notes, expect_open=False)
    assert "has files but no cmdlist, so it is not a working directory" in window.last_error
    for action in (window.play_action, window.step_action, window.next_action, window.save_action,
                   window.save_as_action, window.save_scenario_action):
        assert not action.isEnabled(), action.text()
    assert not window.services.buttons["add"].isEnabled()
    assert sorted(p.name for p in notes.iterdir()) == ["todo.txt"], "nothing is written into it"
