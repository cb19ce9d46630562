"""pytest-qt setup for the window tests: offscreen, and Qt warnings fail the test."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import pytest  # noqa: E402
from PySide6.QtCore import QtMsgType, qInstallMessageHandler  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DIR = REPO / "working-dirs" / "default"
UPSTREAM = REPO.parent / "shared" / "upstream-tests"

# Messages the offscreen platform prints for every top-level window, and the
# one a machine without fonts prints: they say nothing about our code.
BENIGN = (
    "This plugin does not support propagateSizeHints()",
    "This plugin does not support raise()",
    "QFontDatabase: Cannot find font directory",
)

_messages: list[str] = []


def _handler(mode, context, message) -> None:
    if mode in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg):
        if not any(b in message for b in BENIGN):
            _messages.append(f"{mode.name}: {message}")


qInstallMessageHandler(_handler)


@pytest.fixture(autouse=True)
def window_settings(tmp_path, monkeypatch):
    """Each test's window starts from default settings (no size, zoom or layout
    remembered from another test) on a local display (every snapshot shown)."""
    path = tmp_path / "hasim-settings.ini"
    monkeypatch.setenv("HASIM_SETTINGS", str(path))
    for var in ("SSH_CONNECTION", "SSH_CLIENT"):
        monkeypatch.delenv(var, raising=False)
    return path


@pytest.fixture(autouse=True)
def fail_on_qt_warnings():
    _messages.clear()
    yield
    found = list(_messages)
    _messages.clear()
    if found:
        pytest.fail("Qt warnings during the test:\n" + "\n".join(found), pytrace=False)


def make_workdir(tmp_path: Path, cmdlist: str = "[]", name: str = "cluster") -> Path:
    target = tmp_path / name
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("status", "README*"))
    (target / "cmdlist").write_text(cmdlist)
    return target


def powered_on(qtbot, make_window, workdir: Path, speed: float = 1, seconds: int = 60):
    """A window over `workdir` whose three nodes were switched on (Power clicked
    on each card) and ran `seconds` of virtual time: (window, controller)."""
    window, controller = make_window(workdir, speed=speed)
    for name in ("node1", "node2", "node3"):
        window.nodes_panel.card(name).power.click()
    controller.step()
    controller.advance_by(seconds)
    qtbot.wait(5)
    return window, controller


@pytest.fixture
def workdir(tmp_path) -> Path:
    return make_workdir(tmp_path)


@pytest.fixture
def make_window(qtbot):
    """make_window(path, read_only=False) -> (window, controller), shown offscreen."""
    from ui.controller import Controller
    from ui.main_window import MainWindow

    made = []

    def make(path, read_only: bool = False, speed: float = 10.0, expect_open: bool = True):
        controller = Controller(read_only=read_only, speed=speed)
        window = MainWindow(controller, interactive_errors=False)
        qtbot.addWidget(window)
        assert controller.open(path) == expect_open
        window.resize(1280, 800)
        window.show()
        qtbot.waitExposed(window)
        window.windowHandle().requestActivate()  # shortcuts need the active window
        qtbot.waitUntil(window.isActiveWindow, timeout=2000)
        made.append(controller)
        return window, controller

    yield make
    for controller in made:
        controller.shutdown()


@pytest.fixture
def asked(monkeypatch):
    """Answers the unsaved-work question with `asked.answer` (Cancel unless
    set); records each question as (what, the unsaved text)."""
    from ui.save_resume import CANCEL, SaveActions

    class Asked(list):
        answer = CANCEL

    questions = Asked()

    def ask(self, what, unsaved):
        questions.append((what, unsaved))
        return questions.answer

    monkeypatch.setattr(SaveActions, "ask_unsaved", ask)
    return questions
