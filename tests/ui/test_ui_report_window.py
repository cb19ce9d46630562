"""Simulation → Report… : the outcome of the run so far, the same figures as
`hasim report DIR` gives for the directory, built when asked (not per tick),
exported as Markdown with its picture or as HTML."""

from __future__ import annotations

import attrs

from hasim.analysis.report_text import render_text
from hasim.cli import main as cli
from tests.ui.conftest import powered_on


def node1_failed(qtbot, make_window, workdir):
    """node1 (the master) loses power at 80 s; the window runs to 500 s."""
    window, controller = powered_on(qtbot, make_window, workdir, speed=0, seconds=40)
    window.nodes_panel.card("node1").power.click()
    controller.advance_to(500)
    return window, controller


def cells(table) -> dict[str, list[str]]:
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(table.columnCount())]
            for r in range(table.rowCount())}


def without_title(text: str) -> list[str]:
    return text.splitlines()[1:]


def test_the_report_says_what_hasim_report_says(qtbot, make_window, workdir, capsys):
    window, controller = node1_failed(qtbot, make_window, workdir)
    window.report_action.trigger()
    dialog = window.reports.dialog
    assert dialog.isVisible() and f"this session at {controller.sim.time} s" in dialog.heading.text()
    (shown,) = dialog.reports
    services = cells(dialog.view.services)
    assert services["vm:101"][1] != "-" and services["vm:102"][1] == "-"  # node1's VM was down, node2's not
    assert "fenced: node1 at" in dialog.view.summary.text()

    window.close()  # the session ends: `hasim report` replays it to the same step
    assert cli.main(["report", str(workdir)]) == 0
    printed = capsys.readouterr().out
    assert without_title(render_text(shown)) == without_title(printed)
    assert "fenced: node1 at" in printed and "vm:101" in printed


def test_the_report_stays_as_built_until_refresh(qtbot, make_window, workdir):
    window, controller = node1_failed(qtbot, make_window, workdir)
    window.report_action.trigger()
    dialog = window.reports.dialog
    first, then = dialog.reports[0], controller.sim.time
    assert "Refresh (F5)" in dialog.hint.text() and dialog.refresh_button.isVisibleTo(dialog)
    controller.advance_to(900)
    qtbot.wait(5)
    assert dialog.reports[0] is first and first.end == then < 900  # time went on, the report did not
    dialog.refresh_button.click()
    now = controller.sim.time
    assert dialog.reports[0].end == now > 900 and f"this session at {now} s" in dialog.heading.text()
    assert attrs.evolve(dialog.reports[0], title="") == attrs.evolve(controller.report(), title="")


def test_export_markdown_with_its_picture_and_html(qtbot, make_window, workdir, tmp_path, monkeypatch):
    window, _ = node1_failed(qtbot, make_window, workdir)
    window.report_action.trigger()
    dialog = window.reports.dialog
    out = tmp_path / "handout"
    monkeypatch.setattr(dialog, "choose_export_file", lambda: (out / "node1.md", "markdown"))
    out.mkdir()
    written = dialog.export()
    assert [p.name for p in written] == ["node1.md", "node1-timeline.svg"]
    text = (out / "node1.md").read_text()
    assert "node1-timeline.svg" in text and "vm:101" in text
    assert (out / "node1-timeline.svg").read_text().startswith("<svg")
    assert "Wrote" in dialog.hint.text()
    monkeypatch.setattr(dialog, "choose_export_file", lambda: (out / "node1", "html"))
    dialog.export()
    assert (out / "node1.html").read_text().startswith("<!DOCTYPE html>")
    monkeypatch.setattr(dialog, "choose_export_file", lambda: (tmp_path / "missing" / "x.md", "markdown"))
    assert dialog.export() is None and dialog.hint.text().startswith("Not exported")


def test_a_kept_branch_reports_as_hasim_report_branch(qtbot, make_window, workdir, capsys):
    from hasim.session.branch import keep

    window, controller = node1_failed(qtbot, make_window, workdir)
    window.close()
    keep(workdir / "status", workdir, "node1-fails")
    again, _ = make_window(workdir, speed=0)
    assert again.reports.show_report("node1-fails")
    dialog = again.reports.dialog
    assert "branch node1-fails (up to" in dialog.heading.text() and not dialog.refresh_button.isVisibleTo(dialog)
    assert cli.main(["report", str(workdir), "--branch", "node1-fails"]) == 0
    assert render_text(dialog.reports[0]) == capsys.readouterr().out  # the same title too: both replay it
    assert not again.reports.show_report("nope") and "No branch named 'nope'" in again.last_error
