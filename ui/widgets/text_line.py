"""A one-line label that repaints only the pixels that changed.

Over `ssh -X` Qt uploads every repainted rectangle as raw pixels, so a clock
label that repaints itself whole ten times a second costs more than the whole
simulation.  `TextLine` is a plain-text line that, on `setText`, asks for a
repaint of the pixels that differ between the old and the new text only
("0:01:23 (83 s)" → "0:01:24 (84 s)": two digits' ink, not the line; both
drawn off screen and compared, `ui.widgets.pixel_diff`; hidden, the changed
character runs, `changed_runs`), nothing when the text is the same, and
never changes its size hint while the text fits its `reserve` text (so the
layouts around it do not move).  Colour and boldness are properties (no
style sheet: a sheet re-polishes the widget and its neighbours).  It asks
its layout for a new geometry only when its size hint really changes: a
QStatusBar repaints itself whole on every layout request.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from ui.widgets.pixel_diff import differing, picture
from ui.zoom import scaled_font

PAD = 2  # pixels around a changed run: antialiasing and kerning reach a little beyond a glyph
MARGIN = 2  # left and right margin inside the widget


def changed_runs(old: str, new: str, advance) -> list[tuple[int, int]]:
    """Pixel spans (x0, x1) that differ between `old` and `new` drawn from x=0.

    `advance(s)` is the width of string `s`.  Equal-length texts are compared
    character by character between the first and the last difference: a
    character whose glyph or position changed is dirty; neighbouring dirty
    characters make one span; past the last difference nothing moved if the
    text up to there is as wide as before.  Otherwise everything from the
    first difference to the end of the longer text is dirty.  (Only the
    changed stretch is measured: a clock tick measures two digits.)"""
    if old == new:
        return []
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    if len(old) != len(new):
        return [(advance(old[:p]), max(advance(old), advance(new)))]
    e = len(old) - 1
    while old[e] == new[e]:
        e -= 1
    xo = {i: advance(old[:i]) for i in range(p, e + 2)}
    xn = {i: advance(new[:i]) for i in range(p, e + 2)}
    spans: list[tuple[int, int]] = []
    for i in range(p, e + 1):
        if old[i] == new[i] and xo[i] == xn[i] and xo[i + 1] == xn[i + 1]:
            continue
        x0, x1 = min(xo[i], xn[i]), max(xo[i + 1], xn[i + 1])
        if spans and spans[-1][1] >= x0:
            spans[-1] = (spans[-1][0], max(spans[-1][1], x1))
        else:
            spans.append((x0, x1))
    if xo[e + 1] != xn[e + 1]:  # the rest of the line moved
        spans.append((min(xo[e + 1], xn[e + 1]), max(advance(old), advance(new))))
    return spans


class TextLine(QWidget):
    """Plain text, one line, left-aligned, elided when it does not fit."""

    def __init__(self, text: str = "", parent=None, *, reserve: str = "", bold: bool = False,
                 color: str | None = None, scale: float = 1.0, whole: bool = False,
                 reserve_bold: bool = False, follows_text: bool = True, margin: int = MARGIN) -> None:
        super().__init__(parent)
        self._text = text
        self._reserve = reserve  # the size hint is at least this text's width
        self._reserve_bold = reserve_bold  # … in bold (a label that turns bold keeps its size)
        self._whole = whole  # never narrower than the text (or reserve): a status, never "M…"
        self._follows_text = follows_text  # False: the size hint is the reserve's, whatever the text
        self._margin = margin  # left and right, inside the widget
        self._color = QColor(color) if color else None
        self._scale = scale  # of the application font (the clock is larger)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._bold = bold
        self._hint: QSize | None = None  # the size hint the layout was last told about
        self._apply_font()

    # -- text and look ----------------------------------------------------------------------------
    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        text = text or ""
        if text == self._text:
            return
        old, self._text = self._text, text
        fm = self.fontMetrics()
        width = self.width() - 2 * self._margin
        if self.isVisible() and self.width() > 0 and self.height() > 0:
            w, h = self.width(), self.height()
            before = picture(self, w, h, lambda painter: self._draw(painter, old))
            after = picture(self, w, h, lambda painter: self._draw(painter, text))
            for rect in differing(before, after, self.devicePixelRatioF(), w, h):
                self.update(rect)
        elif max(fm.horizontalAdvance(old), fm.horizontalAdvance(text)) > width:
            self.update()  # elided before or after: the whole line changes
        else:
            for x0, x1 in changed_runs(old, text, fm.horizontalAdvance):
                self.update(QRect(self._margin + x0 - PAD, 0, x1 - x0 + 2 * PAD, self.height()))
        self._geometry_changed()

    def _geometry_changed(self) -> None:
        """Tell the layout, if the size hint changed (a status bar repaints whole on each request)."""
        hint = (self.sizeHint(), self.minimumSizeHint())
        if hint != self._hint:
            self._hint = hint
            self.updateGeometry()

    def set_color(self, color: str | None) -> None:
        new = QColor(color) if color else None
        if new != self._color:
            self._color = new
            self.update()

    def set_bold(self, bold: bool) -> None:
        if bold != self._bold:
            self._bold = bold
            self._apply_font()

    def set_style(self, color: str | None, bold: bool = False) -> None:
        self.set_color(color)
        self.set_bold(bold)

    @property
    def color(self) -> str | None:
        return self._color.name() if self._color is not None else None

    def _apply_font(self) -> None:
        self.setFont(scaled_font(self._scale, self._bold))
        self._geometry_changed()
        self.update()

    def follow_zoom(self) -> None:
        """The application font changed (ui.zoom): follow it, keeping our scale and weight."""
        self._apply_font()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.Type.FontChange:  # QWidget's own handling asks for a new geometry, always
            self.update()
            self._geometry_changed()
            return
        super().changeEvent(event)

    # -- geometry and painting ------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        text = fm.horizontalAdvance(self._text) if self._follows_text else 0
        # +1: the integer advance is rounded (73.4 px reads 73) while eliding
        # measures exactly, so a label sized to the rounded figure showed
        # "no quoru…" in bold
        width = max(text, self._reserve_width()) + 1
        return QSize(width + 2 * self._margin, fm.height() + 2)

    def _reserve_width(self) -> int:
        """The room kept for the text (in bold if asked: a label that turns bold,
        "no quorum", then keeps its size, and its neighbours do not move)."""
        if not self._reserve:
            return 0
        font = QFont(self.font())
        if self._reserve_bold:
            font.setBold(True)
        return QFontMetrics(font).horizontalAdvance(self._reserve)

    def minimumSizeHint(self) -> QSize:
        if self._whole:
            return self.sizeHint()
        fm = QFontMetrics(self.font())
        return QSize(fm.horizontalAdvance(self._reserve[:4] or "M…") + 2 * self._margin, fm.height() + 2)

    def _draw(self, painter: QPainter, text: str) -> None:
        color = self._color if self._color is not None else self.palette().color(QPalette.ColorRole.WindowText)
        painter.setPen(color)
        painter.setFont(self.font())
        rect = self.rect().adjusted(self._margin, 0, -self._margin, 0)
        shown = self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, rect.width())
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), shown)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        self._draw(painter, self._text)
        painter.end()
