"""Render the documentation screenshots (1280×800, offscreen).

Run from the repository root (make-screenshots.sh does):

    python docs/screenshots/make_shots.py [NAME ...]    # default: every picture

Each picture opens a scenario the way a person would — a directory from
docs/screenshots/scenarios/ or a fresh copy of a shipped workshop scenario —
drives virtual time through the controller, clicks what a person would click
(a node card for the explainer, File → Open scenario… for the picker) and
saves the window.  Nothing here reaches into the engine.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO))

from PySide6.QtCore import QPoint, QRect, Qt  # noqa: E402
from PySide6.QtGui import QColor, QPainter, QPixmap  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from ui.controller import Controller  # noqa: E402
from ui.dialogs.scenario_picker import ScenarioPicker  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from ui.settings import Settings  # noqa: E402

SIZE = (1280, 800)
SMALL = (1024, 768)
SAMPLE = REPO.parent / "shared" / "import-samples" / "small-3node"  # read from there, never copied in
app = QApplication.instance() or QApplication(sys.argv[:1])
TMP = Path(tempfile.mkdtemp(prefix="hasim-shots-"))


def window_on(*, scenario: str | None = None, shipped: str | None = None, read_only: bool = False, size=SIZE):
    controller = Controller(read_only=read_only, speed=10)
    controller.scratch_parent = TMP
    window = MainWindow(controller, interactive_errors=False, settings=Settings(remember=False))
    window.resize(*size)
    if shipped is not None:
        assert controller.open_shipped(shipped), shipped
    else:
        target = Path(tempfile.mkdtemp(dir=TMP)) / scenario
        shutil.copytree(HERE / "scenarios" / scenario, target)
        assert controller.open(target), scenario
    window.show()
    app.processEvents()
    return window, controller


def settle(window) -> None:
    for _ in range(3):
        app.processEvents()
        window.explain_pane.update_now()
        window.timeline.refresh()
    app.processEvents()


def save(window, controller, name: str) -> None:
    settle(window)
    pixmap = window.grab()
    assert (pixmap.width(), pixmap.height()) == SIZE, (pixmap.width(), pixmap.height())
    assert pixmap.save(str(HERE / name)), name
    controller.shutdown()
    window.close()
    print(f"wrote {name}")


def main_window() -> None:
    """node1 (the master) lost power: fenced, its VMs recovered; node1 explained."""
    window, controller = window_on(scenario="node1-failure")
    controller.advance_to(400)
    window.explain_node("node1")
    save(window, controller, "main-window.png")


def fence_countdown() -> None:
    window, controller = window_on(scenario="node1-failure")
    controller.advance_to(262)
    window.explain_node("node1")
    save(window, controller, "fence-countdown.png")


def read_only_maintenance() -> None:
    window, controller = window_on(scenario="maintenance", read_only=True)
    controller.advance_to(200)
    window.explain_node("node2")
    save(window, controller, "read-only-maintenance.png")


def two_hours() -> None:
    window, controller = window_on(scenario="two-hours")
    controller.advance_to(7200)
    window.timeline.zoom(7300 / window.timeline.window.span)  # the whole run (the window shows ten minutes)
    window.explain_node("node3")
    save(window, controller, "two-hours.png")


def explainer() -> None:
    """The workshop scenario node-failure: node2 is being fenced; the pane explains it."""
    window, controller = window_on(shipped="node-failure")
    controller.advance_to(205)
    window.explain_node("node2")
    save(window, controller, "explainer.png")


def safety_violation() -> None:
    """A broken engine (recovery without fencing) on network-isolation: vm:103 runs twice;
    red indicator, log lines, marker."""
    from hasim.mutants import mutant

    window, controller = window_on(shipped="network-isolation")
    with mutant("recovery-without-fencing"):
        controller.advance_to(163)
        window.explain_node("node3")
        settle(window)
    # show the first violation line in the log
    pane = window.log_pane
    rows = pane.model.violation_rows()
    if rows:
        pane.view.scroll_to_row(pane.proxy.mapFromSource(pane.model.index(rows[0], 0)).row())
    save(window, controller, "safety-violation.png")


def over_window(window, dialog, name: str) -> None:
    """Save `dialog` drawn over the dimmed window (with its title, as a window
    manager would frame it), the window at its size; then close both."""
    settle(window)
    base = window.grab()
    dialog.show()
    app.processEvents()
    body = dialog.grab()
    picture = QPixmap(body.width(), body.height() + 28)
    picture.fill(QColor("#dee2e6"))
    title = QPainter(picture)
    title.drawPixmap(0, 28, body)
    font = title.font()
    font.setBold(True)
    title.setFont(font)
    title.setPen(QColor("#343a40"))
    title.drawText(QRect(0, 0, body.width(), 28), Qt.AlignmentFlag.AlignCenter, dialog.windowTitle())
    title.end()
    assert picture.width() <= base.width() and picture.height() <= base.height(), (name, picture.size())
    painter = QPainter(base)
    painter.fillRect(base.rect(), QColor(0, 0, 0, 90))
    at = QPoint((base.width() - picture.width()) // 2, max(0, (base.height() - picture.height()) // 2))
    painter.fillRect(picture.rect().translated(at + QPoint(4, 4)), QColor(0, 0, 0, 60))
    painter.drawPixmap(at, picture)
    painter.setPen(QColor("#868e96"))
    painter.drawRect(picture.rect().translated(at).adjusted(0, 0, -1, -1))
    painter.end()
    dialog.close()
    assert base.save(str(HERE / name)), name
    window.controller.shutdown()
    window.close()
    print(f"wrote {name}")


def scenario_picker() -> None:
    """File → Open scenario… over the default cluster: the dialog drawn on the dimmed window."""
    window, controller = window_on(shipped="default")
    controller.advance_to(60)
    dialog = ScenarioPicker(window, current="node-failure")
    dialog.resize(1040, 660)
    dialog.show()
    app.processEvents()
    dialog.list.setFocus()
    over_window(window, dialog, "scenario-picker.png")


def import_dialog(size=SIZE, name="import-dialog.png") -> None:
    """File → Import cluster… with the shared sample imported: its two warnings, Open offered."""
    from ui.dialogs.import_dialog import ImportDialog

    window, controller = window_on(shipped="default", size=size)
    target = Path(tempfile.mkdtemp(dir=TMP)) / "my-cluster"
    dialog = ImportDialog(window, source=str(SAMPLE), target=str(target))
    fit(dialog, size)
    assert dialog.run_import().ok
    over_window(window, dialog, name)


def report_view(size=SIZE, name="report-view.png") -> None:
    """Simulation → Report… after node1 (the master) lost power: fenced, two VMs recovered."""
    window, controller = window_on(scenario="node1-failure", size=size)
    controller.advance_to(400)
    assert window.reports.show_report()
    dialog = window.reports.dialog
    fit(dialog, size)
    over_window(window, dialog, name)


def node1_off_at_120(size):
    """The default cluster switched on (at 20 s), node1's power switched off (applied at 120 s): (window, controller)."""
    window, controller = window_on(shipped="default", size=size)
    for node in ("node1", "node2", "node3"):
        window.nodes_panel.card(node).power.click()
    controller.advance_to(100)
    window.nodes_panel.card("node1").power.click()
    return window, controller


