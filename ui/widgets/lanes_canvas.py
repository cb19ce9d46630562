"""The timeline's drawing: lanes over a sliding window of virtual time.

Theory of operation
-------------------
One plain QWidget (no OpenGL, no graphics scene) paints, left to right, the
lane names, the lanes (a coloured bar per state, hatching where a node is
powered off or cut off the network), a faint grid, the markers (commands
given, safety violations), the time axis and the red "now" line.

Everything right of the names is drawn in *content* coordinates: a time
always lands on the same pixel of content (`TimeWindow.x_of`), text and
hatching included (the brush origin moves with the content).  So when time
moves on, `refresh` does not redraw the picture: it scrolls it by the
window's pixel shift (`QWidget.scroll`, which the X server does with a
CopyArea) and asks for a repaint of what really changed — the strip that
came into view, the old and the new "now" line, the bars that grew between
them (not the rows between the bars, nor the axis), a grid line now passed,
a lane from the point where its state changed, a marker's column.  Over `ssh -X` that is a few kilobytes a
second instead of the whole plot per tick.  For the picture to stay right
under partial repaints, painting is a function of the history and the
window only: a segment's label is drawn at its start and clipped to the
segment (a growing segment reveals it; once closed, a label that does not
fit is elided), and the rare changes that alter pixels far from now (a
state replaced within the same second, a label appearing once its segment
is wide enough, a label elided when its segment closes) mark their own
rectangle dirty.

The lane height, the fonts and the axis follow the widget's font (the
window's zoom).  Lanes that do not fit scroll vertically (drag up/down or
the wheel with Shift); the wheel zooms time around the pointer; a
horizontal drag pans (and stops following now).
"""

from __future__ import annotations

import bisect

from PySide6.QtCore import QEvent, QPoint, QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPolygon
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.models.history import History
from ui.models.time_window import TimeWindow
from ui.style import format_time, state_color, text_color_on

BACKGROUND = "#ffffff"
ROW_SHADE = "#f4f5f7"  # every other lane, for the eye to follow a lane
AXIS_COLOR = "#495057"
GRID_COLOR = "#26000000"  # #aarrggbb: faint over every colour
NOW_COLOR = "#e03131"
MARKER_COLOR = "#c2255c"  # safety violations
COMMAND_COLOR = "#1864ab"  # commands given
HATCH_COLORS = {"off": "#90343a40", "network off": "#c0862e9c"}
HATCH_PATTERNS = {"off": Qt.BrushStyle.BDiagPattern, "network off": Qt.BrushStyle.FDiagPattern}
INSTANT_PX = 3  # a state the manager logged that lasted no time still shows this wide
LABEL_MIN_PX = 28  # a segment narrower than this shows no text
REPEAT_PX = 400  # a long segment repeats its label at every multiple of this (content pixels)
REPEAT_GAP_PX = 60  # … at least this far after the previous label
MARK_HALF_PX = 7  # half the width of a marker's flag
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)


def _signature(seg) -> tuple:
    return (seg.start, seg.state, seg.node, seg.target, seg.logged)


def nice_step(seconds_per_px: float, min_px: int) -> int:
    """The smallest tick step (seconds) at least `min_px` pixels apart."""
    for step in TICK_STEPS:
        if step / seconds_per_px >= min_px:
            return step
    return TICK_STEPS[-1] * max(1, round(min_px * seconds_per_px / TICK_STEPS[-1]))


