"""The cluster log's view: one painted line per row of the (filtered) log model.

Why not a QListView: appending rows re-laid out the list and repainted its
whole viewport, which over `ssh -X` means the whole log area as raw pixels
for every new line.  Here the view knows what each row slot of the screen
shows (`_shown`: the text, colours and weight drawn there) and, whatever
happened (lines appended, the view following the tail, a scroll), sends
only the pixels that differ from what is shown:

- When the rows move (the view follows the tail, or a scroll by less than
  a page), the rows still shown are moved by the X server (a CopyArea, no
  pixels sent) — straight in the window's backing store
  (`QBackingStore.scroll` + `flush`), so Qt does not repaint the rows that
  come into view whole: those are treated like any other row.
- Each row slot whose line changed is compared with what it shows, pixel
  by pixel (both drawn off screen, `_row_bits`), and only the columns that
  differ are repainted, between the first and the last scanline that
  differs.  Log lines share much at the same columns (level, time,
  `node1/crm: service 'vm:10…`, the blanks between the columns), and none
  of it is sent again.
- Moving costs a little only if it saves pixels: a burst of more lines
  than the view shows, or one that moves most of it, compares the rows in
  place instead (the lines that scrolled past in between are never
  painted).

Where the backing store cannot scroll (another platform, the view partly
covered, a paint still pending) it falls back to `QWidget.scroll`, which
repaints the rows that come into view whole.  On a local display
(`compare_pixels` False: the window sets it from View → Refresh rate, like
the refresh interval) painting costs nothing on a wire and comparing costs
a few milliseconds a burst: rows are repainted as far as their text
reaches and moved with `QWidget.scroll`.  Anything else the
model does (a filter change, a reset), a resize, a horizontal scroll or a
zoom repaints the view once.

Rows come from the model's roles: DisplayRole (the text), ForegroundRole,
BackgroundRole (behind the text only), FontRole (bold for safety
violations), ToolTipRole.  The vertical scroll bar counts rows; the view
follows the tail while the bar is at its end, exactly like the list it
replaces.
"""

from __future__ import annotations

from collections import OrderedDict

from PySide6.QtCore import QCoreApplication, QEvent, QModelIndex, QPoint, QRect, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QRegion
from PySide6.QtWidgets import QAbstractScrollArea, QScrollBar, QStyle, QStyleOptionSlider, QToolTip

from ui.widgets.pixel_diff import differing, picture
from ui.zoom import mono_font

PAD = 4  # left margin of the text, and room after it
EDGE = 1  # pixels repainted beside a changed column (the diff is exact; this is a safety margin)
GAP = 3  # changed spans closer than this are repainted as one (each rectangle is one X request)
CACHE = 16  # row pictures kept for comparisons beyond two views' worth (keyed by what they show)
ENDS = 4  # pixels around a handle's changed edge repainted with it (rounded ends, shading)


class QuietScrollBar(QScrollBar):
    """A scroll bar that repaints only when it looks different.

    QAbstractSlider repaints the whole bar on every range or value change; a
    log that grows by a line while it follows the tail changes the range
    (the handle moves up a little) and then the value (back to the bottom),
    and the handle usually ends where it was, as large as it was.  Here the
    changes are looked at once they are over (the next pass of the event
    loop, before the window paints): nothing is repainted if the handle
    ends where it was; if it moved or changed size, only the rows of the
    bar it left or reached (and its rounded ends); the whole bar if an end
    was reached or left (the arrows)."""

    def __init__(self, orientation, parent=None) -> None:
        super().__init__(orientation, parent)
        self._painted = None  # the look last painted
        self._check = QTimer(self)
        self._check.setSingleShot(True)
        self._check.setInterval(0)
        self._check.timeout.connect(self._repaint_if_changed)

    def look(self) -> tuple:
        """What the bar shows: the handle's rectangle and which ends it touches."""
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_ScrollBar, opt,
                                             QStyle.SubControl.SC_ScrollBarSlider, self)
        return (handle.getRect(), self.value() <= self.minimum(), self.value() >= self.maximum(),
                self.minimum() == self.maximum(), self.isEnabled())

    def sliderChange(self, change) -> None:
        if self._painted is None or self.isSliderDown():
            super().sliderChange(change)  # never painted yet, or dragged: as QScrollBar does
        else:
            self._check.start()

    def _repaint_if_changed(self) -> None:
        look = self.look()
        if look == self._painted:
            return
        if look[1:] != self._painted[1:]:
            self.update()
            return
        # only the handle moved or changed size: the rows of the bar where it
        # was or is and is not now or was not (and its rounded ends) change
        was, now = QRect(*self._painted[0]), QRect(*look[0])
        changed = QRegion(was).xored(QRegion(now))
        region = QRegion()
        for r in changed:
            if self.orientation() == Qt.Orientation.Vertical:
                region += QRect(0, r.top() - ENDS, self.width(), r.height() + 2 * ENDS)
            else:
                region += QRect(r.left() - ENDS, 0, r.width() + 2 * ENDS, self.height())
        self.update(region)

    def paintEvent(self, event) -> None:
        self._painted = self.look()
        super().paintEvent(event)


