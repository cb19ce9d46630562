"""Help that helps (issue item 9): the open scenario's guide from the Help
menu, the keys shown in the menus, a first-ten-minutes page in the window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence


def menu_action(window, menu_title: str, text: str):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == menu_title)
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_the_scenario_guide_is_in_the_help_menu(qtbot, make_window, workdir, tmp_path):
    window, controller = make_window(workdir, speed=0)
    guide = menu_action(window, "Help", "Scenario guide")
    assert not guide.isEnabled()  # a directory without README.md has no guide
    controller.scratch_parent = tmp_path
    assert controller.open_shipped("node-failure")
    assert guide.isEnabled() and "node-failure" in guide.text()
    guide.trigger()
    assert window.help_dialog.isVisible()
    assert "node-failure" in window.help_dialog.windowTitle()
    assert "node2" in window.help_dialog.plain_text()  # the README itself


def test_menus_show_their_keys(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    keys = {text: menu_action(window, "Simulation", text).shortcut().toString()
            for text in ("Run", "Step", "Next change", "Faster", "Slower")}
    assert keys == {"Run": "Space", "Step": "S", "Next change": "N", "Faster": "+", "Slower": "-"}
    assert menu_action(window, "File", "Save as").shortcut() == QKeySequence("Ctrl+Shift+S")
    qtbot.keyClick(window, Qt.Key.Key_Space)  # the keys still work, once each
    assert controller.running
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not controller.running
    qtbot.keyClick(window, Qt.Key.Key_Right)
    assert controller.sim.time == 20


def test_first_ten_minutes_is_one_page_in_the_window(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=0)
    menu_action(window, "Help", "First ten minutes").trigger()
    text = window.help_dialog.plain_text()
    assert text.startswith("The first ten minutes")
    for words in ("Power", "Space", "fence", "Explain", "File → Save", "resumes"):
        assert words in text, words
    menu_action(window, "Help", "Keyboard shortcuts").trigger()
    keys = window.help_dialog.plain_text()
    assert "Space   Run" in keys and "Ctrl+S   Save" in keys and "F1   First ten minutes" in keys
