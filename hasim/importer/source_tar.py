"""Index a copy that is a tar archive, in memory, never extracting anything.

The archive is read once, as a stream (plain, gzip, bzip2 or xz): the
members the import may need are kept in memory, every other member is only
passed over.  Nothing touches the disk, so a member named ``/etc/passwd`` or
``../x`` cannot land anywhere; such members are skipped and named when the
archive turns out to hold no etc/pve root.  Links, devices and FIFOs are
indexed by kind only, so the import refuses them where it expects a file,
just as for a directory.

Limits keep a hostile archive (a decompression bomb, millions of members)
from stalling the import: both stop the reading with a clear error.
"""

from __future__ import annotations

import lzma
import tarfile
import zlib
from pathlib import Path

from hasim.importer.source import Entry, Kind, SourceTree, Unreadable, read_limited, size_limit, wanted_file

ARCHIVE_BYTES_LIMIT = 1024 * 1024 * 1024
ARCHIVE_MEMBERS_LIMIT = 200_000
_READ_ERRORS = (tarfile.TarError, EOFError, OSError, zlib.error, lzma.LZMAError)


class BadArchive(Exception):
    """The archive cannot be read to its end: the message says why."""


def _member_kind(member: tarfile.TarInfo) -> str:
    if member.isreg():
        return Kind.FILE
    if member.isdir():
        return Kind.DIR
    if member.issym() or member.islnk():
        return Kind.LINK
    return Kind.OTHER


def _safe_parts(name: str) -> tuple[str, ...] | None:
    """The member's path as parts, None when it would leave the archive."""
    if name.startswith("/"):
        return None
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    return None if ".." in parts else parts


def _failed(load_error: Unreadable):
    def load() -> bytes:
        raise load_error

    return load


def _stored(data: bytes):
    return lambda: data


def index_archive(path: Path) -> SourceTree:
    """Read the archive at `path`; raises BadArchive (not a tar, truncated,
    corrupt, too large) or OSError (cannot open)."""
    entries: dict[str, Entry] = {}
    skipped: list[str] = []
    with open(path, "rb") as raw:
        try:
            with tarfile.open(fileobj=raw, mode="r|*") as archive:
                for count, member in enumerate(archive, 1):
                    if count > ARCHIVE_MEMBERS_LIMIT:
                        raise BadArchive(f"more than {ARCHIVE_MEMBERS_LIMIT} members; not read")
                    if member.offset_data + max(member.size, 0) > ARCHIVE_BYTES_LIMIT:
                        raise BadArchive(f"more than {ARCHIVE_BYTES_LIMIT} bytes unpacked; not read")
                    parts = _safe_parts(member.name)
                    if parts is None:
                        skipped.append(member.name)
                        continue
                    if parts:
                        entries["/".join(parts)] = _entry(archive, member, parts)
        except BadArchive:
            raise
        except _READ_ERRORS as err:
            raise BadArchive(f"not a readable tar archive ({err or type(err).__name__})") from None
    return SourceTree(str(path), _with_parents(entries), tuple(skipped))


def _entry(archive: tarfile.TarFile, member: tarfile.TarInfo, parts: tuple[str, ...]) -> Entry:
    kind = _member_kind(member)
    if kind != Kind.FILE or not wanted_file(parts):
        return Entry(kind)
    limit = size_limit("/".join(parts))
    if member.size > limit:
        return Entry(Kind.FILE, _failed(Unreadable(f"larger than {limit // (1024 * 1024)} MiB; not read")))
    stream = archive.extractfile(member)
    data = read_limited(stream.read, limit) if stream is not None else b""
    if len(data) != member.size:
        raise BadArchive(f"member '{member.name}' is truncated")
    return Entry(Kind.FILE, _stored(data))


def _with_parents(entries: dict[str, Entry]) -> dict[str, Entry]:
    """Add the directories the members imply (an archive of single files
    has no directory members) and drop members below a non-directory, which
    no extraction could produce."""
    result: dict[str, Entry] = {}
    for path in sorted(entries):
        parts = path.split("/")
        parents = ["/".join(parts[:i]) for i in range(1, len(parts))]
        if any(p in entries and entries[p].kind != Kind.DIR for p in parents):
            continue
        for parent in parents:
            result.setdefault(parent, Entry(Kind.DIR))
        if entries[path].kind == Kind.DIR and path in result:
            continue
        result[path] = entries[path]
    return result