class LogView(QAbstractScrollArea):
    direct_scroll = True  # move rows in the backing store (False: QWidget.scroll, tests compare)
    # compare rows pixel by pixel (a remote display: every pixel is sent); False: rows
    # repainted as far as their text reaches, rows that come into view whole (a
    # local display: painting is cheap, comparing costs a few milliseconds a burst)
    compare_pixels = True

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setVerticalScrollBar(QuietScrollBar(Qt.Orientation.Vertical, self))
        self._model = None
        self._count = 0
        self._shown: list = []  # per row slot: the look drawn there (None: blank; False: not known)
        self._pending = False  # a repaint asked for and not done yet
        self._bits: OrderedDict = OrderedDict()  # look -> its row's picture (pixel_diff.picture)
        self._looks: dict[int, tuple | None] = {}  # row -> _look(row) (lines never change once appended)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self._widest = 0  # widest line seen: the horizontal scroll range
        self._apply_font()

    # -- model --------------------------------------------------------------------------------------
    def setModel(self, model) -> None:
        self._model = model
        model.rowsInserted.connect(self._inserted)
        for signal in (model.rowsRemoved, model.modelReset, model.layoutChanged, model.rowsMoved):
            signal.connect(self._reset)
        model.dataChanged.connect(self._reset)
        self._reset()

    def model(self):
        return self._model

    def _apply_font(self) -> None:
        mono = mono_font()  # follows the window's zoom
        self.setFont(mono)
        self._bold = QFont(mono)
        self._bold.setBold(True)
        self.row_h = QFontMetrics(mono).height()
        self._bits.clear()
        self._reset()

    def follow_zoom(self) -> None:
        """The application font changed (ui.zoom)."""
        self._apply_font()

    # -- geometry -----------------------------------------------------------------------------------
    def rows_fully_shown(self) -> int:
        return max(1, self.viewport().height() // self.row_h)

    def first_row(self) -> int:
        return self.verticalScrollBar().value()

    def _update_ranges(self) -> None:
        n = self._model.rowCount() if self._model is not None else 0
        bar = self.verticalScrollBar()
        shown = self.rows_fully_shown()
        bar.setPageStep(shown)
        bar.setSingleStep(1)
        bar.setRange(0, max(0, n - shown))
        h = self.horizontalScrollBar()
        h.setPageStep(self.viewport().width())
        h.setRange(0, max(0, self._widest + 2 * PAD - self.viewport().width()))

    def _reset(self, *_args) -> None:
        self._looks.clear()
        self._count = self._model.rowCount() if self._model is not None else 0
        self._widest = max([self._widest, *(self._width(r) for r in self._visible_rows())])
        self._update_ranges()
        self._repaint_all()

    def _inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid() or first != self._count:
            self._reset()  # not an append at the end
            return
        self._count = self._model.rowCount()
        # the new lines that will be in view widen the horizontal range (lines never seen do not)
        self._widest = max([self._widest, *(self._width(r) for r in range(max(first, self._count - self._rows_painted()),
                                                                           self._count))])
        top = self.first_row()
        self._update_ranges()  # the owner keeps following the tail (it moves the bar: scrollContentsBy)
        if self.first_row() == top:
            self._show_changes()  # not scrolled: new rows that land in view (a view not yet full)

    # -- what is shown ---------------------------------------------------------------------------------
    def _rows_painted(self) -> int:
        return -(-self.viewport().height() // self.row_h)  # the last one may be cut

    def _visible_rows(self) -> range:
        if self._model is None:
            return range(0)
        top = self.verticalScrollBar().value()
        return range(top, min(self._model.rowCount(), top + self._rows_painted()))

    def _look(self, row: int) -> tuple | None:
        """What row `row` of the model looks like (None: no line, blank)."""
        if not 0 <= row < self._count:
            return None
        look = self._looks.get(row, False)
        if look is False:
            look = self._looks[row] = self._read_look(row)
            if len(self._looks) > 4 * self._rows_painted() + 64:
                self._looks.clear()
                self._looks[row] = look
        return look

    def _read_look(self, row: int) -> tuple:
        index = self._model.index(row, 0)
        fg = index.data(Qt.ItemDataRole.ForegroundRole)
        bg = index.data(Qt.ItemDataRole.BackgroundRole)
        font = index.data(Qt.ItemDataRole.FontRole)
        return (index.data() or "", fg.color().rgba() if fg is not None else None,
                isinstance(font, QFont) and font.bold(), bg.color().rgba() if bg is not None else None)

    def _wanted(self) -> list:
        top = self.first_row()
        return [self._look(top + p) for p in range(self._rows_painted())]

    def _repaint_all(self) -> None:
        self._shown = self._wanted() if self._model is not None else []
        self._update(QRegion(self.viewport().rect()))

    def _update(self, region: QRegion) -> None:
        if not region.isEmpty():
            self._pending = True
            self.viewport().update(region)

    def _row_bits(self, look) -> tuple[int, list[int]]:
        """The scanlines of `look` drawn as a row of the view (cached): the very
        pixels a paint of the row puts on the screen (`pixel_diff.picture`)."""
        vp = self.viewport()
        base = self.palette().color(QPalette.ColorRole.Base)
        key = (look, vp.width(), self.horizontalScrollBar().value(), self.row_h, base.rgba(),
               vp.devicePixelRatioF(), vp.logicalDpiX(), vp.logicalDpiY())
        bits = self._bits.get(key)
        if bits is not None:
            self._bits.move_to_end(key)
            return bits
        bits = picture(vp, vp.width(), self.row_h,
                       lambda painter: look is not None and self._paint_look(painter, look, 0), base)
        self._bits[key] = bits
        if len(self._bits) > 2 * self._rows_painted() + CACHE:
            self._bits.popitem(last=False)
        return bits

    def _diff(self, old, new, y: int) -> list[QRect]:
        """The rectangles (viewport coordinates, slot at `y`) where `new` drawn over `old` differs."""
        if old == new:
            return []
        vp = self.viewport()
        rects = differing(self._row_bits(old), self._row_bits(new), vp.devicePixelRatioF(), vp.width(),
                          self.row_h, EDGE, GAP)
        return [r.translated(0, y) for r in rects]

    def _changes(self, shown: list, wanted: list) -> tuple[QRegion, int]:
        """The region to repaint for the slots to go from `shown` to `wanted`, and its area."""
        region, area = QRegion(), 0
        for p, look in enumerate(wanted):
            old = shown[p] if p < len(shown) else False
            if old is False:  # not known: the whole row
                rects = [QRect(0, p * self.row_h, self.viewport().width(), self.row_h)]
            elif not self.compare_pixels:  # the row as far as either text reaches
                rects = [] if old == look else [QRect(0, p * self.row_h, self._look_right(old, look), self.row_h)]
            else:
                rects = self._diff(old, look, p * self.row_h)
            for r in rects:
                region += r
                area += r.width() * r.height()
        return region, area

    def _look_right(self, *looks) -> int:
        """The right end (pixels, within the viewport) of the texts of `looks` (and their background)."""
        widths = [QFontMetrics(self._bold if look[2] else self.font()).horizontalAdvance(look[0])
                  for look in looks if look is not None]
        if not widths:
            return 0
        return min(self.viewport().width(), max(widths) + 2 * PAD - self.horizontalScrollBar().value())

    def _show_changes(self) -> None:
        """Repaint what differs between the slots as shown and as they should be."""
        wanted = self._wanted()
        shown = list(self._shown)
        region, _ = self._changes(shown, wanted)
        self._update(region)
        self._shown = wanted

    # -- scrolling -----------------------------------------------------------------------------------
    def scrollContentsBy(self, dx: int, dy: int) -> None:
        if dx:
            self._repaint_all()
            return
        if not dy:
            return
        wanted = self._wanted()
        shown = list(self._shown)
        shown += [False] * (len(wanted) - len(shown))
        whole = self.rows_fully_shown()
        k = abs(dy)
        if k < whole and not self.compare_pixels:
            self._scroll_widget(dy, shown, wanted, whole)
            return
        if k < whole:
            # the whole rows move; the others keep what they show
            moved = list(shown)
            for p in range(whole):
                q = p - dy  # the slot whose row lands in slot p
                moved[p] = shown[q] if 0 <= q < whole else shown[p]
            region, area = self._changes(moved, wanted)
            # comparing in place can only be cheaper when most of the view would move
            in_place = self._changes(shown, wanted) if 3 * k >= whole else None
            better = in_place is not None and in_place[1] <= area
            if not better and self._move_rows(dy, whole):
                self._update(region)
                self._shown = wanted
                return
            if not better:  # no moving in the backing store: Qt repaints what comes into view
                self._scroll_widget(dy, shown, wanted, whole)
                return
            self._update(in_place[0])
        else:
            self._update(self._changes(shown, wanted)[0])
        self._shown = wanted

    def _move_rows(self, dy: int, whole: int) -> bool:
        """Move the whole rows by `dy` in the window's backing store (no repaint); False if it cannot."""
        vp = self.viewport()
        win = vp.window()
        handle = win.windowHandle()
        store = vp.backingStore()
        if (not self.direct_scroll or store is None or handle is None or vp.nativeParentWidget() is not win
                or not vp.isVisible() or vp.visibleRegion() != QRegion(vp.rect())):
            return False
        if self._pending:  # what was asked must be painted where it was asked, before rows move
            QCoreApplication.sendPostedEvents(win, QEvent.Type.UpdateRequest)
            if self._pending:
                return False
        h = self.row_h
        k = abs(dy)
        offset = vp.mapTo(win, QPoint(0, 0))
        width = vp.width()
        if dy < 0:  # up: rows k.. land in 0..
            source, target = QRect(0, k * h, width, (whole - k) * h), QRect(0, 0, width, (whole - k) * h)
        else:
            source, target = QRect(0, 0, width, (whole - k) * h), QRect(0, k * h, width, (whole - k) * h)
        if not store.scroll(QRegion(source.translated(offset)), 0, dy * h):
            return False
        store.flush(QRegion(target.translated(offset)), handle, QPoint(0, 0))
        return True

    def _scroll_widget(self, dy: int, shown: list, wanted: list, whole: int) -> None:
        """QWidget.scroll: the rows that come into view are repainted whole (as wide as any text shown)."""
        top = self.first_row()
        right = max(self._text_right(range(top + dy, top + dy + len(wanted))),
                    self._text_right(range(top, top + len(wanted))))
        self.viewport().scroll(0, dy * self.row_h, QRect(0, 0, right, whole * self.row_h))
        self._pending = True
        if self.viewport().height() > whole * self.row_h:
            self._update(QRect(0, whole * self.row_h, right, self.viewport().height() - whole * self.row_h))
        self._shown = wanted

    def _text_right(self, rows) -> int:
        """The right end (pixels) of the text of `rows`, within the viewport."""
        widths = [self._width(r) for r in rows if 0 <= r < self._count]
        if not widths:
            return 0
        self._widest = max(self._widest, *widths)
        return min(self.viewport().width(), max(widths) + 2 * PAD - self.horizontalScrollBar().value())

    def _row_font(self, index) -> QFont:
        """The view's font (it follows the zoom), bold where the model asks for bold."""
        font = index.data(Qt.ItemDataRole.FontRole)
        if isinstance(font, QFont) and font.bold():
            return self._bold
        return self.font()

    def _width(self, row: int) -> int:
        index = self._model.index(row, 0)
        return QFontMetrics(self._row_font(index)).horizontalAdvance(index.data() or "")

    def scroll_to_row(self, row: int) -> None:
        """Show `row` (of the model) in the middle of the view."""
        bar = self.verticalScrollBar()
        bar.setValue(max(bar.minimum(), min(bar.maximum(), row - self.rows_fully_shown() // 2)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        following = self.verticalScrollBar().value() >= self.verticalScrollBar().maximum()
        self._update_ranges()
        if following:
            self.verticalScrollBar().setValue(self.verticalScrollBar().maximum())
        self._repaint_all()  # Qt repaints a resized view whole

    # -- painting ----------------------------------------------------------------------------------
    def _paint_look(self, painter: QPainter, look, y: int) -> None:
        text, fg, bold, bg = look
        x = PAD - self.horizontalScrollBar().value()
        painter.setFont(self._bold if bold else self.font())
        if bg is not None:
            width = painter.fontMetrics().horizontalAdvance(text)
            painter.fillRect(QRect(x - PAD, y, width + 2 * PAD, self.row_h), QColor.fromRgba(bg))
        painter.setPen(QColor.fromRgba(fg) if fg is not None else self.palette().color(QPalette.ColorRole.Text))
        painter.drawText(QRect(x, y, 100_000, self.row_h),
                         int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)

    def paintEvent(self, event) -> None:
        self._pending = False
        painter = QPainter(self.viewport())
        clip = event.rect()
        painter.fillRect(clip, self.palette().color(QPalette.ColorRole.Base))
        top = self.first_row()
        first = top + clip.top() // self.row_h
        last = min(self._count - 1, top + clip.bottom() // self.row_h)
        for row in range(first, last + 1):
            self._paint_look(painter, self._look(row), (row - top) * self.row_h)
        painter.end()

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._model is not None:
            row = self.first_row() + event.pos().y() // self.row_h
            tip = self._model.index(row, 0).data(Qt.ItemDataRole.ToolTipRole) if row < self._count else None
            if tip:
                QToolTip.showText(event.globalPos(), tip, self.viewport())
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)
