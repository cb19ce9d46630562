"""Item 8: clean endings for `hasim run --interactive` and the window.

SIGHUP (a closed terminal or ssh session) used to kill a run without its
session's end line, and the window died on any of the three signals with its
lock file and its temporary copy left behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

from hasim.workdir import DirLock
from hasim.workdir.create import new_workdir
from tests.conftest import REPO
from tests.engine.test_workdir_sessions import wait_for

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


def start(*args: str, env: dict | None = None) -> subprocess.Popen:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env["QT_QPA_PLATFORM"] = "offscreen"
    full_env.update(env or {})
    return subprocess.Popen([sys.executable, "-m", "hasim", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, env=full_env, text=True)  # fmt: skip


def assert_ended_cleanly(proc: subprocess.Popen, sig: int, d) -> None:
    assert proc.wait(30) == 128 + sig
    assert "Traceback" not in proc.stderr.read()
    last = (d / "status" / "session" / "commands").read_text().splitlines()[-1]
    assert " end closed steps=" in last, last
    assert not (d / ".hasim.lock").exists() and DirLock(d).owner() is None


def session_started(d) -> bool:
    commands = d / "status" / "session" / "commands"
    return DirLock(d).owner() is not None and commands.exists() and commands.stat().st_size > 0


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_an_interactive_run_ends_cleanly_on_a_signal(tmp_path, sig):
    d = tmp_path / "w"
    new_workdir(d, 3)
    proc = start("run", "--speed", "100", "--interactive", "-q", str(d))
    try:
        assert wait_for(lambda: session_started(d))
        proc.send_signal(sig)
        assert_ended_cleanly(proc, sig, d)
    finally:
        proc.kill()


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: s.name)
def test_the_window_ends_cleanly_on_a_signal(tmp_path, sig):
    pytest.importorskip("PySide6")
    d = tmp_path / "w"
    new_workdir(d, 3)
    (d / "rules_config").write_text("node-affinity: keep\n\tresources vm:101\n")  # a message box is open meanwhile
    proc = start("gui", "--offscreen", "--speed", "50", str(d))
    try:
        assert wait_for(lambda: session_started(d), timeout=30)
        proc.send_signal(sig)
        assert_ended_cleanly(proc, sig, d)
    finally:
        proc.kill()


def test_the_windows_temporary_copy_goes_with_it(tmp_path):
    pytest.importorskip("PySide6")
    proc = start("--offscreen", env={"TMPDIR": str(tmp_path)})
    try:
        assert wait_for(lambda: any(session_started(p) for p in tmp_path.glob("hasim-*/default")), timeout=30)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 128 + signal.SIGTERM
    finally:
        proc.kill()
    assert not list(tmp_path.iterdir())
