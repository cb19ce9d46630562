"""Reading and writing a working directory's files: whole or not at all.

A working directory is the user's data.  Three rules keep it safe:

* **Writes are whole or not at all.**  `atomic_write` writes a hidden
  temporary file beside the target, loops until every byte is written
  (`os.write` may write less than asked, for instance on a nearly full disk),
  fsyncs it, renames it over the target and fsyncs the directory.  On any
  error the target keeps its old content, the temporary file is removed and
  a `WriteError` names the file.  `write_files` does the same for several
  files at once: all of them are written before any is renamed, so a failure
  changes none of them.
  `durable=False` skips the two fsyncs (the content is still whole or
  absent after a crash of the process, only not after a power loss): for
  `status/`, which every start recreates and which is nobody's only copy —
  the fsyncs made a batch run 2.5 times slower.
* **Appended lines are whole.**  `append_whole` writes a log or session line
  completely or cuts the file back to where it was.
* **Only regular files are read.**  `read_regular` opens without following a
  symbolic link and without blocking, and checks with `fstat` that it got a
  regular file of sensible size *before* reading a byte: a FIFO, a device, a
  directory or a link to `/dev/zero` is refused, never read.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from _thread import get_ident  # threading's own, without loading threading
from collections.abc import Mapping
from pathlib import Path

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

MAX_INPUT_BYTES = 64 << 20  # no working-directory file is this large; a bigger one is not hasim's


class WriteError(OSError):
    """A file could not be written; nothing of it changed.  str() is one line
    naming the file."""

    def __init__(self, path: Path | str, err: OSError) -> None:
        super().__init__(err.errno, err.strerror or str(err), str(path))
        self.path = str(path)

    def __str__(self) -> str:
        return f"{self.path}: cannot write: {self.strerror}"


class ReadError(OSError):
    """A file that hasim refuses to read (not a regular file, too big, unreadable)."""

    def __init__(self, path: Path | str, problem: str, err: int = errno.EINVAL) -> None:
        super().__init__(err, problem, str(path))
        self.path = str(path)
        self.problem = problem

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


# -- writing ---------------------------------------------------------------------------------------


def write_all(fd: int, data: bytes, name: Path | str) -> None:
    """Write every byte of `data` to `fd`; a write that makes no progress or
    fails raises WriteError naming `name`."""
    view = memoryview(data)
    while view:
        try:
            done = os.write(fd, view)
        except OSError as err:
            raise WriteError(name, err) from None
        if done <= 0:
            raise WriteError(name, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        view = view[done:]


def append_whole(fd: int, data: bytes, name: Path | str) -> None:
    """Append `data` (whole lines) to an O_APPEND file, all of it or nothing:
    after a failed or interrupted write the file is cut back to its old end,
    so no reader ever sees half a line."""
    try:
        end = os.lseek(fd, 0, os.SEEK_END)
    except OSError as err:
        raise WriteError(name, err) from None
    try:
        write_all(fd, data, name)
    except BaseException:
        try:
            os.ftruncate(fd, end)
        except OSError:
            pass
        raise


def remove_tree(path: Path) -> None:
    """Delete `path` and all below it, never following a symbolic link: a
    link is removed, never what it points to.  (shutil.rmtree refuses a link
    at the top, and loading it costs a batch run more than the removal.)"""
    if not stat.S_ISDIR(os.lstat(path).st_mode):
        os.unlink(path)
        return
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                remove_tree(Path(entry.path))
            else:
                os.unlink(entry.path)
    os.rmdir(path)


def _temp_path(path: Path) -> Path:
    # unique per process and thread: the status writer thread and the main
    # thread, the owner and a CLI never share a temporary file
    return path.parent / f".{path.name}.{os.getpid()}.{get_ident()}.tmp"


def _write_temp(path: Path, raw: bytes, durable: bool) -> Path:
    """The content in a fsynced temporary file beside `path` (removed on error)."""
    tmp = _temp_path(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        try:
            fd = os.open(tmp, flags, _mode_of(path))
        except FileExistsError:  # left by a crashed process with the same pid: never ours to follow
            os.unlink(tmp)
            fd = os.open(tmp, flags, _mode_of(path))
    except OSError as err:
        raise WriteError(path, err) from None
    try:
        try:
            write_all(fd, raw, path)
            if durable:
                os.fsync(fd)
        except WriteError:
            raise
        except OSError as err:
            raise WriteError(path, err) from None
        finally:
            os.close(fd)
    except BaseException:
        _remove(tmp)
        raise
    return tmp


def _mode_of(path: Path) -> int:
    """Keep the permissions of the file being replaced (0644 for a new one)."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return 0o644
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else 0o644


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _sync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return  # the rename happened; a directory we cannot open cannot be synced
    try:
        os.fsync(fd)
    except OSError as err:
        if err.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise WriteError(directory, err) from None
    finally:
        os.close(fd)


