"""How the window's panes are arranged, and the size it opens at.

Two layouts of the same panes (the widgets move, nothing is rebuilt):

- "classic": nodes | services | explain on top, the timeline below, the
  log and manager-status tabs at the bottom;
- "log-right": the log full height on the right as in the real
  pve-ha-simulator (with the explainer under it), nodes and services on
  top left and the timeline below them — for those who teach from the log.

Each arrangement is a tree of named QSplitters, whose positions the window
remembers per layout (ui.settings).  `fitting_size` is the size a first
window opens at: the preferred 1280×800 (× zoom) or two thirds of a big
screen, never more than the screen's available area.
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QSplitter, QWidget

PREFERRED = QSize(1280, 800)


def _splitter(name: str, orientation: Qt.Orientation, widgets: list[QWidget], sizes: list[int],
              stretch: list[int]) -> QSplitter:
    s = QSplitter(orientation)
    s.setObjectName(name)
    s.setChildrenCollapsible(False)
    for w in widgets:
        s.addWidget(w)
    for i, f in enumerate(stretch):
        s.setStretchFactor(i, f)
    s.setSizes(sizes)
    return s


def arrange(layout: str, nodes: QWidget, services: QWidget, explain: QWidget, timeline: QWidget,
            tabs: QWidget, width: int, height: int) -> tuple[QSplitter, dict[str, QSplitter]]:
    """The root splitter for `layout` over the panes, and every splitter by name."""
    if layout == "log-right":
        top = _splitter("topSplitter", Qt.Orientation.Horizontal, [nodes, services],
                        [width * 24 // 100, width * 34 // 100], [0, 1])
        left = _splitter("leftSplitter", Qt.Orientation.Vertical, [top, timeline],
                         [height * 45 // 100, height * 55 // 100], [0, 1])
        right = _splitter("rightSplitter", Qt.Orientation.Vertical, [tabs, explain],
                          [height * 70 // 100, height * 30 // 100], [1, 0])
        root = _splitter("mainSplitter", Qt.Orientation.Horizontal, [left, right],
                         [width * 58 // 100, width * 42 // 100], [1, 1])
        return root, {s.objectName(): s for s in (top, left, right, root)}
    top = _splitter("topSplitter", Qt.Orientation.Horizontal, [nodes, services, explain],
                    [width * 25 // 100, width * 40 // 100, width * 35 // 100], [0, 1, 1])
    root = _splitter("mainSplitter", Qt.Orientation.Vertical, [top, timeline, tabs],
                     [height * 40 // 100, height * 35 // 100, height * 25 // 100], [0, 1, 1])
    return root, {s.objectName(): s for s in (top, root)}


def fitting_size(available: QRect, zoom: float = 1.0) -> QSize:
    """The first window's size: 1280×800 (grown with the zoom), or two thirds of a
    big screen, never more than the available area (less room for the frame)."""
    want = QSize(round(PREFERRED.width() * min(zoom, 1.5)), round(PREFERRED.height() * min(zoom, 1.5)))
    want = want.expandedTo(QSize(available.width() * 2 // 3, available.height() * 2 // 3))
    room = QSize(max(640, available.width() - 16), max(480, available.height() - 40))
    return want.boundedTo(room)
