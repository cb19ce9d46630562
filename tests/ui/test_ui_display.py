"""Remote-display detection and the environment the window sets before Qt starts."""

from __future__ import annotations

import pytest

from ui.display import LOCAL_REFRESH_MS, REMOTE_REFRESH_MS, is_remote, prepare_environment, refresh_interval_ms


def test_ssh_and_network_displays_are_remote_local_ones_are_not():
    assert is_remote({"SSH_CONNECTION": "10.0.0.1 5555 10.0.0.2 22", "DISPLAY": "localhost:10.0"})
    assert is_remote({"DISPLAY": "localhost:10.0"})
    assert is_remote({"DISPLAY": "workstation:0"})
    assert not is_remote({"DISPLAY": ":0"})
    assert not is_remote({"DISPLAY": "unix:0"})
    assert not is_remote({})


def test_over_ssh_the_variable_qt6_reads_turns_mit_shm_off():
    env = {"SSH_CONNECTION": "10.0.0.1 5555 10.0.0.2 22", "DISPLAY": "localhost:10.0"}
    prepare_environment(env, offscreen=False)
    assert env["QT_XCB_NO_MITSHM"] == "1"  # Qt 6's name; QT_X11_NO_MITSHM is Qt 4's and ignored
    local = {"DISPLAY": ":0"}
    prepare_environment(local, offscreen=False)
    assert "QT_XCB_NO_MITSHM" not in local
    user = {"SSH_CONNECTION": "x", "QT_XCB_NO_MITSHM": "0"}
    prepare_environment(user, offscreen=False)
    assert user["QT_XCB_NO_MITSHM"] == "0"  # the user's choice wins


def test_remote_displays_refresh_less_often_by_default():
    assert refresh_interval_ms("auto", {"SSH_CONNECTION": "x"}) == REMOTE_REFRESH_MS
    assert refresh_interval_ms("auto", {"DISPLAY": ":0"}) == LOCAL_REFRESH_MS
    assert refresh_interval_ms("fast", {"SSH_CONNECTION": "x"}) == LOCAL_REFRESH_MS


@pytest.mark.parametrize("refresh", ["remote", "fast"])
def test_the_first_window_over_ssh_shows_every_card_whole(qtbot, workdir, monkeypatch, tmp_path, refresh):
    """Opened as `hasim DIR` opens it (the window first, then the directory,
    then shown) with the over-ssh refresh, the first picture waited a refresh
    interval behind the first log line, so the panes were sized before the
    cards existed: the top row opened one card high (and was remembered so)."""
    from ui.controller import Controller
    from ui.main_window import MainWindow
    from ui.settings import Settings

    settings = Settings(str(tmp_path / "window.ini"))
    settings.set_refresh(refresh)
    controller = Controller(speed=10)
    window = MainWindow(controller, interactive_errors=False, settings=settings)
    qtbot.addWidget(window)
    assert window.refresh_ms == (REMOTE_REFRESH_MS if refresh == "remote" else LOCAL_REFRESH_MS)
    assert controller.open(workdir)
    window.resize(1280, 800)
    window.show()
    qtbot.wait(50)  # the panes are fitted once the window has its size (well within the 500 ms interval)
    assert list(window.nodes_panel.cards) == ["node1", "node2", "node3"]
    top = window.splitters["mainSplitter"].sizes()[0]
    assert top >= window.nodes_panel.cards_height()
    controller.shutdown()