def branch_comparison(size=SIZE, name="branch-comparison.png") -> None:
    """node1 loses power (kept as a branch); back before it, node2 loses power instead; both compared."""
    from hasim.session.branch import default_name

    window, controller = node1_off_at_120(size)
    controller.advance_to(400)
    kept = default_name(controller.entries, controller.loop_ends.before(120), controller.sim.time, [])
    assert kept == "power-node1-off-at-120", kept  # as the Go back dialog suggests it
    assert controller.go_back(100, kept) is None
    window.nodes_panel.card("node2").power.click()
    controller.advance_to(400)
    assert window.reports.compare(kept, None)
    dialog = window.reports.dialog
    fit(dialog, size)
    over_window(window, dialog, name)


def go_back_dialog(size=SIZE, name="go-back-dialog.png") -> None:
    """Simulation → Go back…: the moments of a session where node1 lost power at 120 s and came back at 320 s."""
    from ui.dialogs.go_back_dialog import GoBackDialog

    window, controller = node1_off_at_120(size)
    controller.advance_to(300)
    window.nodes_panel.card("node1").power.click()
    controller.advance_to(400)
    dialog = GoBackDialog(controller.entries, controller.loop_ends, controller.sim.time, controller.path,
                          parent=window)
    fit(dialog, size)
    dialog.pick(1)
    over_window(window, dialog, name)


def fit(dialog, size) -> None:
    """A dialog no larger than a screen of `size` leaves for it (title bar and margins)."""
    dialog.resize(min(dialog.width(), size[0] - 40), min(dialog.height(), size[1] - 80))


def saved_and_resumed() -> None:
    """node-failure saved at 200 s, the window closed, the directory opened again: resumed as it was."""
    window, controller = window_on(shipped="node-failure")
    controller.advance_to(200)
    assert controller.save() is None
    path = controller.path
    window.close()
    controller.shutdown()
    controller = Controller(speed=10)
    window = MainWindow(controller, interactive_errors=False, settings=Settings(remember=False))
    window.resize(*SIZE)
    assert controller.open(path) and controller.resumed_at is not None
    window.show()
    save(window, controller, "saved-and-resumed.png")


SHOTS = {
    "main-window": main_window,
    "fence-countdown": fence_countdown,
    "read-only-maintenance": read_only_maintenance,
    "two-hours": two_hours,
    "explainer": explainer,
    "safety-violation": safety_violation,
    "scenario-picker": scenario_picker,
    "saved-and-resumed": saved_and_resumed,
    "import-dialog": import_dialog,
    "import-dialog-1024x768": lambda: import_dialog(SMALL, "import-dialog-1024x768.png"),
    "report-view": report_view,
    "report-view-1024x768": lambda: report_view(SMALL, "report-view-1024x768.png"),
    "go-back-dialog": go_back_dialog,
    "branch-comparison": branch_comparison,
    "branch-comparison-1024x768": lambda: branch_comparison(SMALL, "branch-comparison-1024x768.png"),
}


def main(names: list[str]) -> None:
    try:
        for name in names or list(SHOTS):
            SHOTS[name]()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
