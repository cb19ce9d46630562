"""The window's "Next change": the search of `hasim.clock.NextChange`, run in
budgeted slices between which the window keeps answering.

An hour of virtual time without a change takes seconds on a 32-node cluster;
done at once it froze the window.  Here each slice does at most the
controller's tick budget of engine work, then yields to the event loop; the
clock moves while it searches, and Run, Step, opening a directory or pressing
the button again stop it.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer

from hasim.clock import NextChange

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ui.controller import Controller


class BudgetedSearch:
    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        self._search: NextChange | None = None

    @property
    def active(self) -> bool:
        return self._search is not None

    def start(self) -> None:
        c = self.controller
        self._search = NextChange(c.sim)
        c.searchingChanged.emit(True)
        c.message.emit("Looking for the next state change…")
        QTimer.singleShot(0, self._slice)

    def cancel(self) -> None:
        if self._search is not None:
            self._search = None
            self.controller.searchingChanged.emit(False)

    def _slice(self) -> None:
        c, search = self.controller, self._search
        if search is None or c.sim is not search.sim:
            return
        c.run_budgeted(search.more)
        if search.found or search.exhausted or not c.alive:
            self._search = None
            c.searchingChanged.emit(False)
            c.search_ended(search)
        else:
            QTimer.singleShot(0, self._slice)  # let the window breathe, then go on
