"""One owner per working directory."""

from __future__ import annotations

import os
from pathlib import Path


class DirectoryBusy(Exception):
    """Another live hasim process owns the working directory."""


class DirLock:
    """One simulation owns a working directory at a time.

    The lock is an advisory `flock` on `DIR/.hasim.lock`, which also records
    the owner's pid for the refusal message.  The kernel drops the lock when
    its process dies, so a lock left by a dead process is simply taken over.
    The file exists only while a simulation runs: the owner removes it when
    it is done (and re-checks after locking that the file it locked is still
    the one in the directory, so a concurrent removal cannot give two owners).
    """

    NAME = ".hasim.lock"

    def __init__(self, path: Path) -> None:
        self.path = Path(path) / self.NAME
        self._fd: int | None = None

    def owner(self) -> str | None:
        """The pid recorded by a live owner, or None if nobody holds the lock."""
        import fcntl

        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return os.read(fd, 64).decode(errors="replace").strip() or "unknown"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def acquire(self) -> None:
        import fcntl

        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.read(fd, 64).decode(errors="replace").strip() or "unknown"
                os.close(fd)
                raise DirectoryBusy(
                    f"{self.path.parent}: in use by another hasim (pid {holder}); "
                    "close it first, or use `hasim ha-manager` to send it commands"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                break
            os.close(fd)  # the previous owner removed it meanwhile: try again
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        import fcntl

        if self._fd is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DirLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
