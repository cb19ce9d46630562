"""The copy of a cluster (SRC) as an index of paths, read without side effects.

Why an index instead of reading files as they are needed: SRC comes in two
shapes, a directory or a tar archive, and the readers of the real formats
should not care which.  Both back-ends (`source_dir`, `source_tar`) list the
few places of the layout (spec 04 §2.1) into one `SourceTree`; a reader asks
for a path and gets its text or a clear reason why not.

Safety rules shared by both back-ends:

* nothing is ever written, extracted or followed: a symbolic link is an
  entry of kind ``link`` whose target is never looked at (the real
  ``etc/pve/local``, ``qemu-server`` and ``lxc`` links would count guests
  twice), and ``priv/`` is never listed;
* only regular files are opened; a link, FIFO or device where the import
  expects a file is refused with a message naming it (opening a FIFO could
  block forever);
* files are size-capped, text must be UTF-8.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import attrs

from hasim.importer.diagnostics import Diagnostics, printable

ROOT_CANDIDATES = ("etc/pve/", "")
RESOURCES_JSON = "resources.json"
# markers of a directory that is itself the etc/pve root (spec 04 §1)
ROOT_MARKERS = ("corosync.conf", "ha", "nodes")
ROOT_FILES = ("corosync.conf", "datacenter.cfg")
HA_FILES = ("resources.cfg", "groups.cfg", "rules.cfg", "manager_status")
GUEST_DIRS = ("qemu-server", "lxc")
GUEST_FILE = re.compile(r"^[1-9][0-9]*\.conf$", re.ASCII)

# pmxcfs itself refuses files above 1 MiB; a resources.json of a large
# cluster with its storages runs to a few MiB
FILE_LIMIT = 16 * 1024 * 1024
RESOURCES_JSON_LIMIT = 64 * 1024 * 1024



class Kind:
    """What an entry of SRC is; only a FILE is ever opened."""

    FILE, DIR, LINK, OTHER = "file", "dir", "link", "other"


_KIND_NAMES = {Kind.LINK: "a symbolic link", Kind.DIR: "a directory", Kind.OTHER: "a FIFO, socket or device"}


class Unreadable(Exception):
    """A file of the copy that cannot be used; `problem` says why, `line`
    where (for text that is not UTF-8)."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


@attrs.frozen
class Entry:
    """One path of SRC: its kind and, for a file, how to get its bytes.

    `load` raises `Unreadable`; it is called only when a reader needs the
    file, so a file nobody needs (a non-HA guest's config) is never read.
    """

    kind: str
    load: Callable[[], bytes] | None = None


def not_a_file(kind: str) -> str:
    """The refusal message for a non-regular entry where a file is expected."""
    return f"is {_KIND_NAMES.get(kind, 'not a regular file')}, not a regular file; not read"


def size_limit(path: str) -> int:
    return RESOURCES_JSON_LIMIT if path == RESOURCES_JSON else FILE_LIMIT


def wanted_file(parts: tuple[str, ...]) -> bool:
    """Whether the import may read the file at `parts` (relative to SRC)."""
    if parts == (RESOURCES_JSON,):
        return True
    for prefix in (("etc", "pve"), ()):
        if parts[: len(prefix)] != prefix:
            continue
        rel = parts[len(prefix):]
        if len(rel) == 1 and rel[0] in ROOT_FILES:
            return True
        if len(rel) == 2 and rel[0] == "ha" and rel[1] in HA_FILES:
            return True
        if len(rel) == 4 and rel[0] == "nodes" and rel[2] in GUEST_DIRS and GUEST_FILE.match(rel[3]):
            return True
    return False


def wanted_dir(parts: tuple[str, ...]) -> bool:
    """Whether the directory at `parts` is one the import lists."""
    if parts in ((), ("etc",), ("etc", "pve")):
        return True
    for prefix in (("etc", "pve"), ()):
        if parts[: len(prefix)] != prefix:
            continue
        rel = parts[len(prefix):]
        if rel in (("ha",), ("nodes",)) or (len(rel) == 2 and rel[0] == "nodes"):
            return True
        if len(rel) == 3 and rel[0] == "nodes" and rel[2] in GUEST_DIRS:
            return True
    return False


def decode_text(data: bytes) -> str:
    """UTF-8 text or `Unreadable` naming the line of the first bad byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise Unreadable(f"not valid UTF-8 text (byte 0x{data[err.start]:02x})", line) from None


class SourceTree:
    """The indexed copy: SRC-relative POSIX paths -> `Entry`.

    `root` is the prefix of the etc/pve root ("etc/pve/" or ""), found by
    `find_root`; `label` names SRC in messages; `skipped` lists archive
    members that could not be placed (absolute or ``..`` paths), `unlisted`
    the directories that could not be listed, with the reason.
    """

    def __init__(
        self,
        label: str,
        entries: Mapping[str, Entry],
        skipped: tuple[str, ...] = (),
        unlisted: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.label = label
        self.entries = dict(entries)
        self.skipped = skipped
        self.unlisted = unlisted
        self.root = ""
        children: dict[str, list[str]] = {}
        for path in self.entries:
            parent, _, name = path.rpartition("/")
            children.setdefault(parent, []).append(name)
        self._children = {parent: sorted(names) for parent, names in children.items()}

    def kind(self, path: str) -> str | None:
        entry = self.entries.get(path)
        return None if entry is None else entry.kind

    def children(self, path: str) -> list[str]:
        """Names directly inside the directory `path`, sorted."""
        return list(self._children.get(path, ())) if self.kind(path) == Kind.DIR or path == "" else []

    def under_root(self, rel: str) -> str:
        return self.root + rel

    def find_root(self) -> str | None:
        """Locate the etc/pve root; None when SRC has none (E01)."""
        if self.kind("etc/pve") == Kind.DIR:
            self.root = "etc/pve/"
            return self.root
        if any(self.kind(marker) is not None for marker in ROOT_MARKERS):
            self.root = ""
            return self.root
        return None

    def read_bytes(self, path: str) -> bytes | None:
        """The bytes of the file at `path`, None if there is none.

        Anything but a regular file raises `Unreadable` without being opened.
        """
        entry = self.entries.get(path)
        if entry is None:
            return None
        if entry.kind != Kind.FILE or entry.load is None:
            raise Unreadable(not_a_file(entry.kind))
        return entry.load()

    def read_text(
        self, path: str, diags: Diagnostics, code: str = "E01", content_code: str | None = None
    ) -> str | None:
        """The UTF-8 text at `path`, or None when it is absent or unusable.

        An unusable file is reported under `code` (`content_code` for text
        that is not UTF-8); the caller then goes on as if it were absent.
        """
        try:
            data = self.read_bytes(path)
            return None if data is None else decode_text(data)
        except Unreadable as err:
            used = content_code if content_code is not None and err.line is not None else code
            diags.add(used, path, err.line, printable(err.problem))
            return None


def read_limited(read: Callable[[int], bytes], limit: int) -> bytes:
    """Read at most `limit` bytes with `read(n)`; more is `Unreadable`."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = read(min(1 << 20, limit + 1 - total))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise Unreadable(f"larger than {limit // (1024 * 1024)} MiB; not read")
