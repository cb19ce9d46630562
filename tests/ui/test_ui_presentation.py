"""For a projector and a small screen: contrast, zoom, the log-full-height
layout, a window that fits and remembers, a timeline that tells the story."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSize
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import powered_on
from ui.models.history import Segment
from ui.style import STATE_COLORS, text_color_on
from ui.window_layout import fitting_size


def wcag_contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio, written out here independently of ui.style."""

    def lum(hex_color: str) -> float:
        out = []
        for i in (1, 3, 5):
            c = int(hex_color[i:i + 2], 16) / 255
            out.append(c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4)
        return 0.2126 * out[0] + 0.7152 * out[1] + 0.0722 * out[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("state", sorted(STATE_COLORS))
def test_text_on_every_state_colour_has_a_contrast_of_at_least_4_5(state):
    background = STATE_COLORS[state]
    assert wcag_contrast(text_color_on(background), background) >= 4.5


def sizes(window) -> dict:
    return {
        "font": QApplication.font().pointSizeF(),
        "lane": window.timeline.canvas.lane_h,
        "card": window.nodes_panel.card("node1").sizeHint().height(),
        "log row": window.log_pane.view.row_h,
        "clock": window.clock.sizeHint().height(),
        "table row": window.services.view.verticalHeader().defaultSectionSize(),
    }


def test_zoom_grows_fonts_lanes_and_cards_and_comes_back(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    before = sizes(window)
    window.zoom_step(+1)
    window.zoom_step(+1)
    qtbot.wait(1)
    after = sizes(window)
    for key in before:
        assert after[key] > before[key], key
    assert window.zoom.factor == 1.25
    window.set_zoom(1.0)
    qtbot.wait(1)
    assert sizes(window) == before


def test_zoom_is_remembered_and_scale_overrides_it(qtbot, make_window, workdir, tmp_path):
    from ui.controller import Controller
    from ui.main_window import MainWindow

    window, controller = make_window(workdir)
    window.set_zoom(1.5)
    window.close()
    again = MainWindow(Controller(), interactive_errors=False)
    qtbot.addWidget(again)
    assert again.zoom.factor == 1.5
    scaled = MainWindow(Controller(), interactive_errors=False, scale=2.0)
    qtbot.addWidget(scaled)
    assert scaled.zoom.factor == 2.0
    scaled.set_zoom(1.0)


def test_size_and_splitters_are_remembered(qtbot, make_window, workdir):
    from ui.controller import Controller
    from ui.main_window import MainWindow

    window, controller = make_window(workdir)
    window.resize(1000, 700)
    main = window.splitters["mainSplitter"]
    main.setSizes([200, 300, 150])
    qtbot.wait(1)
    wanted = main.sizes()
    window.close()
    again = MainWindow(Controller(), interactive_errors=False)
    qtbot.addWidget(again)
    again.fit_to_screen()
    again.show()
    qtbot.waitExposed(again)
    assert again.settings.geometry() is not None
    # the height comes back; the width too, as far as the screen allows (the offscreen
    # screen is 800 wide, less than the window's minimum: Qt keeps the window on it)
    assert again.height() == 700 and again.width() == max(again.minimumSizeHint().width(), min(1000, 800))
    got = again.splitters["mainSplitter"].sizes()
    assert all(abs(a - b) <= 5 for a, b in zip(got, wanted)), (got, wanted)  # the status bar may differ a little


@pytest.mark.parametrize("available", [QRect(0, 0, 1024, 768), QRect(0, 0, 1280, 720), QRect(0, 0, 3840, 2160)])
def test_the_first_window_fits_the_available_screen(available):
    size = fitting_size(available)
    assert size.width() <= available.width() and size.height() <= available.height()
    if available.width() >= 1600:
        assert size.expandedTo(QSize(1280, 800)) == size  # a big screen gets a big window


def test_at_1024x768_every_control_is_in_reach(qtbot, make_window, workdir):
    from PySide6.QtWidgets import QToolButton

    window, controller = powered_on(qtbot, make_window, workdir)
    window.resize(1024, 738)
    qtbot.wait(10)
    assert window.minimumSizeHint().width() <= 1024 and window.minimumSizeHint().height() <= 738
    assert (window.width(), window.height()) == (1024, 738)
    toolbar = window.time_toolbar
    extension = [b for b in toolbar.findChildren(QToolButton) if b.objectName() == "qt_toolbar_ext_button"]
    assert not any(b.isVisible() for b in extension)  # nothing hidden behind a » button
    for w in (window.clock, window.speed_combo, window.crs_combo):
        assert w.isVisible() and w.width() >= w.sizeHint().width()
    card = window.nodes_panel.card("node1")
    for b in (card.power, card.network, card.more):
        assert b.isVisible() and b.width() >= b.sizeHint().width()


def test_the_log_full_height_layout(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    window._choose_layout("log-right")
    qtbot.wait(10)
    central = window.centralWidget()
    log_top = window.bottom_tabs.mapTo(central, window.bottom_tabs.rect().topLeft()).y()
    assert log_top < 20  # from the top …
    assert window.bottom_tabs.height() > central.height() * 0.6  # … down most of the window
    def left(w):
        return w.mapTo(central, w.rect().topLeft()).x()

    assert left(window.bottom_tabs) > left(window.timeline) + window.timeline.width() - 10  # right of it
    assert window.settings.layout() == "log-right"
    window._choose_layout("classic")
    qtbot.wait(10)
    assert window.bottom_tabs.mapTo(central, window.bottom_tabs.rect().topLeft()).y() > central.height() * 0.5


def test_commands_given_are_markers_and_hover_tells_them(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    assert window.timeline.command_times() == [20]
    text = window.timeline.hover_at(20, 0)
    assert "power node1 on" in text and "power node3 on" in text


def test_the_legend_tells_a_cut_network_from_powered_off_and_never_covers_the_hover(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    timeline = window.timeline
    texts = timeline.legend.texts()
    assert "powered off" in texts and "network cut" in texts
    timeline.hover_at(50, 3)
    hover, legend = timeline.hover_label.geometry(), timeline.legend.geometry()
    assert not hover.intersects(legend)
    assert hover.width() > timeline.width() * 0.5


def test_lane_labels_name_a_node_once():
    assert Segment(0, 10, "started", node="node3", target="node3").label == "started on node3"
    assert Segment(0, 10, "migrate", node="node1", target="node2").label == "migrate node1 → node2"


def test_zoom_keys(qtbot, make_window, workdir):
    from PySide6.QtCore import Qt

    window, controller = make_window(workdir)
    qtbot.keyClick(window, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.1
    qtbot.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.25
    qtbot.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.1
    qtbot.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom.factor == 1.0
    assert controller.speed == 10  # plain + and - stay the speed keys


@pytest.mark.parametrize("size", [(1280, 800), (1024, 738)])
def test_the_status_bar_shows_its_states_whole(qtbot, make_window, workdir, size):
    """'no quorum' is bold: sized to the rounded advance of its text, it
    read 'no quoru…' (the elider measures exactly)."""
    from PySide6.QtCore import Qt

    from ui.widgets.text_line import MARGIN, TextLine

    window, controller = make_window(workdir)  # nodes off: no master, no quorum
    window.resize(*size)
    qtbot.wait(20)
    assert window.quorum_label.text() == "no quorum" and window.quorum_label.font().bold()
    for label in window.statusBar().findChildren(TextLine):
        if label.text() and label is not window.dir_label:
            room = label.width() - 2 * MARGIN
            assert label.fontMetrics().elidedText(label.text(), Qt.TextElideMode.ElideRight, room) == label.text()


def test_reset_pane_sizes_forgets_a_squashed_layout(qtbot, workdir, tmp_path):
    """Pane sizes are remembered: a top row squashed once (by hand, or by the
    first window over ssh before it was fixed) stayed so in every later
    window until View → Reset pane sizes."""
    from ui.controller import Controller
    from ui.main_window import MainWindow
    from ui.settings import Settings

    def window_over(settings):
        controller = Controller(speed=10)
        window = MainWindow(controller, interactive_errors=False, settings=settings)
        qtbot.addWidget(window)
        assert controller.open(workdir)
        window.resize(1280, 800)
        window.show()
        qtbot.wait(20)
        return window, controller

    settings = Settings(str(tmp_path / "window.ini"))
    window, controller = window_over(settings)
    main = window.splitters["mainSplitter"]
    total = sum(main.sizes())
    main.setSizes([40, 100, total - 140])
    window.close()  # remembers the sizes
    controller.shutdown()
    window, controller = window_over(Settings(str(tmp_path / "window.ini")))
    main = window.splitters["mainSplitter"]
    assert main.sizes()[0] < window.nodes_panel.cards_height()  # remembered squashed
    window.reset_panes_action.trigger()
    assert main.sizes()[0] >= window.nodes_panel.cards_height()
    assert window.settings.splitter("classic/mainSplitter") is None
    controller.shutdown()
