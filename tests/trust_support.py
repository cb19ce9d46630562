"""What the data-safety tests share: a nearly full disk, a user without
root's powers, and a look at a directory's inputs.

A full disk is a small tmpfs (mounting needs root; CI runs as root).  A
"user" is root without the capabilities that bypass permission bits
(`setpriv --bounding-set`): the interpreter lives below /root, which another
uid cannot reach, and permission bits then apply as they do to any user.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

AS_USER = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"]


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs; `fill(disk, free=N)` leaves N bytes free on it."""
    if os.geteuid() != 0:
        pytest.skip("a full disk is a small tmpfs, and mounting one needs root")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill(disk: Path, free: int = 0) -> None:
    """Fill `disk` up, then give `free` bytes back (whole pages)."""
    filler = disk / "filler"
    with open(filler, "ab", buffering=0) as f:
        with contextlib.suppress(OSError):
            while True:
                f.write(b"\0" * 4096)
    size = filler.stat().st_size
    os.truncate(filler, max(0, size - free))
    probe = disk / ".probe"
    try:  # the last page may be reserved for metadata: check what is free now
        probe.write_bytes(b"x")
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        probe.unlink(missing_ok=True)


def as_user_available() -> bool:
    return os.geteuid() == 0 and shutil.which("setpriv") is not None


def hasim_cmd(*args: str, user: bool = False) -> list[str]:
    cmd = [sys.executable, "-m", "hasim", *args]
    return [*AS_USER, *cmd] if user and as_user_available() else cmd


def run_hasim(*args: str, user: bool = False, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ)
    full_env["PYTHONPATH"] = str(REPO) + os.pathsep + full_env.get("PYTHONPATH", "")
    full_env.update(env or {})
    return subprocess.run(hasim_cmd(*args, user=user), capture_output=True, text=True, env=full_env, timeout=timeout,
                          stdin=subprocess.DEVNULL)  # fmt: skip


def inputs_of(d: Path) -> dict[str, str]:
    """What the user's files are: a hash per input file (status/ and the lock aside)."""
    out = {}
    for p in sorted(d.iterdir()):
        if p.name in ("status", ".hasim.lock"):
            continue
        if p.is_symlink() or not p.is_file():
            out[p.name] = f"kind {os.lstat(p).st_mode:o}"
        else:
            try:
                out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
            except OSError as err:
                out[p.name] = f"unreadable {err.errno}"
    return out


def one_clean_line(stderr: str) -> str:
    """The message of a refused command: no traceback, one line."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def leftovers(d: Path) -> list[str]:
    """Hidden temporary files an interrupted write could leave."""
    return sorted(p.name for p in d.rglob(".*.tmp"))
