"""The cluster log's view: one painted line per row of the (filtered) log model.

Why not a QListView: appending rows re-laid out the list and repainted its
whole viewport, which over `ssh -X` means the whole log area as raw pixels
for every new line.  Here a batch of appended lines, while the view follows
the tail, scrolls the lines already shown up (`QWidget.scroll`: a CopyArea
on the X server, no pixels sent) and paints the new lines only; the scroll
is limited to the width the text really takes, so the blank right part of
the view is never sent either.  Anything else the model does (a filter
change, a reset) repaints the view once.

Rows come from the model's roles: DisplayRole (the text), ForegroundRole,
BackgroundRole (behind the text only), FontRole (bold for safety
violations), ToolTipRole.  The vertical scroll bar counts rows; the view
follows the tail while the bar is at its end, exactly like the list it
replaces.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip

from ui.zoom import mono_font

PAD = 4  # left margin of the text, and room after it


class LogView(QAbstractScrollArea):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._model = None
        self._count = 0
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
        model.dataChanged.connect(lambda *_: self.viewport().update())
        self._reset()

    def model(self):
        return self._model

    def _apply_font(self) -> None:
        mono = mono_font()  # follows the window's zoom
        self.setFont(mono)
        self._bold = QFont(mono)
        self._bold.setBold(True)
        self.row_h = QFontMetrics(mono).height()
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
        self._count = self._model.rowCount() if self._model is not None else 0
        self._widest = max([self._widest, *(self._width(r) for r in self._visible_rows())])
        self._update_ranges()
        self.viewport().update()

    def _inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid() or first != self._count:
            self._reset()  # not an append at the end
            return
        self._count = self._model.rowCount()
        bar = self.verticalScrollBar()
        top = bar.value()
        self._update_ranges()  # the owner keeps following the tail (it moves the bar)
        if bar.value() == top:
            # not scrolled: new rows that land in view (a view not yet full) are painted
            end = top + self._rows_painted()
            if first < end:
                y = (first - top) * self.row_h
                self.viewport().update(QRect(0, y, self._text_right(range(first, min(last + 1, end))),
                                             self.viewport().height() - y))

    # -- scrolling -----------------------------------------------------------------------------------
    def scrollContentsBy(self, dx: int, dy: int) -> None:
        if dx:
            self.viewport().update()
            return
        if not dy:
            return
        top = self.first_row()
        # what changes: the text of the rows shown before and after (the rest stays blank)
        before = range(top + dy, top + dy + self._rows_painted())
        after = range(top, top + self._rows_painted())
        right = max(self._text_right(before), self._text_right(after))
        whole = self.rows_fully_shown() * self.row_h
        if abs(dy) >= self.rows_fully_shown():
            self.viewport().update(QRect(0, 0, right, self.viewport().height()))  # nothing shown stays
            return
        # the whole rows move (the X server copies them); the rows that come into
        # view are repainted, and so is the part-row at the bottom
        self.viewport().scroll(0, dy * self.row_h, QRect(0, 0, right, whole))
        if self.viewport().height() > whole:
            self.viewport().update(QRect(0, whole, right, self.viewport().height() - whole))

    def _rows_painted(self) -> int:
        return -(-self.viewport().height() // self.row_h)  # the last one may be cut

    def _visible_rows(self) -> range:
        if self._model is None:
            return range(0)
        top = self.verticalScrollBar().value()
        return range(top, min(self._model.rowCount(), top + self._rows_painted()))

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

    # -- painting ----------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self.viewport())
        clip = event.rect()
        base = self.palette().color(QPalette.ColorRole.Base)
        painter.fillRect(clip, base)
        text_color = self.palette().color(QPalette.ColorRole.Text)
        x = PAD - self.horizontalScrollBar().value()
        top = self.first_row()
        first = top + clip.top() // self.row_h
        last = min(self._count - 1, top + clip.bottom() // self.row_h)
        for row in range(first, last + 1):
            index = self._model.index(row, 0)
            y = (row - top) * self.row_h
            text = index.data() or ""
            painter.setFont(self._row_font(index))
            background = index.data(Qt.ItemDataRole.BackgroundRole)
            if background is not None:
                width = painter.fontMetrics().horizontalAdvance(text)
                painter.fillRect(QRect(x - PAD, y, width + 2 * PAD, self.row_h), background)
            fg = index.data(Qt.ItemDataRole.ForegroundRole)
            painter.setPen(fg.color() if fg is not None else QColor(text_color))
            painter.drawText(QRect(x, y, 100_000, self.row_h),
                             int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
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
