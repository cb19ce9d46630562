"""The cluster log as a list model, with a filter proxy (node, daemon, level, text).

Lines arrive in batches from the controller (`append`): one beginInsertRows
per batch, never a reset.  The proxy filters without copying lines.

A batch may also carry safety violations (`hasim.analysis.invariants.Violation`), in
their place right after the line of the step that broke the guarantee: they
show as a highlighted line (red on pink, bold) naming the invariant, what
happened and the guarantee in one sentence; the tooltip holds the full
plain-language explanation.  Node and source filters never hide them.
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from hasim.analysis.invariants import INVARIANTS, Violation
from hasim.log import LogLine
from ui.style import LEVEL_COLORS, RED

LINE_ROLE = Qt.ItemDataRole.UserRole + 1
VIOLATION_BACKGROUND = "#ffe3e3"
VIOLATION_TEXT = "#c92a2a"


def violation_title(v: Violation) -> str:
    inv = INVARIANTS.get(v.name)
    return inv.title if inv is not None else v.name


def violation_text(v: Violation) -> str:
    """One log-pane line for a violation, aligned with the log's columns."""
    return f"{'SAFETY':<5} {v.time:5d} {'invariants':>12}: VIOLATED {v.name}: {v.detail} — {violation_title(v)}"


def display_text(line: LogLine | Violation) -> str:
    if isinstance(line, Violation):
        return violation_text(line)
    return line.render().rstrip("\n").replace("\n", " ")


class LogModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._lines: list[LogLine | Violation] = []
        self._bold: QFont | None = None

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

    def set_font(self, font: QFont) -> None:
        """The view's font: violation lines use its bold variant."""
        self._bold = QFont(font)
        self._bold.setBold(True)

    def line(self, row: int) -> LogLine | Violation:
        return self._lines[row]

    def text(self) -> str:
        return "".join(display_text(line) + "\n" for line in self._lines)

    def violation_rows(self) -> list[int]:
        return [i for i, line in enumerate(self._lines) if isinstance(line, Violation)]

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
        if isinstance(line, Violation):
            return self._violation_data(line, role)
        if role == Qt.ItemDataRole.ForegroundRole:
            color = LEVEL_COLORS.get(line.level.strip())
            return QBrush(QColor(color)) if color else None
        return None

    def _violation_data(self, v: Violation, role):
        if role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(VIOLATION_TEXT))
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(VIOLATION_BACKGROUND))
        if role == Qt.ItemDataRole.FontRole:
            if self._bold is None:
                self._bold = QFont()
                self._bold.setBold(True)
            return self._bold
        if role == Qt.ItemDataRole.ToolTipRole:
            return (f"<p><b style='color:{RED}'>Safety violation at {v.time} s: {violation_title(v)}</b></p>"
                    f"<p>{_escape(v.detail)}</p><p>{_escape(v.explanation)}</p>")
        return None


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
        line = self.sourceModel().line(row)
        if isinstance(line, Violation):  # a safety violation concerns the whole cluster
            if self._level is not None and self._level[:3] != "err":
                return False
            return not self._text or self._text in display_text(line).lower()
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
