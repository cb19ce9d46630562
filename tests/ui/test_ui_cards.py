"""Node cards keep their height: nothing moves under the pointer.

A person powers the cluster on by clicking Power on node1, node2 and node3
in quick succession, at the places the buttons were when they started.  A
card that grew by a line for its queued command used to push the next card
down, and the second click landed on node2's title (selecting it) instead of
its Power switch.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from tests.ui.conftest import powered_on


def test_three_quick_power_clicks_power_three_nodes(qtbot, make_window, workdir):
    window, controller = make_window(workdir, speed=1)
    panel = window.nodes_panel
    inner = panel.inner
    names = ("node1", "node2", "node3")
    # where the pointer goes: each Power switch's centre, noted before the first click
    spots = {n: panel.card(n).power.mapTo(inner, panel.card(n).power.rect().center()) for n in names}
    heights = {n: panel.card(n).height() for n in names}
    for name in names:
        target = inner.childAt(spots[name])
        assert target is not None
        qtbot.mouseClick(target, Qt.MouseButton.LeftButton, pos=target.mapFrom(inner, spots[name]))
        qtbot.wait(1)  # let the window show the queued command before the next click
    assert [c.render() for c in controller.queued_commands()] == [f"power {n} on" for n in names]
    assert panel.selected is None  # no click fell on a card's body
    assert all("queued: power on" in panel.card(n).extra.text() for n in names)
    assert {n: panel.card(n).height() for n in names} == heights


def test_countdowns_and_queued_commands_share_the_cards_last_line(qtbot, make_window, workdir):
    window, controller = powered_on(qtbot, make_window, workdir)
    card = window.nodes_panel.card("node3")
    height = card.height()
    card.network.click()  # queued: network off
    qtbot.wait(1)
    assert card.height() == height
    controller.step()
    for _ in range(40):  # until the manager waits to fence node3
        controller.advance_by(5)
        qtbot.wait(1)
        if "fence in" in card.waits.text():
            break
    assert "fence in" in card.waits.text()
    assert card.height() == height
    y = {n: window.nodes_panel.card(n).y() for n in ("node1", "node2", "node3")}
    assert y["node1"] < y["node2"] < y["node3"]
    assert card.geometry().contains(QPoint(card.x() + 5, y["node3"] + 5))
