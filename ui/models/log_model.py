"""The cluster log as a list model, with a filter proxy (node, daemon, level, text).

Lines arrive in batches from the controller (`append`): one beginInsertRows
per batch, never a reset.  The proxy filters without copying lines.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor

from hasim.log import LogLine
from ui.style import LEVEL_COLORS

LINE_ROLE = Qt.ItemDataRole.UserRole + 1


def display_text(line: LogLine) -> str:
    return line.render().rstrip("\n").replace("\n", " ")


class LogModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lines: list[LogLine] = []

    def append(self, lines: list[LogLine]) -> None:
        if not lines:
            return
        first = len(self._lines)
        self.beginInsertRows(QModelIndex(), first, first + len(lines) - 1)
        self._lines.extend(lines)
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._lines = []
        self.endResetModel()

    def line(self, row: int) -> LogLine:
        return self._lines[row]

    def text(self) -> str:
        return "".join(line.render() for line in self._lines)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._lines)

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        line = self._lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(line)
        if role == LINE_ROLE:
            return line
        if role == Qt.ItemDataRole.ForegroundRole:
            color = LEVEL_COLORS.get(line.level.strip())
            return QBrush(QColor(color)) if color else None
        return None


class LogFilterProxy(QSortFilterProxyModel):
    """Keeps lines matching every set criterion (None/"" = any)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._node: str | None = None
        self._daemon: str | None = None
        self._level: str | None = None
        self._text = ""

    def set_filter(self, *, node=..., daemon=..., level=..., text=...) -> None:
        self.beginFilterChange()
        if node is not ...:
            self._node = node or None
        if daemon is not ...:
            self._daemon = daemon or None
        if level is not ...:
            self._level = level or None
        if text is not ...:
            self._text = (text or "").lower()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, row: int, parent) -> bool:
        line: LogLine = self.sourceModel().line(row)
        if self._node is not None and line.node != self._node:
            return False
        if self._daemon is not None:
            daemon = line.daemon if line.node else "harness"
            if daemon != self._daemon:
                return False
        if self._level is not None and not line.level.startswith(self._level[:4]):
            return False
        if self._text and self._text not in display_text(line).lower():
            return False
        return True
