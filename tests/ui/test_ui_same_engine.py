"""The window's engine is the batch engine: same scenario, same log bytes."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.ui.conftest import REPO, UPSTREAM

SCENARIOS = ["test-basic1", "test-reboot1", "test-crs-static-rebalance1"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_controller_and_hasim_run_write_the_same_log(qtbot, tmp_path, name):
    from ui.controller import Controller

    source = UPSTREAM / name
    if not source.is_dir():
        pytest.skip(f"{source} is not available")
    batch_dir, gui_dir = tmp_path / "batch", tmp_path / "gui"
    for d in (batch_dir, gui_dir):
        shutil.copytree(source, d, ignore=shutil.ignore_patterns("status"))

    run = subprocess.run([sys.executable, "-m", "hasim", "run", "-q", str(batch_dir)], cwd=REPO,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    batch_log = (batch_dir / "status" / "log").read_text()
    last = batch_log.splitlines()[-1]
    assert last.endswith("hardware: exit simulation - done")
    end_time = int(last.split()[1])

    controller = Controller(speed=0)
    assert controller.open(gui_dir)
    # drive it like a person: steps, a "next change", then time in chunks
    controller.step()
    controller.run_to_next_change()
    while controller.snapshot.time < end_time - 1:
        controller.advance_to(min(end_time - 1, controller.snapshot.time + 37))
    controller.shutdown()
    gui_log = "".join(line.render() for line in controller.sim.log_lines)
    # the window never ends the run by itself: everything but the batch's final line
    assert gui_log == batch_log[: batch_log.rindex(last)]
    assert (gui_dir / "status" / "log").read_text() == gui_log
    if (source / "log.expect").exists():
        assert batch_log == (source / "log.expect").read_text()
