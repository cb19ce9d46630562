"""Items 2 and 3: the lock never reaches outside; one owner for every writer.

`DIR/.hasim.lock` was opened with O_CREAT and truncated whatever it was: a
symbolic link there made `hasim run` create or overwrite the link's target
with a pid.  Deleting the file while a simulation ran let a second owner in,
and two idle `hasim ha-manager add` could both print "updated" while one
edit was lost.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from hasim.workdir import DirLock, DirectoryBusy
from hasim.workdir.create import new_workdir
from tests.engine.test_workdir_sessions import popen_hasim, wait_for
from tests.trust_support import fill, inputs_of, one_clean_line, run_hasim, tiny_disk  # noqa: F401


@pytest.fixture
def workdir(tmp_path):
    new_workdir(tmp_path / "w", 3)
    return tmp_path / "w"


def test_a_symlink_as_lock_is_never_followed(tmp_path, workdir):
    outside = tmp_path / "precious"
    outside.write_text("the user's data\n")
    (workdir / ".hasim.lock").symlink_to(outside)
    missing = tmp_path / "created-through-the-link"
    res = run_hasim("run", "-q", str(workdir))
    assert res.returncode == 2
    assert ".hasim.lock" in one_clean_line(res.stderr) and "symbolic link" in res.stderr
    assert outside.read_text() == "the user's data\n"
    (workdir / ".hasim.lock").unlink()
    (workdir / ".hasim.lock").symlink_to(missing)
    assert run_hasim("run", "-q", str(workdir)).returncode == 2
    assert not missing.exists()
    assert (workdir / ".hasim.lock").is_symlink()  # left as the user made it


@pytest.mark.parametrize("kind", ["directory", "garbage", "fifo"])
def test_a_lock_that_is_not_hasims_is_named_and_kept(workdir, kind):
    lock = workdir / ".hasim.lock"
    if kind == "directory":
        lock.mkdir()
    elif kind == "garbage":
        lock.write_bytes(b"my notes, not a pid\n")
    else:
        os.mkfifo(lock)
    res = run_hasim("run", "-q", str(workdir), timeout=20)
    assert res.returncode == 2
    line = one_clean_line(res.stderr)
    assert f"{workdir}/.hasim.lock" in line and "remove it" in line
    if kind == "garbage":
        assert lock.read_bytes() == b"my notes, not a pid\n"
    assert not (workdir / "status").exists()  # nothing started


def test_deleting_the_lock_file_lets_no_second_owner_in(workdir):
    proc = popen_hasim("run", "--speed", "50", "--interactive", "-q", str(workdir))
    try:
        assert wait_for(lambda: DirLock(workdir).owner() is not None)
        (workdir / ".hasim.lock").unlink()
        res = run_hasim("run", "-q", str(workdir))
        assert res.returncode == 2 and "in use by another hasim" in one_clean_line(res.stderr)
        with pytest.raises(DirectoryBusy):
            DirLock(workdir).acquire()
    finally:
        proc.terminate()
        proc.wait(10)


def test_a_failed_lock_leaves_no_lock_file(tiny_disk):
    d = tiny_disk / "w"
    new_workdir(d, 3)
    fill(tiny_disk, free=0)
    res = run_hasim("run", "-q", str(d))
    assert res.returncode == 2
    assert ".hasim.lock" in one_clean_line(res.stderr)
    assert not (d / ".hasim.lock").exists() and DirLock(d).owner() is None


def test_an_idle_edit_waits_for_the_owner_and_reads_after_it(workdir):
    """The edit reads the directory under the lock: a change made by the
    previous owner is kept, not overwritten by a copy read before it."""
    lock = DirLock(workdir)
    lock.acquire()
    proc = popen_hasim("ha-manager", str(workdir), "add", "vm:900", "--node", "node2")
    try:
        time.sleep(0.8)  # the edit is waiting for the lock now
        sc = json.loads((workdir / "service_config").read_text())
        sc["vm:800"] = {"node": "node1", "state": "started"}
        (workdir / "service_config").write_text(json.dumps(sc))
    finally:
        lock.release()
    assert proc.wait(20) == 0, proc.stderr.read()
    final = json.loads((workdir / "service_config").read_text())
    assert "vm:800" in final and "vm:900" in final


def test_concurrent_idle_edits_lose_nothing(workdir):
    sids = [f"vm:{500 + i}" for i in range(6)]
    procs = [popen_hasim("ha-manager", str(workdir), "add", sid) for sid in sids]
    codes = [p.wait(60) for p in procs]
    final = json.loads((workdir / "service_config").read_text())
    for sid, code in zip(sids, codes):
        assert code == 0
        assert sid in final, f"{sid} was reported updated but is not in service_config"


def test_run_takes_the_lock_before_reading_its_inputs(workdir):
    """A directory being edited is not read half-way: `hasim run` is refused
    while another process owns it, before looking at its files."""
    (workdir / "service_config").write_text("{broken")
    with DirLock(workdir):
        res = run_hasim("run", "-q", str(workdir))
    assert res.returncode == 2 and "in use by another hasim" in one_clean_line(res.stderr)


def test_a_dead_owners_lock_is_taken_over_with_our_pid_alone(workdir):
    """The pid left by an owner killed with -9 was read (moving the file
    offset past it), the file truncated and our pid written at that offset:
    NUL bytes before it.  The next owner after a second unclean end then
    found "something other than a process id" and refused the directory."""
    lock_file = workdir / DirLock.NAME
    lock_file.write_text("4194303\n")  # a dead owner's (no flock held)
    first = DirLock(workdir)
    first.acquire()
    assert lock_file.read_bytes() == f"{os.getpid()}\n".encode()
    os.close(first._dir_fd)  # this owner ends uncleanly too: its file stays, the kernel drops the flock
    second = DirLock(workdir)
    second.acquire()  # taken over again, not refused
    try:
        assert lock_file.read_bytes() == f"{os.getpid()}\n".encode()
    finally:
        second.release()
    assert not lock_file.exists()


def test_waiting_for_the_lock_follows_the_clock_it_is_given(workdir):
    """No wall clock below the command line: a wait for a busy directory
    runs on the clock the caller hands in (here one that only moves when
    slept on) and ends with the owner named once it has passed."""
    from hasim.clock import WaitClock

    owner = DirLock(workdir)
    owner.acquire()
    try:
        moments = [0.0]
        clock = WaitClock(lambda: moments[0], lambda s: moments.__setitem__(0, moments[0] + s), lambda: 0)
        with pytest.raises(DirectoryBusy, match=f"pid {os.getpid()}"):
            DirLock(workdir).acquire(wait=5.0, clock=clock)
        assert 5.0 <= moments[0] < 5.1  # slept in small steps until the wait was over
        with pytest.raises(ValueError, match="needs a clock"):
            DirLock(workdir).acquire(wait=5.0)
    finally:
        owner.release()
