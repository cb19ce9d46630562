"""Only what changed is repainted (over ssh -X every repainted pixel is sent).

A paint spy counts the area of every paint event a widget gets; each test
makes one change and checks that the area painted is that change, not the
widget.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

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


def test_the_log_scroll_bar_repaints_only_when_its_handle_moves(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    view = window.log_pane.view
    bar = view.verticalScrollBar()
    window.log_pane.append([LogLine("info", 998, "command", f"line {i}") for i in range(400)])
    spy = PaintSpy(bar)
    spy.settle(qtbot)
    spy.reset()
    for i in range(3):  # a long log that follows the tail: the handle stays at the bottom, as small
        window.log_pane.append([LogLine("info", 999, "command", "execute network node3 off")])
        spy.settle(qtbot)
    assert window.log_pane.following and bar.value() == bar.maximum()
    assert spy.events == 0
    bar.setValue(0)  # the handle moves to the top: the bar shows it (its arrows too)
    spy.settle(qtbot)
    assert spy.events >= 1 and spy.area == full_area(bar)


def test_a_log_scroll_bar_handle_that_shrinks_repaints_only_its_changed_end(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    bar = window.log_pane.view.verticalScrollBar()
    window.log_pane.clear()
    window.log_pane.append(_lines(8, 800))  # a short log: the handle is large, it shrinks as lines come
    spy = PaintSpy(bar)
    spy.settle(qtbot)
    for n in (1, 2, 1, 3):
        spy.reset()
        handle = bar.look()[0]
        window.log_pane.append(_lines(n, 900))
        spy.settle(qtbot)
        assert bar.look()[0] != handle
        assert 0 < spy.area < full_area(bar) * 0.3
        shown = _on_screen(bar)
        bar.update()  # the whole bar painted afresh looks the same
        spy.settle(qtbot)
        assert _on_screen(bar) == shown


def _on_screen(widget) -> QImage:
    """What the screen shows of `widget` (offscreen: the window's backing store)."""
    win = QWidget.window(widget)  # (the timeline canvas has a `window` of its own)
    at = widget.mapTo(win, QPoint(0, 0))
    shot = win.windowHandle().screen().grabWindow(win.winId(), at.x(), at.y(), widget.width(), widget.height())
    return shot.toImage().convertToFormat(QImage.Format.Format_RGB32)


def _drawn_afresh(widget) -> QImage:
    return widget.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _lines(n: int, t: int, tag: str = "") -> list:
    return [LogLine("info", t, f"node{i % 3 + 1}/crm",
                    f"service 'vm:10{i % 7}': state changed from 'started' to 'fence' {tag}{i}") for i in range(n)]


@pytest.mark.parametrize("remote, direct", [(True, True), (True, False), (False, False)],
                         ids=["remote", "remote-widget-scroll", "local"])
def test_the_log_on_screen_is_always_what_a_full_repaint_draws(qtbot, make_window, workdir, remote, direct):
    # the log repaints only the pixels that differ from what each row shows (a
    # remote display; locally the rows as far as their text reaches): after
    # bursts small and large, a scroll back and forth and a violation line, the
    # screen holds exactly what painting the view afresh gives
    from hasim.analysis.invariants import Violation

    window, controller = powered_on(qtbot, make_window, workdir)
    view = window.log_pane.view
    view.compare_pixels, view.direct_scroll = remote, direct
    spy = PaintSpy(view.viewport())
    spy.settle(qtbot)
    assert _on_screen(view.viewport()) == _drawn_afresh(view.viewport())
    steps = [lambda: window.log_pane.append(_lines(1, 900)), lambda: window.log_pane.append(_lines(3, 901, "b")),
             lambda: window.log_pane.append(_lines(60, 902, "burst ")),
             lambda: view.verticalScrollBar().setValue(view.verticalScrollBar().value() - 2),
             lambda: view.verticalScrollBar().setValue(view.verticalScrollBar().maximum()),
             lambda: window.log_pane.append([Violation("no_double_start", "It must never run twice.", 903, "vm:101 started on two nodes")]),
             lambda: window.log_pane.append(_lines(2, 904, "after "))]
    for step in steps:
        step()
        spy.settle(qtbot)
        assert _on_screen(view.viewport()) == _drawn_afresh(view.viewport())


@pytest.mark.parametrize("remote", [True, False], ids=["remote", "local"])
def test_a_burst_of_more_lines_than_the_log_shows_paints_the_rows_shown_once(qtbot, make_window, workdir, remote):
    window, controller = powered_on(qtbot, make_window, workdir)
    view = window.log_pane.view
    view.compare_pixels = remote
    spy = PaintSpy(view.viewport())
    spy.settle(qtbot)
    spy.reset()
    window.log_pane.append(_lines(10 * view.rows_fully_shown(), 900))  # the lines in between are never painted
    spy.settle(qtbot)
    assert window.log_pane.following
    assert spy.events == 1
    assert 0 < spy.area <= full_area(view.viewport())


def test_a_new_log_line_repaints_only_where_it_differs_from_the_line_it_replaces(qtbot, make_window, workdir):
    # the rows move up on the X server; the bottom row still shows the line that was
    # there ("info   900    node1/crm: service 'vm:100': state changed from …"): only the
    # columns that differ are sent, not the new line's whole row
    window, controller = powered_on(qtbot, make_window, workdir)
    view = window.log_pane.view
    assert not view.compare_pixels  # a local display (the tests'): painting is cheap, comparing is not
    window.set_refresh("remote")  # what a remote display gets by default (View → Refresh rate)
    assert view.compare_pixels
    window.log_pane.append(_lines(1, 900))
    spy = PaintSpy(view.viewport())
    spy.settle(qtbot)
    spy.reset()
    line = LogLine("info", 900, "node2/crm", "service 'vm:100': state changed from 'started' to 'fence' 1")
    window.log_pane.append([line])
    spy.settle(qtbot)
    row = view.fontMetrics().horizontalAdvance(line.render().rstrip()) * view.row_h
    assert 0 < spy.area < row * 0.2
    assert _on_screen(view.viewport()) == _drawn_afresh(view.viewport())


def test_the_timeline_on_screen_is_what_a_full_repaint_draws_as_time_moves(qtbot, make_window, workdir):
    # "now" moving repaints the two red lines, the bars grown between them and a
    # grid line passed, not the rows between the bars nor the axis: the screen
    # still holds what painting the whole plot afresh gives
    window, controller = powered_on(qtbot, make_window, workdir, speed=10)
    canvas = window.timeline.canvas
    spy = PaintSpy(canvas)
    spy.settle(qtbot)
    window.nodes_panel.card("node3").network.click()  # states change on the way: fence, recovery
    for _ in range(30):
        spy.reset()
        controller.advance_by(10)
        spy.settle(qtbot)
        assert spy.area < full_area(canvas) * 0.3
        shown = _on_screen(canvas)
        canvas.update()
        spy.settle(qtbot)
        assert _on_screen(canvas) == shown


def test_labels_repaint_only_the_pixels_that_changed_and_show_the_new_text(qtbot, make_window, workdir):
    # a TextLine draws the old and the new text off screen and repaints where they
    # differ: the clock's changed digits (their ink, not the label's height), and
    # the screen then holds what a full repaint draws
    window, controller = powered_on(qtbot, make_window, workdir)
    clock, pending = window.clock, window.pending_label
    spies = {w: PaintSpy(w) for w in (clock, pending)}
    spies[clock].settle(qtbot)
    for change in (lambda: clock.setText("t = 0:01:23  (83 s)"), lambda: clock.setText("t = 0:01:24  (84 s)"),
                   lambda: clock.setText("t = 0:01:30  (90 s)"), lambda: pending.setText("1 command pending"),
                   lambda: pending.setText("2 commands pending"), lambda: pending.setText("")):
        for spy in spies.values():
            spy.reset()
        change()
        spies[clock].settle(qtbot)
        assert sum(spy.events for spy in spies.values()) >= 1
        for widget, spy in spies.items():
            assert spy.area < full_area(widget) * 0.6
            shown = _on_screen(widget)
            widget.update()
            spy.settle(qtbot)
            assert _on_screen(widget) == shown
    spies[clock].reset()
    clock.setText("t = 0:01:31  (91 s)")  # one digit twice: about two digits' ink
    spies[clock].settle(qtbot)
    digit = clock.fontMetrics().horizontalAdvance("0")
    assert 0 < spies[clock].area < 2 * (digit + 4) * clock.fontMetrics().ascent()


def test_a_status_message_repaints_only_the_pixels_that_change(qtbot, make_window, workdir):
    # QStatusBar repainted its whole message area (~300 x 24) for every message;
    # the message line sends the pixels that change
    window, controller = powered_on(qtbot, make_window, workdir)
    bar = window.statusBar()
    line = bar.message
    spy = PaintSpy(bar)
    said = []
    bar.messageChanged.connect(said.append)
    spy.settle(qtbot)
    texts = ["Queued 'power node1 on' for the next loop end", "Queued 'power node2 on' for the next loop end", ""]
    for text in texts:
        spy.reset()
        window.controller.message.emit(text) if text else bar.clearMessage()
        spy.settle(qtbot)
        assert bar.currentMessage() == text
        whole = line.width() * bar.height()  # what QStatusBar repainted: the message area, whole
        assert 0 < spy.area < whole * (0.05 if "node2" in text else 0.6)  # one digit; the text's ink
        shown = _on_screen(line)
        line.update()
        spy.settle(qtbot)
        assert _on_screen(line) == shown
    assert said == texts
    bar.showMessage("gone soon", 50)
    qtbot.waitUntil(lambda: bar.currentMessage() == "", timeout=2000)


def test_a_node_powering_on_repaints_what_changed_on_its_card_not_the_card(qtbot, make_window, workdir):
    """A card greyed while its node was off was repainted whole on each power
    change (~120 KB over ssh -X); the chip, the switch and the texts that
    change are what must be repainted."""
    window, controller = make_window(workdir, speed=0)
    card = window.nodes_panel.card("node1")
    card.power.click()
    spy = PaintSpy(card)
    spy.settle(qtbot)
    spy.reset()
    controller.step()  # the power command applies: node1 on, its chip and daemons line change
    spy.settle(qtbot)
    assert card.power.isChecked()
    assert 0 < spy.area < full_area(card) * 0.6
