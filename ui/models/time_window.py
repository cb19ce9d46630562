"""The timeline's visible window of virtual time: follow now, zoom, pan.

The window is `span` virtual seconds wide, drawn on `width` pixels.  Its left
edge is kept as a whole number of pixels (`offset_px`, in units of
`seconds_per_px`), so that moving the window is an exact pixel shift: the
canvas scrolls what is already drawn (the X server copies it) and paints
only the strip that came into view.  That is what keeps the timeline cheap
over `ssh -X` at any speed.

Following now (the default) pins "now" at the right edge; before the run is
one window long the window starts at 0.  The span follows the speed while
the user has not zoomed (`auto_span`): at least ten minutes, or a minute of
wall time at the chosen speed (100× shows 100 minutes), so the picture
moves at the same few pixels a second whatever the speed.  Zooming or
panning is the user's: zoom keeps the time under the pointer in place (now,
while following), panning stops following (`follow_now` takes it back).
Pure Python, no Qt.
"""

from __future__ import annotations

import math

AUTO_MIN_SPAN = 600  # virtual seconds: ten minutes at 1x and 10x
AUTO_WALL_SECONDS = 60  # above 10x: a minute of wall time
MIN_SPAN = 30
MAX_SPAN = 7 * 24 * 3600
LEFT_MARGIN_PX = 4  # room before t=0 so the first segment's edge shows


def auto_span(speed: float) -> float:
    return max(AUTO_MIN_SPAN, AUTO_WALL_SECONDS * max(0.0, speed))


class TimeWindow:
    def __init__(self, width: int = 600, speed: float = 1.0) -> None:
        self.width = max(1, int(width))
        self.follow = True
        self.auto_span = True
        self.span = auto_span(speed)
        self.offset_px = -LEFT_MARGIN_PX  # the window's left edge, in pixels of content
        self.now = 0

    # -- mapping ----------------------------------------------------------------------------------
    @property
    def seconds_per_px(self) -> float:
        return self.span / self.width

    def x_of(self, t: float) -> int:
        """The pixel (0 = the window's left edge) where time `t` starts."""
        return math.floor(t / self.seconds_per_px) - self.offset_px

    def t_of(self, x: float) -> float:
        return (x + self.offset_px) * self.seconds_per_px

    @property
    def start(self) -> float:
        return self.t_of(0)

    @property
    def end(self) -> float:
        return self.t_of(self.width)

    # -- changes: each returns the pixel shift (content moved left by it) or None when
    # -- everything must be drawn again (scale changed) ---------------------------------------------
    def resize(self, width: int) -> None:
        self.width = max(1, int(width))
        self._refit()

    def set_speed(self, speed: float) -> bool:
        """The speed changed: with an automatic span, the span follows it. True if it did."""
        if not self.auto_span or auto_span(speed) == self.span:
            return False
        self.span = auto_span(speed)
        self._refit()
        return True

    def advance(self, now: int) -> int:
        """Time moved on to `now`; returns how many pixels the window slid left."""
        self.now = max(self.now, now)
        if not self.follow:
            return 0
        before = self.offset_px
        self.offset_px = self._follow_offset()
        return self.offset_px - before

    def _follow_offset(self) -> int:
        right = math.floor(self.now / self.seconds_per_px) + 1  # now's pixel stays in view
        return max(-LEFT_MARGIN_PX, right - self.width)

    def _refit(self) -> None:
        if self.follow:
            self.offset_px = self._follow_offset()

    def follow_now(self) -> None:
        self.follow = True
        self._refit()

    def zoom(self, factor: float, anchor_x: float | None = None) -> None:
        """Span × factor (< 1 zooms in) around the pixel `anchor_x` (None: now
        while following, else the middle)."""
        span = min(MAX_SPAN, max(MIN_SPAN, self.span * factor))
        if span == self.span:
            return
        if anchor_x is None:
            anchor_x = self.x_of(self.now) if self.follow else self.width / 2
        anchor_t = self.t_of(anchor_x)
        self.span = span
        self.auto_span = False
        if self.follow:
            self._refit()
        else:
            self.offset_px = math.floor(anchor_t / self.seconds_per_px - anchor_x)

    def reset_zoom(self, speed: float) -> None:
        """Back to the automatic span for `speed`, following now."""
        self.auto_span = True
        self.span = auto_span(speed)
        self.follow_now()

    def pan(self, dx_px: int) -> int:
        """Drag by `dx_px` pixels (positive: towards later times). Stops following."""
        if dx_px == 0:
            return 0
        self.follow = False
        before = self.offset_px
        self.offset_px = max(-LEFT_MARGIN_PX - self.width // 2, self.offset_px + int(dx_px))
        return self.offset_px - before
