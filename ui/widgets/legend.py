"""The timeline's legend: a swatch and a word per entry, wrapped to the width.

Painted (not rich text) so that the hatching for "powered off" and "network
cut" is the very brush the lanes use, and the markers are the very shapes:
what the legend shows is what the eye finds in the lanes.  It sits on its
own row, so it never covers the hover text.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygon
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.style import DARK_TEXT, state_color
from ui.widgets.lanes_canvas import COMMAND_COLOR, HATCH_COLORS, HATCH_PATTERNS, MARKER_COLOR

STATES = ("online", "unknown", "fence", "maintenance", "started", "recovery", "migrate", "freeze", "stopped",
          "error")
# (kind, what, text): kind "state" | "hatch" | "violation" | "command"
ENTRIES = (
    *(("state", st, st) for st in STATES),
    ("hatch", "off", "powered off"),
    ("hatch", "network off", "network cut"),
    ("command", "", "command given"),
    ("violation", "", "safety violation"),
)


class Legend(QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineLegend")
        self.entries = ENTRIES
        sp = QSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        sp.setHeightForWidth(True)
        self.setSizePolicy(sp)
        self.setToolTip("Lane colours (the same as in the nodes panel and the services table). A node lane is "
                        "the node as the manager sees it; hatching /// marks where it is powered off, "
                        "\\\\\\ where its network is cut. A dotted blue line with a ▲ marks a command given "
                        "(hover it to read it); a dashed line with a ▼ flag marks a safety violation.")

    def texts(self) -> list[str]:
        return [text for _, _, text in self.entries]

    def _layout(self, width: int) -> list[tuple[QRect, tuple]]:
        fm = self.fontMetrics()
        sw = fm.height() - 2  # swatch size
        x = y = 0
        out = []
        for entry in self.entries:
            w = sw + 4 + fm.horizontalAdvance(entry[2]) + 12
            if x and x + w > width:
                x, y = 0, y + fm.height() + 2
            out.append((QRect(x, y, w, fm.height()), entry))
            x += w
        return out

    def heightForWidth(self, width: int) -> int:
        rects = self._layout(width)
        return rects[-1][0].bottom() + 1 if rects else 0

    def hasHeightForWidth(self) -> bool:
        return True

    def sizeHint(self) -> QSize:
        rects = self._layout(10_000)
        return QSize(rects[-1][0].right() + 1, self.fontMetrics().height())

    def minimumSizeHint(self) -> QSize:
        return QSize(120, self.fontMetrics().height())

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        fm = self.fontMetrics()
        sw = fm.height() - 2
        for rect, (kind, what, text) in self._layout(self.width()):
            box = QRect(rect.x(), rect.y() + (rect.height() - sw) // 2, sw, sw)
            if kind == "state":
                painter.fillRect(box, QColor(state_color(what)))
            elif kind == "hatch":
                painter.fillRect(box, QColor(state_color("off")))
                painter.fillRect(box, QBrush(QColor(HATCH_COLORS[what]), HATCH_PATTERNS[what]))
            elif kind == "command":
                c = box.center()
                painter.setPen(QPen(QColor(COMMAND_COLOR), 1, Qt.PenStyle.DotLine))
                painter.drawLine(c.x(), box.top(), c.x(), box.bottom())
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(COMMAND_COLOR))
                painter.drawPolygon(QPolygon([QPoint(box.left(), box.bottom()), QPoint(box.right(), box.bottom()),
                                              QPoint(c.x(), box.top() + sw // 3)]))
            else:
                c = box.center()
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(QColor(MARKER_COLOR))
                painter.drawPolygon(QPolygon([QPoint(box.left(), box.top()), QPoint(box.right(), box.top()),
                                              QPoint(c.x(), box.bottom())]))
            painter.setPen(QColor(DARK_TEXT))
            painter.drawText(QRect(box.right() + 5, rect.y(), rect.width() - sw - 5, rect.height()),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.end()
