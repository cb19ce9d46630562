"""The window's status bar: its temporary message is a TextLine.

QStatusBar repaints its whole message area (the width left of the permanent
labels, ~400 x 24 pixels at 1280x800) every time the message changes or
goes; over `ssh -X` each is a raw image.  Here `showMessage`, `clearMessage`
and `currentMessage` keep the message in a `TextLine` (stretched over that
area), which repaints only the pixels that change ("Queued 'power node1
on'…" → "Queued 'power node2 on'…": one digit), and `messageChanged` is
emitted as QStatusBar does.  Its size hint never follows the text, so a
message never re-lays the bar out (which would repaint it whole).  Qt's own
messages (status tips while a menu is hovered) still go through QStatusBar,
which hides the message line meanwhile, and `currentMessage` says them
first, as QStatusBar does.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QSizePolicy, QStatusBar

from ui.widgets.text_line import TextLine


class StatusBar(QStatusBar):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.message = TextLine(follows_text=False, margin=0)  # as much room as QStatusBar's message had
        self.message.setObjectName("statusMessage")
        self.message.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.addWidget(self.message, 1)
        self._timeout = QTimer(self)
        self._timeout.setSingleShot(True)
        self._timeout.timeout.connect(self.clearMessage)

    def showMessage(self, text: str, timeout: int = 0) -> None:  # noqa: N802 (QStatusBar's name)
        """Show `text` (for `timeout` ms, 0: until the next message)."""
        text = text or ""
        self._timeout.stop()
        if text and timeout > 0:
            self._timeout.start(timeout)
        if text != self.message.text():
            self.message.setText(text)
            self.messageChanged.emit(text)

    def clearMessage(self) -> None:  # noqa: N802
        self.showMessage("")

    def currentMessage(self) -> str:  # noqa: N802
        return super().currentMessage() or self.message.text()
