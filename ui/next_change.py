"""The window's "Next change": the search of `hasim.clock.NextChange`, run in
budgeted slices between which the window keeps answering.

An hour of virtual time without a change takes seconds on a 32-node cluster;
done at once it froze the window.  Here each slice does one budgeted run of
engine work (the controller's, passed in), then yields to the event loop; the
clock moves while it searches, and Run, Step, opening a directory or pressing
the button again cancel it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from hasim.clock import NextChange

TYPE_CHECKING = False
if TYPE_CHECKING:
    from hasim.simulation import Simulation


class BudgetedSearch(QObject):
    searching = Signal(bool)
    ended = Signal(object)  # the NextChange, found or exhausted (not when cancelled)

    def __init__(self, run_slice: Callable[[Callable[[], bool]], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run_slice = run_slice
        self._search: NextChange | None = None

    @property
    def active(self) -> bool:
        return self._search is not None

    def start(self, sim: Simulation) -> None:
        self._search = NextChange(sim)
        self.searching.emit(True)
        QTimer.singleShot(0, self._slice)

    def cancel(self) -> None:
        if self._search is not None:
            self._search = None
            self.searching.emit(False)

    def _slice(self) -> None:
        search = self._search
        if search is None:
            return
        self._run_slice(search.more)
        if search is not self._search:
            return  # cancelled meanwhile
        if search.found or search.exhausted:
            self._search = None
            self.searching.emit(False)
            self.ended.emit(search)
        else:
            QTimer.singleShot(0, self._slice)  # let the window breathe, then go on
