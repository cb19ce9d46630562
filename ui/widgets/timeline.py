"""The timeline: one lane per node and per service over virtual time.

A header (the hover text on its own line, never covered; Follow now, zoom
out/in), the lanes (`LanesCanvas`: a sliding window over the `History`
that follows now and repaints only what changed) and the legend below.
Hovering a lane tells its state and since when; hovering a marker tells the
command given or the safety violation, with the explanation in a tooltip.
A right-click offers to go back to that moment (`goBackRequested`: the
window asks for the branch name; ui.branch_actions).  No OpenGL.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPushButton,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from hasim.analysis.invariants import INVARIANTS
from ui.models.history import History
from ui.style import DARK_TEXT, format_time
from ui.widgets.lanes_canvas import LanesCanvas
from ui.widgets.legend import Legend
from ui.widgets.text_line import TextLine

HINT = "Hover a lane to see its state and time; wheel to zoom, drag to look back"
ZOOM_STEP = 1.5


class Timeline(QWidget):
    """Header + lanes + legend."""

    laneHovered = Signal(str)  # "lane: state since … (for …)"
    goBackRequested = Signal(int)  # a virtual time: go back to the loop end at or before it

    def __init__(self, history: History, parent=None) -> None:
        super().__init__(parent)
        self.history = history
        self._hovered = False
        self._speed = 1.0
        self.canvas = LanesCanvas(history)
        self.canvas.pointed.connect(self._pointed)
        self.canvas.windowChanged.connect(self._window_changed)
        self.canvas.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.canvas.customContextMenuRequested.connect(self._context_menu)
        self._cannot_go_back: str | None = "No working directory is open"

        self.hover_label = TextLine(HINT, color=DARK_TEXT)
        self.hover_label.setObjectName("timelineHover")
        self.follow_button = QPushButton("Follow now")
        self.follow_button.setObjectName("followNow")
        self.follow_button.setCheckable(True)
        self.follow_button.setChecked(True)
        self.follow_button.setToolTip("Keep now at the right edge; the window slides with time")
        self.follow_button.toggled.connect(self._set_follow)
        self.zoom_out_button = self._tool("−", "Show a longer stretch of time", lambda: self.zoom(ZOOM_STEP))
        self.zoom_in_button = self._tool("+", "Show a shorter stretch of time", lambda: self.zoom(1 / ZOOM_STEP))
        self.fit_button = self._tool("Auto", "Back to the automatic window (ten minutes, longer at high speed), "
                                     "following now", self.reset_zoom)
        self.legend = Legend()
        head = QHBoxLayout()
        head.setContentsMargins(4, 0, 4, 0)
        head.addWidget(self.hover_label, 1)
        for w in (self.zoom_out_button, self.zoom_in_button, self.fit_button, self.follow_button):
            head.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.legend)
        layout.addStretch(0)  # room beyond every lane stays below the legend

    def _tool(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(lambda _=False: slot())
        return b

    # -- the window of time ---------------------------------------------------------------------------
    @property
    def follow(self) -> bool:
        return self.canvas.window.follow

    @property
    def window(self):
        """The visible window of virtual time (ui.models.time_window.TimeWindow)."""
        return self.canvas.window

    def _set_follow(self, on: bool) -> None:
        if on and not self.canvas.window.follow:
            self.canvas.follow_now()
        elif not on and self.canvas.window.follow:
            self.canvas.window.follow = False

    def _window_changed(self) -> None:
        follow = self.canvas.window.follow
        if self.follow_button.isChecked() != follow:
            self.follow_button.blockSignals(True)
            self.follow_button.setChecked(follow)
            self.follow_button.blockSignals(False)
        self._show_hint()

    def zoom(self, factor: float) -> None:
        self.canvas.zoom(factor)

    def reset_zoom(self) -> None:
        self.canvas.reset_zoom(self._speed)

    def set_speed(self, speed: float) -> None:
        self._speed = speed
        self.canvas.set_speed(speed)

    def set_history(self, history: History) -> None:
        self.history = history
        self.canvas.set_history(history)
        self.forget_hover()

    def forget_hover(self) -> None:
        """Drop what the pointer last told (another simulation: its lanes and
        times mean nothing here): the hint again, no tooltip left over."""
        self._hovered = False
        self.hover_label.setToolTip("")
        QToolTip.hideText()
        self._show_hint()

    def refresh(self) -> None:
        """Show what the history gained (called at most at the window's refresh rate)."""
        self.canvas.refresh()
        if not self._hovered:
            self._show_hint()

    def _show_hint(self) -> None:
        if self._hovered:
            return
        n, shown = len(self.history.order), self.canvas.lanes_shown()
        self.hover_label.setText(f"{shown} of {n} lanes shown: drag up/down (or Shift+wheel) for more"
                                 if shown < n else HINT)

    # -- going back -------------------------------------------------------------------------------------
    def set_going_back(self, problem: str | None) -> None:
        """Whether the right-click may go back (`problem`: why not, shown greyed)."""
        self._cannot_go_back = problem

    def context_menu_at(self, pos: QPoint) -> QMenu | None:
        """The right-click menu at canvas point `pos` (None: not over the lanes' time)."""
        x = pos.x() - self.canvas.label_w
        if x < 0:
            return None
        t = max(0, min(int(self.canvas.window.t_of(x)), self.history.now))
        menu = QMenu(self)
        act = menu.addAction(f"Go back to {format_time(t)} ({t} s)…")
        act.setObjectName("goBackHere")
        if self._cannot_go_back is not None:
            act.setEnabled(False)
            act.setText(f"{act.text()} — {self._cannot_go_back}")
        act.triggered.connect(lambda _=False: self.goBackRequested.emit(t))
        return menu

    def _context_menu(self, pos: QPoint) -> None:
        menu = self.context_menu_at(pos)
        if menu is not None:
            menu.exec(self.canvas.mapToGlobal(pos))
            menu.deleteLater()

    # -- hover ------------------------------------------------------------------------------------------
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

    def command_times(self) -> list[int]:
        """Virtual times of the command markers."""
        return sorted({t for t, _ in self.history.commands})

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

    def describe_command(self, t: float, tolerance: float = 0.5) -> str | None:
        """The commands given within `tolerance` of `t`, as one line."""
        near = self.history.commands_near(t, tolerance)
        if not near:
            return None
        when = near[0][0]
        return f"▲ Command at {format_time(when)} ({when} s): " + "; ".join(cmd for _, cmd in near)

    def hover_at(self, t: float, lane: int) -> str:
        """Hover over lane index `lane` at time `t` (as the pointer would); the text shown."""
        self.canvas.point(self.canvas.point_at(t, lane))
        return self.hover_label.text()

    def _pointed(self, t: float, lane: int, tolerance: float, where: QPoint) -> None:
        if lane < 0 or t < 0:
            return
        marker = self.describe_marker(t, tolerance) if self.history.violations else None
        if marker is not None:
            self._show_hover(marker[0], marker[1], where)
            return
        command = self.describe_command(t, tolerance) if self.history.commands else None
        if command is not None:
            self._show_hover(command, command, where)
            return
        text = self.describe(self.history.order[lane], t) if lane < len(self.history.order) else None
        if text:
            self._show_hover(text, text, where)

    def _show_hover(self, line: str, tip: str, where: QPoint) -> None:
        self._hovered = True
        self.hover_label.setText(line)
        self.hover_label.setToolTip(line)
        self.laneHovered.emit(line)
        QToolTip.showText(where, tip, self.canvas)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
