"""Index a copy that is a directory, never following a symbolic link.

Every step below SRC goes through directory file descriptors opened with
``O_NOFOLLOW``: a link anywhere in the layout (the real ``etc/pve/local``,
or a hostile ``etc -> /etc``) is recorded as a link and never entered, even
if it is swapped in while the import runs.  Kinds come from the directory
listing (``lstat``), so a FIFO or device is never opened; files are opened
only when a reader asks for them, non-blocking, and checked again with
``fstat`` before a byte is read.  SRC itself may be a link: the admin named
it.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from hasim.importer.source import Entry, Kind, SourceTree, Unreadable, read_limited, size_limit, wanted_dir, wanted_file

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return Kind.LINK
    if stat.S_ISDIR(mode):
        return Kind.DIR
    if stat.S_ISREG(mode):
        return Kind.FILE
    return Kind.OTHER


def _error_text(err: OSError) -> str:
    return f"cannot read: {err.strerror or err}"


def read_regular_file(path: Path, limit: int, dir_fd: int | None = None) -> bytes:
    """The bytes of the regular file `path` (relative to `dir_fd` if given).

    Opened non-blocking and checked with `fstat`, so a FIFO or device that
    replaced the file since it was listed is refused, not waited on.
    """
    flags = _FILE_FLAGS if dir_fd is not None else _FILE_FLAGS & ~os.O_NOFOLLOW
    try:
        fd = os.open(path, flags, dir_fd=dir_fd)
    except OSError as err:
        raise Unreadable(_error_text(err)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unreadable("is not a regular file; not read")
        return read_limited(lambda n: os.read(fd, n), limit)
    except OSError as err:
        raise Unreadable(_error_text(err)) from None
    finally:
        os.close(fd)


def _open_dir(top: Path, parts: tuple[str, ...]) -> int:
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in parts:
            next_fd = os.open(part, _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def _loader(top: Path, parts: tuple[str, ...]):
    def load() -> bytes:
        try:
            fd = _open_dir(top, parts[:-1])
        except OSError as err:
            raise Unreadable(_error_text(err)) from None
        try:
            return read_regular_file(Path(parts[-1]), size_limit("/".join(parts)), dir_fd=fd)
        finally:
            os.close(fd)

    return load


def index_directory(top: Path) -> SourceTree:
    """List the layout's places below `top`; raises OSError if `top` itself
    cannot be listed.  A directory below it that cannot be listed is kept in
    `SourceTree.unlisted`, to be reported: silently empty, it would hide
    guests or HA files."""
    entries: dict[str, Entry] = {}
    unlisted: list[tuple[str, str]] = []
    pending: list[tuple[str, ...]] = [()]
    while pending:
        parts = pending.pop()
        try:
            fd = _open_dir(top, parts)
            try:
                with os.scandir(fd) as listing:
                    found = [(item.name, _kind(item.stat(follow_symlinks=False).st_mode)) for item in listing]
            finally:
                os.close(fd)
        except OSError as err:
            if not parts:
                raise
            unlisted.append(("/".join(parts), f"cannot list: {err.strerror or err}"))
            continue
        for name, kind in found:
            child = (*parts, name)
            path = "/".join(child)
            if kind == Kind.FILE and wanted_file(child):
                entries[path] = Entry(Kind.FILE, _loader(top, child))
            else:
                entries[path] = Entry(kind)
            if kind == Kind.DIR and wanted_dir(child):
                pending.append(child)
    return SourceTree(str(top), entries, unlisted=tuple(unlisted))
