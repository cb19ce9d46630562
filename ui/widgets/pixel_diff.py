"""Where two pictures of the same widget area differ (for partial repaints over `ssh -X`).

Over `ssh -X` every repainted pixel is sent, so a widget whose content
changes a little asks Qt to repaint only the pixels that change: it draws
what it showed and what it will show off screen (`picture`: an image with
the widget's resolution and device pixel ratio, so it holds the pixels a
paint puts on the screen) and `differing` returns the rectangles that cover
the differences — the columns that differ, merged when closer than `gap`,
widened by `edge` pixels, between the first and the last scanline that
differs.  Pure Qt, no numpy: a picture is its scanlines as integers (one
conversion when drawn; a picture is usually compared more than once), and
two are compared with XOR.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QWidget

_NONZERO = re.compile(rb"[^\x00]+")


def picture(widget: QWidget, width: int, height: int, draw: Callable[[QPainter], None],
            background: QColor | None = None) -> tuple[int, list[int]]:
    """`draw` painting a `width` x `height` area of `widget` (over `background`,
    or over nothing: transparent): (bytes per scanline, the scanlines as integers)."""
    dpr = widget.devicePixelRatioF()
    fmt = QImage.Format.Format_RGB32 if background is not None else QImage.Format.Format_ARGB32_Premultiplied
    image = QImage(max(1, round(width * dpr)), max(1, round(height * dpr)), fmt)
    image.setDevicePixelRatio(dpr)
    image.setDotsPerMeterX(round(widget.logicalDpiX() / 0.0254))  # fonts in points: the widget's resolution
    image.setDotsPerMeterY(round(widget.logicalDpiY() / 0.0254))
    image.fill(background if background is not None else QColor(0, 0, 0, 0))
    painter = QPainter(image)
    draw(painter)
    painter.end()
    data = bytes(image.constBits())
    step, row = image.bytesPerLine(), 4 * image.width()
    return row, [int.from_bytes(data[y * step:y * step + row], "little") for y in range(image.height())]


def differing(a: tuple[int, list[int]], b: tuple[int, list[int]], dpr: float, width: int, height: int,
              edge: int = 1, gap: int = 3) -> list[QRect]:
    """Rectangles (the widget's pixels, `width` x `height` area at 0, 0) covering
    where pictures `a` and `b` (from `picture`, same size) differ."""
    size, a_lines = a
    b_lines = b[1]
    lines = [i for i in range(min(len(a_lines), len(b_lines))) if a_lines[i] != b_lines[i]]
    if not lines:
        return []
    acc = 0
    for i in lines:
        acc |= a_lines[i] ^ b_lines[i]
    differs = acc.to_bytes(size, "little")
    spans: list[list[int]] = []
    for m in _NONZERO.finditer(differs):  # device pixels -> the widget's pixels, outwards
        x0 = max(0, int(m.start() // 4 / dpr) - edge)
        x1 = min(width, -int(-((m.end() + 3) // 4) // dpr) + edge)
        if spans and x0 - spans[-1][1] < gap:
            spans[-1][1] = x1
        else:
            spans.append([x0, x1])
    y0 = int(lines[0] / dpr)
    y1 = min(height, -int(-(lines[-1] + 1) // dpr))
    return [QRect(x0, y0, x1 - x0, y1 - y0) for x0, x1 in spans]
