"""`hasim [DIR]` / `hasim gui DIR`: start the window.

Options (parsed by hasim.cli): --offscreen renders without a display;
--advance SECONDS runs the scenario that long before showing (or saving) the
window; --screenshot FILE saves a picture of the whole window and exits 0;
--read-only disables every change; --speed sets the initial speed; --scale
sets the presentation zoom (fonts, lanes, cards; View → Zoom, Ctrl + / −).
Without DIR a fresh copy of the default cluster is opened.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger("hasim.ui.app")


def _prepare_environment(offscreen: bool) -> None:
    from ui.display import prepare_environment

    prepare_environment(os.environ, offscreen)  # QT_XCB_NO_MITSHM over ssh (see ui.display)


def _fail(msg: str) -> None:
    print(f"hasim: {msg}", file=sys.stderr)


BENIGN_QT_MESSAGES = ("This plugin does not support",)  # the offscreen platform, for every window


def _install_message_filter() -> None:
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    def handler(mode, context, message) -> None:
        if any(message.startswith(b) for b in BENIGN_QT_MESSAGES):
            return
        if mode != QtMsgType.QtDebugMsg:
            print(f"qt: {message}", file=sys.stderr)

    qInstallMessageHandler(handler)


def _install_excepthook(window) -> None:
    """An unexpected exception in a slot becomes a message; the window stays up."""
    import traceback

    previous = sys.excepthook

    def hook(kind, value, tb) -> None:
        log.error("unhandled: %s", "".join(traceback.format_exception(kind, value, tb)))
        try:
            window.show_error(f"Unexpected error: {value}")
        except Exception:  # noqa: BLE001
            previous(kind, value, tb)

    sys.excepthook = hook


def _scenario_problem(name: str, directory) -> str | None:
    """Why `--scenario NAME` cannot be opened (None: it can)."""
    from hasim.workdir.shipped import shipped_dirs

    if directory is not None:
        return "give either a working directory or --scenario, not both"
    names = [d.name for d in shipped_dirs()]
    if name not in names:
        listing = ", ".join(names) if names else "none are installed"
        return f"no shipped scenario named '{name}'; the scenarios are: {listing}"
    return None


def _window_cannot_open() -> bool:
    """Say why no window can be shown here (no display, one that does not
    answer, missing xcb libraries), one line each with its fix — before Qt
    starts, because Qt aborts the interpreter (SIGABRT) instead."""
    from ui.prerequisites import window_problems

    problems = window_problems(os.environ)
    for problem in problems:
        _fail(problem.line())
    return bool(problems)


def main(args) -> int:
    offscreen = bool(getattr(args, "offscreen", False))
    directory = getattr(args, "dir", None)
    scenario = getattr(args, "scenario", None)
    if scenario is not None:
        problem = _scenario_problem(scenario, directory)
        if problem:
            _fail(problem)
            return 2
    _prepare_environment(offscreen)
    if _window_cannot_open():
        return 2
    from hasim.cli.stop import StopSignals

    stop = StopSignals().install()  # from the start: a signal while the window opens is kept for later
    try:
        return _run_window(args, stop)
    finally:
        stop.restore()


def _run_window(args, stop) -> int:
    screenshot = getattr(args, "screenshot", None)
    advance = getattr(args, "advance", None)
    read_only = bool(getattr(args, "read_only", False))
    speed = float(getattr(args, "speed", 10.0) or 0.0)
    directory = getattr(args, "dir", None)
    scenario = getattr(args, "scenario", None)
    headless = screenshot is not None

    from PySide6.QtWidgets import QApplication

    from ui.controller import Controller
    from ui.main_window import MainWindow
    from ui.resources import fresh_default_copy

    _install_message_filter()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("hasim")
    if scenario is not None:
        path = None
    elif directory is None:
        try:
            path = fresh_default_copy()
        except OSError as err:
            _fail(f"cannot create a copy of the default cluster: {err}")
            return 2
    else:
        path = Path(directory)

    from ui.settings import Settings

    controller = Controller(read_only=read_only, speed=speed)
    scale = getattr(args, "scale", None)
    window = MainWindow(controller, interactive_errors=not headless, settings=Settings(remember=not headless),
                        scale=scale)
    errors: list[str] = []
    controller.errorOccurred.connect(errors.append)
    window.interactive_errors = False  # a bad directory is shown once the window is up
    if scenario is not None:
        opened = controller.open_shipped(scenario)  # a fresh copy in a temporary directory
        path = controller.path or scenario
    else:
        opened = controller.open(path, source="default" if directory is None else None)
    window.interactive_errors = not headless
    if not opened and headless:
        _fail(errors[-1] if errors else f"cannot open {path}")
        return 2
    if advance:
        controller.advance_to(int(advance))
    if headless:
        window.resize(1280, 800)  # pictures have one size whatever the screen
        window.show()
        app.processEvents()
        window.timeline.refresh()
        app.processEvents()
        pixmap = window.grab()
        if not pixmap.save(str(screenshot)):
            _fail(f"cannot write the screenshot {screenshot}")
            return 2
        controller.shutdown()
        if controller.sim is not None and controller.sim.error:
            print(f"hasim: note: the scenario ended with an error: {controller.sim.error}", file=sys.stderr)
        return 0
    _install_excepthook(window)
    window.fit_to_screen()  # the remembered size, else 1280x800 within the screen it opens on
    _stop_on_signals(app, window, stop)
    window.show()
    from PySide6.QtCore import QTimer

    if not opened:
        # a bad working directory: the window stays up with the message; File > Open
        message = errors[-1] if errors else f"cannot open {path}"
        QTimer.singleShot(0, lambda: window.show_error(message + "\nUse File → Open to choose another directory."))
    else:
        if errors:  # opened, with something to say (sections of rules_config or groups skipped)
            QTimer.singleShot(0, lambda: window.show_error("\n".join(errors)))
        paused = controller.why_start_paused()
        if paused:
            QTimer.singleShot(0, lambda: window.statusBar().showMessage(paused, 20000))
        elif speed > 0 and not advance:
            controller.play()
    status = app.exec()
    return stop.exit_status if stop.requested else status


def _stop_on_signals(app, window, stop) -> None:
    """SIGINT, SIGTERM and SIGHUP close the window as its close button does:
    the session gets its end line, the lock is released, a fresh copy is
    removed.  Python runs signal handlers only when it runs: a timer wakes it
    five times a second while Qt waits for events."""
    from PySide6.QtCore import QTimer

    timer = QTimer(app)
    timer.setInterval(200)
    def check() -> None:
        if stop.requested:
            timer.stop()
            window.saving.ask_before_discarding = False  # nobody may be there to answer (a dropped ssh)
            window.close()  # closeEvent shuts the controller down
            app.quit()  # also ends a dialog's event loop

    timer.timeout.connect(check)
    timer.start()
