"""The report view and the import dialog (unwired widgets, offscreen)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from hasim.analysis.whatif import Fault, run_fault, settle, starting_point
from hasim.workdir import load_scenario
from ui.dialogs.import_dialog import ImportDialog
from ui.models.report_rows import BAD, DIFF, WARN, compare_services, service_rows
from ui.widgets.report_view import TONES, ReportView

from .conftest import REPO

SAMPLE = REPO.parent / "shared" / "import-samples" / "small-3node"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """node2 and node3 of the default cluster losing power, from the same settled state
    (not node1: it is the master, whose loss adds the manager lock's expiry)."""
    d = tmp_path_factory.mktemp("c") / "c"
    shutil.copytree(REPO / "working-dirs" / "default", d)
    base = settle(starting_point(load_scenario(d)))
    return run_fault(base, Fault("node2")), run_fault(base, Fault("node3"))


def _cells(table):
    return [[table.item(r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_report_view_shows_outages_and_fencing(qtbot, reports):
    a, _ = reports
    view = ReportView()
    qtbot.addWidget(view)
    view.show_report(a)
    assert "fenced: node2 at +120" in view.summary.text()
    rows = _cells(view.services)
    by_sid = {row[0].text(): row for row in rows}
    assert set(by_sid) == {f"vm:{n}" for n in range(101, 107)}
    assert by_sid["vm:102"][1].text() == "2m01s"
    assert by_sid["vm:102"][1].background().color().name() == TONES[WARN]
    assert by_sid["vm:101"][1].text() == "-" and by_sid["vm:101"][1].background().style() == Qt.BrushStyle.NoBrush
    nodes = {row[0].text(): row for row in _cells(view.nodes)}
    assert nodes["node2"][2].text() == "+120"


def test_report_view_compare_marks_differences(qtbot, reports):
    a, b = reports
    view = ReportView()
    qtbot.addWidget(view)
    view.compare(a, b)
    headers = [view.services.horizontalHeaderItem(c).text() for c in range(view.services.columnCount())]
    assert headers[:3] == ["service", "down (A)", "down (B)"]
    by_sid = {row[0].text(): row for row in _cells(view.services)}
    assert (by_sid["vm:102"][1].text(), by_sid["vm:102"][2].text()) == ("2m01s", "-")
    assert by_sid["vm:102"][1].background().color().name() == TONES[DIFF]
    assert by_sid["vm:101"][1].background().style() == Qt.BrushStyle.NoBrush  # the same in A and B: not marked
    assert "node2 at +120" in view.summary.text() and "node3 at +120" in view.summary.text()


def test_rows_mark_a_service_left_down(tmp_path):
    """A service pinned to node1 by a strict rule stays down when node1 fails: red."""
    d = tmp_path / "c"
    shutil.copytree(REPO / "working-dirs" / "default", d)
    (d / "rules_config").write_text("node-affinity: pin\n\tresources vm:101\n\tnodes node1\n\tstrict 1\n")
    base = settle(starting_point(load_scenario(d)))
    report = run_fault(base, Fault("node1"))
    row = next(r for r in service_rows(report).rows if r[0].text == "vm:101")
    assert row[0].tone == BAD and "still down" in row[2].text and "not running" in row[4].text
    other = run_fault(base, Fault("node2"))
    paired = {r[0].text: r for r in compare_services(report, other).rows}
    assert paired["vm:101"][3].tone in (BAD, DIFF)


def test_import_dialog_imports_and_shows_the_warnings(qtbot, tmp_path):
    target = tmp_path / "mine"
    dialog = ImportDialog(source=str(SAMPLE), target=str(target))
    qtbot.addWidget(dialog)
    checked = dialog.check()
    assert checked.ok and not target.exists()  # Check writes nothing
    assert "Ready to import" in dialog.status.text()
    with qtbot.waitSignal(dialog.imported) as signal:
        dialog.run_import()
    assert signal.args == [str(target)] and dialog.imported_dir == target
    assert (target / "service_config").exists()
    texts = [dialog.messages.item(i).text() for i in range(dialog.messages.count())]
    assert any(t.startswith("warning[W06]") for t in texts) and any("W13" in t for t in texts)
    assert dialog.open_button.isVisibleTo(dialog) and not dialog.import_button.isEnabled()
    assert "Imported 3 nodes, 6 HA services" in dialog.status.text()


def test_import_dialog_refuses_on_errors(qtbot, tmp_path):
    src = tmp_path / "copy"
    shutil.copytree(SAMPLE, src)
    (src / "etc" / "pve" / "corosync.conf").write_text("garbage {\n")
    target = tmp_path / "mine"
    dialog = ImportDialog(source=str(src), target=str(target))
    qtbot.addWidget(dialog)
    result = dialog.run_import()
    assert not result.ok and not target.exists() and dialog.imported_dir is None
    texts = [dialog.messages.item(i).text() for i in range(dialog.messages.count())]
    assert texts and texts[0].startswith("error[E02] etc/pve/corosync.conf:1:")
    assert dialog.status.text().startswith("Not imported: 1 error")
    assert not dialog.open_button.isVisibleTo(dialog) and dialog.import_button.isEnabled()


def test_import_dialog_asks_for_both_paths(qtbot):
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    assert dialog.run_import() is None and dialog.check() is None
    assert "Choose both" in dialog.status.text()
    assert Path(dialog.target.text() or ".") == Path(".")
