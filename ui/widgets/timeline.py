"""The timeline: one lane per node and per service over virtual time (pyqtgraph).

Each lane is one `LanesItem` paint pass over the `History`: only segments in
the visible x range are drawn, and segments narrower than two pixels are
merged into the one before them (their state still shows on hover), so hours
of virtual time stay cheap and readable.  Zero-length transitions the manager
logged (a node's 'fence', a service's 'recovery') get a minimum width so they
stay visible.  A vertical line marks "now"; the view follows it until the
user pans or zooms (the Follow button takes it back).  No OpenGL.

A faint vertical grid at the time axis' major ticks and the safety-violation
markers (a dashed dark-red line with a flag at the top, hover for the
explanation) are drawn in the same paint pass: a few lines, no extra items
(pyqtgraph's own grid replayed a picture of the whole plot on every repaint).
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QToolTip, QVBoxLayout, QWidget

from hasim.analysis.invariants import INVARIANTS
from ui.models.history import History
from ui.style import format_time, state_color, text_color_on

pg.setConfigOptions(useOpenGL=False, antialias=False, background="w", foreground="#343a40")

LANE_HEIGHT = 0.72  # of one lane unit
MIN_LANE_PX = 18  # below this lanes scroll instead of shrinking
LEGEND = ("online", "unknown", "fence", "maintenance", "started", "recovery", "migrate", "freeze", "stopped",
          "error")
HATCH_COLORS = {"off": "#80343a40", "network off": "#a0862e9c"}  # #aarrggbb: text stays readable
GRID_COLOR = "#30000000"  # faint, over the lanes: times stay readable on every colour
MARKER_COLOR = "#c2255c"  # safety violations (the "now" line is red #e03131)
MARKER_HOVER_PX = 5  # hover this close to a marker to see its explanation


class TimeAxis(pg.AxisItem):
    def tickStrings(self, values, scale, spacing):
        return [format_time(v) if v >= 0 else "" for v in values]


class LaneAxis(pg.AxisItem):
    """Left axis: the lane names at integer positions (lane 0 at the top)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.names: list[str] = []

    def tickValues(self, minVal, maxVal, size):
        return [(1.0, [float(-i) for i in range(len(self.names))])]

    def tickStrings(self, values, scale, spacing):
        out = []
        for v in values:
            i = int(round(-v))
            out.append(self.names[i] if 0 <= i < len(self.names) else "")
        return out


