"""Where the slowest window ticks spend their time (a tool, not a benchmark).

Runs bench (c)'s 32 nodes / 1000 services from power-on with a node failure,
times every tick by phase — engine steps, safety checks, snapshots, timeline
history, view refresh (`show_snapshot`), and the rest of the event loop
(painting) — and prints the slowest ticks with their breakdown.  This is how
the second round of window optimisations was found (README, Performance).

    python bench/profile_window.py [NODES SERVICES [TICKS]]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from _common import machine, median, pct

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

PHASES: dict[str, float] = {}


def timed(name: str, fn):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            PHASES[name] = PHASES.get(name, 0.0) + time.perf_counter() - t0

    return wrapper


def instrument() -> None:
    from hasim.analysis.invariants import InvariantMonitor
    from hasim.simulation import Simulation
    from ui.main_window import MainWindow
    from ui.models.history import History

    Simulation.step_node = timed("engine", Simulation.step_node)
    Simulation.snapshot = timed("snapshot", Simulation.snapshot)
    InvariantMonitor.observe = timed("safety", InvariantMonitor.observe)
    History.record = timed("history", History.record)
    History.record_line = timed("history", History.record_line)
    MainWindow.show_snapshot = timed("views", MainWindow.show_snapshot)


def main() -> None:
    nodes, services = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (32, 1000)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    from bench_window import make_dir

    instrument()
    from PySide6.QtWidgets import QApplication

    from ui.controller import Controller
    from ui.main_window import MainWindow

    path = make_dir(Path(tempfile.mkdtemp()) / "cluster", nodes, services)
    app = QApplication.instance() or QApplication([])
    controller = Controller(speed=100.0)
    window = MainWindow(controller, interactive_errors=False)
    window.resize(1280, 800)
    window.show()
    controller.open(path)
    app.processEvents()
    rows = []
    for i in range(count):
        if i == count // 3:
            controller.submit("power node2 off")
        PHASES.clear()
        t0 = time.perf_counter()
        controller.advance_by(10)
        t1 = time.perf_counter()
        app.processEvents()
        t2 = time.perf_counter()
        phases = {k: v * 1000 for k, v in PHASES.items()}
        phases["event loop"] = (t2 - t1) * 1000 - phases.get("views", 0.0)
        rows.append(((t2 - t0) * 1000, i, controller.sim.time, phases))
    controller.shutdown()
    print(f"machine: {machine()}")
    totals = [r[0] for r in rows]
    print(f"{nodes} nodes / {services} services, {count} ticks at 100x: median {median(totals):.1f} ms, "
          f"p99 {pct(totals, 99):.1f} ms (timing wrappers add a little)")
    print("slowest ticks (ms):")
    for total, i, t, phases in sorted(rows, key=lambda r: -r[0])[:10]:
        parts = ", ".join(f"{k} {v:.1f}" for k, v in sorted(phases.items(), key=lambda kv: -kv[1]) if v >= 0.5)
        print(f"  {total:6.1f}  tick {i:3d} (t={t:5d}): {parts}")


if __name__ == "__main__":
    main()
