"""The services table: one row per configured HA resource.

`update(snapshot)` diffs against the rows it shows: changed cells get a
`dataChanged` (neighbouring rows of one column together), added/removed
services are inserted/removed, nothing else is touched (no model reset
while the user looks at it).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from hasim.snapshot import ServiceView, Snapshot
from hasim.vocab import NOT_YET_MANAGED, exit_code_label
from ui.models.rows_model import RowsModel
from ui.style import state_color, text_color_on

COLUMNS = ("Service", "Requested", "State", "Node", "Running on", "LRM result")
COL_SID, COL_REQUESTED, COL_STATE, COL_NODE, COL_RUNNING, COL_RESULT = range(len(COLUMNS))
SID_ROLE = Qt.ItemDataRole.UserRole + 1

def state_text(svc: ServiceView) -> str:
    state = svc.state or NOT_YET_MANAGED
    if state in ("migrate", "relocate") and svc.target:
        return f"{state} → {svc.target}"
    return state


def node_text(svc: ServiceView) -> str:
    return svc.node or ""


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Ascending indices as (first, last) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def running_text(svc: ServiceView) -> str:
    return ", ".join(svc.running_on) if svc.running_on else "—"


def result_text(svc: ServiceView) -> str:
    return exit_code_label(svc.lrm_result)


def cells(svc: ServiceView) -> tuple:
    """What each column shows of a service (text and colour): a cell repaints when its entry changes."""
    return (svc.sid, svc.requested, (state_text(svc), svc.state), node_text(svc), running_text(svc),
            result_text(svc))


class ServicesModel(RowsModel):
    columns = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[ServiceView] = []
        self.editable = True  # requested state via the combo delegate

    # -- updates -------------------------------------------------------------------------------
    def update(self, snap: Snapshot | None) -> None:
        new = list(snap.services) if snap is not None else []
        if not self._rows and new:
            # filling an empty table (a directory was opened): one reset instead
            # of a thousand single-row inserts; nobody is looking at rows yet
            self.beginResetModel()
            self._rows = new
            self.endResetModel()
            return
        new_ids = {s.sid for s in new}
        # remove rows that are gone (from the bottom up)
        for row in range(len(self._rows) - 1, -1, -1):
            if self._rows[row].sid not in new_ids:
                self.beginRemoveRows(QModelIndex(), row, row)
                del self._rows[row]
                self.endRemoveRows()
        # insert new ones at their sorted place, update changed ones; unchanged
        # rows are mostly the very same objects (hasim.snapshot reuses them).
        # An insert only moves rows after it, so the indices noted here are
        # final, and neighbouring changed rows go out as one dataChanged range.
        rows = self._rows
        changed: list[tuple[int, ServiceView]] = []
        for i, svc in enumerate(new):
            if i < len(rows) and rows[i].sid == svc.sid:
                old = rows[i]
                if old is not svc and old != svc:
                    rows[i] = svc
                    changed.append((i, old))
            else:
                self.beginInsertRows(QModelIndex(), i, i)
                rows.insert(i, svc)
                self.endInsertRows()
        # the changed cells only, a column at a time: a view repaints what dataChanged
        # names (Qt 6 repaints a range's cells, not the table), and a thousand
        # services starting at once are a few emits, not thousands
        by_column: dict[int, list[int]] = {}
        for i, old in changed:
            before, after = cells(old), cells(rows[i])
            for col in range(len(COLUMNS)):
                if before[col] != after[col]:
                    by_column.setdefault(col, []).append(i)
        for col, indices in sorted(by_column.items()):
            for first, last in _runs(indices):
                self.dataChanged.emit(self.index(first, col), self.index(last, col))

    def service(self, row: int) -> ServiceView | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, sid: str) -> int:
        for i, s in enumerate(self._rows):
            if s.sid == sid:
                return i
        return -1

    def sids(self) -> list[str]:
        return [s.sid for s in self._rows]

    # -- Qt model API --------------------------------------------------------------------------
    def flags(self, index):
        base = super().flags(index)
        if index.isValid() and index.column() == COL_REQUESTED and self.editable:
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        svc = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if col == COL_SID:
                return svc.sid
            if col == COL_REQUESTED:
                return svc.requested
            if col == COL_STATE:
                return state_text(svc)
            if col == COL_NODE:
                return node_text(svc)
            if col == COL_RUNNING:
                return running_text(svc)
            if col == COL_RESULT:
                return result_text(svc)
        if role == SID_ROLE:
            return svc.sid
        if role == Qt.ItemDataRole.BackgroundRole and col == COL_STATE:
            return QBrush(QColor(state_color(svc.state)))
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_STATE:
            return QBrush(QColor(text_color_on(state_color(svc.state))))
        if role == Qt.ItemDataRole.ForegroundRole and col == COL_REQUESTED and svc.requested != "started":
            return QBrush(QColor("#868e96"))
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = [f"{svc.sid}: requested {svc.requested}, manager state {svc.state or NOT_YET_MANAGED + ' (not yet seen by the manager)'}"]
            if svc.target:
                tip.append(f"target {svc.target}")
            if svc.failed_nodes:
                tip.append("failed on " + ", ".join(svc.failed_nodes))
            tip.append(f"max_restart {svc.max_restart}, max_relocate {svc.max_relocate}, failback {svc.failback}")
            if svc.group:
                tip.append(f"group {svc.group}")
            if svc.lock:
                tip.append(f"lock {svc.lock}")
            return "\n".join(tip)
        if role == Qt.ItemDataRole.TextAlignmentRole and col == COL_STATE:
            return int(Qt.AlignmentFlag.AlignCenter)
        return None
