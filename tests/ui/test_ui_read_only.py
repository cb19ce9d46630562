"""Read-only means read-only: any directory opens, nothing is written into it,
and the previous run's session and log stay as they were."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys

import pytest

from tests.conftest import REPO
from tests.ui.conftest import make_workdir


def tree(path) -> dict[str, str]:
    """Every file and folder under `path`, hidden ones included, with its content hash."""
    out = {}
    for p in sorted(path.rglob("*")):
        rel = str(p.relative_to(path))
        out[rel] = hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
    return out


def ran_before(tmp_path):
    """A directory with a previous run: its status/log and session exist."""
    d = make_workdir(tmp_path, '[["power node1 on", "power node2 on", "power node3 on"]]')
    run = subprocess.run([sys.executable, "-m", "hasim", "run", "-q", str(d)], cwd=REPO, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert (d / "status" / "log").stat().st_size > 0 and (d / "status" / "session" / "commands").exists()
    return d


def test_read_only_writes_nothing_and_keeps_the_previous_session(qtbot, make_window, tmp_path):
    d = ran_before(tmp_path)
    before = tree(d)
    window, controller = make_window(d, read_only=True)
    controller.advance_to(300)
    assert controller.snapshot.time >= 300
    assert controller.submit("power node1 off") is not None  # refused
    controller.shutdown()
    assert tree(d) == before  # no lock, no status/ recreated, no session, no inbox


@pytest.mark.skipif(os.geteuid() != 0, reason="a read-only bind mount needs root")
def test_read_only_opens_a_read_only_mount(qtbot, make_window, tmp_path):
    d = ran_before(tmp_path)
    before = tree(d)
    subprocess.run(["mount", "--bind", str(d), str(d)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(d)], check=True)
        with pytest.raises(OSError):
            (d / "probe").write_text("x")  # the mount really is read-only
        window, controller = make_window(d, read_only=True)
        controller.advance_to(200)
        assert controller.snapshot.node("node1").power == "on"
        controller.shutdown()
    finally:
        subprocess.run(["umount", str(d)], check=True)
    assert tree(d) == before
