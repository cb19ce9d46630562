"""One owner per working directory.

The lock is an advisory `flock` on the working directory itself, held for
as long as a simulation (or an idle `hasim ha-manager` edit) owns it.  A lock
on the directory cannot be deleted from under its owner: a lock on a file
could — remove the file and a second process would create and lock a new one
beside the first owner.  The kernel drops the lock when its process dies, so
a lock left by a dead process is simply taken over.

`DIR/.hasim.lock` only tells a refused process who the owner is (its pid);
it exists while the directory is owned.  It is hasim's own file and treated
as untrusted all the same: it is never followed through a symbolic link,
never read past a few bytes, never truncated unless it holds a pid, and a
`.hasim.lock` that is a directory, a link, a device or holds anything else is
refused with a message naming it.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

from hasim.workdir.files import write_all

_PID = re.compile(rb"[0-9]{1,10}\n?")
_MAX_LOCK_BYTES = 64


class DirectoryBusy(Exception):
    """Another live hasim process owns the working directory."""


class LockError(OSError):
    """The directory cannot be locked; str() is one line naming what is wrong."""

    def __init__(self, path: Path, problem: str, err: int = errno.EINVAL) -> None:
        super().__init__(err, problem, str(path))
        self.path = str(path)
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


class DirLock:
    """One simulation owns a working directory at a time (see the module doc)."""

    NAME = ".hasim.lock"

    def __init__(self, path: Path) -> None:
        self.dir = Path(path)
        self.path = self.dir / self.NAME
        self._dir_fd: int | None = None
        self._file_ino: tuple[int, int] | None = None

    # -- looking --------------------------------------------------------------------------------
    def owner(self) -> str | None:
        """The pid recorded by a live owner ("unknown" if it recorded none),
        or None if nobody holds the lock."""
        import fcntl

        try:
            fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return self._recorded_pid() or "unknown"
            fcntl.flock(fd, fcntl.LOCK_UN)
            return None
        finally:
            os.close(fd)

    def _recorded_pid(self) -> str | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            data = os.read(fd, _MAX_LOCK_BYTES)
        except OSError:
            return None
        finally:
            os.close(fd)
        return data.decode().strip() if _PID.fullmatch(data) else None

    # -- owning ---------------------------------------------------------------------------------
    def acquire(self, wait: float = 0.0, clock=None) -> None:
        """Own the directory, or raise DirectoryBusy (another owner, after
        waiting up to `wait` seconds of `clock`, a hasim.clock.WaitClock, for
        it to finish) or LockError/OSError (the directory or its `.hasim.lock`
        cannot be used).  Nothing is left behind when it fails."""
        import fcntl

        if self._dir_fd is not None:
            return
        if wait > 0 and clock is None:
            raise ValueError("waiting for the lock needs a clock")
        try:
            fd = os.open(self.dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except NotADirectoryError:
            raise LockError(self.dir, "not a directory", errno.ENOTDIR) from None
        except OSError as err:
            raise LockError(self.dir, f"cannot lock: {err.strerror or err}", err.errno or errno.EIO) from None
        deadline = clock.now() + wait if wait > 0 else None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is None or clock.now() >= deadline:
                    os.close(fd)
                    holder = self._recorded_pid() or "unknown"
                    raise DirectoryBusy(
                        f"{self.dir}: in use by another hasim (pid {holder}); "
                        "close it first, or use `hasim ha-manager` to send it commands"
                    ) from None
                clock.sleep(0.02)
            except OSError as err:
                os.close(fd)
                raise LockError(self.dir, f"cannot lock: {err.strerror or err}", err.errno or errno.EIO) from None
        try:
            self._file_ino = self._record_pid()
        except BaseException:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise
        self._dir_fd = fd

    def _record_pid(self) -> tuple[int, int]:
        """Write our pid into `.hasim.lock` (we hold the directory lock, so a
        pid found there is a dead owner's).  Refuses anything that is not a
        lock file of hasim's; removes the file again if writing fails."""
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            st = None
        if st is not None and not stat.S_ISREG(st.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            raise LockError(self.path, f"is {kind}, not hasim's lock file: remove it, then try again", errno.EEXIST)
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
        except OSError as err:
            if err.errno == errno.ELOOP:
                raise LockError(self.path, "is a symbolic link, not hasim's lock file: remove it, then try again", errno.EEXIST) from None
            raise LockError(self.path, f"cannot create: {err.strerror or err}", err.errno or errno.EIO) from None
        created = st is None
        try:
            fst = os.fstat(fd)
            if not stat.S_ISREG(fst.st_mode):
                raise LockError(self.path, "is not a regular file, not hasim's lock file: remove it, then try again", errno.EEXIST)
            old = os.read(fd, _MAX_LOCK_BYTES + 1)
            if old and not _PID.fullmatch(old):
                raise LockError(self.path, "holds something other than a process id, not hasim's lock file: "
                                "remove it, then try again", errno.EEXIST)  # fmt: skip
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)  # the read moved past a dead owner's pid: NULs before ours else
            write_all(fd, f"{os.getpid()}\n".encode(), self.path)
            return fst.st_dev, fst.st_ino
        except OSError as err:
            if created or not isinstance(err, LockError):
                _unlink_if(self.path, fd)
            if isinstance(err, LockError):
                raise
            raise LockError(self.path, f"cannot write: {err.strerror or err}", err.errno or errno.EIO) from None
        finally:
            os.close(fd)

    def release(self) -> None:
        import fcntl

        if self._dir_fd is None:
            return
        try:
            st = os.lstat(self.path)
            if (st.st_dev, st.st_ino) == self._file_ino:
                os.unlink(self.path)
        except OSError:
            pass  # already gone, or replaced by something that is not ours: leave it
        fcntl.flock(self._dir_fd, fcntl.LOCK_UN)
        os.close(self._dir_fd)
        self._dir_fd = None
        self._file_ino = None

    @property
    def held(self) -> bool:
        return self._dir_fd is not None

    def __enter__(self) -> DirLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _unlink_if(path: Path, fd: int) -> None:
    """Remove `path` if it is still the file open as `fd`."""
    try:
        a, b = os.fstat(fd), os.lstat(path)
        if (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino):
            os.unlink(path)
    except OSError:
        pass