class LanesItem(pg.GraphicsObject):
    """Paints every lane's segments from the history (culled and merged)."""

    def __init__(self, history: History, time_axis: pg.AxisItem | None = None) -> None:
        super().__init__()
        self.history = history
        self.time_axis = time_axis  # the grid follows its major ticks
        self.font = QFont()
        self.font.setPointSizeF(8.5)

    def set_history(self, history: History) -> None:
        self.history = history
        self.prepareGeometryChange()
        self.update()

    def boundingRect(self) -> QRectF:
        n = max(1, len(self.history.order))
        return QRectF(0, -n + 0.5, max(1, self.history.now) + 1, n)

    def changed(self) -> None:
        self.prepareGeometryChange()
        self.update()

    def paint(self, painter: QPainter, option, widget=None) -> None:
        vb = self.getViewBox()
        if vb is None:
            return
        (x0, x1), (y0, y1) = vb.viewRange()
        px = self.pixelWidth() or 1.0  # data units per pixel
        tr = painter.transform()
        painter.resetTransform()  # draw in device pixels: crisp edges and text
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setFont(self.font)
        fm = QFontMetrics(self.font)
        min_w = 3 * px
        # lane i spans y in [-i - 0.5, -i + 0.5]: paint only the visible ones
        first = max(0, int(-y1) - 1)
        last = min(len(self.history.order), int(-y0) + 2)
        for i in range(first, last):
            key = self.history.order[i]
            lane = self.history.lanes[key]
            y_top = -i + LANE_HEIGHT / 2
            self._draw_lane(painter, tr, fm, lane.segments, y_top, LANE_HEIGHT, x0, x1, px, min_w, text=True)
            power = self.history.lanes.get(f"{key}/power")
            if lane.kind == "node" and power is not None:
                self._hatch(painter, tr, power.segments, y_top, LANE_HEIGHT, x0, x1, px)
        if last > first:
            top, bottom = -first + 0.5, -last + 0.5
            self._grid(painter, tr, x0, x1, px, top, bottom)
            self._markers(painter, tr, x0, x1, px, top, bottom)

    def _grid(self, painter, tr, x0, x1, px, top, bottom) -> None:
        """Thin lines at the time axis' major ticks, within the lanes drawn so far."""
        if self.time_axis is None:
            return
        levels = self.time_axis.tickValues(x0, x1, (x1 - x0) / px)
        if not levels:
            return
        right = min(x1, self.history.now)
        painter.setPen(QPen(QColor(GRID_COLOR), 1))
        for t in levels[0][1]:
            if 0 < t <= right:
                p0, p1 = tr.map(QPointF(t, top)), tr.map(QPointF(t, bottom))
                painter.drawLine(round(p0.x()), round(p0.y()), round(p1.x()), round(p1.y()))

    def _markers(self, painter, tr, x0, x1, px, top, bottom) -> None:
        """A dashed line and a flag at the time of each safety violation."""
        violations = self.history.violations
        if not violations:
            return
        color = QColor(MARKER_COLOR)
        pen = QPen(color, 2, Qt.PenStyle.DashLine)
        for t in sorted({v.time for v in violations}):
            if t < x0 - px or t > x1 + px:
                continue
            p0, p1 = tr.map(QPointF(t, top)), tr.map(QPointF(t, bottom))
            x = round(p0.x())
            painter.setPen(pen)
            painter.drawLine(x, round(p0.y()), x, round(p1.y()))
            flag = QPolygonF([QPointF(x - 6, p0.y()), QPointF(x + 6, p0.y()), QPointF(x, p0.y() + 9)])
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(color))
            painter.drawPolygon(flag)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _hatch(self, painter, tr, segments, y_top, height, x0, x1, px) -> None:
        """Hatch a node's lane where it is powered off (or its network is cut)."""
        for seg in segments:
            if seg.state == "on" or seg.end < x0 or seg.start > x1 or seg.end <= seg.start:
                continue
            p0 = tr.map(QPointF(max(seg.start, x0 - px), y_top))
            p1 = tr.map(QPointF(min(seg.end, x1 + px), y_top - height))
            rect = QRectF(p0, p1).normalized()
            pattern = Qt.BrushStyle.BDiagPattern if seg.state == "off" else Qt.BrushStyle.FDiagPattern
            painter.fillRect(rect, QBrush(QColor(HATCH_COLORS[seg.state]), pattern))

    def _draw_lane(self, painter, tr, fm, segments, y_top, height, x0, x1, px, min_w, text) -> None:
        merged_end = None
        passed: list[str] = []  # states the lane went through in no time (fence, recovery…)
        for seg in segments:
            instant = seg.end <= seg.start
            chain: list[str] = []
            if instant and seg.logged:
                passed.append(seg.state)
            elif not instant:
                chain, passed = passed, []
            end = seg.start + min_w if instant else seg.end
            if end < x0 or seg.start > x1:
                continue
            if merged_end is not None and end <= merged_end:
                continue
            start = seg.start if merged_end is None else max(seg.start, merged_end)
            if end - start < 2 * px and not seg.logged:
                continue  # too thin to see: the neighbour covers it (hover still finds it)
            merged_end = end
            color = state_color(seg.state)
            p0 = tr.map(QPointF(max(start, x0 - px), y_top))
            p1 = tr.map(QPointF(min(end, x1 + px), y_top - height))
            rect = QRectF(p0, p1).normalized()
            rect.setWidth(max(rect.width(), 3.0))
            painter.fillRect(rect, QColor(color))
            if text and rect.width() > 40 and not instant:
                # "fence → recovery → started on node2": the short states stay readable
                label = " → ".join([*chain, seg.label])
                shown = fm.elidedText(label, Qt.TextElideMode.ElideRight, int(rect.width()) - 6)
                if len(shown) > 2:
                    painter.setPen(QPen(QColor(text_color_on(color))))
                    painter.drawText(rect.adjusted(4, 0, -2, 0), Qt.AlignmentFlag.AlignVCenter, shown)


