"""(c) Window tick and (d) start-up.

(c) One controller tick at 100x (advance 10 virtual seconds + snapshot + view
refresh, offscreen) at 3 nodes/6 VMs and at 32 nodes/1000 services, with a
node failure in the middle: median and p99 milliseconds.  Goal: p99 under
16 ms at 3/6 and under 50 ms at 32/1000.

(d) Process start to first painted window (`hasim gui DIR --offscreen
--screenshot`, which paints the window once and exits) and its peak RSS.
Goal: first window under 1.5 s.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import REPO, machine, median, pct

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def make_dir(path: Path, nodes: int, services: int) -> Path:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_scale import build

    build(path, nodes, services)
    import json

    (path / "cmdlist").write_text(json.dumps([[f"power node{i} on" for i in range(1, nodes + 1)]]))
    return path


def ticks(path: Path, count: int, speed: float = 100.0, warm: bool = False, timer_path: bool = False):
    """Tick durations; with warm=True the cold start (every node powering on
    and starting its share of the services) runs before the measurement.

    By default a tick advances the full 100 ms worth of virtual time whatever
    it costs (`advance_by`: the engine work the goal is about).  With
    timer_path=True it is exactly what the window's timer does
    (`Controller.tick`, at most TICK_BUDGET_MS of engine work, falling behind
    when the engine cannot keep up); the virtual time reached is returned too."""
    from PySide6.QtWidgets import QApplication

    from ui.controller import Controller
    from ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    controller = Controller(speed=speed)
    window = MainWindow(controller, interactive_errors=False)
    window.resize(1280, 800)
    window.show()
    controller.open(path)
    app.processEvents()
    if warm:
        while controller.sim.time < 300 or any(not s.running_on for s in controller.sim.snapshot().services):
            controller.advance_by(speed * 0.1)
            app.processEvents()
    durations = []
    start = controller.sim.time
    for i in range(count):
        if i == count // 3:
            controller.submit("power node2 off")
        t0 = time.perf_counter()
        if timer_path:
            controller.tick(0.1)
        else:
            controller.advance_by(speed * 0.1)  # what one 100 ms tick at this speed does
        app.processEvents()  # the views refresh from the published snapshot
        durations.append((time.perf_counter() - t0) * 1000)
    reached = controller.sim.time - start
    controller.shutdown()
    window.close()
    return (durations, reached) if timer_path else durations


def startup(path: Path, runs: int = 5) -> tuple[list[float], float]:
    times = []
    rss = 0.0
    for _ in range(runs):
        shot = Path(tempfile.mkdtemp()) / "s.png"
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "hasim", "gui", str(path), "--offscreen", "--screenshot", str(shot)],
                       check=True, cwd=REPO, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        times.append(time.perf_counter() - t0)
        rss = max(rss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    return times, rss


def main() -> None:
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        small = make_dir(Path(tmp) / "small", 3, 6)
        big = make_dir(Path(tmp) / "big", 32, 1000)
        for name, path, count in (("3 nodes / 6 VMs", small, 600), ("32 nodes / 1000 services", big, 300)):
            d = ticks(path, count)
            print(f"(c) tick at 100x, {name}, from power-on: median {median(d):.1f} ms, p99 {pct(d, 99):.1f} ms, "
                  f"max {max(d):.1f} ms over {count} ticks")
            d = ticks(path, count, warm=True)
            print(f"(c) tick at 100x, {name}, cluster up (a node failure in the middle): median {median(d):.1f} ms, "
                  f"p99 {pct(d, 99):.1f} ms, max {max(d):.1f} ms over {count} ticks")
        (d, reached) = ticks(big, 300, speed=500, timer_path=True)
        print(f"    beyond the goal: the window's own timer tick at 500x, 32/1000, from power-on (engine work per tick "
              f"capped): median {median(d):.1f} ms, p99 {pct(d, 99):.1f} ms, max {max(d):.1f} ms; "
              f"{reached} virtual s in 300 ticks = {reached / 30:.0f}x reached (asked: 500x)")
        times, rss = startup(small)
        print(f"(d) start to first painted window (3/6, offscreen, incl. saving the picture and exit): "
              f"median {median(times):.2f} s, max {max(times):.2f} s; peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
