"""The live manager_status, pretty-printed (the real simulator's "Manager Status" tab).

The master replaces the status every round (the uids of healthy services are
renewed each time), and at 1000 services the pretty-printed text is ~10 000
lines: rendering it on every tick cost 10-40 ms.  Like the real simulator's
tab (refreshed every second), the text is rendered at most once a second
while the status keeps changing; the newest status is always shown in the
end, and a status object that was already rendered is never rendered again.
"""

from __future__ import annotations

import json

from PySide6.QtWidgets import QPlainTextEdit

from ui.throttle import Throttle
from ui.zoom import mono_font

MIN_INTERVAL_MS = 1000


class ManagerStatusPane(QPlainTextEdit):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("managerStatus")
        self.setReadOnly(True)
        self.setFont(mono_font())
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._shown = None  # the text shown
        self._rendered = None  # the status object it was made from
        self._pending = None  # the newest status, waiting for its turn
        self._throttle = Throttle(MIN_INTERVAL_MS, self._render_pending, self)

    def follow_zoom(self) -> None:
        """The application font changed (ui.zoom)."""
        self.setFont(mono_font())

    def show_status(self, status: dict) -> None:
        """Show `status` now, or within a second if the text was rendered less
        than a second ago (the engine replaces, never edits, a written status)."""
        if status is self._rendered:
            self._pending = None
            return
        self._pending = status
        self._throttle.request()

    def _render_pending(self) -> None:
        status, self._pending = self._pending, None
        if status is None:
            return
        self._rendered = status
        text = json.dumps(status, indent=4, sort_keys=True) if status else "{}  (no manager has written a status yet)"
        if text == self._shown:
            return
        self._shown = text
        bar = self.verticalScrollBar()
        pos = bar.value()
        self.setPlainText(text)
        bar.setValue(pos)
