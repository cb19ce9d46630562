"""Presentation zoom: one factor for every font, and what is sized from fonts.

For a projector the whole window grows: the application font is the
starting font × the zoom, and what is drawn from font metrics follows by
itself (timeline lanes and axis, node cards and their icons, the log's
monospace font, the clock).  What is sized in pixels elsewhere (toolbar
icons, table rows) is scaled by `px`.  Ctrl + / Ctrl − step through
`STEPS`; `--scale` sets any factor in [MIN_ZOOM, MAX_ZOOM].  Independent of
QT_SCALE_FACTOR (device pixels): the two multiply.  A widget with a font of
its own (not inherited) defines `follow_zoom()` to set it again.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from ui.settings import MAX_ZOOM, MIN_ZOOM

STEPS = (0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


class Zoom:
    def __init__(self, factor: float = 1.0) -> None:
        app = QApplication.instance()
        base = app.property("hasimBaseFont")  # the font before any zoom (one per application)
        if not isinstance(base, QFont):
            base = QFont(QApplication.font())
            app.setProperty("hasimBaseFont", base)
        self.base = QFont(base)
        self.factor = 1.0
        self.set(factor)

    def set(self, factor: float) -> bool:
        """Apply `factor` (clamped); True if it changed the fonts."""
        factor = round(min(MAX_ZOOM, max(MIN_ZOOM, float(factor))), 3)
        font = QFont(self.base)
        font.setPointSizeF(self.base.pointSizeF() * factor)
        changed = factor != self.factor or QApplication.font().pointSizeF() != font.pointSizeF()
        self.factor = factor
        if changed:
            QApplication.setFont(font)
            # widgets with a font of their own (the clock, monospace text) are not
            # told by Qt (ApplicationFontChange reaches top-level windows only)
            for widget in QApplication.allWidgets():
                follow = getattr(widget, "follow_zoom", None)
                if callable(follow):
                    follow()
        return changed

    def step(self, direction: int) -> bool:
        """One step larger (+1) or smaller (-1)."""
        if direction > 0:
            bigger = [s for s in STEPS if s > self.factor + 1e-6]
            return self.set(bigger[0] if bigger else MAX_ZOOM)
        smaller = [s for s in STEPS if s < self.factor - 1e-6]
        return self.set(smaller[-1] if smaller else MIN_ZOOM)

    def px(self, pixels: int) -> int:
        return max(1, round(pixels * self.factor))


def mono_font() -> QFont:
    """The system's fixed-width font at the application font's size (so it follows the zoom)."""
    mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    mono.setPointSizeF(QApplication.font().pointSizeF())
    return mono


def scaled_font(scale: float = 1.0, bold: bool = False) -> QFont:
    """The application font × `scale` (titles, the clock), bold if asked."""
    font = QFont(QApplication.font())
    if scale != 1.0:
        font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(bold)
    return font
