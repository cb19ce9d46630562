"""Simulation → Report…: the outcome report of the run so far, or two runs side
by side (Simulation → Branches…: a kept branch against this session or
another branch), in a window of its own beside the simulator.

The report is a picture of one moment: it is built when the dialog opens and
when Refresh (F5) is pressed, never per tick — over `ssh -X` every repaint
costs its pixels on the wire, and a report that changed under the reader's
eyes would be hard to read anyway.  The window (`MainWindow`) builds the
reports (`refreshRequested` asks it to build them again); this dialog shows
them with `ReportView` and exports one as Markdown (with its timeline picture
beside it) or HTML (`hasim.analysis.report_files`, as `hasim report -o`).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
)

from hasim.analysis.report import Report
from hasim.analysis.report_files import SUFFIXES, write_report
from ui.style import BAD_TEXT, MUTED
from ui.widgets.report_view import ReportView

EXPORT_FILTERS = {"Markdown, with the timeline picture beside it (*.md)": "markdown", "HTML (*.html)": "html"}


class ReportDialog(QDialog):
    refreshRequested = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("reportDialog")
        self.setWindowTitle("Outcome report")
        self.resize(960, 640)
        self.reports: tuple[Report, ...] = ()
        self.heading = QLabel()
        self.heading.setObjectName("reportHeading")
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.heading.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setObjectName("reportHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {MUTED}")
        self.view = ReportView()
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setObjectName("reportRefresh")
        self.refresh_button.setToolTip("Build the report again, up to now (F5)")
        self.refresh_button.clicked.connect(self.refreshRequested)
        QShortcut(QKeySequence("F5"), self, activated=self.refreshRequested.emit)
        self.export_button = QPushButton("Export…")
        self.export_button.setObjectName("reportExport")
        self.export_button.setToolTip("Save the report for a handout: Markdown (with the timeline picture) or HTML")
        self.export_button.clicked.connect(self.export)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        top = QHBoxLayout()
        top.addWidget(self.hint, 1)
        for button in (self.refresh_button, self.export_button, close):
            top.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.heading)  # A and B of a comparison (one report: the window title says it)
        layout.addWidget(self.view, 1)

    # -- what to show ----------------------------------------------------------------------------------
    def show_report(self, what: str, report: Report, live: bool = True) -> None:
        """One report; `what` names the run ("this session at 420 s", "branch x").
        `live`: the run goes on, so Refresh has something to bring up to date."""
        self.reports = (report,)
        self.setWindowTitle(f"Outcome report — {what}")
        self.heading.setText(f"<b>{escape(what)}</b>")
        self.heading.setVisible(False)
        self.view.show_report(report)
        self._after(live, "Export… saves it as Markdown or HTML.")

    def compare(self, what_a: str, a: Report, what_b: str, b: Report, live: bool = False) -> None:
        """Two runs side by side: (A) and (B) columns, the differences in blue."""
        self.reports = (a, b)
        self.setWindowTitle(f"Comparison — A: {what_a}, B: {what_b}")
        self.heading.setText(f"<b>A:</b> {escape(what_a)} &nbsp; <b>B:</b> {escape(what_b)}"
                             "<br><span style='background:#d0ebff'>&nbsp;blue&nbsp;</span> marks where they differ")
        self.heading.setVisible(True)
        self.view.compare(a, b)
        self._after(live, "Export… saves one report at a time: open one branch's report to export it.")

    def _after(self, live: bool, export: str) -> None:
        self.refresh_button.setVisible(live)
        self.export_button.setEnabled(len(self.reports) == 1)
        when = (f"As of {self.reports[-1].end} s of virtual time: it does not follow the clock; Refresh (F5) "
                "brings it up to now. ") if live else ""
        self._say(when + export)

    def stale(self) -> None:
        """The window opened another session of the same directory (Reset, going back)."""
        self.refresh_button.setVisible(True)
        self._say("The session changed since this was built: Refresh (F5) shows the session as it is now.")

    # -- export ------------------------------------------------------------------------------------------
    def export(self) -> list[Path] | None:
        """Write the report shown; the files written (None: not exported)."""
        if len(self.reports) != 1:
            return None
        chosen = self.choose_export_file()
        if chosen is None:
            return None
        path, fmt = chosen
        if not path.suffix:
            path = path.with_suffix(SUFFIXES[fmt])
        try:
            written = write_report(self.reports[0], path, fmt)
        except OSError as err:
            self._say(f"Not exported: {err}", error=True)
            return None
        self._say("Wrote " + " and ".join(str(p) for p in written))
        return written

    def choose_export_file(self) -> tuple[Path, str] | None:
        """(file, format) the user chose, or None (tests replace this)."""
        path, chosen = QFileDialog.getSaveFileName(self, "Export the report", str(Path.home() / "hasim-report.md"),
                                                   ";;".join(EXPORT_FILTERS))
        if not path:
            return None
        by_suffix = {suffix: fmt for fmt, suffix in SUFFIXES.items()}
        return Path(path), by_suffix.get(Path(path).suffix, EXPORT_FILTERS.get(chosen, "markdown"))

    def _say(self, text: str, error: bool = False) -> None:
        self.hint.setText(text)
        self.hint.setStyleSheet(f"color: {BAD_TEXT}; font-weight: bold" if error else f"color: {MUTED}")
