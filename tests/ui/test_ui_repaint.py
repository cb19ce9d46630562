"""Only what changed is repainted (over ssh -X every repainted pixel is sent).

A paint spy counts the area of every paint event a widget gets; each test
makes one change and checks that the area painted is that change, not the
widget.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication

from hasim.log import LogLine
from tests.ui.conftest import powered_on


class PaintSpy(QObject):
    """Adds up the pixels of the paint events `widget` receives."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget
        self.area = 0
        self.events = 0
        widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.widget and event.type() == QEvent.Type.Paint:
            self.events += 1
            self.area += sum(r.width() * r.height() for r in event.region())
        return False

    def settle(self, qtbot) -> None:
        QApplication.processEvents()
        qtbot.wait(5)
        QApplication.processEvents()

    def reset(self) -> None:
        self.area = self.events = 0


def full_area(widget) -> int:
    return widget.width() * widget.height()


def test_a_label_given_the_same_text_does_not_repaint(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    labels = [window.clock, window.quorum_label, window.master_label, window.run_state,
              window.nodes_panel.card("node1").daemons]
    spies = [PaintSpy(w) for w in labels]
    spies[0].settle(qtbot)
    for spy in spies:
        spy.reset()
    window.show_snapshot(controller.snapshot)  # the same snapshot once more: nothing shown changes
    spies[0].settle(qtbot)
    assert [spy.events for spy in spies] == [0] * len(spies)


def test_the_clock_repaints_only_its_changed_digits(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    spy = PaintSpy(window.clock)
    spy.settle(qtbot)
    spy.reset()
    before = window.clock.text()
    controller.advance_by(2)
    spy.settle(qtbot)
    assert window.clock.text() != before
    assert 0 < spy.area < full_area(window.clock) * 0.4


def test_time_moving_on_repaints_a_strip_of_the_timeline_not_the_plot(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir, speed=10)
    controller.advance_by(900)  # past one window's width: the window slides
    canvas = window.timeline.canvas
    spy = PaintSpy(canvas)
    spy.settle(qtbot)
    spy.reset()
    start = window.timeline.window.start
    for _ in range(5):
        controller.advance_by(10)
        spy.settle(qtbot)
    assert window.timeline.window.start > start  # it followed now
    assert 0 < spy.area < full_area(canvas) * 0.15  # five ticks: a few thin strips


def test_a_new_log_line_paints_that_line_not_the_log(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    view = window.log_pane.view
    assert window.log_pane.following
    spy = PaintSpy(view.viewport())
    spy.settle(qtbot)
    spy.reset()
    window.log_pane.append([LogLine("info", 999, "command", "execute network node3 off")])
    spy.settle(qtbot)
    assert window.log_pane.following
    assert 0 < spy.area <= view.row_h * view.viewport().width()
    assert spy.area < full_area(view.viewport()) * 0.3


def test_the_status_bar_sets_no_style_sheet_per_snapshot(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    bar = window.statusBar()
    spy = PaintSpy(bar)
    spy.settle(qtbot)
    spy.reset()
    for _ in range(3):
        window.show_snapshot(controller.snapshot)
    spy.settle(qtbot)
    assert spy.events == 0


def test_changed_runs_are_the_changed_characters_and_what_moved():
    from ui.widgets.text_line import changed_runs

    def mono(s):
        return 10 * len(s)

    assert changed_runs("t = 0:01:23  (83 s)", "t = 0:01:23  (83 s)", mono) == []
    assert changed_runs("t = 0:01:23  (83 s)", "t = 0:01:24  (84 s)", mono) == [(100, 110), (150, 160)]
    assert changed_runs("fence in 9s", "fence in 10s", mono) == [(90, 120)]  # longer: to the end

    def narrow_ones(s):
        return sum(5 if c == "1" else 10 for c in s)

    spans = changed_runs("a1b", "a2b", narrow_ones)  # "b" moves: repainted too
    assert min(x0 for x0, _ in spans) == 10 and max(x1 for _, x1 in spans) == 30


def test_a_status_label_that_changes_does_not_repaint_the_whole_status_bar(qtbot, make_window, workdir):
    # a QStatusBar repaints itself whole on every layout request: a label whose
    # room is kept (the pending count appearing, "no quorum" turning bold) asks for none
    window, controller = powered_on(qtbot, make_window, workdir)
    bar = window.statusBar()
    spy = PaintSpy(bar)
    spy.settle(qtbot)
    for change in (lambda: window.pending_label.setText("1 command pending"),
                   lambda: window.pending_label.setText(""),
                   lambda: window.quorum_label.setText("no quorum"),
                   lambda: window.quorum_label.set_style("#c92a2a", bold=True)):
        spy.reset()
        change()
        spy.settle(qtbot)
        assert 0 < spy.area < full_area(bar) * 0.25

