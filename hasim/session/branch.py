"""Branches: go back to an earlier moment of a session, try something else
from there, and keep both.

A session replays to the identical log (`replay`), so any earlier moment of it
can be reached exactly: replay its entries up to that moment and stop.  A
*branch* is a session kept under a name in the working directory —
`DIR/branches/<name>/` holds `session/` (start inputs and entries, the format
of `hasim.workdir.session_file`) and the `log` it wrote — so it is saved
with the directory and `hasim replay DIR --branch NAME` replays it.

Going back keeps the session run so far as a branch, then starts a new
simulation that replays the session's entries to the chosen loop end; from
there it runs live, and its own recorder writes the replayed entries again
followed by whatever is done next — a complete session of its own.

The window goes back through its own resume (hasim.session.resume, the path
a saved session takes): `LoopEnds` notes each loop end of a run with the
engine steps taken by then, and `session_until` cuts the session so far at
one of them into a `SavedSession` that resumes at that very step.  `resume`
below does the same in memory for a session kept on disk.
"""

from __future__ import annotations

import bisect
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from hasim.errors import InputError
from hasim.session.replay import schedule_of
from hasim.simulation import Simulation
from hasim.values import Value
from hasim.workdir import load_scenario
from hasim.workdir.saved import SavedSession
from hasim.workdir.session_file import SESSION_DIR, Entry, end_entry, read_session

BRANCHES = "branches"
NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def branches_dir(workdir: Path) -> Path:
    return Path(workdir) / BRANCHES


def branch_path(workdir: Path, name: str) -> Path:
    """Where branch `name` lives; InputError for a name that is not one word."""
    if not NAME_RE.fullmatch(name):
        raise InputError(BRANCHES, f"a branch name is letters, digits, '.', '_' or '-', not {name!r}")
    return branches_dir(workdir) / name


def name_problem(workdir: Path, name: str) -> str | None:
    """Why `name` cannot name a new branch of `workdir` (None: it can)."""
    try:
        target = branch_path(workdir, name)
    except InputError as err:
        return err.problem
    if target.exists():
        return f"a branch named '{name}' exists already"
    return None


def list_branches(workdir: Path) -> list[str]:
    """The names of the saved branches that hold a session, in name order."""
    root = branches_dir(workdir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / SESSION_DIR / "commands").is_file())


def keep(status_dir: Path, workdir: Path, name: str) -> Path:
    """Copy a session (`status_dir`'s session/ and log) into branch `name`:
    written into a hidden folder first and renamed, so a branch is whole or
    absent.  The session must be closed (its end line written) or at least
    flushed.  Refuses to overwrite an existing branch."""
    target = branch_path(workdir, name)
    if target.exists():
        raise InputError(BRANCHES, f"a branch named '{name}' exists already")
    source = Path(status_dir)
    if not (source / SESSION_DIR / "commands").is_file():
        raise InputError(f"{source.name}/{SESSION_DIR}/commands", "no recorded session to keep")
    temp = target.with_name(f".{name}.partial")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    try:
        shutil.copytree(source / SESSION_DIR, temp / SESSION_DIR)
        if (source / "log").is_file():
            shutil.copy2(source / "log", temp / "log")
        temp.rename(target)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return target


class BranchInfo(Value):
    name: str
    last: int | None  # the virtual time it goes up to (None: unreadable)
    entries: int  # commands and edits recorded
    problem: str | None = None  # why it cannot be read


def describe(workdir: Path) -> list[BranchInfo]:
    """The saved branches with how far each went (`hasim branches`, the window's list)."""
    out = []
    for name in list_branches(workdir):
        folder = branches_dir(workdir) / name
        try:
            _, last = moments(folder)
            _, entries = read_session(folder)
        except InputError as err:
            out.append(BranchInfo(name, None, 0, str(err)))
            continue
        out.append(BranchInfo(name, last, sum(1 for e in entries if e.source != "end")))
    return out


