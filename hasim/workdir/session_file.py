"""Sessions: what a user did, recorded so that it can be replayed and exported.

Every command applied to a simulation — from a scenario's cmdlist, from the
window, from `hasim ha-manager` — and every configuration edit is appended,
with its virtual time, to `DIR/status/session/commands`; the input files the
simulation started from are copied to `DIR/status/session/start/`.  The
format is plain text, one entry per line, made to be read and diffed:

    # hasim session 2
    20 cmdlist power node1 on
    120 command network node3 off
    140 config datacenter.cfg {"crs": {"ha": "static"}}
    160 ha-manager add vm:107 --node node2
    180 ha-manager rules add node-affinity keep --resources vm:101 --nodes node1 --comment "two words"
    720 end done

`<time> <source> <rest>`: the source says who applied it (`cmdlist`,
`command` for the window, `ha-manager`, `config` for a file replacement whose
new content follows as JSON).  The last line, `end`, says how the session
stopped: `done` (the scenario ran to its end), `error` or `closed steps=<n>`
(the window was closed after n engine steps).  All entries are applied at
loop ends, the only points where the real tester applies commands, so a
replay that applies them at the same times yields the identical log.

Every entry reads back exactly.  `<rest>` is written as it is unless it
could not be read back from one line — a line feed or another unprintable
character, blanks at either end, a leading `"`, nothing at all — in which
case it is one JSON string (`"power node1 on\n"`).  An `ha-manager` entry
is its command line with every argument that is not a plain word written as
a JSON string (`--comment "two words"`), so the arguments read back as
they were given.  Version 1 sessions (no quoting) are still read.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from hasim.errors import InputError, one_line
from hasim.values import Value
from hasim.workdir import JSON_INPUTS, TEXT_INPUTS, dump_json
from hasim.workdir.files import ReadError, append_whole, read_text, write_files

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

HEADER = "# hasim session 2\n"
READABLE_HEADERS = ("# hasim session 1", "# hasim session 2")
SESSION_DIR = "session"


def encode_text(text: str) -> str:
    """An entry's text as it stands on its line (see the module docstring)."""
    if text and text.isprintable() and text == text.strip() and not text.startswith('"'):
        return text
    return json.dumps(text, ensure_ascii=False)


def decode_text(raw: str) -> str:
    if raw.startswith('"'):
        value = json.loads(raw)
        if not isinstance(value, str):
            raise ValueError("not a JSON string")
        return value
    return raw


class Entry(Value):
    time: int
    source: str  # cmdlist, command, ha-manager, config, end
    text: str  # the command, "<file> <json>" for config, the reason for end

    def line(self) -> str:
        return f"{self.time} {self.source} {encode_text(self.text)}\n"


class SessionRecorder:
    """Appends entries as they are applied; one line per write, flushed."""

    def __init__(self, status_dir: Path, start_files: dict[str, Any]) -> None:
        self.dir = Path(status_dir) / SESSION_DIR
        start = self.dir / "start"
        start.mkdir(parents=True, exist_ok=True)
        contents = {
            name: value if isinstance(value, str) else dump_json(value)
            for name, value in sorted(start_files.items())
            if name.startswith("service_status_") or name in JSON_INPUTS or name in TEXT_INPUTS
        }
        write_files(start, {**contents, "cmdlist": "[]\n"}, durable=False)  # copies of the inputs
        self.path = self.dir / "commands"
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND | os.O_CLOEXEC, 0o644)
        self.closed = False
        self.entries: list[Entry] = []  # what was recorded, in memory too (a Save writes them: workdir.saved)
        try:
            append_whole(self._fd, HEADER.encode(), self.path)
        except OSError:
            os.close(self._fd)
            self.closed = True
            raise

    def record(self, time: int, source: str, text: str) -> None:
        """One write(2) per entry: a crash never leaves half a line."""
        if self.closed:
            return
        entry = Entry(time, source, text)
        append_whole(self._fd, entry.line().encode(), self.path)
        self.entries.append(entry)

    def close(self, time: int, reason: str) -> None:
        if self.closed:
            return
        try:
            self.record(time, "end", reason)
        finally:
            self.closed = True
            os.close(self._fd)


MAX_SESSION_TIME = 10**8  # virtual seconds (three years); a damaged file must not make a replay run for ever
_TIME = re.compile(r"[0-9]{1,9}")


def read_session(status_dir: Path) -> tuple[Path, list[Entry]]:
    """Parse a recorded session; a truncated last line (crash) is ignored.

    Only a regular file is read; a line that is not `<time> <source> <text>`
    with an ASCII time of at most MAX_SESSION_TIME, or a time before the
    previous line's, is an InputError naming the line.
    """
    sdir = Path(status_dir) / SESSION_DIR
    path = sdir / "commands"
    name = f"{SESSION_DIR}/commands"
    try:
        text = read_text(path)
    except FileNotFoundError:
        raise InputError(name, "no recorded session (run or open the directory first)") from None
    except ReadError as err:
        raise InputError(name, err.problem) from None
    return sdir / "start", parse_entries(text, name)


def parse_entries(text: str, name: str) -> list[Entry]:
    """The entries of a session's text (see `read_session`); `name` is the
    file errors name."""
    entries: list[Entry] = []
    lines = text.split("\n")
    complete = lines[:-1] if not text.endswith("\n") else lines
    version = 1
    for lineno, line in enumerate(complete, 1):
        if line.startswith("# hasim session "):
            if line not in READABLE_HEADERS:
                raise InputError(name, f"unknown session format '{line[2:]}' (this hasim reads versions 1 and 2)")
            version = int(line.rsplit(" ", 1)[1])
            continue
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split(" ", 2)
        if len(parts) < 3 or not _TIME.fullmatch(parts[0]):
            raise InputError(name, f"cannot parse {one_line(line[:80])!r}", f"line {lineno}")
        try:
            rest = decode_text(parts[2]) if version >= 2 else parts[2]
        except ValueError as err:
            raise InputError(name, f"cannot read the quoted text: {err}", f"line {lineno}") from None
        entry = Entry(int(parts[0]), parts[1], rest)
        if entry.time > MAX_SESSION_TIME:
            raise InputError(name, f"time {entry.time} is past {MAX_SESSION_TIME} s", f"line {lineno}")
        if entries and entry.time < entries[-1].time:
            raise InputError(name, f"time {entry.time} is before the previous entry's ({entries[-1].time})", f"line {lineno}")
        if entries and entries[-1].source == "end":
            raise InputError(name, "an entry after the session's end", f"line {lineno}")
        entries.append(entry)
    return entries


def end_entry(entries: list[Entry]) -> Entry | None:
    return next((e for e in reversed(entries) if e.source == "end"), None)
