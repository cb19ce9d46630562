"""Outcome reports in the window: Simulation → Report… and the comparison of
two branches (Simulation → Branches…), in one `ReportDialog`.

A run to report is *this session* (`LIVE`: the open simulation, read as it
goes by the controller — `Controller.report`) or a kept branch of the
working directory, replayed in memory as `hasim report DIR --branch NAME`
replays it (`hasim.analysis.recording.record_session`).  A branch never
changes once kept, so its report is built once per directory; this
session's is built again on Refresh.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hasim.analysis.recording import record_session
from hasim.analysis.report import Report, build_report
from hasim.errors import InputError
from hasim.session.branch import branch_path, list_branches
from hasim.workdir.session_file import SESSION_DIR
from ui.dialogs.report_dialog import ReportDialog

LIVE = None  # the open session, as opposed to a branch's name


class ReportActions:
    def __init__(self, window) -> None:
        self.window = window
        self.controller = window.controller
        self.dialog: ReportDialog | None = None
        self.shown: tuple[str | None, ...] = ()  # what the dialog shows, A (and B)
        self._path: Path | None = None  # the directory whose runs it shows
        self._kept: dict[tuple, Report] = {}

    # -- the actions ---------------------------------------------------------------------------------
    def show_report(self, subject: str | None = LIVE) -> bool:
        """Show the report of this session (or of branch `subject`)."""
        got = self.report_of(subject)
        if got is None:
            return False
        dialog = self._dialog()
        dialog.show_report(got[0], got[1], live=subject is LIVE)
        self.shown = (subject,)
        self._raise(dialog)
        return True

    def compare(self, a: str | None, b: str | None) -> bool:
        """Show two runs' reports side by side (a branch and this session, or two branches)."""
        got_a = self.report_of(a)
        got_b = self.report_of(b) if got_a is not None else None
        if got_b is None:
            return False
        dialog = self._dialog()
        dialog.compare(got_a[0], got_a[1], got_b[0], got_b[1], live=LIVE in (a, b))
        self.shown = (a, b)
        self._raise(dialog)
        return True

    def simulation_changed(self) -> None:
        """Another simulation was opened: a report of another directory goes;
        one of this directory says it is of the session before."""
        dialog = self.dialog
        if dialog is None or not dialog.isVisible():
            return
        c = self.controller
        if c.path is None or c.path != self._path:
            dialog.close()
            self.shown = ()
            return
        dialog.stale()

    def refresh(self) -> None:
        """Refresh (F5) in the dialog: build what it shows again, up to now."""
        if len(self.shown) == 1:
            self.show_report(self.shown[0])
        elif len(self.shown) == 2:
            self.compare(*self.shown)

    # -- building ------------------------------------------------------------------------------------
    def report_of(self, subject: str | None) -> tuple[str, Report] | None:
        """(what it is, its report), or None after saying why there is none."""
        c = self.controller
        if subject is LIVE:
            report = c.report()
            if report is None:
                self.window.show_error("No working directory is open: there is no run to report")
                return None
            return f"this session at {c.sim.time} s", report
        folder = branch_path(c.path, subject)
        try:
            key = (c.path.resolve(), subject, (folder / SESSION_DIR / "commands").stat().st_mtime_ns)
        except OSError:
            self.window.show_error(f"No branch named '{subject}' in {c.path}: saved branches: "
                                   f"{', '.join(list_branches(c.path)) or 'none'}")
            return None
        if key not in self._kept:
            try:
                record = _busy(lambda: record_session(folder))
            except InputError as err:
                self.window.show_error(f"Branch '{subject}' cannot be replayed: {folder}/{err}")
                return None
            self._kept[key] = build_report(record, f"{Path(c.path).name} — branch {subject} (replayed)")
        report = self._kept[key]
        return f"branch {subject} (up to {report.end} s)", report

    def _dialog(self) -> ReportDialog:
        self._path = self.controller.path
        if self.dialog is None:
            self.dialog = ReportDialog(self.window)
            self.dialog.refreshRequested.connect(self.refresh)
        return self.dialog

    @staticmethod
    def _raise(dialog: ReportDialog) -> None:
        dialog.show()
        dialog.raise_()


def _busy(work):
    """`work()` with the wait cursor: replaying a long branch takes a moment."""
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        return work()
    finally:
        QApplication.restoreOverrideCursor()
