"""Branches from the window: go back to an earlier moment, list the branches,
report or compare them.

* **Go back to an earlier moment…** (Ctrl+B, or right-click the timeline):
  time stands while the moment and the branch name are chosen
  (ui.dialogs.go_back_dialog); `Controller.go_back` keeps the session so far
  as the branch and replays it to that moment.  Read-only mode writes
  nothing, so it is disabled there (and refused, should it be asked).
* **Branches…** (Ctrl+Shift+B): the kept branches and this session
  (ui.dialogs.branches_dialog); one is reported, two are compared side by
  side (ui.report_actions).  It writes nothing: read-only may use it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from hasim.session.branch import describe
from ui.dialogs.branches_dialog import BranchesDialog
from ui.dialogs.go_back_dialog import GoBackDialog


class BranchActions:
    def __init__(self, window) -> None:
        self.window = window
        self.controller = window.controller

    def go_back(self, preset: int | None = None) -> bool:
        """Ask for the moment (`preset`: a time to start from, e.g. the
        timeline's) and the branch name, then go back; True when it did."""
        c, window = self.controller, self.window
        problem = c.going_back_problem()
        if problem is not None:
            window.show_error(problem)
            return False
        c.pause()  # the moments and "now" hold still while the user chooses
        dialog = GoBackDialog(c.entries, c.loop_ends, c.sim.time, c.path, pending=c.pending_count(), preset=preset,
                              parent=window)  # fmt: skip
        if not window._exec(dialog):
            return False
        time, name = dialog.chosen_time(), dialog.branch_name()
        if time is None:
            return False
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # the replay takes a moment on a long session
        try:
            return c.go_back(time, name) is None
        finally:
            QApplication.restoreOverrideCursor()

    def show_branches(self) -> bool:
        """List the branches; report or compare what the user picks."""
        c, window = self.controller, self.window
        if c.path is None:
            window.show_error("No working directory is open: no branches to show")
            return False
        now = c.sim.time if c.sim is not None else None
        dialog = BranchesDialog(describe(c.path), now, c.path, parent=window)
        if not window._exec(dialog) or dialog.choice is None:
            return False
        kind, *subjects = dialog.choice
        if kind == "compare":
            return window.reports.compare(*subjects)
        return window.reports.show_report(subjects[0])