class Timeline(QWidget):
    """Plot + a small header (title, Follow toggle)."""

    laneHovered = Signal(str)  # "lane: state since … (for …)"

    def __init__(self, history: History, parent=None) -> None:
        super().__init__(parent)
        self.history = history
        self._drawn = (-1, -1, -1)
        self.follow = True
        self._setting_range = False
        self._lane_top = 0.5  # y of the top of the lane view (lanes scroll when they do not fit)
        self._hovered = False

        self.time_axis = TimeAxis(orientation="bottom")
        self.lane_axis = LaneAxis(orientation="left")
        self.plot = pg.PlotWidget(axisItems={"bottom": self.time_axis, "left": self.lane_axis})
        self.plot.setObjectName("timelinePlot")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=False, y=False)
        vb = self.plot.getViewBox()
        vb.setMouseEnabled(x=True, y=False)
        vb.setLimits(xMin=-10)
        vb.disableAutoRange()
        vb.sigRangeChangedManually.connect(self._user_range)  # mouse drag / wheel only
        vb.sigResized.connect(lambda *_: self._fit_lanes())
        self.lanes = LanesItem(history, self.time_axis)
        self.plot.addItem(self.lanes)
        self.now_line = pg.InfiniteLine(pos=0, angle=90, pen=pg.mkPen("#e03131", width=2))
        self.plot.addItem(self.now_line)
        self.lane_axis.setWidth(62)
        # the lane names change only when lanes come or go: keep them as a
        # pixmap instead of replaying their text on every repaint
        self.lane_axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.plot.scene().sigMouseMoved.connect(self._hover)

        self.follow_button = QPushButton("Follow now")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Keep the whole run in view, up to now")
        self.follow_button.toggled.connect(self._set_follow)
        self.hover_label = QLabel("Hover a lane to see its state and time")
        self.hover_label.setObjectName("timelineHover")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.hover_label.setMinimumWidth(0)
        self.hover_label.setStyleSheet("color: #495057")
        head = QHBoxLayout()
        head.setContentsMargins(4, 0, 4, 0)
        head.addWidget(self.hover_label, 1)
        legend = QLabel(" ".join(
            f"<span style='color:{state_color(st)}'>■</span>&nbsp;{st}"
            for st in LEGEND
        ) + " &nbsp;<b>////</b>&nbsp;powered&nbsp;off"
          f" &nbsp;<span style='color:{MARKER_COLOR}'>▼</span>&nbsp;safety&nbsp;violation")
        legend.setObjectName("timelineLegend")
        legend.setTextFormat(Qt.TextFormat.RichText)
        legend.setToolTip("Lane colours (the same as in the nodes panel and the services table). A node lane is "
                          "the node as the manager sees it; hatching /// marks where it is powered off, "
                          "\\\\\\ where its network is cut. A dashed line with a ▼ flag marks a safety "
                          "violation: hover it for the explanation.")
        head.addWidget(legend)
        head.addSpacing(8)
        head.addWidget(self.follow_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.plot, 1)

    def set_history(self, history: History) -> None:
        self.history = history
        self.lanes.set_history(history)
        self._drawn = (-1, -1, -1)
        self.refresh()

    def _set_follow(self, on: bool) -> None:
        self.follow = on
        if on:
            self._fit()

    def _user_range(self, mask) -> None:
        """The user dragged or zoomed: stop following "now"; remember the lane scroll."""
        (_, _), (_, y1) = self.plot.getViewBox().viewRange()
        self._lane_top = y1
        if mask[0] and self.follow:
            self.follow_button.setChecked(False)

    def _lanes_that_fit(self) -> int:
        """Lanes shown at once: at least MIN_LANE_PX pixels each (drag up/down to see the rest)."""
        height = max(1.0, self.plot.getViewBox().height())
        return max(3, int(height // MIN_LANE_PX))

    def _fit_lanes(self) -> None:
        n = max(1, len(self.history.order))
        shown = min(n, self._lanes_that_fit())
        vb = self.plot.getViewBox()
        scrolls = shown < n
        vb.setMouseEnabled(x=True, y=scrolls)
        vb.setLimits(yMin=-n + 0.5, yMax=0.5, minYRange=shown, maxYRange=shown)
        top = min(0.5, max(-n + 0.5 + shown, self._lane_top)) if scrolls else 0.5
        self._setting_range = True
        try:
            vb.setYRange(top - shown, top, padding=0)
        finally:
            self._setting_range = False
        if scrolls and not self._hovered:
            self.hover_label.setText(f"{shown} of {n} lanes shown: drag up/down for more")



    def _fit(self) -> None:
        now = max(self.history.now, 60)
        self._setting_range = True
        try:
            vb = self.plot.getViewBox()
            vb.setXRange(-(now * 0.01 + 2), now * 1.03 + 5, padding=0)
        finally:
            self._setting_range = False

    def refresh(self) -> None:
        """Redraw if the history changed (called at most ~10 times a second)."""
        h = self.history
        key = (h.revision, h.layout_revision, h.now)
        if key == self._drawn:
            return
        if key[1] != self._drawn[1]:
            self.lane_axis.names = list(h.order)
            self.lane_axis.picture = None
            self.lane_axis.update()
            self._fit_lanes()
        self._drawn = key
        self.now_line.setPos(h.now)
        if self.follow:
            self._fit()
        self.lanes.changed()

    def describe(self, key: str, t: float) -> str | None:
        lane = self.history.lanes.get(key)
        if lane is None:
            return None
        seg = lane.at(t)
        if seg is None:
            return f"{key}: — at {format_time(t)}"
        # a zero-length logged state at this second: show the whole chain
        same = [s.label for s in lane.segments if s.start == seg.start and s.end == s.start]
        chain = " → ".join(same + ([seg.label] if seg.label not in same else []))
        text = f"{key}: {chain}  since {format_time(seg.start)} ({seg.start} s)"
        power = self.history.lanes.get(f"{key}/power")
        if power is not None and (p := power.at(t)) is not None:
            text += f", power {p.state}"
        return text + f"   [at {format_time(round(t))}]"

    def marker_times(self) -> list[int]:
        """Virtual times of the safety-violation markers on the timeline."""
        return sorted({v.time for v in self.history.violations})

    def describe_marker(self, t: float, tolerance: float = 0.5) -> tuple[str, str] | None:
        """(one line, tooltip html) for the violation markers within `tolerance` of `t`."""
        near = self.history.violations_near(t, tolerance)
        if not near:
            return None
        first = near[0]
        line = f"⚠ Safety violation at {format_time(first.time)} ({first.time} s): " + "; ".join(
            f"{v.name}: {v.detail}" for v in near
        )
        parts = []
        for v in near:
            title = INVARIANTS[v.name].title if v.name in INVARIANTS else v.name
            parts.append(f"<p><b>{_esc(title)}</b> ({v.name}, at {v.time} s)<br>{_esc(v.detail)}</p>"
                         f"<p>{_esc(v.explanation)}</p>")
        return line, "".join(parts)

    def _hover(self, pos) -> None:
        vb = self.plot.getViewBox()
        if not self.plot.sceneBoundingRect().contains(pos):
            return
        point = vb.mapSceneToView(pos)
        i = int(round(-point.y()))
        if not (0 <= i < len(self.history.order)) or point.x() < 0:
            return
        where = self.plot.mapToGlobal(self.plot.mapFromScene(pos))
        px = vb.viewPixelSize()[0] or 1.0
        marker = self.describe_marker(point.x(), MARKER_HOVER_PX * px) if self.history.violations else None
        if marker is not None:
            self._hovered = True
            self.hover_label.setText(marker[0])
            self.laneHovered.emit(marker[0])
            QToolTip.showText(where, marker[1], self.plot)
            return
        text = self.describe(self.history.order[i], max(0.0, point.x()))
        if text:
            self._hovered = True
            self.hover_label.setText(text)
            self.laneHovered.emit(text)
            QToolTip.showText(where, text, self.plot)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
