"""Item 1: whole writes or none.

A nearly full disk used to make `hasim ha-manager DIR add` and the window's
Save replace a file with its first 4096 bytes and report success; a short
`os.write` was never completed.  Now every file is written whole or not at
all, the user is told which file, and log and session lines are never left
half-written.
"""

from __future__ import annotations

import json
import os
import shutil

import pytest

from hasim.simulation import Simulation
from hasim.workdir import atomic_write, load_scenario
from hasim.workdir.create import new_workdir
from hasim.workdir.files import WriteError, append_whole, write_files
from hasim.workdir.live import save
from tests.trust_support import fill, inputs_of, leftovers, one_clean_line, run_hasim, tiny_disk  # noqa: F401


def big_workdir(path, services=400):
    """A working directory whose service_config is much larger than a page."""
    new_workdir(path, 3)
    sc = {f"vm:{1000 + i}": {"node": f"node{i % 3 + 1}", "state": "started", "comment": "x" * 20} for i in range(services)}
    atomic_write(path / "service_config", json.dumps(sc, indent=4) + "\n")
    return path


def test_a_short_write_is_completed(tmp_path, monkeypatch):
    real_write = os.write
    monkeypatch.setattr(os, "write", lambda fd, data: real_write(fd, bytes(data[:3])))  # three bytes at a time
    atomic_write(tmp_path / "f", "0123456789" * 100)
    monkeypatch.undo()
    assert (tmp_path / "f").read_text() == "0123456789" * 100


def test_atomic_write_on_a_full_disk_keeps_the_file_and_names_it(tiny_disk):
    target = tiny_disk / "service_config"
    target.write_text("old content\n")
    fill(tiny_disk, free=4096)
    with pytest.raises(WriteError) as caught:
        atomic_write(target, "new " * 20000)
    assert str(caught.value) == f"{target}: cannot write: No space left on device"
    assert target.read_text() == "old content\n"
    assert leftovers(tiny_disk) == []


def test_several_files_are_written_all_or_none(tiny_disk):
    (tiny_disk / "a").write_text("old a\n")
    (tiny_disk / "b").write_text("old b\n")
    fill(tiny_disk, free=8192)
    with pytest.raises(WriteError):
        write_files(tiny_disk, {"a": "new a\n", "b": "b" * 100_000})
    assert (tiny_disk / "a").read_text() == "old a\n" and (tiny_disk / "b").read_text() == "old b\n"
    assert leftovers(tiny_disk) == []


def test_ha_manager_add_on_a_full_disk_changes_nothing_and_says_so(tiny_disk):
    d = big_workdir(tiny_disk / "w")
    before = inputs_of(d)
    fill(tiny_disk, free=4096)
    res = run_hasim("ha-manager", str(d), "add", "vm:107", "--node", "node2")
    assert res.returncode == 2
    line = one_clean_line(res.stderr)
    assert f"{d}/service_config: cannot write: No space left on device" in line
    assert "updated" not in res.stdout
    assert inputs_of(d) == before
    assert leftovers(d) == [] and not (d / ".hasim.lock").exists()
    load_scenario(d)


def test_save_on_a_full_disk_changes_nothing(tiny_disk):
    d = big_workdir(tiny_disk / "w")
    sim = Simulation(load_scenario(d))
    sim.submit("service vm:1001 stopped")
    for _ in range(60):
        sim.step_node()
    before = inputs_of(d)
    fill(tiny_disk, free=4096)
    with pytest.raises(WriteError) as caught:
        save(sim, d)
    assert "cannot write: No space left on device" in str(caught.value)
    assert inputs_of(d) == before and leftovers(d) == []


def test_a_run_on_a_filling_disk_stops_with_a_message_and_whole_lines(tiny_disk):
    """Wherever the disk runs full — status files, session, log — the run
    ends with one line naming the file, and every line written is whole."""
    d = tiny_disk / "w"
    new_workdir(d, 3)
    flapping = [[f"network node{i % 3 + 1} {state}"] for i in range(40) for state in ("off", "on")]
    atomic_write(d / "cmdlist", json.dumps([["power node1 on", "power node2 on", "power node3 on"], *flapping]))
    before = inputs_of(d)
    stopped_midway = 0
    for pages in range(4, 40, 3):
        (tiny_disk / "filler").unlink(missing_ok=True)
        shutil.rmtree(d / "status", ignore_errors=True)
        fill(tiny_disk, free=pages * 4096)
        res = run_hasim("run", "-q", str(d))
        if res.returncode == 0:
            assert (d / "status" / "log").read_text().endswith("exit simulation - done\n")
            continue
        assert res.returncode == 2, res.stderr
        line = one_clean_line(res.stderr)
        assert f"{d}/status" in line and "cannot write: No space left on device" in line, line
        for name in ("log", "session/commands"):
            path = d / "status" / name
            if path.exists():
                text = path.read_bytes()
                assert text == b"" or text.endswith(b"\n"), (pages, name, text[-80:])
        stopped_midway += "the run stopped at" in line
        assert inputs_of(d) == before and not (d / ".hasim.lock").exists()
    assert stopped_midway, "no run got far enough to stop in the middle"


def test_an_interrupted_append_leaves_no_half_line(tmp_path, monkeypatch):
    path = tmp_path / "log"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    append_whole(fd, b"first line\n", path)
    real_write = os.write
    calls = []

    def failing(fd_, data):
        calls.append(len(data))
        if len(calls) > 1:
            raise OSError(28, "No space left on device")
        return real_write(fd_, bytes(data[:5]))

    monkeypatch.setattr(os, "write", failing)
    with pytest.raises(WriteError):
        append_whole(fd, b"second line\n", path)
    monkeypatch.undo()
    os.close(fd)
    assert path.read_bytes() == b"first line\n"