def _raw(data: str | bytes) -> bytes:
    return data.encode() if isinstance(data, str) else data


def atomic_write(path: Path, data: str | bytes, durable: bool = True) -> None:
    """Replace `path` with `data`, whole or not at all (see the module doc)."""
    write_files(Path(path).parent, {Path(path).name: data}, durable)


def write_files(directory: Path, contents: Mapping[str, str | bytes | None], durable: bool = True) -> None:
    """Replace several files of `directory` together: every new content is
    written and fsynced to a temporary file first; only when all of them are
    on disk are they renamed over their targets (None: the file is removed).
    A failure before the renames leaves every file as it was."""
    directory = Path(directory)
    temps: list[tuple[Path, Path]] = []
    try:
        for name, data in contents.items():
            if data is not None:
                temps.append((_write_temp(directory / name, _raw(data), durable), directory / name))
    except BaseException:
        for tmp, _ in temps:
            _remove(tmp)
        raise
    try:
        for tmp, target in temps:
            try:
                os.replace(tmp, target)
            except OSError as err:
                raise WriteError(target, err) from None
        for name, data in contents.items():
            if data is None:
                try:
                    os.unlink(directory / name)
                except FileNotFoundError:
                    pass
                except OSError as err:
                    raise WriteError(directory / name, err) from None
    finally:
        for tmp, _ in temps:
            if os.path.lexists(tmp):
                _remove(tmp)
    if durable:
        _sync_dir(directory)


def dump_json(value: Any) -> str:
    return json.dumps(value, indent=4, sort_keys=True) + "\n"


# -- reading ---------------------------------------------------------------------------------------

_KINDS = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def read_regular(path: Path | str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of `path` if it is a regular file of at most `limit` bytes.

    Opened with O_NOFOLLOW | O_NONBLOCK, so neither a symbolic link nor a FIFO
    without a writer can make hasim read something else or wait forever; the
    kind and size are checked on the open file before reading.  Raises
    FileNotFoundError when it does not exist, ReadError otherwise.
    """
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except FileNotFoundError:
        raise
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise ReadError(path, "is a symbolic link; hasim reads only regular files", err.errno) from None
        raise ReadError(path, f"cannot read: {err.strerror or err}", err.errno or errno.EIO) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
            raise ReadError(path, f"is {kind}; hasim reads only regular files")
        if st.st_size > limit:
            raise ReadError(path, f"is too large ({st.st_size} bytes, at most {limit})", errno.EFBIG)
        chunks = []
        total = 0
        while True:
            try:
                chunk = os.read(fd, 1 << 20)
            except OSError as err:
                raise ReadError(path, f"cannot read: {err.strerror or err}", err.errno or errno.EIO) from None
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # grew while we read
                raise ReadError(path, f"is too large (more than {limit} bytes)", errno.EFBIG)
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text(path: Path | str, limit: int = MAX_INPUT_BYTES) -> str:
    """`read_regular` decoded as UTF-8; ReadError names the first bad byte."""
    raw = read_regular(path, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ReadError(path, f"not valid UTF-8 text (byte {err.start + 1})") from None
