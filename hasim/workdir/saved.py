"""A saved session: the window's Save, so that the next start resumes at the
very moment it was saved.

A working directory's inputs say where a simulation *starts*.  Writing the
live cluster files back as inputs (the real simulator's Save, here "Save as
scenario") cannot bring back what lives only in the daemons — which CRM is
master, which LRM holds its lock, a watchdog half run down — and the real
tester starts no daemons for a node that is "on" in its inputs.  A
deterministic engine does not need to: the same start with the same
commands at the same times reaches the same moment again, to the step.

So Save keeps one file, `DIR/saved-session.json`, written whole or not at
all (together with any input files the same save replaces):

    {"format": "hasim saved session 1", "time": 420, "steps": 181,
     "inputs": "<sha256 of DIR's input files as saved>",
     "start": {"hardware_status": {...}, "service_config": {...}, ...},
     "cmdlist": [["power node1 on", ...], ...],
     "entries": ["20 cmdlist power node1 on", "180 command network node3 off", ...]}

`start` and `cmdlist` are what the simulation started from, `entries` every
command and edit applied since, as the session records them
(hasim.workdir.session_file), `steps` the engine steps taken.  `inputs` is a
digest of the directory's input files as they were when saved: input files
changed since (by hand, by `hasim ha-manager` on the idle directory) make
the saved session stale, and the directory starts from its inputs again.
Resuming is hasim.session.resume.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from hasim.errors import InputError, one_line
from hasim.jsondata import JSONError, loads_strict
from hasim.values import Value
from hasim.workdir.files import ReadError, read_regular, read_text, write_files
from hasim.workdir.scenario import JSON_INPUTS, TEXT_INPUTS, scenario_of
from hasim.workdir.session_file import HEADER, MAX_SESSION_TIME, Entry, parse_entries

# `typing` costs a batch run more than all of Python's own start-up: names
# used only in annotations come in for type checkers alone
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from hasim.scenario import Scenario

SAVED_NAME = "saved-session.json"
FORMAT = "hasim saved session 1"
MAX_STEPS = 10**12


def is_input(name: str) -> bool:
    """Whether a top-level file of a working directory is one of its inputs."""
    return name == "cmdlist" or name in JSON_INPUTS or name in TEXT_INPUTS or name.startswith("service_status_")


def input_bytes(directory: Path) -> dict[str, bytes]:
    """The input files of `directory` as they are on disk (what the digest covers)."""
    out = {}
    try:
        names = sorted(p.name for p in Path(directory).iterdir())
    except FileNotFoundError:
        return out
    for name in names:
        if is_input(name):
            try:
                out[name] = read_regular(Path(directory) / name)
            except (FileNotFoundError, ReadError):
                out[name] = b"\0unreadable"  # never equal to a file's bytes: such a directory is not resumed
    return out


def user_files(directory: Path) -> dict[str, bytes]:
    """The user's files at the top of `directory` (inputs, README, notes; not
    `status/`, the lock, hidden files or the saved session): what Save as copies."""
    out = {}
    for p in sorted(Path(directory).iterdir()):
        if p.name.startswith(".") or p.name == SAVED_NAME or p.is_symlink() or not p.is_file():
            continue
        out[p.name] = read_regular(p)
    return out


def digest(files: Mapping[str, bytes]) -> str:
    import hashlib  # loads OpenSSL: only saving and resuming pay for it, not every batch run

    h = hashlib.sha256()
    for name in sorted(files):
        data = files[name]
        h.update(f"{name}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


class SavedSession(Value):
    time: int
    steps: int
    inputs: str  # digest of the directory's inputs when saved
    start: dict[str, Any]  # the start's cluster files (JSON values; rules_config, groups, fence.cfg as text)
    cmdlist: list[list[str]]
    entries: tuple[Entry, ...]

    def scenario(self) -> Scenario:
        """The start, validated as a working directory's inputs are."""
        return scenario_of(self.start, self.cmdlist, None)

    def current(self, directory: Path) -> bool:
        """Whether `directory`'s inputs are still the ones it was saved with."""
        return digest(input_bytes(directory)) == self.inputs


def session_text(start: Mapping[str, Any], cmdlist: list, entries: Sequence[Entry], time: int, steps: int,
                 inputs: str) -> str:  # fmt: skip
    start_files = {n: v for n, v in sorted(start.items()) if is_input(n) and n != "cmdlist"}
    return json.dumps({
        "format": FORMAT, "time": time, "steps": steps, "inputs": inputs,
        "start": start_files, "cmdlist": cmdlist,
        "entries": [e.line().rstrip("\n") for e in entries if e.source != "end"],
    }, indent=1, sort_keys=True) + "\n"  # fmt: skip


def write_saved(directory: Path, *, start: Mapping[str, Any], cmdlist: list, entries: Sequence[Entry], time: int,
                steps: int, files: Mapping[str, str | bytes | None] | None = None,
                base: Path | None = None) -> None:  # fmt: skip
    """Write `files` (None: removed) and the saved session into `directory`,
    all of them or none.  The digest covers the inputs as they are after the
    write: those of `base` (default `directory`) with `files` over them."""
    files = dict(files or {})
    inputs = input_bytes(base or directory)
    for name, data in files.items():
        if not is_input(name):
            continue
        if data is None:
            inputs.pop(name, None)
        else:
            inputs[name] = data.encode() if isinstance(data, str) else data
    text = session_text(start, cmdlist, entries, time, steps, digest(inputs))
    write_files(Path(directory), {**files, SAVED_NAME: text})


def read_saved(directory: Path) -> SavedSession | None:
    """The saved session of `directory` (None: there is none); a damaged one
    is an InputError naming what is wrong."""
    path = Path(directory) / SAVED_NAME
    try:
        text = read_text(path)
    except FileNotFoundError:
        return None
    except ReadError as err:
        raise InputError(SAVED_NAME, err.problem) from None
    try:
        doc = loads_strict(text)
    except JSONError as err:
        raise InputError(SAVED_NAME, err.reason, err.place) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(SAVED_NAME, f"not a saved session of this hasim (format {FORMAT!r})")
    time, steps, inputs = doc.get("time"), doc.get("steps"), doc.get("inputs")
    if not _count(time, MAX_SESSION_TIME) or not _count(steps, MAX_STEPS):
        raise InputError(SAVED_NAME, "'time' and 'steps' must be whole numbers of a sensible size")
    if not isinstance(inputs, str):
        raise InputError(SAVED_NAME, "'inputs' must be the digest of the inputs")
    start, lines = doc.get("start"), doc.get("entries")
    if not isinstance(start, dict) or not all(is_input(n) and n != "cmdlist" for n in start):
        raise InputError(SAVED_NAME, "'start' must map input file names to their contents")
    if not isinstance(lines, list) or not all(isinstance(line, str) and "\n" not in line for line in lines):
        raise InputError(SAVED_NAME, "'entries' must be a list of session lines")
    entries = parse_entries(HEADER + "".join(line + "\n" for line in lines), SAVED_NAME)
    if any(e.source == "end" for e in entries):
        raise InputError(SAVED_NAME, "a saved session has no end line")
    if entries and entries[-1].time > time:
        raise InputError(SAVED_NAME, f"an entry at {entries[-1].time} s is after the saved moment ({time} s)")
    saved = SavedSession(time, steps, inputs, start, doc.get("cmdlist"), tuple(entries))
    try:
        saved.scenario()
    except InputError as err:
        raise InputError(SAVED_NAME, f"the start: {one_line(str(err))}") from None
    return saved


def _count(value: object, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit
