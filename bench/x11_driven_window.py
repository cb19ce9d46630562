"""The hasim window, driven from outside through a control directory (for bench_x11).

    python3 bench/x11_driven_window.py CTL_DIR WORKDIR [--size WxH]

Starts the window exactly as `hasim gui WORKDIR --speed 0` does (paused), then
every 100 ms reads CTL_DIR/cmd (one command per line, the file is removed once
read) and does what a person would do with the mouse:

    power NODE        click NODE's Power switch
    network NODE      click NODE's Network switch
    speed X           choose X× in the speed box
    run | pause       the Run/Pause button

After every command and once a second it writes CTL_DIR/state.json: the
virtual time and each service's state and node, so the benchmark knows when
the cluster is steady or recovered.  None of this draws anything: the X11
traffic measured is the window's own.  `paints` writes CTL_DIR/paints.json:
the area (pixels) each widget class repainted since the last `paints`, to
see which areas the bytes come from.  Works with any checkout of the window
(today's main or a branch): it only uses what a click uses.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path


def _window():
    from PySide6.QtWidgets import QApplication

    from ui.main_window import MainWindow

    return next((w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)), None)


def _do(window, line: str) -> None:
    words = line.split()
    if not words:
        return
    verb, rest = words[0], words[1:]
    if verb in ("power", "network"):
        card = window.nodes_panel.card(rest[0])
        getattr(card, verb).click()
    elif verb == "speed":
        index = window.speed_combo.findData(float(rest[0]))
        window.speed_combo.setCurrentIndex(index)
    elif verb == "run" and not window.controller.running:
        window.play_action.trigger()
    elif verb == "pause" and window.controller.running:
        window.play_action.trigger()
    elif verb == "paints":
        Path(window.property("benchCtl")).joinpath("paints.json").write_text(
            json.dumps(sorted(PAINTS.items(), key=lambda kv: -kv[1])))
        PAINTS.clear()


PAINTS: dict[str, int] = {}
TRACE = os.environ.get("HASIM_BENCH_TRACE")


def _paint_counter():
    """An application event filter adding up repainted pixels per widget class."""
    from PySide6.QtCore import QEvent, QObject

    class Counter(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and obj.isWidgetType():
                area = sum(r.width() * r.height() for r in event.region())
                parent, named = obj.parentWidget(), None
                while parent is not None and named is None:
                    named = parent.objectName() or None
                    parent = parent.parentWidget()
                name = f"{type(obj).__name__}:{obj.objectName()} in {named}"
                PAINTS[name] = PAINTS.get(name, 0) + area
                if TRACE and TRACE in name:  # HASIM_BENCH_TRACE=logView: each paint on stderr
                    print(f"paint {time.monotonic():.2f} {name} {event.rect().getRect()}", file=sys.stderr)
            return False

    return Counter()


def _write_state(window, ctl: Path) -> None:
    snap = window.controller.snapshot
    state = {"time": 0, "services": {}, "nodes": {}}
    if snap is not None:
        state["time"] = snap.time
        state["services"] = {s.sid: [s.state, s.node, bool(s.running_on)] for s in snap.services}
        state["nodes"] = {n.name: [n.power, n.network, n.manager_state] for n in snap.nodes}
    tmp = ctl / "state.json.tmp"
    tmp.write_text(json.dumps(state))
    tmp.replace(ctl / "state.json")


def _poll(ctl: Path, size) -> None:
    window = _window()
    if window is None:
        return
    window.setProperty("benchCtl", str(ctl))
    if size is not None and not getattr(_poll, "sized", False):
        window.resize(*size)
        _poll.sized = True
    cmd = ctl / "cmd"
    if cmd.exists():
        lines = cmd.read_text().splitlines()
        cmd.unlink()
        for line in lines:
            _do(window, line)
        _write_state(window, ctl)
    _poll.count = getattr(_poll, "count", 0) + 1
    if _poll.count % 10 == 0:
        _write_state(window, ctl)


def main(argv: list[str]) -> int:
    ctl, workdir = Path(argv[0]), argv[1]
    size = None
    if len(argv) > 3 and argv[2] == "--size":
        size = tuple(int(v) for v in argv[3].split("x"))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    import argparse

    import ui.app

    app = QApplication(sys.argv[:1])
    counter = _paint_counter()
    app.installEventFilter(counter)
    timer = QTimer()
    timer.setInterval(100)
    timer.timeout.connect(lambda: _poll(ctl, size))
    timer.start()
    # what `hasim gui WORKDIR --speed 0` passes (ui.app reads these attributes;
    # no parser here, so any revision of the engine's command line will do)
    args = argparse.Namespace(dir=workdir, speed=0.0)
    code = ui.app.main(args)
    del app
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
