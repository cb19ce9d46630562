"""Canary for the PySide6 versions that abort the interpreter (DESIGN.md pitfalls).

PySide6 6.12.0 on CPython 3.11 crashes in a plain signal-emit loop and in
pyqtgraph setData loops; the pinned 6.11.3 does not.  If this test dies, the
Qt binding is a bad one: pin a known-good version.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal


class Emitter(QObject):
    ping = Signal(int)


def test_twenty_thousand_signal_emits(qtbot):
    emitter = Emitter()
    received = []
    emitter.ping.connect(received.append)
    for i in range(20000):
        emitter.ping.emit(i)
    assert len(received) == 20000 and received[-1] == 19999


def test_hundreds_of_pyqtgraph_set_data_calls(qtbot):
    pg.setConfigOptions(useOpenGL=False)
    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    curve = widget.plot()
    x = np.arange(200, dtype=float)
    for i in range(400):
        curve.setData(x, np.sin(x / 10.0 + i))
    assert curve.getData()[0].shape == (200,)
