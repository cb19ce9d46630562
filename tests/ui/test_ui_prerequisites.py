"""No display, no abort: `hasim` checks the display and the xcb libraries
before Qt starts and exits 2 with the doctor's one-line fix; `hasim doctor`
never ends with "everything is in place" when the window cannot open.

Qt itself, given no display or one that does not answer, prints "Reinstalling
the application may fix this problem" and aborts the interpreter (SIGABRT,
exit 134): these tests run the real command in a subprocess to see the exit.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ui.conftest import REPO, make_workdir
from ui import doctor, prerequisites

DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def hasim(*args, **env) -> subprocess.CompletedProcess:
    """`hasim ARGS` with the display variables of this process removed and `env` set."""
    full = {k: v for k, v in os.environ.items() if k not in DISPLAY_VARS}
    full.update(env)
    return subprocess.run([sys.executable, "-m", "hasim", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=120, env=full)


def unused_display() -> str:
    """An X display number nobody serves here (no socket, no abstract socket)."""
    taken = Path("/proc/net/unix").read_text() if Path("/proc/net/unix").exists() else ""
    for n in range(87, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and f"/tmp/.X11-unix/X{n}\n" not in taken:
            return f":{n}"
    pytest.skip("no free X display number")


# -- `hasim`: a line and exit 2 instead of SIGABRT --------------------------------------------------


@pytest.mark.parametrize("args", [(), ("gui",), ("--scenario", "node-failure")])
def test_without_a_display_hasim_says_how_to_fix_it_and_exits_2(args):
    result = hasim(*args)
    assert result.returncode == 2, (result.returncode, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]], "one line"
    assert lines[0].startswith("hasim: the window cannot open: no display: neither DISPLAY nor WAYLAND_DISPLAY is set.")
    assert "ssh -X" in lines[0] and "xvfb-run -a hasim" in lines[0] and "--offscreen" in lines[0]
    assert "Reinstalling" not in result.stderr and "Traceback" not in result.stderr


def test_a_display_nobody_answers_at_is_named_with_the_fix():
    display = unused_display()
    result = hasim(DISPLAY=display)
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1
    assert f"hasim: the window cannot open: cannot connect to the X display '{display}'" in result.stderr
    assert "no X server answers there" in result.stderr and "Fix: check DISPLAY" in result.stderr


def test_a_dead_ssh_tunnel_display_is_named_too():
    """ssh -X sets DISPLAY=localhost:10.0 (TCP 6010); a port nobody listens on refuses at once."""
    result = hasim(DISPLAY="localhost:57")
    assert result.returncode == 2
    assert "cannot connect to the X display 'localhost:57'" in result.stderr


def test_offscreen_needs_no_display(tmp_path):
    wd = make_workdir(tmp_path)
    out = tmp_path / "shot.png"
    result = hasim("gui", str(wd), "--offscreen", "--screenshot", str(out))
    assert result.returncode == 0, result.stderr
    assert out.exists()


# -- `hasim doctor`: the same findings, and a failing summary ----------------------------------------


def test_doctor_without_a_display_fails_and_does_not_say_everything_is_in_place():
    result = hasim("doctor")
    assert result.returncode == 1
    out = result.stdout
    assert "FAIL  no display: neither DISPLAY nor WAYLAND_DISPLAY is set" in out
    assert "xvfb-run -a hasim" in out
    assert "Everything the window needs is in place" not in out
    assert out.strip().splitlines()[-1].startswith("Some checks FAILED: the window cannot open here")


def test_doctor_with_a_display_nobody_answers_at_fails():
    display = unused_display()
    result = hasim("doctor", DISPLAY=display)
    assert result.returncode == 1
    assert f"FAIL  cannot connect to the X display '{display}'" in result.stdout
    assert "Everything the window needs is in place" not in result.stdout


def test_doctor_and_hasim_give_the_same_fix(monkeypatch):
    problem = prerequisites.display_problem({})
    out = io.StringIO()
    assert doctor.main(env={}, out=out) == 1
    assert f"FAIL  {problem.what}\n      fix: {problem.fix}\n" in out.getvalue()
    assert problem.line() == (f"the window cannot open: {problem.what}. Fix: {problem.fix} "
                              "(`hasim doctor` checks everything)")


def test_doctor_passes_with_a_display_that_answers(monkeypatch):
    monkeypatch.setattr(prerequisites, "x_connect_error", lambda display: None)
    monkeypatch.setattr(prerequisites, "missing_libraries", lambda paths: [])
    out = io.StringIO()
    assert doctor.main(env={"DISPLAY": ":0"}, out=out) == 0
    assert "ok    DISPLAY=:0 (the X server accepts a connection)" in out.getvalue()
    assert out.getvalue().strip().splitlines()[-1].startswith("Everything the window needs is in place")


# -- the checks themselves --------------------------------------------------------------------------


def test_missing_xcb_libraries_come_first_with_the_apt_line(monkeypatch):
    monkeypatch.setattr(prerequisites, "missing_libraries", lambda paths: ["libxcb-cursor.so.0", "libQt6Gui.so.6"])
    problems = prerequisites.window_problems({})
    assert [p.what for p in problems] == [
        "the X11 (xcb) platform plugin cannot load; missing: libxcb-cursor.so.0",  # Qt's own libraries do not count
        "no display: neither DISPLAY nor WAYLAND_DISPLAY is set",
    ]
    assert problems[0].fix == "apt-get install -y libxcb-cursor0"


def test_headless_platforms_need_nothing(monkeypatch):
    monkeypatch.setattr(prerequisites, "missing_libraries", lambda paths: ["libxcb-cursor.so.0"])
    for platform in ("offscreen", "minimal", "vnc"):
        assert prerequisites.window_problems({"QT_QPA_PLATFORM": platform}) == []


def test_wayland_without_its_socket_is_a_problem(tmp_path):
    env = {"WAYLAND_DISPLAY": "wayland-1", "XDG_RUNTIME_DIR": str(tmp_path)}
    assert "no Wayland compositor" in prerequisites.window_problems(env)[0].what
    (tmp_path / "wayland-1").touch()
    assert prerequisites.window_problems(env) == []


def test_an_x_server_that_never_answers_does_not_hang_hasim(monkeypatch):
    monkeypatch.setattr(prerequisites, "_xcb_connect", lambda display: time.sleep(3) or 0)
    start = time.monotonic()
    assert prerequisites.x_connect_error("far:0", timeout=0.2) == "no answer within 0.2 s"
    assert time.monotonic() - start < 2
