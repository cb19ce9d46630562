"""Simulation → Branches…: the branches kept in the working directory (as
`hasim branches DIR` lists them) and this session, to report one or to
compare two side by side.

Select one row for its report, two to compare them (the upper one is A).
The dialog closes with the choice in `choice` — ("report", subject) or
("compare", a, b), a subject being a branch name or None for this
session — and the window opens the report (ui.report_actions).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from hasim.session.branch import BranchInfo
from ui.models.moments import when
from ui.style import MUTED

SUBJECT_ROLE = Qt.ItemDataRole.UserRole
THIS_SESSION = "this session (live)"


class BranchesDialog(QDialog):
    def __init__(self, branches: Sequence[BranchInfo], now: int | None, workdir: Path, parent=None) -> None:
        """`now`: this session's time (None: no session to compare, e.g. nothing open)."""
        super().__init__(parent)
        self.setObjectName("branchesDialog")
        self.setWindowTitle("Branches")
        self.resize(640, 400)
        self.choice: tuple | None = None
        where = f"<tt>{Path(workdir).name}/branches/</tt>"
        intro = QLabel(
            f"Sessions kept when going back in time, saved in {where}. Select one for its outcome report, two "
            "to compare them side by side (the upper one is A). <tt>hasim replay DIR --branch NAME</tt> replays "
            "one, <tt>hasim report DIR --branch NAME</tt> reports it."
            if branches else
            f"No branches in {where} yet: Simulation → Go back to an earlier moment… keeps the session so far "
            "as one before it goes back.")  # fmt: skip
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("branchesTable")
        self.table.setHorizontalHeaderLabels(["branch", "goes up to", "commands and edits"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        rows = [(b.name, b.name, when(b.last) if b.last is not None else f"unreadable: {b.problem}",
                 str(b.entries) if b.last is not None else "") for b in branches]  # fmt: skip
        if now is not None:
            rows.append((None, THIS_SESSION, when(now), ""))
        self.table.setRowCount(len(rows))
        for r, (subject, *texts) in enumerate(rows):
            for c, text in enumerate(texts):
                item = QTableWidgetItem(text)
                item.setData(SUBJECT_ROLE, subject)
                if subject is None:
                    item.setForeground(Qt.GlobalColor.darkBlue)
                self.table.setItem(r, c, item)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.table.itemDoubleClicked.connect(lambda item: self._choose(("report", item.data(SUBJECT_ROLE))))
        self.hint = QLabel()
        self.hint.setStyleSheet(f"color: {MUTED}")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.report_button = self.buttons.addButton("Report", QDialogButtonBox.ButtonRole.ActionRole)
        self.compare_button = self.buttons.addButton("Compare", QDialogButtonBox.ButtonRole.ActionRole)
        self.report_button.clicked.connect(lambda: self._choose(("report", *self.selected())))
        self.compare_button.clicked.connect(lambda: self._choose(("compare", *self.selected())))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self._selection_changed()

    def select(self, *subjects: str | None) -> None:
        """Select the rows of `subjects` (a branch name, None for this session)."""
        self.table.clearSelection()
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(SUBJECT_ROLE) in subjects:
                self.table.selectRow(r)

    def selected(self) -> list[str | None]:
        """The subjects selected, top to bottom."""
        rows = sorted({i.row() for i in self.table.selectedIndexes()})
        return [self.table.item(r, 0).data(SUBJECT_ROLE) for r in rows]

    def _selection_changed(self) -> None:
        n = len(self.selected())
        self.report_button.setEnabled(n == 1)
        self.compare_button.setEnabled(n == 2)
        self.hint.setText({0: "Select a row for its report, two to compare.", 1: "Report, or select a second to compare.",
                           2: "Compare: the upper one is A, the lower one B."}.get(n, "Select one or two rows."))

    def _choose(self, choice: tuple) -> None:
        self.choice = choice
        self.accept()
