"""Simulation → Go back to an earlier moment…: pick a moment of this session
and the name under which the session so far is kept.

The list offers the start and the loop end just before each thing that was
done (ui.models.moments); a time typed below (or a right-click on the
timeline, which fills it) goes to the loop end at or before it — the only
points where commands apply, so going back there is exact.  The name is
checked as it is typed (hasim.session.branch.name_problem) and Go back stays
disabled until it is right.  The dialog decides nothing: `chosen_time()` and
`branch_name()` go to `Controller.go_back`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
)

from hasim.session.branch import LoopEnds, default_name, list_branches, name_problem
from hasim.workdir.session_file import Entry
from ui.dialogs.fields import NumberField
from ui.models.moments import moment_rows, when
from ui.style import BAD_TEXT, MUTED

MOMENT_ROLE = Qt.ItemDataRole.UserRole


class GoBackDialog(QDialog):
    def __init__(self, entries: Sequence[Entry], loop_ends: LoopEnds, now: int, workdir: Path, *,
                 pending: int = 0, preset: int | None = None, parent=None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setObjectName("goBackDialog")
        self.setWindowTitle("Go back to an earlier moment")
        self.resize(720, 520)
        self.entries, self.loop_ends, self.now, self.workdir = tuple(entries), loop_ends, now, Path(workdir)
        self._taken = list_branches(self.workdir)
        self._default = ""  # the name suggested last: replaced when the moment changes, a typed one is kept
        intro = QLabel(
            f"The session is at <b>{when(now)}</b>. Going back replays it to the moment you pick — exactly: "
            "the engine is deterministic — and stays paused there; from there you try something else, live. "
            f"The session so far is kept as a <b>branch</b> of the working directory "
            f"(<tt>{self.workdir.name}/branches/NAME</tt>): compare the two afterwards (Simulation → Branches…), "
            "replay it with <tt>hasim replay DIR --branch NAME</tt>.")
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.moments = QListWidget()
        self.moments.setObjectName("goBackMoments")
        for moment, label in moment_rows(self.entries, loop_ends):
            item = QListWidgetItem(label)
            item.setData(MOMENT_ROLE, moment.time)
            self.moments.addItem(item)
        self.moments.currentItemChanged.connect(self._picked)
        self.time = NumberField("goBackTime", "The moment", now if preset is None else preset, minimum=0,
                                maximum=now, unit="s")  # fmt: skip
        self.time.textChanged.connect(self._moment_changed)
        self.arrives = QLabel()
        self.arrives.setObjectName("goBackArrives")
        self.name = QLineEdit()
        self.name.setObjectName("goBackName")
        self.name.textChanged.connect(self._check)
        self.problem = QLabel()
        self.problem.setObjectName("goBackProblem")
        self.problem.setStyleSheet(f"color: {BAD_TEXT}")
        self.problem.setWordWrap(True)
        grid = QGridLayout()
        grid.addWidget(QLabel("Or the loop end at or before (s):"), 0, 0)
        grid.addWidget(self.time, 0, 1)
        grid.addWidget(self.arrives, 0, 2)
        grid.addWidget(QLabel("Keep the session so far as branch:"), 1, 0)
        grid.addWidget(self.name, 1, 1, 1, 2)
        grid.setColumnStretch(2, 1)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.go_button = self.buttons.addButton("Go back", QDialogButtonBox.ButtonRole.AcceptRole)
        self.go_button.setObjectName("goBackButton")
        self.go_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("<b>Moments</b> (each a loop end, where commands apply):"))
        layout.addWidget(self.moments, 1)
        layout.addLayout(grid)
        layout.addWidget(self.problem)
        if any(e.source == "cmdlist" for e in self.entries):
            scripted = QLabel("The scenario's own commands (marked <i>scenario</i>) come again at their times after "
                              "going back, as when a saved session resumes: what you do adds to them.")
            scripted.setWordWrap(True)
            scripted.setStyleSheet(f"color: {MUTED}")
            layout.addWidget(scripted)
        if pending:
            note = QLabel(f"{pending} command{'s' if pending != 1 else ''} queued for the next loop end "
                          f"{'were' if pending != 1 else 'was'} never applied: {'they are' if pending != 1 else 'it is'}"
                          " in neither session.")  # fmt: skip
            note.setWordWrap(True)
            note.setStyleSheet(f"color: {MUTED}")
            layout.addWidget(note)
        layout.addWidget(self.buttons)
        if preset is None and self.moments.count():
            self.moments.setCurrentRow(self.moments.count() - 1)  # before the last thing done: the likely one
        self._moment_changed()

    # -- what was chosen -------------------------------------------------------------------------------
    def chosen_time(self) -> int | None:
        """The loop end to go back to (None: the time typed is not one)."""
        if self.time.problem() is not None:
            return None
        return self.loop_ends.at_or_before(int(self.time.value())).time

    def branch_name(self) -> str:
        return self.name.text().strip()

    def pick(self, row: int) -> None:
        """Choose the moment of list row `row` (a click does this)."""
        self.moments.setCurrentRow(row)

    # -- keeping it consistent ------------------------------------------------------------------------
    def _picked(self, item: QListWidgetItem | None, _previous=None) -> None:
        if item is not None:
            self.time.setText(str(item.data(MOMENT_ROLE)))

    def _moment_changed(self, *_args) -> None:
        """Say which loop end the time is; suggest a name for what it undoes (unless one was typed)."""
        if self.time.problem() is None:
            moment = self.loop_ends.at_or_before(int(self.time.value()))
            self.arrives.setText(f"→ the loop end at {when(moment)}")
            if self.branch_name() in ("", self._default):
                self._default = default_name(self.entries, moment, self.now, self._taken)
                self.name.setText(self._default)
        else:
            self.arrives.setText("")
        self._check()

    def _check(self, *_args) -> None:
        problem = self.time.problem()
        if problem is None:
            name = self.branch_name()
            problem = name_problem(self.workdir, name) if name else "Name the branch the session so far is kept as"
            if problem is not None:
                problem = f"Branch name: {problem}"
        self.problem.setText(problem or "")
        self.go_button.setEnabled(problem is None)