def copy_branches(workdir: Path, target: Path) -> None:
    """Copy `workdir`'s branches into `target` (Save as), whole or not at all."""
    source = branches_dir(workdir)
    if not source.is_dir():
        return
    final = branches_dir(target)
    temp = final.with_name(f".{BRANCHES}.partial")
    shutil.rmtree(temp, ignore_errors=True)
    try:
        shutil.copytree(source, temp, ignore=shutil.ignore_patterns(".*"))
        temp.rename(final)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise


def moments(status_dir: Path) -> tuple[int, int]:
    """(first, last) virtual time a session can be taken back to: its start,
    and the time of its end line (or its last entry while it is open)."""
    _, entries = read_session(status_dir)
    end = end_entry(entries)
    last = end.time if end is not None else (entries[-1].time if entries else 0)
    return 0, last


def resume(status_dir: Path, until: int, sim: Simulation | None = None) -> Simulation:
    """A simulation at the loop end at or after virtual time `until` of the
    session in `status_dir`, reached by replaying its entries (nothing after
    `until` is applied).  Pass `sim` (built from the session's start inputs,
    e.g. with a live directory attached) to have it stepped there; by default
    a fresh in-memory one."""
    start, entries = read_session(status_dir)
    if sim is None:
        sim = Simulation(load_scenario(start), interactive=True)
    kept = [e for e in entries if e.source != "end" and e.time <= until]
    sim.follow(schedule_of(kept, nodes=sim.nodes))
    sim.start()
    while not sim.finished and sim.loop_position[1] < until:
        sim.step_node()
    return sim


def start_inputs(status_dir: Path) -> Path:
    """The folder of inputs a session started from (a scenario directory)."""
    return Path(status_dir) / SESSION_DIR / "start"


# -- going back from a running simulation ----------------------------------------------------------------


class Moment(Value):
    """A point a run can be taken back to exactly: a loop end (or the start)."""

    time: int
    steps: int  # engine steps taken by then


class LoopEnds:
    """The loop ends a simulation passes, each with the steps taken by then;
    attach before its first step."""

    def __init__(self, sim: Simulation) -> None:
        self.sim = sim
        self.times = [0]  # the start is a moment too
        self.steps = [0]
        sim.observe_steps(self._stepped)

    def _stepped(self, node: str | None) -> None:
        sim = self.sim
        if node is None and sim.time > self.times[-1]:
            self.times.append(sim.time)
            self.steps.append(sim.steps)

    def at_or_before(self, time: int) -> Moment:
        """The last loop end at or before virtual time `time` (the start if none)."""
        i = max(0, bisect.bisect_right(self.times, time) - 1)
        return Moment(self.times[i], self.steps[i])

    def before(self, time: int) -> Moment:
        """The last loop end before `time`: the moment to undo what was applied at `time`."""
        return self.at_or_before(time - 1)


def session_until(start: Mapping, cmdlist: list, entries: Iterable[Entry], moment: Moment) -> SavedSession:
    """The session so far (its start, its scenario's cmdlist, the entries it
    recorded) cut at `moment`: a saved session that resumes right there,
    the entries after it left out.  Not from a file: its input digest is empty."""
    kept = tuple(e for e in entries if e.source != "end" and e.time <= moment.time)
    return SavedSession(moment.time, moment.steps, "", dict(start), list(cmdlist), kept)


def default_name(entries: Sequence[Entry], moment: Moment, now: int, taken: Iterable[str]) -> str:
    """A name for the session kept when going back to `moment`: what it did
    after that moment ("power-node1-off-at-120"), or how far it went."""
    after = [e for e in entries if e.source != "end" and e.time > moment.time]
    if after:
        first = after[0]
        text = f"edit {first.text.split(' ', 1)[0]}" if first.source == "config" else first.text
        words = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-._")[:40].rstrip("-._")
        base = f"{words}-at-{first.time}" if words else f"until-{now}s"
    else:
        base = f"until-{now}s"
    taken = set(taken)
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name
