"""Saving from the window, and never throwing work away unasked.

* **Save** (Ctrl+S) keeps the session in the working directory
  (hasim.workdir.saved): opening it again — File → Open, `hasim DIR` —
  resumes at the saved moment, time, daemons and all.  A fresh copy of a
  shipped scenario or of the default cluster lives in a temporary folder, so
  Save there asks where to keep it (Save as).
* **Save as…** (Ctrl+Shift+S) copies the directory to a new or empty folder
  with the session saved and goes on there.
* **Save as scenario** also makes the live state the directory's inputs
  with an empty cmdlist (the real simulator's Save): Reset starts from it.
* `may_discard(what)` is asked before anything replaces or ends a session
  with unsaved work (Open, Reset, Import, Quit): Save, Discard or Cancel.

The questions go through `ask_unsaved` and `choose_directory`, which the
tests replace; a window that shows no dialogs (a screenshot, a test that
does not answer) discards, as closing a headless run always did.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class SaveActions:
    def __init__(self, window) -> None:
        self.window = window
        self.controller = window.controller
        self.ask_before_discarding = True  # False once a signal closes the window: nobody is there to answer

    # -- the actions ------------------------------------------------------------------------------------
    def save(self) -> bool:
        """File → Save: in place, or Save as for a temporary copy."""
        if self.controller.is_scratch:
            return self.save_as()
        return self.controller.save() is None

    def save_as(self) -> bool:
        """File → Save as…: a new or empty folder the user picks becomes the open directory."""
        c = self.controller
        suggestion = Path.home() / (c.source or (c.path.name if c.path else "hasim-cluster"))
        target = self.choose_directory("Save the session as a working directory", str(suggestion))
        if not target:
            return False
        return c.save_as(target) is None

    def save_as_scenario(self) -> bool:
        """File → Save as scenario: the live state becomes the start (cmdlist emptied)."""
        if self.controller.is_scratch and not self.save_as():
            return False
        return self.controller.save_as_scenario() is None

    # -- the question --------------------------------------------------------------------------------------
    def may_discard(self, what: str) -> bool:
        """Whether `what` (e.g. "Opening another scenario") may go ahead: True
        when nothing is unsaved, or the user saved or chose to discard."""
        c = self.controller
        if not c.unsaved or not self.ask_before_discarding:
            return True
        answer = self.ask_unsaved(what, self._unsaved_text())
        if answer == SAVE:
            return self.save()
        return answer == DISCARD

    def _unsaved_text(self) -> str:
        c = self.controller
        text = f"The session has unsaved work: it is at {c.sim.time} s"
        pending = c.sim.pending_count
        if pending:
            text += f", with {pending} command{'s' if pending != 1 else ''} queued"
        return text + "."

    def ask_unsaved(self, what: str, unsaved: str) -> str:
        """SAVE, DISCARD or CANCEL (tests replace this)."""
        if not self.window.interactive_errors:
            return DISCARD
        box = QMessageBox(self.window)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Unsaved session")
        box.setText(f"{unsaved}\n{what} discards it.")
        box.setInformativeText("Save keeps it: opening the directory again resumes exactly here.")
        buttons = QMessageBox.StandardButton
        box.setStandardButtons(buttons.Save | buttons.Discard | buttons.Cancel)
        box.setDefaultButton(buttons.Save)
        box.setEscapeButton(buttons.Cancel)
        chosen = box.exec()
        return {buttons.Save: SAVE, buttons.Discard: DISCARD}.get(buttons(chosen), CANCEL)

    def choose_directory(self, title: str, suggestion: str) -> str | None:
        """A new (or empty) directory's path, or None (tests replace this)."""
        path, _ = QFileDialog.getSaveFileName(self.window, title, suggestion)
        return path or None
