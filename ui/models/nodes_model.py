"""Nodes as rows (name, power, network, manager state, CRM, LRM, countdown).

The nodes panel draws cards from the same rows; the model keeps the diffing
and the countdown texts testable without a window.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from hasim.snapshot import NodeView, Snapshot
from ui.models.rows_model import RowsModel
from ui.natural import natural_key
from ui.style import format_duration, node_display_state, state_color, text_color_on

COLUMNS = ("Node", "Power", "Network", "State", "CRM", "LRM", "Waiting for")


def countdowns(node: NodeView, now: int, fence_at: int | None) -> list[str]:
    """What the stack is waiting for on this node, as short texts."""
    out = []
    state = node.manager_state
    if fence_at is not None and fence_at > now and state == "unknown":
        out.append(f"fence in {format_duration(fence_at - now)}")
    if node.power == "on" and not node.online and node.watchdog_expires is not None and node.watchdog_expires > now:
        out.append(f"watchdog fires in {format_duration(node.watchdog_expires - now)}")
    if state == "fence" and node.agent_lock_expires is not None:
        if node.agent_lock_expires > now:
            out.append(f"agent lock free in {format_duration(node.agent_lock_expires - now)}")
        else:
            out.append("agent lock expired, fencing at next round")
    return out


def daemon_text(state: str | None, mode: str | None = None) -> str:
    if state is None:
        return "—"
    if mode and mode not in ("active", "") and state != mode:
        return f"{state} ({mode})"
    return state


class NodesModel(RowsModel):
    columns = COLUMNS

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[NodeView] = []
        self._waits: list[tuple[str, ...]] = []

    def update(self, snap: Snapshot | None, fence_deadlines: dict[str, int] | None = None) -> None:
        fence_deadlines = fence_deadlines or {}
        nodes = sorted(snap.nodes, key=lambda n: natural_key(n.name)) if snap is not None else []
        waits = [tuple(countdowns(n, snap.time, fence_deadlines.get(n.name))) for n in nodes]
        if [n.name for n in nodes] != [n.name for n in self._rows]:
            self.beginResetModel()
            self._rows, self._waits = nodes, waits
            self.endResetModel()
            return
        for i, (node, wait) in enumerate(zip(nodes, waits)):
            if node != self._rows[i] or wait != self._waits[i]:
                self._rows[i], self._waits[i] = node, wait
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))

    def node(self, row: int) -> NodeView:
        return self._rows[row]

    def waits(self, row: int) -> tuple[str, ...]:
        return self._waits[row]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        node = self._rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                node.name + (" (master)" if node.master else ""),
                node.power,
                node.network,
                node_display_state(node),
                daemon_text(node.crm_state),
                daemon_text(node.lrm_state, node.lrm_mode),
                ", ".join(self._waits[index.row()]),
            )[col]
        if col == 3 and role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(QColor(state_color(node_display_state(node))))
        if col == 3 and role == Qt.ItemDataRole.ForegroundRole:
            return QBrush(QColor(text_color_on(state_color(node_display_state(node)))))
        return None
