"""At most one call per interval, the last request never lost.

Panes whose content is expensive to rebuild (the explainer's look-ahead, the
pretty-printed manager status) must not rebuild on every tick, yet must end
up showing the newest state: `request()` runs the callback now if the last
run is at least `interval_ms` old, else once when it is.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer


class Throttle(QObject):
    def __init__(self, interval_ms: int, callback: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._callback = callback
        self._clock = QElapsedTimer()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.run_now)

    def request(self) -> None:
        if self._timer.isActive():
            return  # already due
        elapsed = self._clock.elapsed() if self._clock.isValid() else self.interval_ms
        if elapsed >= self.interval_ms:
            self.run_now()
        else:
            self._timer.start(self.interval_ms - elapsed)

    def run_now(self) -> None:
        """Run the callback at once (a due run is dropped: this is it)."""
        self._timer.stop()
        self._clock.restart()
        self._callback()