class LanesCanvas(QWidget):
    pointed = Signal(float, int, float, QPoint)  # time, lane index (-1: none), tolerance (s), global pos
    windowChanged = Signal()  # the user zoomed, panned or scrolled lanes

    def __init__(self, history: History, parent=None) -> None:
        super().__init__(parent)
        self.history = history
        self.window = TimeWindow()
        self.first_lane = 0
        self._drawn: dict[str, tuple] = {}  # lane -> what its right end looked like when drawn
        self._marks_drawn = (0, 0)  # (violations, commands) drawn
        self._layout_drawn = -1
        self._now_drawn = 0
        self._drag: QPoint | None = None
        self.setObjectName("timelineCanvas")
        # every pixel is painted here: Qt may then scroll on the server
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setMouseTracking(True)
        # as tall as its lanes at most (the legend stays right under them); shorter, they scroll
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self._measure()

    # -- geometry (follows the font: the window's zoom) ---------------------------------------------
    def _measure(self) -> None:
        fm = self.fontMetrics()
        self.lane_h = fm.height() + 4
        self.bar_h = self.lane_h - 3
        self.axis_h = fm.height() + 9
        names = [*self.history.order, "vm:1000"]
        self.label_w = max(fm.horizontalAdvance(n) for n in names) + 14
        self.window.resize(self.plot_width())

    def plot_width(self) -> int:
        return max(1, self.width() - self.label_w)

    def lanes_that_fit(self) -> int:
        return max(1, (self.height() - self.axis_h) // self.lane_h)

    def lanes_shown(self) -> int:
        return min(len(self.history.order), self.lanes_that_fit())

    def lanes_height(self) -> int:
        return max(1, self.lanes_shown()) * self.lane_h

    def x_of(self, t: float) -> int:
        """Widget x of time `t`."""
        return self.label_w + self.window.x_of(t)

    def point_at(self, t: float, lane: int) -> QPoint:
        """Widget point over lane index `lane` at time `t` (tests, hover)."""
        return QPoint(self.x_of(t) + 1, (lane - self.first_lane) * self.lane_h + self.lane_h // 2)

    def sizeHint(self):
        """Every lane and the axis."""
        return QSize(self.label_w + 600, max(3, len(self.history.order)) * self.lane_h + self.axis_h)

    def minimumSizeHint(self):
        size = super().minimumSizeHint()
        size.setHeight(3 * self.lane_h + self.axis_h)
        size.setWidth(self.label_w + 120)
        return size

    def set_history(self, history: History) -> None:
        self.history = history
        self.first_lane = 0
        self.window.now = 0
        self.window.follow_now()
        self._redraw_all()

    # -- what changed since the last refresh ------------------------------------------------------------
    def _lane_state(self, key: str) -> tuple:
        """What a lane's right end looks like: (segment count, last segment, labelled) for
        the lane and its power strip."""
        out = []
        for ln in (self.history.lanes.get(key), self.history.lanes.get(f"{key}/power")):
            if ln is None or not ln.segments:
                out.append((0, None, False))
                continue
            last = ln.segments[-1]
            out.append((len(ln.segments), _signature(last), self._labelled(last, True, ln)))
        return tuple(out)

    def _labelled(self, seg, is_last: bool, lane) -> bool:
        """Whether a segment is wide enough for its text (the paint and the diff agree on it)."""
        return self._seg_full_x1(seg, is_last, lane, self.x_of(self.history.now)) - self.x_of(seg.start) \
            >= LABEL_MIN_PX

    def _changed_from(self, key: str, before: tuple | None) -> float | None:
        """The time from which lane `key` must be drawn again (None: only its growth,
        which the "now" strip covers)."""
        if before is None:
            return 0.0
        since = None
        lanes = (self.history.lanes.get(key), self.history.lanes.get(f"{key}/power"))
        for ln, (count, sig, labelled) in zip(lanes, before):
            if ln is None:
                continue
            segs = ln.segments
            if not count or count > len(segs):
                t = 0.0
            else:
                old_last = segs[count - 1]
                still_last = count == len(segs)
                if _signature(old_last) != sig:
                    t = old_last.start  # replaced within its second
                elif (self._labelled(old_last, still_last, ln) != labelled
                      or self.x_of(old_last.end) - self.x_of(old_last.start) < 2 * INSTANT_PX):
                    t = old_last.start  # its text appeared, or it closed thin
                elif not still_last:
                    # new states after it; its text is elided now it is closed, if it does not fit
                    # (repeated labels are clipped alike open or closed: nothing to do for them)
                    t = old_last.start if self._elided(segs, count - 1, ln) else old_last.end
                else:
                    continue
            since = t if since is None else min(since, t)
        return since

    def _elided(self, segs, i: int, lane) -> bool:
        seg = segs[i]
        width = self.x_of(seg.end) - self.x_of(seg.start) - 6
        return self._labelled(seg, False, lane) and self.fontMetrics().horizontalAdvance(self._chain(segs, i)) > width

    def _remember(self) -> None:
        shown = self.history.order[self.first_lane:self.first_lane + self.lanes_shown()]
        self._drawn = {key: self._lane_state(key) for key in shown}  # lanes scrolled in are drawn whole
        self._marks_drawn = (len(self.history.violations), len(self.history.commands))
        self._layout_drawn = self.history.layout_revision
        self._now_drawn = self.history.now

    def _redraw_all(self) -> None:
        if self._layout_drawn != self.history.layout_revision:
            self.updateGeometry()  # lanes came or went: the size hint follows
        self._measure()
        self.first_lane = max(0, min(self.first_lane, len(self.history.order) - self.lanes_that_fit()))
        self.window.advance(self.history.now)
        self._remember()
        self.update()

    # -- refresh ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Show the history as it is now, repainting only what changed."""
        h = self.history
        if h.layout_revision != self._layout_drawn or not self.isVisible():
            self._redraw_all()
            return
        old_now_x = self.x_of(self._now_drawn)
        shift = self.window.advance(h.now)
        plot = QRect(self.label_w, 0, self.plot_width(), self.lanes_height() + self.axis_h)
        if shift:
            if shift >= plot.width() or shift < 0:
                self._redraw_all()
                return
            self.scroll(-shift, 0, plot)  # the strip that comes into view is repainted by Qt
            old_now_x -= shift
        lanes_h = self.lanes_height()
        new_now_x = self.x_of(h.now)
        self._now_moved(old_now_x, new_now_x, lanes_h, plot)
        for row, key in enumerate(h.order[self.first_lane:self.first_lane + self.lanes_shown()]):
            since = self._changed_from(key, self._drawn.get(key))
            if since is not None:
                x0 = max(plot.left(), self.x_of(since) - INSTANT_PX)
                if x0 <= new_now_x + INSTANT_PX:
                    self.update(QRect(x0, row * self.lane_h, new_now_x + INSTANT_PX + 3 - x0, self.lane_h))
        violations, commands = self._marks_drawn
        for t in [v.time for v in h.violations[violations:]] + [c[0] for c in h.commands[commands:]]:
            self.update(QRect(self.x_of(t) - MARK_HALF_PX - 1, 0, 2 * MARK_HALF_PX + 3, lanes_h + self.axis_h))
        self._remember()

    def _now_moved(self, old_x: int, new_x: int, lanes_h: int, plot: QRect) -> None:
        """Repaint what "now" moving from `old_x` to `new_x` changes: the old and the
        new red line (down into the axis), the bars of the lanes growing between
        them (not the blank or shaded rows between the bars, nor the axis), and a
        grid line that now lies left of now."""
        if new_x < old_x:  # back in time: the strip between, whole
            self.update(QRect(new_x - 2, 0, old_x - new_x + 5, lanes_h + self.axis_h) & plot)
            return
        tall = lanes_h + 4  # the now line (2 pixels wide, no antialiasing) reaches 4 pixels into the axis
        for x in {old_x, new_x}:
            self.update(QRect(x, 0, 2, tall) & plot)
        if new_x == old_x:
            return
        for row in range(self.lanes_shown()):
            self.update(QRect(old_x, row * self.lane_h + 1, new_x - old_x + 1, self.bar_h) & plot)
        _, ticks = self._ticks(old_x - 2, new_x + 2)
        for t in ticks:
            x = self.x_of(t)
            if old_x - 1 <= x <= new_x + 1:
                self.update(QRect(x - 1, 0, 3, lanes_h) & plot)

    def set_speed(self, speed: float) -> None:
        if self.window.set_speed(speed):
            self._redraw_all()
            self.windowChanged.emit()

    def follow_now(self) -> None:
        self.window.follow_now()
        self._redraw_all()
        self.windowChanged.emit()

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        self.window.zoom(factor, anchor_x)
        self._redraw_all()
        self.windowChanged.emit()

    def reset_zoom(self, speed: float) -> None:
        self.window.reset_zoom(speed)
        self._redraw_all()
        self.windowChanged.emit()

    # -- painting -----------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        clip = event.rect()
        painter = QPainter(self)
        painter.fillRect(clip, QColor(BACKGROUND))
        h = self.history
        shown = h.order[self.first_lane:self.first_lane + self.lanes_shown()]
        lanes_h = len(shown) * self.lane_h
        # content-anchored patterns: a strip painted after a scroll continues the hatching
        painter.setBrushOrigin(QPointF(self.label_w - self.window.offset_px, 0))
        now_x = self.x_of(h.now)
        t0 = self.window.t_of(clip.left() - self.label_w - self.width())  # labels reach in from the left
        t1 = self.window.t_of(clip.right() - self.label_w + 1)
        plot_left = self.label_w
        painter.save()
        painter.setClipRect(QRect(plot_left, 0, self.plot_width(), self.height()) & clip)
        for row, key in enumerate(shown):
            y = row * self.lane_h
            if y > clip.bottom() or y + self.lane_h < clip.top():
                continue
            if row % 2:
                painter.fillRect(QRect(plot_left, y, self.plot_width(), self.lane_h), QColor(ROW_SHADE))
            self._paint_lane(painter, key, y + 1, t0, t1, now_x)
        self._paint_grid(painter, clip, lanes_h, now_x)
        self._paint_markers(painter, clip, lanes_h)
        self._paint_axis(painter, clip, lanes_h)
        if plot_left <= now_x < self.width():
            painter.fillRect(QRect(now_x, 0, 2, lanes_h + 4), QColor(NOW_COLOR))
        painter.restore()
        if clip.left() < self.label_w:
            self._paint_names(painter, shown)
        painter.end()

    def _paint_names(self, painter: QPainter, shown: list[str]) -> None:
        painter.fillRect(QRect(0, 0, self.label_w, self.height()), QColor(BACKGROUND))
        painter.setPen(QColor(AXIS_COLOR))
        for row, key in enumerate(shown):
            rect = QRect(0, row * self.lane_h, self.label_w - 8, self.lane_h)
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter), key)
        painter.drawLine(self.label_w - 1, 0, self.label_w - 1, len(shown) * self.lane_h)

    def _paint_lane(self, painter: QPainter, key: str, y: int, t0: float, t1: float, now_x: int) -> None:
        lane = self.history.lanes.get(key)
        if lane is None or not lane.segments:
            return
        segs = lane.segments
        first = max(0, bisect.bisect_right(lane.starts, t0) - 2)
        prev_x1 = None
        if first > 0:  # where the segment before ends: instants keep their width
            prev_x1 = self._seg_span(segs[first - 1], segs[first - 1] is segs[-1], lane, now_x, None)[1]
        fm = painter.fontMetrics()
        for i in range(first, len(segs)):
            seg = segs[i]
            if seg.start > t1:
                break
            is_last = i == len(segs) - 1
            x0, x1 = self._seg_span(seg, is_last, lane, now_x, prev_x1)
            prev_x1 = x1 if prev_x1 is None else max(prev_x1, x1)
            if x1 <= x0:
                continue
            color = state_color(seg.state)
            painter.fillRect(QRect(x0, y, x1 - x0, self.bar_h), QColor(color))
            if (seg.end > seg.start or is_last) and self._labelled(seg, is_last, lane):
                text = self._chain(segs, i)
                if not is_last or lane.gone_at is not None:  # a closed segment: its width is final
                    text = fm.elidedText(text, Qt.TextElideMode.ElideRight, x1 - x0 - 6)
                self._label(painter, fm, text, x0, x1, y, color)
                self._repeat_label(painter, fm, seg.label, x0, x1, y, color)
        power = self.history.lanes.get(f"{key}/power")
        if power is not None and lane.kind == "node":
            for j, seg in enumerate(power.segments):
                if seg.state == "on" or seg.start > t1:
                    continue
                x0, x1 = self._seg_span(seg, j == len(power.segments) - 1, power, now_x, None)
                if x1 > x0:
                    painter.fillRect(QRect(x0, y, x1 - x0, self.bar_h),
                                     QBrush(QColor(HATCH_COLORS[seg.state]), HATCH_PATTERNS[seg.state]))

    def _seg_full_x1(self, seg, is_last: bool, lane, now_x: int) -> int:
        return now_x if is_last and lane.gone_at is None else self.x_of(seg.end)

    def _seg_span(self, seg, is_last: bool, lane, now_x: int, prev_x1: int | None) -> tuple[int, int]:
        x0 = self.x_of(seg.start)
        if is_last and lane.gone_at is None:
            x1 = now_x
        elif seg.end <= seg.start:
            x1 = x0 + INSTANT_PX if seg.logged else x0
        else:
            x1 = self.x_of(seg.end)
        if prev_x1 is not None:
            x0 = max(x0, prev_x1)
        return x0, max(x0, x1)

    @staticmethod
    def _chain(segs, i: int) -> str:
        """The label, after the states the lane passed through in no time ("fence → recovery → …")."""
        names = [segs[i].label]
        j = i - 1
        while j >= 0 and segs[j].end <= segs[j].start and segs[j].logged:
            names.insert(0, segs[j].state)
            j -= 1
        return " → ".join(names)

    def _repeat_label(self, painter: QPainter, fm, text: str, x0: int, x1: int, y: int, color: str) -> None:
        """A long segment says its state again every REPEAT_PX pixels of content, at
        fixed content positions (so a window that slid past the segment's start
        still names it, and a scrolled picture stays right)."""
        width = fm.horizontalAdvance(text) + 8
        first = self.window.offset_px + (x0 - self.label_w) + width + REPEAT_GAP_PX  # content pixels
        k = -(-first // REPEAT_PX)
        while True:
            x = self.label_w + k * REPEAT_PX - self.window.offset_px
            if x >= x1 or x > self.width():
                break
            self._label(painter, fm, text, x - 4, x1, y, color)
            k += 1

    def _label(self, painter: QPainter, fm, text: str, x0: int, x1: int, y: int, color: str) -> None:
        painter.save()
        painter.setClipRect(QRect(x0, y, x1 - x0, self.bar_h), Qt.ClipOperation.IntersectClip)
        painter.setPen(QColor(text_color_on(color)))
        painter.drawText(QRect(x0 + 4, y, 4000, self.bar_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        painter.restore()

    def _ticks(self, left: int, right: int) -> tuple[int, list[int]]:
        fm = self.fontMetrics()
        step = nice_step(self.window.seconds_per_px, fm.horizontalAdvance("0:00:00") + 24)
        t_left = self.window.t_of(left - self.label_w)
        t_right = self.window.t_of(right - self.label_w)
        first = max(0, int(t_left // step) * step)
        return step, list(range(first, int(t_right) + step, step))

    def _paint_grid(self, painter: QPainter, clip: QRect, lanes_h: int, now_x: int) -> None:
        painter.setPen(QPen(QColor(GRID_COLOR), 1))
        _, ticks = self._ticks(clip.left() - 2, clip.right() + 2)
        for t in ticks:
            x = self.x_of(t)
            if 0 < t and x < now_x:
                painter.drawLine(x, 0, x, lanes_h - 1)

    def _paint_axis(self, painter: QPainter, clip: QRect, lanes_h: int) -> None:
        fm = self.fontMetrics()
        half = fm.horizontalAdvance("0:00:00") // 2 + 4
        painter.setPen(QColor(AXIS_COLOR))
        painter.drawLine(clip.left(), lanes_h, clip.right(), lanes_h)
        _, ticks = self._ticks(clip.left() - half, clip.right() + half)
        for t in ticks:
            x = self.x_of(t)
            painter.drawLine(x, lanes_h, x, lanes_h + 4)
            painter.drawText(QRect(x - half, lanes_h + 4, 2 * half, self.axis_h - 4),
                             int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop), format_time(t))

    def _paint_markers(self, painter: QPainter, clip: QRect, lanes_h: int) -> None:
        h = self.history
        lo = self.window.t_of(clip.left() - self.label_w - MARK_HALF_PX - 2)
        hi = self.window.t_of(clip.right() - self.label_w + MARK_HALF_PX + 2)
        pen = QPen(QColor(COMMAND_COLOR), 1, Qt.PenStyle.DotLine)
        for t in sorted({c[0] for c in h.commands if lo <= c[0] <= hi}):
            x = self.x_of(t)
            painter.setPen(pen)
            painter.drawLine(x, 0, x, lanes_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(COMMAND_COLOR))
            painter.drawPolygon(QPolygon([QPoint(x - MARK_HALF_PX + 1, lanes_h), QPoint(x + MARK_HALF_PX - 1, lanes_h),
                                          QPoint(x, lanes_h - 8)]))
        pen = QPen(QColor(MARKER_COLOR), 2, Qt.PenStyle.DashLine)
        for t in sorted({v.time for v in h.violations if lo <= v.time <= hi}):
            x = self.x_of(t)
            painter.setPen(pen)
            painter.drawLine(x, 0, x, lanes_h)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QColor(MARKER_COLOR))
            painter.drawPolygon(QPolygon([QPoint(x - MARK_HALF_PX, 0), QPoint(x + MARK_HALF_PX, 0), QPoint(x, 10)]))
        painter.setBrush(Qt.BrushStyle.NoBrush)

    # -- input -------------------------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        self._redraw_all()
        super().resizeEvent(event)
        self.windowChanged.emit()  # how many lanes fit may have changed

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:  # zoom: lanes, names and axis follow the font
            self._redraw_all()
        super().changeEvent(event)

    def wheelEvent(self, event) -> None:
        dy = event.angleDelta().y()
        if not dy:
            return
        if event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            self.scroll_lanes(-1 if dy > 0 else 1)
        else:
            x = event.position().x() - self.label_w
            self.zoom(0.8 if dy > 0 else 1.25, x if x >= 0 else None)
        event.accept()

    def scroll_lanes(self, rows: int) -> None:
        top = max(0, min(self.first_lane + rows, len(self.history.order) - self.lanes_that_fit()))
        if top != self.first_lane:
            self.first_lane = top
            self._redraw_all()
            self.windowChanged.emit()

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position().toPoint()
            self._drag_rows = 0.0

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None

    def mouseMoveEvent(self, event) -> None:
        pos = event.position().toPoint()
        if self._drag is not None:
            dx, dy = pos.x() - self._drag.x(), pos.y() - self._drag.y()
            self._drag = pos
            if dx:
                shift = self.window.pan(-dx)
                if shift:
                    self.scroll(-shift, 0, QRect(self.label_w, 0, self.plot_width(), self.height()))
                    self._remember()
                    self.windowChanged.emit()
            self._drag_rows += dy / self.lane_h
            if abs(self._drag_rows) >= 1:
                self.scroll_lanes(-int(self._drag_rows))
                self._drag_rows -= int(self._drag_rows)
            return
        self.point(pos)

    def point(self, pos: QPoint) -> None:
        """Report what is under `pos` (the hover)."""
        row = pos.y() // self.lane_h
        lane = self.first_lane + row if 0 <= row < self.lanes_shown() and pos.x() >= self.label_w else -1
        t = self.window.t_of(pos.x() - self.label_w)
        self.pointed.emit(t, lane, 5 * self.window.seconds_per_px, self.mapToGlobal(pos))
