"""The timeline's sliding window of time: follows now, keeps its width, zooms and pans."""

from __future__ import annotations

import pytest

from ui.models.time_window import AUTO_MIN_SPAN, TimeWindow, auto_span


def test_following_now_slides_the_window_and_keeps_its_width():
    w = TimeWindow(width=600, speed=1)
    assert w.span == AUTO_MIN_SPAN
    assert w.advance(100) == 0 and w.start <= 0  # before a window's worth of time: from 0
    spans = []
    for now in range(700, 3000, 37):
        w.advance(now)
        spans.append(w.end - w.start)
        assert w.start <= now <= w.end  # now is in view …
        assert w.end - now <= 3 * w.seconds_per_px  # … at the right edge
    assert max(spans) - min(spans) < 1e-6 and spans[0] == pytest.approx(AUTO_MIN_SPAN)


def test_a_slide_is_a_whole_number_of_pixels_so_the_picture_can_be_scrolled():
    w = TimeWindow(width=500, speed=1)
    w.advance(1000)
    x_before = w.x_of(900)
    shift = w.advance(1037)
    assert isinstance(shift, int) and shift > 0
    assert w.x_of(900) == x_before - shift  # what was drawn moved exactly `shift` pixels


def test_the_automatic_span_follows_the_speed_until_the_user_zooms():
    w = TimeWindow(width=600, speed=1)
    assert w.set_speed(100) and w.span == auto_span(100) == 6000  # a minute of wall time at 100x
    w.zoom(0.5)
    assert w.span == 3000 and not w.auto_span
    assert not w.set_speed(10) and w.span == 3000  # the user's zoom stays
    w.reset_zoom(10)
    assert w.span == AUTO_MIN_SPAN and w.follow


def test_zoom_keeps_now_at_the_right_edge_while_following_and_the_anchor_otherwise():
    w = TimeWindow(width=600, speed=1)
    w.advance(5000)
    w.zoom(0.5)
    assert w.end - 5000 <= 3 * w.seconds_per_px and w.span == AUTO_MIN_SPAN / 2
    w.pan(-300)  # drag back in time: no longer following
    assert not w.follow
    t = w.t_of(200)
    w.zoom(2.0, anchor_x=200)
    assert abs(w.t_of(200) - t) <= w.seconds_per_px  # the time under the pointer stays put
    w.advance(9000)
    assert w.end < 9000  # not following: now moved on out of view
    w.follow_now()
    assert w.start <= 9000 <= w.end


def test_the_window_on_screen_follows_now(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=1)
    timeline = window.timeline
    for name in ("node1", "node2", "node3"):
        window.nodes_panel.card(name).power.click()
    controller.step()
    width = timeline.window.span
    for _ in range(4):
        controller.advance_by(400)
        qtbot.wait(1)
        now = controller.history.now
        assert timeline.window.start <= now <= timeline.window.end
        assert timeline.window.span == width
    assert timeline.window.start > 0  # it slid
    timeline.zoom_in_button.click()
    assert timeline.window.span < width and timeline.follow
    timeline.fit_button.click()
    assert timeline.window.span == width
