"""The live manager_status, pretty-printed (the real simulator's "Manager Status" tab)."""

from __future__ import annotations

import json

from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QPlainTextEdit


class ManagerStatusPane(QPlainTextEdit):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("managerStatus")
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self._shown = None

    def show_status(self, status: dict) -> None:
        text = json.dumps(status, indent=4, sort_keys=True) if status else "{}  (no manager has written a status yet)"
        if text == self._shown:
            return
        self._shown = text
        bar = self.verticalScrollBar()
        pos = bar.value()
        self.setPlainText(text)
        bar.setValue(pos)
